#include "oasis/travel/nearest.hpp"

#include <cmath>

#include "oasis/travel/models.hpp"

namespace oasis::travel {

NearestTimes nearest_site_minutes(const Territory& t, const TravelSettings& s, const OdMatrix& od, std::span<const double> count,
                                  const Graph* graph) {
  const auto n = t.size();
  NearestTimes r;
  r.minutes = time_to_nearest(od, count, 1);
  r.how.assign(n, NearestHow::table);
  std::vector<char> site(n, 0);
  bool missing = false;
  for (CommuneId c = 0; c < n; ++c) site[c] = count[c] > 0, missing |= !std::isfinite(r.minutes[c]);
  if (missing) {
    const PointSet pts{t.x(), t.y(), t.epsg()};
    std::vector<double> model;
    if (s.model == Model::commune_graph) model = graph ? nearest_on_graph(*graph, site) : nearest_on_graph(commune_graph(t, s.graph), site);
    if (s.model == Model::crowfly) model = nearest_crowfly(pts, site, s.crowfly);
    // The straight line, only for the communes the table and the model leave without a time.
    std::vector<char> lacking(n, 0);
    bool any = false;
    for (CommuneId c = 0; c < n; ++c)
      if (!std::isfinite(r.minutes[c]) && (model.empty() || !std::isfinite(model[c]))) lacking[c] = 1, any = true;
    std::vector<double> straight;
    if (any) {
      CrowflyParams line;
      line.detour = s.graph.detour;
      line.speed_kmh = s.graph.speed_kmh;
      straight = nearest_crowfly(pts, site, line, lacking);
    }
    auto straight_at = [&](CommuneId c) { return straight[c]; };
    for (CommuneId c = 0; c < n; ++c) {
      if (std::isfinite(r.minutes[c])) continue;
      if (!model.empty() && std::isfinite(model[c])) {
        r.minutes[c] = model[c];
        r.how[c] = NearestHow::beyond_cutoff;
      } else if (const double v = straight_at(c); std::isfinite(v)) {
        r.minutes[c] = v;
        r.how[c] = NearestHow::straight_line;
      } else {
        r.how[c] = NearestHow::none;
      }
    }
  }
  for (auto h : r.how) {
    switch (h) {
      case NearestHow::table: ++r.from_table; break;
      case NearestHow::beyond_cutoff: ++r.beyond_cutoff; break;
      case NearestHow::straight_line: ++r.straight_line; break;
      case NearestHow::none: ++r.none; break;
    }
  }
  return r;
}

}  // namespace oasis::travel
