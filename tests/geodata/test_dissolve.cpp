#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "oasis/geodata/gpkg.hpp"
#include "oasis/model/territory.hpp"

using namespace oasis;

namespace {
Polygon square(double x0, double y0, double side) {
  return Polygon{{{x0, y0}, {x0 + side, y0}, {x0 + side, y0 + side}, {x0, y0 + side}, {x0, y0}}, {}};
}
CommuneRecord rec(const char* code, Polygon shape) {
  CommuneRecord r{*CodeInsee::parse(code), code, "37", "24", "", 100, 2154, {}, {}, {}};
  r.point = {(shape.outer[0].x + shape.outer[2].x) / 2, (shape.outer[0].y + shape.outer[2].y) / 2};
  r.shape = {std::move(shape)};
  return r;
}
std::size_t vertices(const MultiPolygon& mp) {
  std::size_t n = 0;
  for (const auto& p : mp) n += p.outer.size();
  return n;
}
}  // namespace

TEST_CASE("dissolve: the union of each group's communes, kept in the cache and read back the same") {
  namespace fs = std::filesystem;
  // A 3 x 1 row of 1 km squares (group 0: the two on the left) and a square apart (group 1).
  std::vector<CommuneRecord> v;
  v.push_back(rec("37001", square(0, 0, 1000)));
  v.push_back(rec("37002", square(1000, 0, 1000)));
  v.push_back(rec("37003", square(2000, 0, 1000)));
  v.push_back(rec("37004", square(5000, 0, 500)));
  const auto t = Territory::from_records(std::move(v));
  const std::vector<std::uint32_t> group_of{0, 0, 1, 2};
  const auto plain = geodata::dissolve(t, group_of, 4, 2);
  REQUIRE(plain.size() == 4);
  // Group 0 is one 2 km x 1 km rectangle: one polygon without hole, its area, every vertex on its
  // outline (the four corners, the two ends of the shared side, the closure): the shared side is gone.
  REQUIRE(plain[0].size() == 1);
  CHECK(plain[0][0].holes.empty());
  CHECK(area_m2(plain[0]) == Approx(2e6));
  CHECK(vertices(plain[0]) == 7);
  for (const auto& q : plain[0][0].outer) CHECK((q.y == 0 || q.y == 1000 || q.x == 0 || q.x == 2000));
  CHECK(area_m2(plain[1]) == Approx(1e6));
  CHECK(area_m2(plain[2]) == Approx(0.25e6));
  CHECK(plain[3].empty());  // a group without communes

  const auto dir = fs::temp_directory_path() / ("oasis-dissolve-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const FileCache cache(dir);
  const auto cold = geodata::dissolve(t, group_of, 4, 2, {}, cache);
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().starts_with("dissolve-")) entries.push_back(e.path());
  REQUIRE(entries.size() == 1);
  const auto warm = geodata::dissolve(t, group_of, 4, 2, {}, cache);
  for (const auto* r : {&cold, &warm}) {
    REQUIRE(r->size() == plain.size());
    for (std::size_t g = 0; g < plain.size(); ++g) {
      REQUIRE((*r)[g].size() == plain[g].size());
      for (std::size_t p = 0; p < plain[g].size(); ++p) CHECK((*r)[g][p].outer == plain[g][p].outer);
    }
  }
  // Other groups: another key, another answer (not the cached one).
  const auto regrouped = geodata::dissolve(t, std::vector<std::uint32_t>{0, 1, 1, 1}, 2, 2, {}, cache);
  CHECK(area_m2(regrouped[0]) == Approx(1e6));
  CHECK(area_m2(regrouped[1]) == Approx(2.25e6));
  // A damaged entry is a miss: the unions are computed again, the same.
  {
    std::fstream f(entries[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-3, std::ios::end);
    f.write("XYZ", 3);
  }
  const auto again = geodata::dissolve(t, group_of, 4, 2, {}, cache);
  REQUIRE(again[0].size() == 1);
  CHECK(again[0][0].outer == plain[0][0].outer);
  fs::remove_all(dir);
}
