#include "oasis/geodata/osm.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include <fmt/format.h>
#include <osmium/geom/haversine.hpp>
#include <osmium/handler.hpp>
#include <osmium/handler/node_locations_for_ways.hpp>
#include <osmium/index/map/flex_mem.hpp>
#include <osmium/io/any_input.hpp>
#include <osmium/visitor.hpp>

#include "oasis/core/error.hpp"

namespace oasis::geodata {
namespace fs = std::filesystem;

const std::map<std::string, double>& osm_car_speeds() {
  static const std::map<std::string, double> speeds{
      {"motorway", 90},     {"motorway_link", 45}, {"trunk", 85},          {"trunk_link", 40}, {"primary", 65},
      {"primary_link", 30}, {"secondary", 55},     {"secondary_link", 25}, {"tertiary", 40},   {"tertiary_link", 20},
      {"unclassified", 25}, {"residential", 25},   {"living_street", 10},  {"service", 15},    {"road", 25},
  };
  return speeds;
}

namespace {

bool is_no(const char* v) {
  return v && (!std::strcmp(v, "no") || !std::strcmp(v, "private") || !std::strcmp(v, "agricultural") || !std::strcmp(v, "forestry") ||
               !std::strcmp(v, "delivery"));
}

struct RoadHandler : osmium::handler::Handler {
  RoadGraph& out;
  std::unordered_map<osmium::object_id_type, std::uint32_t> node_of;
  std::vector<travel::Arc> arcs;
  explicit RoadHandler(RoadGraph& g) : out(g) {}

  std::uint32_t graph_node(const osmium::NodeRef& r) {
    auto [it, added] = node_of.emplace(r.ref(), static_cast<std::uint32_t>(out.lon.size()));
    if (added) {
      out.lon.push_back(r.location().lon());
      out.lat.push_back(r.location().lat());
    }
    return it->second;
  }

  void way(const osmium::Way& w) {
    const auto& tags = w.tags();
    const char* hw = tags["highway"];
    if (!hw) return;
    const auto& speeds = osm_car_speeds();
    const auto sp = speeds.find(hw);
    if (sp == speeds.end()) return;
    if (is_no(tags["access"]) && !tags["motor_vehicle"] && !tags["motorcar"]) return;
    if (is_no(tags["motor_vehicle"]) || is_no(tags["motorcar"])) return;
    if (const char* area = tags["area"]; area && !std::strcmp(area, "yes")) return;
    double speed = sp->second;
    if (const char* ms = tags["maxspeed"]) {  // a lower posted limit caps the profile speed
      char* end = nullptr;
      const double v = std::strtod(ms, &end);
      if (end != ms && v > 0 && v < speed) speed = v;
    }
    int direction = 0;  // 0 both, 1 forward, -1 backward
    const char* ow = tags["oneway"];
    const char* junction = tags["junction"];
    // Tagged one-way, or a roundabout / motorway without a tag (one-way by default): the same answer,
    // two rules.
    if (ow && (!std::strcmp(ow, "yes") || !std::strcmp(ow, "1") || !std::strcmp(ow, "true")))
      direction = 1;  // NOLINT(bugprone-branch-clone)
    else if (ow && !std::strcmp(ow, "-1"))
      direction = -1;
    else if (!ow &&
             ((junction && (!std::strcmp(junction, "roundabout") || !std::strcmp(junction, "circular"))) || !std::strcmp(hw, "motorway")))
      direction = 1;
    const auto& nodes = w.nodes();
    if (nodes.size() < 2) return;
    for (const auto& n : nodes)
      if (!n.location().valid()) return;  // extract cut through the way: skip it whole
    ++out.ways;
    if (direction != 0) ++out.oneway_ways;
    for (std::size_t i = 1; i < nodes.size(); ++i) {
      const double metres = osmium::geom::haversine::distance(nodes[i - 1].location(), nodes[i].location());
      const auto minutes = static_cast<float>(metres / (speed * 1000.0 / 60.0));
      const auto a = graph_node(nodes[i - 1]), b = graph_node(nodes[i]);
      if (direction >= 0) arcs.push_back({a, b, minutes});
      if (direction <= 0) arcs.push_back({b, a, minutes});
    }
  }
};

/// Nodes of the largest strongly connected component (iterative Kosaraju).
std::vector<bool> largest_scc(const travel::Graph& g) {
  const auto n = g.nodes();
  const auto rev = g.reversed();
  std::vector<std::uint32_t> order;
  order.reserve(n);
  std::vector<char> seen(n, 0);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> stack;  // node, next arc
  for (std::uint32_t s = 0; s < n; ++s) {
    if (seen[s]) continue;
    seen[s] = 1;
    stack.emplace_back(s, g.first[s]);
    while (!stack.empty()) {
      auto& [u, a] = stack.back();
      if (a < g.first[u + 1]) {
        const auto v = g.head[a++];
        if (!seen[v]) {
          seen[v] = 1;
          stack.emplace_back(v, g.first[v]);
        }
      } else {
        order.push_back(u);
        stack.pop_back();
      }
    }
  }
  std::vector<std::uint32_t> comp(n, travel::kNoNode);
  std::vector<std::size_t> sizes;
  std::vector<std::uint32_t> todo;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    if (comp[*it] != travel::kNoNode) continue;
    const auto c = static_cast<std::uint32_t>(sizes.size());
    sizes.push_back(0);
    todo.push_back(*it);
    comp[*it] = c;
    while (!todo.empty()) {
      const auto u = todo.back();
      todo.pop_back();
      ++sizes[c];
      for (auto a = rev.first[u]; a < rev.first[u + 1]; ++a)
        if (comp[rev.head[a]] == travel::kNoNode) {
          comp[rev.head[a]] = c;
          todo.push_back(rev.head[a]);
        }
    }
  }
  std::vector<bool> keep(n, false);
  if (sizes.empty()) return keep;
  const auto best = static_cast<std::uint32_t>(std::max_element(sizes.begin(), sizes.end()) - sizes.begin());
  for (std::size_t i = 0; i < n; ++i) keep[i] = comp[i] == best;
  return keep;
}

}  // namespace

RoadGraph read_osm_roads(const fs::path& pbf, const ProgressFn& progress) {
  std::error_code ec;
  if (!fs::is_regular_file(pbf, ec))
    throw Error(Errc::io, "no such OpenStreetMap file", pbf.string(), {}, "give an .osm.pbf extract (e.g. from Geofabrik)");
  if (fs::file_size(pbf, ec) == 0) throw Error(Errc::empty_input, "the OpenStreetMap file is empty", pbf.string());
  RoadGraph out;
  RoadHandler h(out);
  if (progress && !progress(0.0, "reading OpenStreetMap")) throw Error(Errc::cancelled, "cancelled");
  try {
    using Index = osmium::index::map::FlexMem<osmium::unsigned_object_id_type, osmium::Location>;
    Index index;
    osmium::handler::NodeLocationsForWays<Index> locations(index);
    locations.ignore_errors();  // ways cut by the extract boundary are skipped in way()
    osmium::io::Reader reader(pbf.string(), osmium::osm_entity_bits::node | osmium::osm_entity_bits::way);
    osmium::apply(reader, locations, h);
    reader.close();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(Errc::format, fmt::format("cannot read the OpenStreetMap data: {}", e.what()), pbf.string(), {},
                "download the extract again; Oasis reads .osm.pbf and .osm (XML)");
  }
  if (h.arcs.empty())
    throw Error(Errc::empty_input, "no car-accessible road in the OpenStreetMap file", pbf.string(), {},
                "check the extract covers the territory");
  if (progress && !progress(0.7, "building the road graph")) throw Error(Errc::cancelled, "cancelled");
  const auto full = travel::Graph::from_arcs(out.lon.size(), std::move(h.arcs));
  out.nodes_read = full.nodes();
  const auto keep = largest_scc(full);
  std::vector<std::uint32_t> renum(full.nodes(), travel::kNoNode);
  std::vector<double> lon, lat;
  for (std::uint32_t i = 0; i < full.nodes(); ++i)
    if (keep[i]) {
      renum[i] = static_cast<std::uint32_t>(lon.size());
      lon.push_back(out.lon[i]);
      lat.push_back(out.lat[i]);
    }
  std::vector<travel::Arc> arcs;
  for (std::uint32_t u = 0; u < full.nodes(); ++u)
    for (auto a = full.first[u]; a < full.first[u + 1]; ++a)
      if (keep[u] && keep[full.head[a]]) arcs.push_back({renum[u], renum[full.head[a]], full.minutes[a]});
  out.graph = travel::Graph::from_arcs(lon.size(), std::move(arcs));
  out.lon = std::move(lon);
  out.lat = std::move(lat);
  if (progress) progress(1.0, "road graph ready");
  return out;
}

}  // namespace oasis::geodata
