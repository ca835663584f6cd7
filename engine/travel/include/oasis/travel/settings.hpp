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
  std::filesystem::path pbf;       // .osm.pbf extract
  double snap_max_m = 5000.0;      // origins farther than this from any road node are left unreachable
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

/// The travel options as the CLI flags, the scenario keys and the Python arguments spell them: the
/// one declaration of their defaults (tests/runner checks the scenario schema, the CLI and Python
/// against it). Build it with designated initialisers: a field out of order does not compile.
struct TravelOptions {
  std::string model = "commune-graph";
  double cutoff_min = 30.0;
  double intra_min = 0.0;
  double detour = 0.0;  // 0: the model's default (default_detour)
  double speed_kmh = CommuneGraphParams{}.speed_kmh;
  double urban_speed_kmh = CommuneGraphParams{}.urban_speed_kmh;
  double urban_density = CommuneGraphParams{}.urban_density;
  std::string osm, table;  // files of the osm and table models
  int threads = 0;
};

/// Road / straight-line ratio a model uses when none is given (crowfly 1.3, the others 1.2).
double default_detour(Model model) noexcept;

/// Maps the options onto the models' parameters. Throws Error(usage) for an unknown model, or for
/// the osm / table models without their file.
TravelSettings settings_from(const TravelOptions& options);

}  // namespace oasis::travel
