#pragma once
// Private to geodata/: multipolygons in the prepared-input cache's binary encoding (counts as
// uint64, coordinates as doubles), shared by the boundaries and the dissolved units.
#include <cstdint>
#include <vector>

#include "oasis/core/binary.hpp"
#include "oasis/model/geometry.hpp"

namespace oasis::geodata::detail {

inline void put_ring(BinaryWriter& w, const Ring& r) {
  w.put(static_cast<std::uint64_t>(r.size()));
  for (const auto& p : r) w.put(p.x), w.put(p.y);
}

inline Ring get_ring(BinaryReader& r) {
  const auto n = r.get<std::uint64_t>();
  std::vector<double> xy;
  r.get_array(xy, 2 * n);
  Ring out(n);
  for (std::uint64_t i = 0; i < n; ++i) out[i] = {xy[2 * i], xy[2 * i + 1]};
  return out;
}

inline void put_shape(BinaryWriter& w, const MultiPolygon& mp) {
  w.put(static_cast<std::uint64_t>(mp.size()));
  for (const auto& poly : mp) {
    put_ring(w, poly.outer);
    w.put(static_cast<std::uint64_t>(poly.holes.size()));
    for (const auto& h : poly.holes) put_ring(w, h);
  }
}

/// `limit` bounds the counts read (the payload's size: a damaged entry fails, never allocates wild).
inline MultiPolygon get_shape(BinaryReader& r, std::size_t limit) {
  const auto np = r.get<std::uint64_t>();
  if (np > limit) r.need(limit + 1);
  MultiPolygon mp(np);
  for (auto& poly : mp) {
    poly.outer = get_ring(r);
    const auto nh = r.get<std::uint64_t>();
    if (nh > limit) r.need(limit + 1);
    for (std::uint64_t h = 0; h < nh; ++h) poly.holes.push_back(get_ring(r));
  }
  return mp;
}

}  // namespace oasis::geodata::detail
