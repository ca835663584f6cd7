#pragma once
// The time from every commune to its nearest site, with no empty cell (docs/urgences.md).
#include <cstdint>
#include <span>
#include <vector>

#include "oasis/model/territory.hpp"
#include "oasis/travel/graph.hpp"
#include "oasis/travel/od.hpp"
#include "oasis/travel/settings.hpp"

namespace oasis::travel {

/// How a time to the nearest site was found (NearestTimes::how).
enum class NearestHow : std::uint8_t { table = 0, beyond_cutoff = 1, straight_line = 2, none = 3 };

struct NearestTimes {
  std::vector<double> minutes;  // per commune (NaN only when its CRS holds no site at all)
  std::vector<NearestHow> how;  // per commune
  std::size_t from_table = 0, beyond_cutoff = 0, straight_line = 0, none = 0;
};

/// Minutes from every commune to the nearest commune with `count` > 0, with no empty cell: the OD
/// table's time where the site is within its cutoff (the same value the table gives); beyond it,
/// the model searched without a cutoff (crowfly: the straight line; commune-graph: one search on
/// the graph from all the sites); where the model cannot (osm, table, a commune the graph does not
/// link), the straight line with the commune graph's detour and speed (docs/urgences.md).
/// `graph` (optional): the commune graph of `territory` with `settings.graph`, when the caller
/// has it (several searches on one territory build it once); built here when needed otherwise.
NearestTimes nearest_site_minutes(const Territory& territory, const TravelSettings& settings, const OdMatrix& od,
                                  std::span<const double> count, const Graph* graph = nullptr);

}  // namespace oasis::travel
