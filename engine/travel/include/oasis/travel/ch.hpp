#pragma once
// Contraction hierarchies (Geisberger, Sanders, Schultes & Delling 2008) for the road graph of the
// `osm` travel model, with the bucket many-to-many query (Knopp et al. 2007) bounded by the
// cutoff: the same times as a plain bounded Dijkstra, far fewer nodes settled per origin.
// docs/travel-osm.md ("Contraction hierarchies") gives the algorithm, its checks and its figures.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "oasis/core/progress.hpp"
#include "oasis/travel/graph.hpp"
#include "oasis/travel/od.hpp"

namespace oasis::travel {

struct ChOptions {
  /// Nodes a witness search may settle before it gives up (a shortcut is then added: never wrong,
  /// at worst one shortcut too many). The first for the priority estimates, the second for the
  /// contraction itself.
  std::size_t estimate_settle_limit = 60;
  std::size_t contract_settle_limit = 500;
  int threads = 0;  // the initial priorities in parallel; 0 = all hardware threads
  ProgressFn progress;
};

/// A graph's hierarchy: nodes renumbered by contraction order (rank), the upward arcs (to a
/// higher rank, originals and shortcuts) for forward searches and the downward arcs stored at
/// their lower end, reversed, for backward searches. Times are doubles: a shortcut's time is the
/// exact sum of its arcs' times, so queries agree with a double-precision Dijkstra to rounding.
class ContractionHierarchy {
 public:
  static ContractionHierarchy build(const Graph& graph, const ChOptions& options = {});

  std::size_t nodes() const noexcept { return rank_.size(); }
  std::size_t shortcuts() const noexcept { return shortcuts_; }
  std::size_t arcs() const noexcept { return up_head_.size() + down_head_.size(); }
  /// Position of node v (of the original graph) in the contraction order.
  std::uint32_t rank(std::uint32_t v) const { return rank_.at(v); }

  /// The hierarchy as bytes (the prepared-input cache keeps it, docs/cache.md) and back; decode
  /// throws Error(format) on bytes it cannot read.
  std::string encode() const;
  static ContractionHierarchy decode(std::string_view bytes);

  struct Search;  // per-thread state of the queries (ch.cpp)

  /// Like graph_od on the graph the hierarchy was built from (same arguments and conventions:
  /// kNoNode, offsets, same_set and intra_min), times to within double rounding of the shortest
  /// path; pairs whose time is within 1e-9 min of the cutoff may fall either side of it.
  OdMatrix od(std::span<const std::uint32_t> origin_nodes, std::span<const float> origin_offset, std::span<const std::uint32_t> dest_nodes,
              std::span<const float> dest_offset, const OdOptions& options, bool same_set, double intra_min) const;

 private:
  std::vector<std::uint32_t> rank_;  // original id -> rank
  std::vector<std::uint32_t> up_first_{0}, up_head_, down_first_{0}, down_head_;
  std::vector<double> up_time_, down_time_;
  std::size_t shortcuts_ = 0;
  friend struct Search;
};

}  // namespace oasis::travel
