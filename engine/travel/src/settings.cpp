#include "oasis/travel/settings.hpp"

#include <fmt/format.h>

#include "oasis/core/error.hpp"

namespace oasis::travel {

Model parse_model(std::string_view name) {
  if (name == "crowfly") return Model::crowfly;
  if (name == "commune-graph") return Model::commune_graph;
  if (name == "osm") return Model::osm;
  if (name == "table") return Model::table;
  throw Error(Errc::usage, fmt::format("unknown travel model '{}'", name), {}, {}, "choose one of crowfly, commune-graph, osm, table");
}

std::string_view model_name(Model m) noexcept {
  switch (m) {
    case Model::crowfly: return "crowfly";
    case Model::commune_graph: return "commune-graph";
    case Model::osm: return "osm";
    case Model::table: return "table";
  }
  return "?";
}

double default_detour(Model m) noexcept { return m == Model::crowfly ? CrowflyParams{}.detour : CommuneGraphParams{}.detour; }

TravelSettings settings_from(const TravelOptions& o) {
  TravelSettings s;
  s.model = parse_model(o.model);
  s.cutoff_min = o.cutoff_min;
  s.intra_min = o.intra_min;
  if (o.detour != 0) s.crowfly.detour = s.graph.detour = o.detour;  // out of range: the model refuses it
  s.crowfly.speed_kmh = s.graph.speed_kmh = o.speed_kmh;
  s.graph.urban_speed_kmh = o.urban_speed_kmh;
  s.graph.urban_density = o.urban_density;
  s.osm.pbf = o.osm;
  s.table = o.table;
  s.threads = o.threads;
  if (s.model == Model::osm && o.osm.empty())
    throw Error(Errc::usage, "the osm travel model needs an OpenStreetMap file", {}, {},
                "give the extract of the territory (--osm FILE.osm.pbf, travel.osm, osm=)");
  if (s.model == Model::table && o.table.empty())
    throw Error(Errc::usage, "the table travel model needs an OD file", {}, {},
                "give a CSV from_id,to_id,minutes or an .odb file (--od-table, travel.table, table=)");
  return s;
}

}  // namespace oasis::travel
