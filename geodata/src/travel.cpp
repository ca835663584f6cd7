#include "oasis/geodata/travel.hpp"

#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "gdal_util.hpp"
#include "oasis/core/binary.hpp"
#include "oasis/core/checksum.hpp"
#include "oasis/core/error.hpp"
#include "oasis/geodata/osm.hpp"
#include "oasis/travel/ch.hpp"

namespace oasis::geodata {
namespace fs = std::filesystem;

namespace {

travel::IdLookup code_lookup(const Territory& t) {
  return [&t](std::string_view s) -> std::optional<std::uint32_t> {
    const auto c = CodeInsee::parse(s);
    if (!c) return std::nullopt;
    return t.find(*c);
  };
}

travel::OdMatrix from_table(const Territory& t, const travel::TravelSettings& s, Diagnostics& diag,
                            std::optional<travel::OdReadReport>& rep) {
  if (s.table.empty())
    throw Error(Errc::usage, "the table model needs an OD file", {}, {}, "give --od-table FILE (CSV from_id,to_id,minutes or .odb)");
  travel::OdReadOptions ro;
  ro.max_cost = s.cutoff_min;
  ro.intra_min = s.intra_min;
  rep.emplace();
  const auto look = code_lookup(t);
  return travel::read_od(s.table, look, t.size(), look, t.size(), ro, diag, *rep);  // CSV or .odb, by its first bytes
}

/// Bumped whenever the contraction or the encoding changes what a cached hierarchy holds.
constexpr int kHierarchyCacheFormat = 1;

/// The road graph's contraction hierarchy, from the cache when it holds one of this very graph.
travel::ContractionHierarchy hierarchy_of(const travel::Graph& g, int threads, const FileCache& cache, const ProgressFn& progress,
                                          bool& from_cache) {
  travel::ChOptions co;
  co.threads = threads;
  co.progress = progress;
  from_cache = false;
  std::string key;
  if (cache.enabled()) {
    BinaryWriter w;
    w.put_vec(g.first), w.put_vec(g.head), w.put_vec(g.minutes);
    key = fmt::format("roads-ch {}\nsettle limits {} {}\ngraph {}", kHierarchyCacheFormat, co.estimate_settle_limit,
                      co.contract_settle_limit, sha256_text(w.bytes()));
    if (const auto bytes = cache.read("roads-ch", key)) {
      try {
        auto ch = travel::ContractionHierarchy::decode(*bytes);
        if (ch.nodes() == g.nodes()) {
          from_cache = true;
          return ch;
        }
      } catch (const Error&) {  // rebuilt below
      }
    }
  }
  auto ch = travel::ContractionHierarchy::build(g, co);
  if (cache.enabled()) cache.write("roads-ch", key, ch.encode());
  return ch;
}

travel::OdMatrix from_osm(const Territory& t, const travel::TravelSettings& s, Diagnostics& diag, std::optional<OsmReport>& rep,
                          const ProgressFn& progress, const FileCache& cache) {
  if (s.osm.pbf.empty()) throw Error(Errc::usage, "the osm model needs an OpenStreetMap extract", {}, {}, "give --osm FILE.osm.pbf");
  SubProgress read_part(progress, 0.0, 0.3);
  const auto roads = read_osm_roads(s.osm.pbf, [&](double f, std::string_view st) { return read_part(f, st); });
  rep.emplace();
  rep->file = s.osm.pbf.string();
  rep->ways = roads.ways;
  rep->nodes_read = roads.nodes_read;
  rep->nodes_kept = roads.graph.nodes();
  rep->arcs = roads.graph.arcs();
  // Project the road nodes into each CRS used by the territory, then snap each commune's
  // representative point to the nearest road node of the largest component.
  detail::ensure_gdal();
  std::vector<std::uint32_t> node_of(t.size(), travel::kNoNode);
  std::vector<float> offset(t.size(), 0.0f);
  std::map<int, std::vector<CommuneId>> by_epsg;
  for (CommuneId c = 0; c < t.size(); ++c) by_epsg[t.epsg()[c]].push_back(c);
  const double cell = 1000.0;
  for (const auto& [epsg, communes] : by_epsg) {
    OGRSpatialReference src, dst;
    src.importFromEPSG(4326);
    src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    dst.importFromEPSG(epsg);
    dst.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> tr(OGRCreateCoordinateTransformation(&src, &dst));
    if (!tr) throw Error(Errc::crs_mismatch, fmt::format("no transformation from WGS84 to EPSG:{}", epsg));
    std::vector<double> x = roads.lon, y = roads.lat;
    std::vector<int> ok(x.size(), 0);
    if (!x.empty()) tr->Transform(x.size(), x.data(), y.data(), nullptr, ok.data());
    std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> grid;
    auto key = [](std::int64_t cx, std::int64_t cy) {
      return (static_cast<std::uint64_t>(cx + (1 << 30)) << 32) | static_cast<std::uint64_t>(cy + (1 << 30));
    };
    for (std::uint32_t n = 0; n < x.size(); ++n)
      if (ok[n] && std::isfinite(x[n]) && std::isfinite(y[n]))
        grid[key(static_cast<std::int64_t>(std::floor(x[n] / cell)), static_cast<std::int64_t>(std::floor(y[n] / cell)))].push_back(n);
    const auto rings = static_cast<std::int64_t>(std::ceil(s.osm.snap_max_m / cell));
    for (auto c : communes) {
      const double px = t.x()[c], py = t.y()[c];
      const auto cx = static_cast<std::int64_t>(std::floor(px / cell)), cy = static_cast<std::int64_t>(std::floor(py / cell));
      double best = std::numeric_limits<double>::infinity();
      std::uint32_t best_n = travel::kNoNode;
      for (std::int64_t r = 0; r <= rings; ++r) {
        if (best < static_cast<double>(r - 1) * cell) break;  // nothing closer in farther rings
        for (std::int64_t dx = -r; dx <= r; ++dx)
          for (std::int64_t dy = -r; dy <= r; ++dy) {
            if (std::max(std::abs(dx), std::abs(dy)) != r) continue;
            const auto it = grid.find(key(cx + dx, cy + dy));
            if (it == grid.end()) continue;
            for (auto n : it->second) {
              const double d = std::hypot(x[n] - px, y[n] - py);
              if (d < best || (d == best && n < best_n)) {
                best = d;
                best_n = n;
              }
            }
          }
      }
      if (best_n == travel::kNoNode || best > s.osm.snap_max_m) {
        ++rep->off_network;
        diag.add(Warn::point_outside, rep->file, fmt::format("commune {}", t.code()[c].str()),
                 fmt::format("no road node within {:.0f} m: the commune reaches only itself", s.osm.snap_max_m));
        continue;
      }
      ++rep->snapped;
      rep->max_snap_m = std::max(rep->max_snap_m, best);
      node_of[c] = best_n;
      offset[c] = static_cast<float>(best / (s.osm.access_speed_kmh * 1000.0 / 60.0));
    }
  }
  travel::OdOptions o;
  o.cutoff_min = s.cutoff_min;
  o.threads = s.threads;
  SubProgress ch_part(progress, 0.3, 0.8), route_part(progress, 0.8, 1.0);
  const auto ch = hierarchy_of(
      roads.graph, s.threads, cache, [&](double f, std::string_view st) { return ch_part(f, st); }, rep->hierarchy_from_cache);
  rep->shortcuts = ch.shortcuts();
  o.progress = [&](double f, std::string_view st) { return route_part(f, st); };
  auto od = ch.od(node_of, offset, node_of, offset, o, true, s.intra_min);
  od.model = fmt::format("osm {} ({} road nodes)", s.osm.pbf.filename().string(), roads.graph.nodes());
  return od;
}

}  // namespace

TravelResult build_travel(const Territory& t, const travel::TravelSettings& s, Diagnostics& diag, const ProgressFn& progress,
                          const FileCache& cache) {
  const auto t0 = std::chrono::steady_clock::now();
  travel::check_cutoff(s.cutoff_min);
  if (!(s.intra_min >= 0) || s.intra_min > s.cutoff_min)
    throw Error(Errc::value_invalid, fmt::format("intra-commune time {} minutes: it must be in [0, cutoff]", s.intra_min));
  TravelResult r;
  travel::OdOptions o;
  o.cutoff_min = s.cutoff_min;
  o.threads = s.threads;
  o.progress = progress;
  switch (s.model) {
    case travel::Model::crowfly: r.od = travel::crowfly_commune_od(t, s.crowfly, o, s.intra_min); break;
    case travel::Model::commune_graph:
      r.graph = std::make_shared<const travel::Graph>(travel::commune_graph(t, s.graph));
      r.od = travel::commune_graph_od(*r.graph, s.graph, o, s.intra_min);
      break;
    case travel::Model::table: r.od = from_table(t, s, diag, r.table); break;
    case travel::Model::osm: r.od = from_osm(t, s, diag, r.osm, progress, cache); break;
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

std::vector<std::string> territory_codes(const Territory& t) {
  std::vector<std::string> v;
  v.reserve(t.size());
  for (const auto& c : t.code()) v.push_back(c.to_string());
  return v;
}

}  // namespace oasis::geodata
