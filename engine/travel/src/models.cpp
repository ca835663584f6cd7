#include "oasis/travel/models.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include <fmt/format.h>

#include "oasis/core/error.hpp"
#include "oasis/core/units.hpp"
#include "parallel.hpp"

namespace oasis::travel {
namespace {

void check_positive(double v, const char* name, const char* fix) {
  if (!(v > 0) || !std::isfinite(v))
    throw Error(Errc::value_invalid, fmt::format("{} = {}: it must be a finite number > 0", name, v), {}, {}, fix);
}

double minutes_for(double metres, double detour, double speed_kmh) {
  return travel_time(Metres(metres * detour), KmPerHour(speed_kmh)).value;
}

/// Uniform grid over points of one CRS; cells of `cell` metres.
struct Grid {
  double cell;
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> cells;
  static std::uint64_t key(int epsg, std::int64_t cx, std::int64_t cy) {
    // 16 bits of CRS slot, 24 bits per axis (cells of >= 1 m over +-8 000 km).
    const auto ux = static_cast<std::uint64_t>(cx + (1 << 23)) & 0xFFFFFF;
    const auto uy = static_cast<std::uint64_t>(cy + (1 << 23)) & 0xFFFFFF;
    return (static_cast<std::uint64_t>(epsg & 0xFFFF) << 48) | (ux << 24) | uy;
  }
  std::int64_t ix(double v) const { return static_cast<std::int64_t>(std::floor(v / cell)); }
};

}  // namespace

void CrowflyParams::validate() const {
  check_positive(speed_kmh, "travel.speed_kmh", "give a speed in km/h, e.g. 60");
  if (!(detour >= 1.0) || !std::isfinite(detour))
    throw Error(Errc::value_invalid, fmt::format("travel.detour = {}: it must be >= 1", detour), {}, {},
                "roads are never shorter than the straight line: use e.g. 1.3");
}

void CommuneGraphParams::validate() const {
  check_positive(speed_kmh, "travel.speed_kmh", "give a speed in km/h, e.g. 60");
  check_positive(urban_speed_kmh, "travel.urban_speed_kmh", "give a speed in km/h, e.g. 30");
  check_positive(touch_tolerance_m, "travel.touch_tolerance_m", "give a tolerance in metres, e.g. 20");
  if (!(urban_density >= 0)) throw Error(Errc::value_invalid, fmt::format("travel.urban_density = {}: it must be >= 0", urban_density));
  if (!(detour >= 1.0) || !std::isfinite(detour))
    throw Error(Errc::value_invalid, fmt::format("travel.detour = {}: it must be >= 1", detour));
}

OdMatrix crowfly_od(const PointSet& orig, const PointSet& dst, const CrowflyParams& p, const OdOptions& o, bool same_set,
                    double intra_min) {
  p.validate();
  check_cutoff(o.cutoff_min);
  const double radius = o.cutoff_min * p.speed_kmh * 1000.0 / 60.0 / p.detour;  // metres
  Grid grid{radius, {}};
  for (std::uint32_t d = 0; d < dst.size(); ++d) {
    if (!std::isfinite(dst.x[d]) || !std::isfinite(dst.y[d]))
      throw Error(Errc::value_invalid, fmt::format("destination {} has no coordinates", d));
    grid.cells[Grid::key(dst.epsg[d], grid.ix(dst.x[d]), grid.ix(dst.y[d]))].push_back(d);
  }
  std::vector<OdRow> rows(orig.size());
  detail::parallel_batches(orig.size(), o.threads, o.progress, "crow-fly times", [&](std::size_t i) {
    auto& row = rows[i];
    const double x = orig.x[i], y = orig.y[i];
    const auto cx = grid.ix(x), cy = grid.ix(y);
    for (std::int64_t dx = -1; dx <= 1; ++dx)
      for (std::int64_t dy = -1; dy <= 1; ++dy) {
        const auto it = grid.cells.find(Grid::key(orig.epsg[i], cx + dx, cy + dy));
        if (it == grid.cells.end()) continue;
        for (auto d : it->second) {
          if (dst.epsg[d] != orig.epsg[i]) continue;
          if (same_set && d == i) continue;
          const double t = minutes_for(std::hypot(dst.x[d] - x, dst.y[d] - y), p.detour, p.speed_kmh);
          if (t <= o.cutoff_min) row.emplace_back(d, static_cast<float>(t));
        }
      }
    if (same_set && intra_min <= o.cutoff_min) row.emplace_back(static_cast<std::uint32_t>(i), static_cast<float>(intra_min));
  });
  auto od = assemble(std::move(rows), dst.size());
  od.cutoff_min = o.cutoff_min;
  od.intra_min = same_set ? intra_min : std::numeric_limits<double>::quiet_NaN();
  od.model = fmt::format("crowfly detour={} speed_kmh={}", p.detour, p.speed_kmh);
  return od;
}

OdMatrix crowfly_commune_od(const Territory& t, const CrowflyParams& p, const OdOptions& o, double intra_min) {
  const PointSet pts{t.x(), t.y(), t.epsg()};
  return crowfly_od(pts, pts, p, o, true, intra_min);
}

std::vector<std::pair<CommuneId, CommuneId>> commune_adjacency(const Territory& t, double tol) {
  // Two boundary vertices are neighbours when their cells (side `tol`, offset by half a cell)
  // differ by at most one on each axis: then they are closer than 2 `tol` on both axes and every
  // pair closer than `tol` is found, whatever the rounding of the reprojection. Each vertex is
  // entered once, in its cell; the cells are sorted, and each is paired with itself and with its
  // four forward neighbours (x, y+1) and (x+1, y-1 .. y+1), found by pointers that only move on.
  struct Entry {
    std::uint64_t key;
    CommuneId commune;
    bool operator<(const Entry& o) const { return key != o.key ? key < o.key : commune < o.commune; }
  };
  std::vector<Entry> entries;
  for (CommuneId c = 0; c < t.size(); ++c) {
    const int epsg = t.epsg()[c];
    auto add_ring = [&](const Ring& ring) {
      for (const auto& p : ring) {
        const auto bx = static_cast<std::int64_t>(std::floor(p.x / tol - 0.5));
        const auto by = static_cast<std::int64_t>(std::floor(p.y / tol - 0.5));
        entries.push_back({Grid::key(epsg, bx, by), c});
      }
    };
    for (const auto& poly : t.shape(c)) {
      add_ring(poly.outer);
      for (const auto& h : poly.holes) add_ring(h);  // an enclave touches its host through the hole
    }
  }
  std::sort(entries.begin(), entries.end());
  entries.erase(
      std::unique(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.key == b.key && a.commune == b.commune; }),
      entries.end());
  // Cells: [begin, end) of entries with one key.
  struct Cell {
    std::uint64_t key;
    std::size_t begin, end;
  };
  std::vector<Cell> cells;
  for (std::size_t i = 0; i < entries.size();) {
    std::size_t j = i;
    while (j < entries.size() && entries[j].key == entries[i].key) ++j;
    cells.push_back({entries[i].key, i, j});
    i = j;
  }
  std::vector<std::pair<CommuneId, CommuneId>> pairs;
  auto pair_cells = [&](const Cell& a, const Cell& b) {
    for (std::size_t x = a.begin; x < a.end; ++x)
      for (std::size_t y = b.begin; y < b.end; ++y)
        if (entries[x].commune != entries[y].commune)
          pairs.emplace_back(std::min(entries[x].commune, entries[y].commune), std::max(entries[x].commune, entries[y].commune));
  };
  auto decode = [](std::uint64_t key, int dx, int dy) {
    const auto slot = static_cast<int>(key >> 48);
    const auto ux = static_cast<std::int64_t>((key >> 24) & 0xFFFFFF) - (1 << 23);
    const auto uy = static_cast<std::int64_t>(key & 0xFFFFFF) - (1 << 23);
    return Grid::key(slot, ux + dx, uy + dy);
  };
  // Forward neighbours: (0, +1), (+1, -1), (+1, 0), (+1, +1); one pointer each.
  constexpr int kDx[4] = {0, 1, 1, 1}, kDy[4] = {1, -1, 0, 1};
  std::size_t at[4] = {0, 0, 0, 0};
  for (const auto& cell : cells) {
    for (std::size_t a = cell.begin; a < cell.end; ++a)
      for (std::size_t b = a + 1; b < cell.end; ++b) pairs.emplace_back(entries[a].commune, entries[b].commune);
    for (int n = 0; n < 4; ++n) {
      const auto want = decode(cell.key, kDx[n], kDy[n]);
      auto& q = at[n];
      if (q < cells.size() && cells[q].key > want) q = 0;  // a key that wrapped round: search afresh
      q = static_cast<std::size_t>(std::lower_bound(cells.begin() + static_cast<std::ptrdiff_t>(q), cells.end(), want,
                                                    [](const Cell& c, std::uint64_t k) { return c.key < k; }) -
                                   cells.begin());
      if (q < cells.size() && cells[q].key == want) pair_cells(cell, cells[q]);
    }
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  return pairs;
}

Graph commune_graph(const Territory& t, const CommuneGraphParams& p) {
  p.validate();
  std::vector<double> speed(t.size());
  for (CommuneId c = 0; c < t.size(); ++c) {
    const double km2 = area_m2(t.shape(c)) / 1e6;
    const double density = km2 > 0 ? t.population()[c] / km2 : 0.0;
    speed[c] = density >= p.urban_density ? p.urban_speed_kmh : p.speed_kmh;
  }
  std::vector<Arc> arcs;
  for (const auto& [a, b] : commune_adjacency(t, p.touch_tolerance_m)) {
    const double d = std::hypot(t.x()[a] - t.x()[b], t.y()[a] - t.y()[b]);
    const double minutes = minutes_for(d / 2, p.detour, speed[a]) + minutes_for(d / 2, p.detour, speed[b]);
    arcs.push_back({a, b, static_cast<float>(minutes)});
    arcs.push_back({b, a, static_cast<float>(minutes)});
  }
  return Graph::from_arcs(t.size(), std::move(arcs));
}

OdMatrix commune_graph_od(const Territory& t, const CommuneGraphParams& p, const OdOptions& o, double intra_min) {
  return commune_graph_od(commune_graph(t, p), p, o, intra_min);
}

OdMatrix commune_graph_od(const Graph& g, const CommuneGraphParams& p, const OdOptions& o, double intra_min) {
  std::vector<std::uint32_t> nodes(g.nodes());
  for (std::uint32_t i = 0; i < nodes.size(); ++i) nodes[i] = i;
  auto od = graph_od(g, nodes, {}, nodes, {}, o, true, intra_min);
  od.model = fmt::format("commune-graph detour={} speed_kmh={} urban_speed_kmh={} urban_density={}", p.detour, p.speed_kmh,
                         p.urban_speed_kmh, p.urban_density);
  return od;
}

std::vector<double> nearest_on_graph(const Graph& g, std::span<const char> is_site) {
  if (is_site.size() != g.nodes()) throw Error(Errc::internal, "nearest_on_graph: one flag per node expected");
  const auto rev = g.reversed();
  std::vector<std::pair<std::uint32_t, float>> sources;
  for (std::uint32_t v = 0; v < g.nodes(); ++v)
    if (is_site[v]) sources.emplace_back(v, 0.0f);
  std::vector<double> out(g.nodes(), std::numeric_limits<double>::quiet_NaN());
  DijkstraWorkspace ws(g.nodes());
  ws.run(rev, sources, std::numeric_limits<double>::infinity(), [&](std::uint32_t v, float t) { out[v] = t; });
  return out;
}

std::vector<double> nearest_crowfly(const PointSet& pts, std::span<const char> is_site, const CrowflyParams& p,
                                    std::span<const char> only) {
  p.validate();
  if (is_site.size() != pts.size() || (!only.empty() && only.size() != pts.size()))
    throw Error(Errc::internal, "nearest_crowfly: one flag per point expected");
  std::vector<std::uint32_t> sites;
  for (std::uint32_t i = 0; i < pts.size(); ++i)
    if (is_site[i]) sites.push_back(i);
  std::vector<double> out(pts.size(), std::numeric_limits<double>::quiet_NaN());
  for (std::size_t i = 0; i < pts.size(); ++i) {
    if (!only.empty() && !only[i]) continue;
    double best = std::numeric_limits<double>::infinity();
    for (auto j : sites)
      if (pts.epsg[j] == pts.epsg[i]) best = std::min(best, std::hypot(pts.x[j] - pts.x[i], pts.y[j] - pts.y[i]));
    if (std::isfinite(best)) out[i] = minutes_for(best, p.detour, p.speed_kmh);
  }
  return out;
}

std::vector<double> time_to_nearest(const OdMatrix& od, std::span<const double> count, int k) {
  if (k < 1) throw Error(Errc::value_invalid, fmt::format("k = {}: the rank of the nearest facility starts at 1", k));
  if (count.size() != od.n_destinations) throw Error(Errc::internal, "time_to_nearest: one count per destination expected");
  std::vector<double> out(od.n_origins(), std::numeric_limits<double>::quiet_NaN());
  std::vector<std::pair<float, double>> found;
  for (std::size_t o = 0; o < od.n_origins(); ++o) {
    found.clear();
    const auto ds = od.destinations(o);
    const auto ts = od.times(o);
    for (std::size_t k2 = 0; k2 < ds.size(); ++k2)
      if (count[ds[k2]] > 0) found.emplace_back(ts[k2], count[ds[k2]]);
    std::sort(found.begin(), found.end());
    double seen = 0;
    for (const auto& [t, c] : found) {
      seen += c;
      if (seen >= k) {
        out[o] = minutes_as_given(t);
        break;
      }
    }
  }
  return out;
}

BeyondShare population_beyond(std::span<const double> time_min, std::span<const double> population, double threshold) {
  BeyondShare r;
  double total = 0;
  for (std::size_t i = 0; i < time_min.size(); ++i) {
    total += population[i];
    if (!(time_min[i] <= threshold)) r.population += population[i];
  }
  r.share = total > 0 ? r.population / total : 0.0;
  return r;
}

}  // namespace oasis::travel
