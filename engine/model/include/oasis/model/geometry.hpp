#pragma once
// Plain geometry values of the core, in projected metres (Lambert-93 for mainland France).
#include <vector>

namespace oasis {

struct PointXY {
  double x = 0.0;
  double y = 0.0;
  bool operator==(const PointXY&) const = default;
};
using Ring = std::vector<PointXY>;  // closed: first point == last point
struct Polygon {
  Ring outer;
  std::vector<Ring> holes;
};
using MultiPolygon = std::vector<Polygon>;

/// Signed-area-free helpers used by tests and summaries.
double area_m2(const MultiPolygon& mp);

}  // namespace oasis
