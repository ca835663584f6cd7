#pragma once
// A directed graph in CSR form with travel times (minutes) on the arcs, and bounded Dijkstra.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "oasis/core/progress.hpp"
#include "oasis/travel/od.hpp"

namespace oasis::travel {

struct Arc {
  std::uint32_t from, to;
  float minutes;
};

struct Graph {
  std::vector<std::uint32_t> first{0};  // n + 1
  std::vector<std::uint32_t> head;
  std::vector<float> minutes;

  std::size_t nodes() const noexcept { return first.size() - 1; }
  std::size_t arcs() const noexcept { return head.size(); }
  /// Builds from arcs (parallel arcs: the fastest is kept). Throws Error(value_invalid) on a
  /// negative or non-finite time, Error(internal) on a node id >= n.
  static Graph from_arcs(std::size_t n, std::vector<Arc> arcs);
  Graph reversed() const;
};

/// Reusable state of one bounded Dijkstra search (one per thread).
class DijkstraWorkspace {
 public:
  explicit DijkstraWorkspace(std::size_t nodes);
  /// Settles every node reachable from the sources within `cutoff` minutes; `sources` pairs are
  /// (node, initial time). Calls visit(node, minutes) once per settled node, in time order.
  template <class Visit>
  void run(const Graph& g, std::span<const std::pair<std::uint32_t, float>> sources, double cutoff, Visit&& visit);

 private:
  static constexpr float kUnseen = std::numeric_limits<float>::infinity();
  void reset();
  std::vector<float> dist_;
  std::vector<std::uint32_t> touched_;
  std::vector<std::pair<float, std::uint32_t>> heap_;
};

inline constexpr std::uint32_t kNoNode = 0xFFFFFFFFu;

struct OdOptions {
  double cutoff_min = 30.0;
  int threads = 0;  // 0 = all hardware threads
  ProgressFn progress;
};

/// Bounded one-to-many searches from every origin node to the destination nodes.
/// `origin_nodes[o]` / `dest_nodes[d]` map origins and destinations to graph nodes (several may share
/// a node); `origin_offset[o]` / `dest_offset[d]` add access times (e.g. snapping to the road) in minutes.
/// When `same_set`, origin i and destination i are the same place and get `intra_min`.
/// kNoNode marks an origin or destination off the network: it reaches (and is reached by) nothing
/// but itself.
OdMatrix graph_od(const Graph& g, std::span<const std::uint32_t> origin_nodes, std::span<const float> origin_offset,
                  std::span<const std::uint32_t> dest_nodes, std::span<const float> dest_offset, const OdOptions& options, bool same_set,
                  double intra_min);

// ---- implementation of the template ----
template <class Visit>
void DijkstraWorkspace::run(const Graph& g, std::span<const std::pair<std::uint32_t, float>> sources, double cutoff, Visit&& visit) {
  reset();
  auto cmp = [](const std::pair<float, std::uint32_t>& a, const std::pair<float, std::uint32_t>& b) {
    return a.first > b.first || (a.first == b.first && a.second > b.second);
  };
  for (const auto& [node, t0] : sources) {
    if (t0 > cutoff || t0 >= dist_[node]) continue;
    if (dist_[node] == kUnseen) touched_.push_back(node);
    dist_[node] = t0;
    heap_.emplace_back(t0, node);
    std::push_heap(heap_.begin(), heap_.end(), cmp);
  }
  while (!heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), cmp);
    const auto [t, u] = heap_.back();
    heap_.pop_back();
    if (t > dist_[u]) continue;  // stale entry
    visit(u, t);
    for (auto a = g.first[u]; a < g.first[u + 1]; ++a) {
      const float nt = t + g.minutes[a];
      const auto v = g.head[a];
      if (nt > cutoff || nt >= dist_[v]) continue;
      if (dist_[v] == kUnseen) touched_.push_back(v);
      dist_[v] = nt;
      heap_.emplace_back(nt, v);
      std::push_heap(heap_.begin(), heap_.end(), cmp);
    }
  }
}

}  // namespace oasis::travel
