#pragma once
// Point-in-polygon assignment of points to communes, with an R-tree over commune bounding boxes.
#include <memory>
#include <optional>

#include "oasis/model/territory.hpp"

namespace oasis {

struct Located {
  CommuneId commune;
  double distance_m;  // 0 when the point is inside (or on the boundary of) the commune
};

class SpatialIndex {
 public:
  explicit SpatialIndex(const Territory& territory);
  ~SpatialIndex();
  SpatialIndex(SpatialIndex&&) noexcept;
  SpatialIndex& operator=(SpatialIndex&&) noexcept;

  /// The commune containing p (coordinates in the CRS `epsg`). On a shared border the lowest id
  /// wins. When p lies in no commune, the nearest commune within `tolerance_m` (simplified
  /// coastlines), else nullopt.
  std::optional<Located> locate(int epsg, PointXY p, double tolerance_m = 0.0) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace oasis
