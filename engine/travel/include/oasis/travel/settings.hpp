#pragma once
// One setting picks the travel model (`travel.model` in a scenario, `--travel` on the CLI).
#include <filesystem>
#include <string>
#include <string_view>

#include "oasis/travel/models.hpp"

namespace oasis::travel {

enum class Model { crowfly, commune_graph, osm, table };

/// "crowfly" | "commune-graph" | "osm" | "table"; throws Error(usage) naming the choices.
Model parse_model(std::string_view name);
std::string_view model_name(Model m) noexcept;

struct OsmParams {
  std::filesystem::path pbf;    // .osm.pbf extract
  double snap_max_m = 5000.0;   // origins farther than this from any road node are left unreachable
  double access_speed_kmh = 15.0;  // speed between a point and its snapped road node (on foot / car park)
};

struct TravelSettings {
  Model model = Model::commune_graph;
  double cutoff_min = 30.0;
  double intra_min = 0.0;  // DREES / Metric convention: 0 inside a commune
  CrowflyParams crowfly;
  CommuneGraphParams graph;
  OsmParams osm;
  std::filesystem::path table;  // model = table: long-format CSV or .odb
  int threads = 0;
};

}  // namespace oasis::travel
