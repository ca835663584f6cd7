// Contraction hierarchies: node ordering by lazy-updated priorities (edge difference, contracted
// neighbours, level), witness searches bounded by a settle limit, then the bucket many-to-many
// query with stall-on-demand, both searches pruned at the cutoff (docs/travel-osm.md).
#include "oasis/travel/ch.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "oasis/core/binary.hpp"
#include "oasis/core/error.hpp"
#include "parallel.hpp"

namespace oasis::travel {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Edge {
  std::uint32_t to;
  double time;
};

using HeapEntry = std::pair<double, std::uint32_t>;
struct Later {
  bool operator()(const HeapEntry& a, const HeapEntry& b) const { return a.first > b.first || (a.first == b.first && a.second > b.second); }
};

/// The graph being contracted: the arcs among the nodes not contracted yet, both ways.
struct Remaining {
  std::vector<std::vector<Edge>> out, in;
};

/// A bounded Dijkstra among the remaining nodes that avoids the node being contracted.
class Witness {
 public:
  explicit Witness(std::size_t n) : dist_(n, kInf) {}
  void run(const Remaining& g, std::uint32_t source, std::uint32_t avoid, double limit, std::size_t settle_limit) {
    for (auto v : touched_) dist_[v] = kInf;
    touched_.clear();
    heap_.clear();
    dist_[source] = 0;
    touched_.push_back(source);
    heap_.emplace_back(0.0, source);
    std::size_t settled = 0;
    while (!heap_.empty()) {
      std::pop_heap(heap_.begin(), heap_.end(), Later{});
      const auto [d, u] = heap_.back();
      heap_.pop_back();
      if (d > dist_[u]) continue;
      if (d > limit || ++settled > settle_limit) break;
      for (const auto& e : g.out[u]) {
        if (e.to == avoid) continue;
        const double nd = d + e.time;
        if (nd >= dist_[e.to] || nd > limit) continue;
        if (dist_[e.to] == kInf) touched_.push_back(e.to);
        dist_[e.to] = nd;
        heap_.emplace_back(nd, e.to);
        std::push_heap(heap_.begin(), heap_.end(), Later{});
      }
    }
  }
  double dist(std::uint32_t v) const { return dist_[v]; }

 private:
  std::vector<double> dist_;
  std::vector<std::uint32_t> touched_;
  std::vector<HeapEntry> heap_;
};

struct Shortcut {
  std::uint32_t from, to;
  double time;
};

/// The shortcuts contracting `v` needs: u -> v -> x for which no path u -> x avoiding v is as fast.
void shortcuts_of(const Remaining& g, std::uint32_t v, Witness& w, std::size_t settle_limit, std::vector<Shortcut>& out) {
  out.clear();
  for (const auto& in : g.in[v]) {
    double limit = -1;
    for (const auto& o : g.out[v])
      if (o.to != in.to) limit = std::max(limit, in.time + o.time);
    if (limit < 0) continue;  // no way on but back
    w.run(g, in.to, v, limit, settle_limit);
    for (const auto& o : g.out[v]) {
      if (o.to == in.to) continue;
      const double via = in.time + o.time;
      if (w.dist(o.to) <= via) continue;
      out.push_back({in.to, o.to, via});
    }
  }
}

/// Lower is contracted first: the arcs it adds against those it removes, its contracted
/// neighbours (spreads the contraction evenly) and its level (keeps the hierarchy shallow).
int priority(const Remaining& g, std::uint32_t v, std::size_t shortcuts, int deleted_neighbours, int level) {
  const int removed = static_cast<int>(g.in[v].size() + g.out[v].size());
  return 2 * (static_cast<int>(shortcuts) - removed) + deleted_neighbours + level;
}

void add_arc(Remaining& g, const Shortcut& s) {
  for (auto& e : g.out[s.from])
    if (e.to == s.to) {
      if (s.time < e.time) {
        e.time = s.time;
        for (auto& r : g.in[s.to])
          if (r.to == s.from) r.time = s.time;
      }
      return;
    }
  g.out[s.from].push_back({s.to, s.time});
  g.in[s.to].push_back({s.from, s.time});
}

void erase_arc_to(std::vector<Edge>& list, std::uint32_t v) {
  std::erase_if(list, [v](const Edge& e) { return e.to == v; });
}

}  // namespace

ContractionHierarchy ContractionHierarchy::build(const Graph& graph, const ChOptions& opt) {
  const auto n = graph.nodes();
  if (n >= kNoNode) throw Error(Errc::internal, "road graph too large for 32-bit node ids");
  Remaining g;
  g.out.resize(n);
  g.in.resize(n);
  for (std::uint32_t u = 0; u < n; ++u)
    for (auto a = graph.first[u]; a < graph.first[u + 1]; ++a) {
      g.out[u].push_back({graph.head[a], graph.minutes[a]});
      g.in[graph.head[a]].push_back({u, graph.minutes[a]});
    }

  // Initial priorities, in parallel (each node's own estimate: the same whatever the schedule).
  std::vector<int> prio(n), deleted(n, 0), level(n, 0);
  {
    tbb::enumerable_thread_specific<std::pair<Witness, std::vector<Shortcut>>> ws([&] {
      return std::pair{Witness(n), std::vector<Shortcut>{}};
    });
    tbb::task_arena arena(opt.threads > 0 ? opt.threads : tbb::task_arena::automatic);
    arena.execute([&] {
      tbb::parallel_for(std::size_t{0}, n, [&](std::size_t v) {
        auto& [w, sc] = ws.local();
        shortcuts_of(g, static_cast<std::uint32_t>(v), w, opt.estimate_settle_limit, sc);
        prio[v] = priority(g, static_cast<std::uint32_t>(v), sc.size(), 0, 0);
      });
    });
  }
  std::priority_queue<std::pair<int, std::uint32_t>, std::vector<std::pair<int, std::uint32_t>>, std::greater<>> queue;
  for (std::uint32_t v = 0; v < n; ++v) queue.emplace(prio[v], v);

  Witness w(n);
  std::vector<Shortcut> sc;
  std::vector<char> done(n, 0);
  std::vector<std::uint32_t> order;
  order.reserve(n);
  // The search graph as it is found: at contraction, a node's remaining arcs all lead to higher ranks.
  std::vector<std::vector<Edge>> up(n), down(n);
  ContractionHierarchy ch;
  while (!queue.empty()) {
    const auto [p, v] = queue.top();
    queue.pop();
    if (done[v] || p != prio[v]) continue;  // contracted, or a stale entry
    // Lazy update: re-estimate; contract only if still the smallest.
    shortcuts_of(g, v, w, opt.estimate_settle_limit, sc);
    const int now = priority(g, v, sc.size(), deleted[v], level[v]);
    if (!queue.empty() && now > queue.top().first) {
      prio[v] = now;
      queue.emplace(now, v);
      continue;
    }
    shortcuts_of(g, v, w, opt.contract_settle_limit, sc);
    done[v] = 1;
    order.push_back(v);
    up[v] = g.out[v];
    down[v] = g.in[v];
    for (const auto& s : sc) add_arc(g, s);
    ch.shortcuts_ += sc.size();
    std::vector<std::uint32_t> neighbours;
    for (const auto& e : g.in[v]) erase_arc_to(g.out[e.to], v), neighbours.push_back(e.to);
    for (const auto& e : g.out[v]) erase_arc_to(g.in[e.to], v), neighbours.push_back(e.to);
    std::vector<Edge>().swap(g.in[v]);
    std::vector<Edge>().swap(g.out[v]);
    std::sort(neighbours.begin(), neighbours.end());
    neighbours.erase(std::unique(neighbours.begin(), neighbours.end()), neighbours.end());
    for (auto x : neighbours) {
      ++deleted[x];
      level[x] = std::max(level[x], level[v] + 1);
      shortcuts_of(g, x, w, opt.estimate_settle_limit, sc);
      prio[x] = priority(g, x, sc.size(), deleted[x], level[x]);
      queue.emplace(prio[x], x);
    }
    if (opt.progress && order.size() % 65536 == 0 &&
        !opt.progress(static_cast<double>(order.size()) / static_cast<double>(n), "contraction hierarchy"))
      throw Error(Errc::cancelled, "contraction hierarchy: cancelled");
  }

  // Renumber by rank; CSR of the upward arcs and of the downward arcs (at their lower end).
  ch.rank_.assign(n, 0);
  for (std::uint32_t r = 0; r < n; ++r) ch.rank_[order[r]] = r;
  auto to_csr = [&](const std::vector<std::vector<Edge>>& lists, std::vector<std::uint32_t>& first, std::vector<std::uint32_t>& head,
                    std::vector<double>& time) {
    first.assign(n + 1, 0);
    for (std::uint32_t r = 0; r < n; ++r) first[r + 1] = first[r] + static_cast<std::uint32_t>(lists[order[r]].size());
    head.resize(first[n]);
    time.resize(first[n]);
    for (std::uint32_t r = 0; r < n; ++r) {
      auto k = first[r];
      auto arcs = lists[order[r]];
      for (auto& e : arcs) e.to = ch.rank_[e.to];
      std::sort(arcs.begin(), arcs.end(), [](const Edge& a, const Edge& b) { return a.to < b.to; });
      for (const auto& e : arcs) head[k] = e.to, time[k] = e.time, ++k;
    }
  };
  to_csr(up, ch.up_first_, ch.up_head_, ch.up_time_);
  to_csr(down, ch.down_first_, ch.down_head_, ch.down_time_);
  if (opt.progress) opt.progress(1.0, "contraction hierarchy");
  return ch;
}

std::string ContractionHierarchy::encode() const {
  BinaryWriter w;
  w.put(static_cast<std::uint64_t>(shortcuts_));
  w.put_vec(rank_);
  w.put_vec(up_first_), w.put_vec(up_head_), w.put_vec(up_time_);
  w.put_vec(down_first_), w.put_vec(down_head_), w.put_vec(down_time_);
  return w.take();
}

ContractionHierarchy ContractionHierarchy::decode(std::string_view bytes) {
  BinaryReader r(bytes, "", "cached contraction hierarchy", "it is rebuilt");
  ContractionHierarchy ch;
  ch.shortcuts_ = r.get<std::uint64_t>();
  ch.rank_ = r.get_vec<std::uint32_t>();
  ch.up_first_ = r.get_vec<std::uint32_t>(), ch.up_head_ = r.get_vec<std::uint32_t>(), ch.up_time_ = r.get_vec<double>();
  ch.down_first_ = r.get_vec<std::uint32_t>(), ch.down_head_ = r.get_vec<std::uint32_t>(), ch.down_time_ = r.get_vec<double>();
  const auto n = ch.rank_.size();
  auto valid = [n](const std::vector<std::uint32_t>& first, const std::vector<std::uint32_t>& head, const std::vector<double>& time) {
    if (first.size() != n + 1 || first.front() != 0 || first.back() != head.size() || head.size() != time.size()) return false;
    for (std::size_t u = 0; u < n; ++u)
      if (first[u] > first[u + 1]) return false;
    return std::all_of(head.begin(), head.end(), [n](std::uint32_t h) { return h < n; });
  };
  if (!r.at_end() || !valid(ch.up_first_, ch.up_head_, ch.up_time_) || !valid(ch.down_first_, ch.down_head_, ch.down_time_))
    throw Error(Errc::format, "corrupt contraction hierarchy", {}, {}, "it is rebuilt");
  return ch;
}

/// An upward search (forward on the upward arcs, or backward on the downward ones) with
/// stall-on-demand: a node reached faster from a higher node through the other arcs is not
/// expanded, and not reported (its time is not a shortest one).
struct ContractionHierarchy::Search {
  explicit Search(std::size_t n) : dist(n, kInf) {}
  std::vector<double> dist;
  std::vector<std::uint32_t> touched;
  std::vector<HeapEntry> heap;

  template <class Visit>
  void run(std::span<const std::uint32_t> first, std::span<const std::uint32_t> head, std::span<const double> time,
           std::span<const std::uint32_t> other_first, std::span<const std::uint32_t> other_head, std::span<const double> other_time,
           std::uint32_t source, double t0, double cutoff, Visit&& visit) {
    for (auto v : touched) dist[v] = kInf;
    touched.clear();
    heap.clear();
    if (t0 > cutoff) return;
    dist[source] = t0;
    touched.push_back(source);
    heap.emplace_back(t0, source);
    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end(), Later{});
      const auto [d, u] = heap.back();
      heap.pop_back();
      if (d > dist[u]) continue;
      bool stalled = false;
      for (auto a = other_first[u]; a < other_first[u + 1] && !stalled; ++a) stalled = dist[other_head[a]] + other_time[a] < d;
      if (stalled) continue;
      visit(u, d);
      for (auto a = first[u]; a < first[u + 1]; ++a) {
        const double nd = d + time[a];
        const auto v = head[a];
        if (nd > cutoff || nd >= dist[v]) continue;
        if (dist[v] == kInf) touched.push_back(v);
        dist[v] = nd;
        heap.emplace_back(nd, v);
        std::push_heap(heap.begin(), heap.end(), Later{});
      }
    }
  }
};

OdMatrix ContractionHierarchy::od(std::span<const std::uint32_t> origin_nodes, std::span<const float> origin_offset,
                                  std::span<const std::uint32_t> dest_nodes, std::span<const float> dest_offset, const OdOptions& o,
                                  bool same_set, double intra_min) const {
  check_cutoff(o.cutoff_min);
  const double cutoff = o.cutoff_min;
  const auto n = nodes();
  tbb::enumerable_thread_specific<Search> searches([&] { return Search(n); });

  // Buckets: for every destination, the nodes its backward search settles and their times.
  std::vector<std::vector<std::pair<std::uint32_t, double>>> space(dest_nodes.size());
  detail::parallel_batches(dest_nodes.size(), o.threads, {}, "travel times", [&](std::size_t d) {
    if (dest_nodes[d] == kNoNode) return;
    auto& s = searches.local();
    s.run(down_first_, down_head_, down_time_, up_first_, up_head_, up_time_, rank_[dest_nodes[d]],
          dest_offset.empty() ? 0.0 : dest_offset[d], cutoff, [&](std::uint32_t u, double t) { space[d].emplace_back(u, t); });
  });
  std::vector<std::uint64_t> bfirst(n + 1, 0);
  for (const auto& sp : space)
    for (const auto& [u, t] : sp) ++bfirst[u + 1];
  for (std::size_t u = 0; u < n; ++u) bfirst[u + 1] += bfirst[u];
  std::vector<std::uint32_t> bdest(bfirst[n]);
  std::vector<double> btime(bfirst[n]);
  {
    std::vector<std::uint64_t> fill(bfirst.begin(), bfirst.end() - 1);
    for (std::uint32_t d = 0; d < space.size(); ++d) {
      for (const auto& [u, t] : space[d]) bdest[fill[u]] = d, btime[fill[u]++] = t;
      std::vector<std::pair<std::uint32_t, double>>().swap(space[d]);
    }
  }

  // Forward searches: the best meeting node of each destination's bucket.
  struct Best {
    std::vector<double> time;
    std::vector<std::uint32_t> touched;
  };
  tbb::enumerable_thread_specific<Best> bests([&] { return Best{std::vector<double>(dest_nodes.size(), kInf), {}}; });
  std::vector<OdRow> rows(origin_nodes.size());
  detail::parallel_batches(origin_nodes.size(), o.threads, o.progress, "travel times", [&](std::size_t i) {
    auto& row = rows[i];
    if (same_set && intra_min <= cutoff) row.emplace_back(static_cast<std::uint32_t>(i), static_cast<float>(intra_min));
    if (origin_nodes[i] == kNoNode) return;
    auto& s = searches.local();
    auto& b = bests.local();
    s.run(up_first_, up_head_, up_time_, down_first_, down_head_, down_time_, rank_[origin_nodes[i]],
          origin_offset.empty() ? 0.0 : origin_offset[i], cutoff, [&](std::uint32_t u, double t) {
            for (auto k = bfirst[u]; k < bfirst[u + 1]; ++k) {
              const double total = t + btime[k];
              const auto d = bdest[k];
              if (total > cutoff || total >= b.time[d]) continue;
              if (b.time[d] == kInf) b.touched.push_back(d);
              b.time[d] = total;
            }
          });
    for (auto d : b.touched) {
      if (!(same_set && d == i)) row.emplace_back(d, static_cast<float>(b.time[d]));
      b.time[d] = kInf;
    }
    b.touched.clear();
  });
  auto od = assemble(std::move(rows), dest_nodes.size());
  od.cutoff_min = cutoff;
  od.intra_min = same_set ? intra_min : std::numeric_limits<double>::quiet_NaN();
  return od;
}

}  // namespace oasis::travel
