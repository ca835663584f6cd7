#include "oasis/travel/graph.hpp"

#include <cmath>

#include <fmt/format.h>

#include "oasis/core/error.hpp"
#include "parallel.hpp"

namespace oasis::travel {

Graph Graph::from_arcs(std::size_t n, std::vector<Arc> arcs) {
  for (const auto& a : arcs) {
    if (a.from >= n || a.to >= n) throw Error(Errc::internal, fmt::format("arc {} -> {} outside {} nodes", a.from, a.to, n));
    if (!std::isfinite(a.minutes) || a.minutes < 0)
      throw Error(Errc::value_invalid, fmt::format("arc {} -> {} has time {}", a.from, a.to, a.minutes), {}, {},
                  "travel times are finite and >= 0 minutes");
  }
  std::sort(arcs.begin(), arcs.end(), [](const Arc& a, const Arc& b) {
    return a.from != b.from ? a.from < b.from : a.to != b.to ? a.to < b.to : a.minutes < b.minutes;
  });
  Graph g;
  g.first.assign(n + 1, 0);
  for (std::size_t i = 0; i < arcs.size(); ++i) {
    if (i > 0 && arcs[i].from == arcs[i - 1].from && arcs[i].to == arcs[i - 1].to) continue;  // keep the fastest
    if (arcs[i].from == arcs[i].to) continue;                                                 // loops never help
    g.head.push_back(arcs[i].to);
    g.minutes.push_back(arcs[i].minutes);
    ++g.first[arcs[i].from + 1];
  }
  for (std::size_t i = 0; i < n; ++i) g.first[i + 1] += g.first[i];
  return g;
}

Graph Graph::reversed() const {
  std::vector<Arc> arcs;
  arcs.reserve(head.size());
  for (std::uint32_t u = 0; u < nodes(); ++u)
    for (auto a = first[u]; a < first[u + 1]; ++a) arcs.push_back({head[a], u, minutes[a]});
  return from_arcs(nodes(), std::move(arcs));
}

DijkstraWorkspace::DijkstraWorkspace(std::size_t nodes) : dist_(nodes, kUnseen) {}

void DijkstraWorkspace::reset() {
  for (auto v : touched_) dist_[v] = kUnseen;
  touched_.clear();
  heap_.clear();
}

OdMatrix graph_od(const Graph& g, std::span<const std::uint32_t> origin_nodes, std::span<const float> origin_offset,
                  std::span<const std::uint32_t> dest_nodes, std::span<const float> dest_offset, const OdOptions& o, bool same_set,
                  double intra_min) {
  check_cutoff(o.cutoff_min);
  // Destinations by node (several destinations may snap to one node).
  std::vector<std::uint32_t> dfirst(g.nodes() + 1, 0), dlist(dest_nodes.size());
  for (auto n : dest_nodes)
    if (n != kNoNode) ++dfirst[n + 1];
  for (std::size_t i = 0; i < g.nodes(); ++i) dfirst[i + 1] += dfirst[i];
  {
    std::vector<std::uint32_t> fill(dfirst.begin(), dfirst.end() - 1);
    for (std::uint32_t d = 0; d < dest_nodes.size(); ++d)
      if (dest_nodes[d] != kNoNode) dlist[fill[dest_nodes[d]]++] = d;
  }
  const double cutoff = o.cutoff_min;
  std::vector<OdRow> rows(origin_nodes.size());
  tbb::enumerable_thread_specific<DijkstraWorkspace> workspaces([&] { return DijkstraWorkspace(g.nodes()); });
  detail::parallel_batches(origin_nodes.size(), o.threads, o.progress, "travel times", [&](std::size_t i) {
    auto& ws = workspaces.local();
    auto& row = rows[i];
    if (same_set && intra_min <= cutoff) row.emplace_back(static_cast<std::uint32_t>(i), static_cast<float>(intra_min));
    if (origin_nodes[i] == kNoNode) return;
    const std::pair<std::uint32_t, float> src{origin_nodes[i], origin_offset.empty() ? 0.0f : origin_offset[i]};
    ws.run(g, std::span(&src, 1), cutoff, [&](std::uint32_t node, float t) {
      for (auto k = dfirst[node]; k < dfirst[node + 1]; ++k) {
        const auto d = dlist[k];
        if (same_set && d == i) continue;
        const float total = t + (dest_offset.empty() ? 0.0f : dest_offset[d]);
        if (total <= cutoff) row.emplace_back(d, total);
      }
    });
  });
  auto od = assemble(std::move(rows), dest_nodes.size());
  od.cutoff_min = cutoff;
  od.intra_min = same_set ? intra_min : std::numeric_limits<double>::quiet_NaN();
  return od;
}

}  // namespace oasis::travel
