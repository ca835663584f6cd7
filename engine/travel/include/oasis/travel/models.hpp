#pragma once
// The travel models behind one setting (`travel.model`, `--travel`):
//   crowfly        straight-line metres x detour / speed, with a grid index (only pairs under the cutoff)
//   commune-graph  road proxy: communes whose polygons touch are linked; bounded Dijkstra
//   osm            OpenStreetMap road graph (see osm.hpp, built by geodata/)
//   table          an imported OD table (see geodata/od_table.hpp)
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "oasis/model/territory.hpp"
#include "oasis/travel/graph.hpp"
#include "oasis/travel/od.hpp"

namespace oasis::travel {

/// Points in projected metres, each with its CRS: points in different CRS never pair
/// (overseas départements are separate islands of the model).
struct PointSet {
  std::span<const double> x, y;
  std::span<const int> epsg;
  std::size_t size() const noexcept { return x.size(); }
};

/// The default speed of every model outside dense communes (the one place it is declared).
inline constexpr double kDefaultSpeedKmh = 60.0;

struct CrowflyParams {
  double detour = 1.3;                  // road length / straight-line length (dimensionless)
  double speed_kmh = kDefaultSpeedKmh;  // mean speed on the road length
  void validate() const;                // throws Error(value_invalid)
};

/// Every (origin, destination) pair with detour x distance / speed <= cutoff. When `same_set`,
/// origin i and destination i are the same place: the pair gets `intra_min`.
OdMatrix crowfly_od(const PointSet& origins, const PointSet& destinations, const CrowflyParams& params, const OdOptions& options,
                    bool same_set, double intra_min = 0.0);

struct CommuneGraphParams {
  double detour = 1.2;                  // applied to the distance between representative points
  double speed_kmh = kDefaultSpeedKmh;  // speed in communes below the urban density
  double urban_speed_kmh = 30.0;        // speed in communes at or above it
  double urban_density = 1500.0;        // inhabitants per km2 (INSEE "dense" communes are above ~1 500)
  double touch_tolerance_m = 20.0;      // boundary vertices this close make two communes neighbours
  void validate() const;
};

/// Pairs (a < b) of communes whose boundaries touch (share a vertex within the tolerance), sorted.
std::vector<std::pair<CommuneId, CommuneId>> commune_adjacency(const Territory& territory, double tolerance_m);

/// The commune graph: one node per commune, arcs both ways between touching communes; an arc
/// a -> b takes detour x (d/2 / v_a + d/2 / v_b), d the distance between representative points.
Graph commune_graph(const Territory& territory, const CommuneGraphParams& params);

/// Commune-to-commune OD over the commune graph (intra-commune time = intra_min).
OdMatrix commune_graph_od(const Territory& territory, const CommuneGraphParams& params, const OdOptions& options, double intra_min = 0.0);
/// The same on a graph already built by commune_graph(territory, params).
OdMatrix commune_graph_od(const Graph& graph, const CommuneGraphParams& params, const OdOptions& options, double intra_min = 0.0);

/// Minutes from every node to the nearest node with `is_site` over `g`, without a cutoff: one
/// search from all the sites on the reversed graph. NaN where no site can be reached.
std::vector<double> nearest_on_graph(const Graph& g, std::span<const char> is_site);

/// Minutes from every point to the nearest point with `is_site` in the same CRS, by straight line
/// (detour x distance / speed), without a cutoff. NaN where the CRS holds no site. With `only`
/// (one flag per point), the other points are left NaN and cost nothing.
std::vector<double> nearest_crowfly(const PointSet& points, std::span<const char> is_site, const CrowflyParams& params,
                                    std::span<const char> only = {});

/// Commune-to-commune OD by straight line between representative points.
OdMatrix crowfly_commune_od(const Territory& territory, const CrowflyParams& params, const OdOptions& options, double intra_min = 0.0);

// ---- nearest facilities ----

/// For each origin, the time to the k-th nearest destination holding a facility (`count[d]`
/// facilities at destination d; a destination with 3 counts 3 times). NaN when fewer than k are
/// within the table's cutoff.
std::vector<double> time_to_nearest(const OdMatrix& od, std::span<const double> count, int k = 1);

/// Share (0..1) and number of inhabitants whose time is above `threshold_min` (NaN counts as above).
struct BeyondShare {
  double population = 0.0;
  double share = 0.0;
};
BeyondShare population_beyond(std::span<const double> time_min, std::span<const double> population, double threshold_min);

}  // namespace oasis::travel
