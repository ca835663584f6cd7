#include <catch2/catch.hpp>

#include <cmath>

#include "oasis/core/diagnostics.hpp"
#include "oasis/core/error.hpp"
#include "oasis/model/spatial_index.hpp"
#include "oasis/model/supply.hpp"
#include "oasis/model/territory.hpp"

using namespace oasis;

namespace {
Polygon square(double x0, double y0, double side) {
  return Polygon{{{x0, y0}, {x0 + side, y0}, {x0 + side, y0 + side}, {x0, y0 + side}, {x0, y0}}, {}};
}
CommuneRecord rec(const char* code, double pop, Polygon shape) {
  CommuneRecord r{*CodeInsee::parse(code), code, "37", "24", "", pop, 2154, {}, {}, {}};
  r.point = {(shape.outer[0].x + shape.outer[2].x) / 2, (shape.outer[0].y + shape.outer[2].y) / 2};
  r.shape = {std::move(shape)};
  return r;
}
}  // namespace

TEST_CASE("territory ids are dense and follow the INSEE order") {
  std::vector<CommuneRecord> v;
  v.push_back(rec("37003", 30, square(0, 1000, 1000)));
  v.push_back(rec("37001", 10, square(0, 0, 1000)));
  v.push_back(rec("37002", 20, square(1000, 0, 1000)));
  const auto t = Territory::from_records(std::move(v));
  REQUIRE(t.size() == 3);
  CHECK(t.code()[0].str() == "37001");
  CHECK(t.code()[2].str() == "37003");
  CHECK(t.at(*CodeInsee::parse("37002")) == 1);
  CHECK_FALSE(t.find(*CodeInsee::parse("37004")));
  CHECK(t.total_population() == 60.0);
  CHECK(area_m2(t.shape(0)) == Approx(1e6));
  CHECK_THROWS_AS(t.at(*CodeInsee::parse("37004")), Error);
}

TEST_CASE("a repeated code is refused") {
  std::vector<CommuneRecord> v;
  v.push_back(rec("37001", 10, square(0, 0, 1000)));
  v.push_back(rec("37001", 10, square(1000, 0, 1000)));
  try {
    Territory::from_records(std::move(v));
    FAIL("accepted a duplicate");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::code_duplicate);
  }
}

TEST_CASE("area of a polygon with a hole") {
  Polygon p = square(0, 0, 100);
  p.holes.push_back({{10, 10}, {10, 30}, {30, 30}, {30, 10}, {10, 10}});
  CHECK(area_m2({p}) == Approx(10000.0 - 400.0));
}

TEST_CASE("points are located in the commune that contains them") {
  std::vector<CommuneRecord> v;
  v.push_back(rec("37001", 10, square(0, 0, 1000)));
  v.push_back(rec("37002", 20, square(1000, 0, 1000)));
  const auto t = Territory::from_records(std::move(v));
  const SpatialIndex idx(t);
  CHECK(idx.locate(2154, {500, 500})->commune == 0);
  CHECK(idx.locate(2154, {1500, 10})->commune == 1);
  // On the shared border the lowest id wins, deterministically.
  CHECK(idx.locate(2154, {1000, 500})->commune == 0);
  // Outside: nothing without tolerance, the nearest commune within it (distance by hand: 300 m).
  CHECK_FALSE(idx.locate(2154, {2300, 500}));
  const auto near = idx.locate(2154, {2300, 500}, 500.0);
  REQUIRE(near);
  CHECK(near->commune == 1);
  CHECK(near->distance_m == Approx(300.0));
  CHECK_FALSE(idx.locate(2154, {2300, 500}, 200.0));
  // Another CRS holds no commune.
  CHECK_FALSE(idx.locate(2975, {500, 500}, 1000.0));
}

TEST_CASE("supply totals per commune") {
  SupplyTable s;
  s.add(0, 2.0, "a");
  s.add(2, 1.5, "b");
  s.add(0, 1.0, "c");
  CHECK(s.total() == 4.5);
  const auto per = s.per_commune(3);
  CHECK(per == std::vector<double>{3.0, 0.0, 1.5});
}

TEST_CASE("diagnostics count everything and keep a bounded sample") {
  Diagnostics d(2);
  for (int i = 0; i < 5; ++i) d.add(Warn::code_unmatched, "f.csv", "line " + std::to_string(i), "x");
  d.count(Warn::code_outside, 7);
  CHECK(d.count(Warn::code_unmatched) == 5);
  CHECK(d.count(Warn::code_outside) == 7);
  CHECK(d.total() == 12);
  CHECK(d.findings().size() == 2);
  CHECK(warn_name(Warn::code_unmatched) == "W-CODE-UNMATCHED");
}
