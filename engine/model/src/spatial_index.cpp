#include "oasis/model/spatial_index.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <utility>
#include <vector>

// GCC 12 reports false "maybe-uninitialized" warnings inside Boost.Geometry 1.74 envelope code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

namespace oasis {
namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

namespace {
using BPoint = bg::model::d2::point_xy<double>;
using BBox = bg::model::box<BPoint>;
using BPolygon = bg::model::polygon<BPoint>;
using BMulti = bg::model::multi_polygon<BPolygon>;
using Entry = std::pair<BBox, CommuneId>;
using Tree = bgi::rtree<Entry, bgi::quadratic<16>>;

BMulti convert(const MultiPolygon& mp) {
  BMulti out;
  for (const auto& poly : mp) {
    BPolygon bp;
    for (const auto& p : poly.outer) bp.outer().emplace_back(p.x, p.y);
    for (const auto& h : poly.holes) {
      bp.inners().emplace_back();
      for (const auto& p : h) bp.inners().back().emplace_back(p.x, p.y);
    }
    bg::correct(bp);
    out.push_back(std::move(bp));
  }
  return out;
}
}  // namespace

struct SpatialIndex::Impl {
  std::map<int, Tree> trees;  // one tree per projected CRS (mainland, each overseas département)
  std::vector<BMulti> shapes;
};

SpatialIndex::SpatialIndex(const Territory& t) : impl_(std::make_unique<Impl>()) {
  impl_->shapes.reserve(t.size());
  std::map<int, std::vector<Entry>> entries;
  for (CommuneId id = 0; id < t.size(); ++id) {
    impl_->shapes.push_back(convert(t.shape(id)));
    if (impl_->shapes.back().empty()) continue;
    double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
    for (const auto& poly : t.shape(id))
      for (const auto& p : poly.outer) {
        x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
      }
    entries[t.epsg()[id]].emplace_back(BBox(BPoint(x0, y0), BPoint(x1, y1)), id);
  }
  for (auto& [epsg, e] : entries) impl_->trees.emplace(epsg, Tree(e.begin(), e.end()));  // packed build
}

SpatialIndex::~SpatialIndex() = default;
SpatialIndex::SpatialIndex(SpatialIndex&&) noexcept = default;
SpatialIndex& SpatialIndex::operator=(SpatialIndex&&) noexcept = default;

std::optional<Located> SpatialIndex::locate(int epsg, PointXY p, double tolerance_m) const {
  auto it = impl_->trees.find(epsg);
  if (it == impl_->trees.end()) return std::nullopt;
  const BPoint q(p.x, p.y);
  std::vector<Entry> hits;
  it->second.query(bgi::intersects(q), std::back_inserter(hits));
  std::sort(hits.begin(), hits.end(), [](const Entry& a, const Entry& b) { return a.second < b.second; });
  for (const auto& h : hits)
    if (bg::covered_by(q, impl_->shapes[h.second])) return Located{h.second, 0.0};
  if (tolerance_m <= 0.0) return std::nullopt;
  const BBox around(BPoint(p.x - tolerance_m, p.y - tolerance_m), BPoint(p.x + tolerance_m, p.y + tolerance_m));
  hits.clear();
  it->second.query(bgi::intersects(around), std::back_inserter(hits));
  std::optional<Located> best;
  for (const auto& h : hits) {
    const double d = bg::distance(q, impl_->shapes[h.second]);
    if (d <= tolerance_m && (!best || d < best->distance_m || (d == best->distance_m && h.second < best->commune)))
      best = Located{h.second, d};
  }
  return best;
}

}  // namespace oasis
