#pragma once
// An independent check of road tables: a textbook Dijkstra in double precision (std::priority_queue,
// no cutoff) from every origin, compared pair by pair with a table.
#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>
#include <span>
#include <vector>

#include "oasis/travel/graph.hpp"
#include "oasis/travel/od.hpp"

namespace oasis::test {

struct DijkstraCheck {
  std::size_t pairs_checked = 0;  // pairs within the cutoff by the reference
  double worst_relative = 0;      // max |t - ref| / max(1, ref)
  std::size_t one_side_only = 0;  // pairs in one of the two tables only
  std::size_t at_cutoff = 0;      // ... of which the reference time is within 1e-6 min of the cutoff
};

inline std::vector<double> dijkstra_all(const travel::Graph& g, std::uint32_t s, double t0) {
  std::vector<double> dist(g.nodes(), std::numeric_limits<double>::infinity());
  using E = std::pair<double, std::uint32_t>;
  std::priority_queue<E, std::vector<E>, std::greater<>> q;
  dist[s] = t0;
  q.emplace(t0, s);
  while (!q.empty()) {
    const auto [d, u] = q.top();
    q.pop();
    if (d > dist[u]) continue;
    for (auto a = g.first[u]; a < g.first[u + 1]; ++a)
      if (d + g.minutes[a] < dist[g.head[a]]) dist[g.head[a]] = d + g.minutes[a], q.emplace(dist[g.head[a]], g.head[a]);
  }
  return dist;
}

inline DijkstraCheck compare_with_dijkstra(const travel::Graph& g, const travel::OdMatrix& od, std::span<const std::uint32_t> origins,
                                           std::span<const float> o_off, std::span<const std::uint32_t> dests, std::span<const float> d_off,
                                           double cutoff, bool same_set, double intra = 0) {
  DijkstraCheck c;
  for (std::size_t i = 0; i < origins.size(); ++i) {
    std::vector<double> ref(dests.size(), std::numeric_limits<double>::infinity());
    if (origins[i] != travel::kNoNode) {
      const auto dist = dijkstra_all(g, origins[i], o_off.empty() ? 0.0 : o_off[i]);
      for (std::size_t d = 0; d < dests.size(); ++d)
        if (dests[d] != travel::kNoNode) ref[d] = dist[dests[d]] + (d_off.empty() ? 0.0 : d_off[d]);
    }
    if (same_set) ref[i] = intra;
    for (std::size_t d = 0; d < dests.size(); ++d) {
      const auto t = od.time(i, static_cast<std::uint32_t>(d));
      const bool in_ref = ref[d] <= cutoff;
      if (in_ref != t.has_value()) {
        ++c.one_side_only;
        c.at_cutoff += std::abs(ref[d] - cutoff) <= 1e-6 * std::max(1.0, cutoff);
        continue;
      }
      if (!in_ref) continue;
      ++c.pairs_checked;
      c.worst_relative = std::max(c.worst_relative, std::abs(*t - ref[d]) / std::max(1.0, ref[d]));
    }
  }
  return c;
}

}  // namespace oasis::test
