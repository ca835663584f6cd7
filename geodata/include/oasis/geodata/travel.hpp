#pragma once
// Builds the commune-to-commune OD table of a territory with the model chosen in TravelSettings.
// Lives in geodata/ because two models read files: `table` (CSV / .odb) and `osm` (.osm.pbf).
#include <memory>
#include <optional>
#include <string>

#include "oasis/core/cache.hpp"
#include "oasis/core/diagnostics.hpp"
#include "oasis/core/progress.hpp"
#include "oasis/model/territory.hpp"
#include "oasis/travel/graph.hpp"
#include "oasis/travel/od.hpp"
#include "oasis/travel/od_io.hpp"
#include "oasis/travel/settings.hpp"

namespace oasis::geodata {

struct OsmReport {
  std::string file;
  std::size_t ways = 0, nodes_read = 0, nodes_kept = 0, arcs = 0;
  std::size_t snapped = 0, off_network = 0;  // communes placed on the network / too far from it
  double max_snap_m = 0.0;
  std::size_t shortcuts = 0;  // of the contraction hierarchy the table was routed on
  bool hierarchy_from_cache = false;
};

struct TravelResult {
  travel::OdMatrix od;
  std::shared_ptr<const travel::Graph> graph;  // the commune graph the OD was routed on (commune_graph model)
  std::optional<travel::OdReadReport> table;
  std::optional<OsmReport> osm;
  double seconds = 0.0;
};

/// `cache`: where the osm model keeps the contraction hierarchy of the road graph (keyed on the
/// graph's own bytes and the hierarchy's settings, docs/cache.md); off by default.
TravelResult build_travel(const Territory& territory, const travel::TravelSettings& settings, Diagnostics& diagnostics,
                          const ProgressFn& progress = {}, const FileCache& cache = {});

/// The INSEE codes of the territory, by dense id (the ids written in OD files).
std::vector<std::string> territory_codes(const Territory& territory);

}  // namespace oasis::geodata
