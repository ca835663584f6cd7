#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <numbers>

#include <ogrsf_frmts.h>
#include <unistd.h>

#include "fixtures.hpp"
#include "oasis/core/error.hpp"
#include "oasis/geodata/boundaries.hpp"
#include "oasis/geodata/cog.hpp"
#include "oasis/geodata/load.hpp"

using namespace oasis;
using namespace oasis::geodata;

namespace {
const Cog& fixture_cog() {
  static const Cog cog = Cog::load(test::data_dir() / "cog");
  return cog;
}

std::vector<CommuneRecord> read(const std::filesystem::path& p, Diagnostics& d, BoundaryReport& r, std::set<std::string> deps = {}) {
  BoundaryOptions o;
  o.path = p;
  o.departements = std::move(deps);
  o.threads = 2;
  return read_boundaries(o, fixture_cog(), d, r);
}

Errc error_of(const std::filesystem::path& p) {
  Diagnostics d;
  BoundaryReport r;
  try {
    read(p, d, r);
  } catch (const Error& e) {
    return e.code();
  }
  return Errc::internal;
}

const CommuneRecord* by_code(const std::vector<CommuneRecord>& v, const char* code) {
  for (const auto& c : v)
    if (c.code.str() == code) return &c;
  return nullptr;
}

// Area of a longitude/latitude rectangle on the GRS80 ellipsoid (authalic latitude formula).
double ellipsoid_rect_area(double lon0, double lon1, double lat0, double lat1) {
  const double a = 6378137.0, f = 1 / 298.257222101, e2 = f * (2 - f), e = std::sqrt(e2);
  auto q = [&](double phi) {
    const double s = std::sin(phi);
    return (1 - e2) * (s / (1 - e2 * s * s) - std::log((1 - e * s) / (1 + e * s)) / (2 * e));
  };
  const double rad = std::numbers::pi / 180;
  return a * a * (lon1 - lon0) * rad * (q(lat1 * rad) - q(lat0 * rad)) / 2;
}

std::string square_feature(const char* code, double x0, double y0, double side) {
  return "{\"type\":\"Feature\",\"properties\":{\"code\":\"" + std::string(code) +
         "\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[" + std::to_string(x0) + "," + std::to_string(y0) + "],[" +
         std::to_string(x0 + side) + "," + std::to_string(y0) + "],[" + std::to_string(x0 + side) + "," + std::to_string(y0 + side) +
         "],[" + std::to_string(x0) + "," + std::to_string(y0 + side) + "],[" + std::to_string(x0) + "," + std::to_string(y0) + "]]]}}";
}

std::string collection(const std::string& features, bool lambert = true) {
  return std::string("{\"type\":\"FeatureCollection\",") +
         (lambert ? "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::2154\"}}," : "") + "\"features\":[" +
         features + "]}";
}
}  // namespace

TEST_CASE("a folder of files: merged former codes, repaired polygons, reprojection") {
  Diagnostics d;
  BoundaryReport r;
  const auto v = read(test::data_dir() / "communes", d, r);
  CHECK(r.files == 2);
  CHECK(r.features == 6);
  REQUIRE(v.size() == 5);
  CHECK(r.merged_codes == 1);
  CHECK(r.repaired == 1);
  CHECK(d.count(Warn::code_merged) == 1);
  CHECK(d.count(Warn::geometry_repaired) == 1);

  const auto* alpha = by_code(v, "37001");
  REQUIRE(alpha);
  CHECK(area_m2(alpha->shape) == Approx(1e8));
  CHECK(alpha->point.x > 500000);
  CHECK(alpha->point.x < 510000);

  // 37900 (COG anciensCodes of 37003) is folded in: two 10 km squares.
  const auto* charlie = by_code(v, "37003");
  REQUIRE(charlie);
  CHECK(area_m2(charlie->shape) == Approx(2e8));
  CHECK(charlie->former_codes == std::vector<std::string>{"37900"});
  CHECK(charlie->population == 500.0);  // legal population of the current commune (COG)

  // The bow-tie repaired into two triangles of 10 km x 5 km / 2 each.
  const auto* delta = by_code(v, "37004");
  REQUIRE(delta);
  CHECK(area_m2(delta->shape) == Approx(5e7));

  // WGS84 square near Blois, reprojected to Lambert-93: the area matches the ellipsoidal area up to
  // the Lambert-93 scale error (< 0.2 % at 47.6 degrees north).
  const auto* fox = by_code(v, "41001");
  REQUIRE(fox);
  CHECK(fox->epsg == 2154);
  CHECK(area_m2(fox->shape) == Approx(ellipsoid_rect_area(1.30, 1.36, 47.57, 47.61)).epsilon(0.003));
  CHECK(fox->point.x == Approx(571000).margin(15000));
  CHECK(fox->point.y == Approx(6725000).margin(15000));
}

TEST_CASE("département filter keeps only its communes") {
  Diagnostics d;
  BoundaryReport r;
  const auto v = read(test::data_dir() / "communes", d, r, {"41"});
  REQUIRE(v.size() == 1);
  CHECK(v[0].code.str() == "41001");
  CHECK(r.outside_filter == 5);
}

TEST_CASE("a folder by département: only the selection's files are read, unless a commune is filed elsewhere") {
  const auto dir = std::filesystem::temp_directory_path() / ("oasis-by-dep-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto write = [&](const char* name, const std::string& features) { std::ofstream(dir / name) << collection(features); };
  write("communes-37-indre-et-loire.geojson", square_feature("37001", 500000, 6700000, 1000) + "," +
                                                  square_feature("37002", 502000, 6700000, 1000) + "," +
                                                  square_feature("37003", 504000, 6700000, 1000));
  // 37004 filed with the 41 file (as a commune moved from one département to another would be).
  write("communes-41-loir-et-cher.geojson",
        square_feature("41001", 560000, 6720000, 1000) + "," + square_feature("37004", 506000, 6700000, 1000));
  SECTION("département 41: its file alone") {
    Diagnostics d;
    BoundaryReport r;
    const auto v = read(dir, d, r, {"41"});
    REQUIRE(v.size() == 1);
    CHECK(v[0].code.str() == "41001");
    CHECK(r.files == 1);
    CHECK(r.files_skipped == 1);
    REQUIRE(r.read.size() == 1);
    CHECK(std::filesystem::path(r.read[0]).filename() == "communes-41-loir-et-cher.geojson");
  }
  SECTION("département 37: 37004 is not in its file, so the whole folder is read") {
    Diagnostics d;
    BoundaryReport r;
    const auto v = read(dir, d, r, {"37"});
    CHECK(v.size() == 4);
    CHECK(by_code(v, "37004"));
    CHECK(r.files == 2);
    CHECK(r.files_skipped == 0);
  }
  SECTION("a file not named by département: every file is read") {
    write("extra.geojson", square_feature("37004", 506000, 6702000, 500));
    std::filesystem::remove(dir / "communes-41-loir-et-cher.geojson");
    Diagnostics d;
    BoundaryReport r;
    const auto v = read(dir, d, r, {"37"});
    CHECK(v.size() == 4);
    CHECK(r.files == 2);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("overseas communes go to their local projected CRS") {
  const auto dir = test::scratch("b_overseas");
  const auto p = test::write(dir / "974.geojson", collection(square_feature("97411", 55.44, -20.92, 0.02), false));
  Diagnostics d;
  BoundaryReport r;
  const auto v = read(p, d, r);
  REQUIRE(v.size() == 1);
  CHECK(v[0].epsg == 2975);
  // UTM 40S: Saint-Denis lies near x = 338 km, y = 7 689 km.
  CHECK(v[0].point.x == Approx(339000).margin(5000));
  CHECK(v[0].point.y == Approx(7686000).margin(5000));
  CHECK(area_m2(v[0].shape) == Approx(ellipsoid_rect_area(55.44, 55.46, -20.92, -20.90)).epsilon(0.002));
}

TEST_CASE("bad boundary files are refused with the right code") {
  const auto dir = test::scratch("b_bad");
  SECTION("duplicate code") {
    CHECK(error_of(test::write(dir / "dup.geojson", collection(square_feature("37001", 500000, 6700000, 1000) + "," +
                                                               square_feature("37001", 600000, 6700000, 1000)))) == Errc::code_duplicate);
  }
  SECTION("malformed code") {
    CHECK(error_of(test::write(dir / "bad.geojson", collection(square_feature("3701", 500000, 6700000, 1000)))) == Errc::code_malformed);
  }
  SECTION("truncated file") {
    const auto full = collection(square_feature("37001", 500000, 6700000, 1000));
    CHECK(error_of(test::write(dir / "cut.geojson", full.substr(0, full.size() / 2))) == Errc::format);
  }
  SECTION("empty file") { CHECK(error_of(test::write(dir / "empty.geojson", "")) == Errc::empty_input); }
  SECTION("Lambert-93 coordinates in a file that says WGS84") {
    CHECK(error_of(test::write(dir / "crs.geojson", collection(square_feature("37001", 500000, 6700000, 1000), false))) ==
          Errc::crs_mismatch);
  }
  SECTION("missing file") { CHECK(error_of(dir / "none.geojson") == Errc::io); }
  SECTION("folder without vector files") {
    std::filesystem::create_directories(dir / "void");
    CHECK(error_of(dir / "void") == Errc::empty_input);
  }
}

TEST_CASE("unknown codes are counted, not silently dropped") {
  const auto dir = test::scratch("b_unknown");
  const auto p = test::write(
      dir / "u.geojson", collection(square_feature("37001", 500000, 6700000, 1000) + "," + square_feature("37999", 510000, 6700000, 1000)));
  Diagnostics d;
  BoundaryReport r;
  const auto v = read(p, d, r);
  CHECK(v.size() == 1);
  CHECK(r.rejected == 1);
  CHECK(d.count(Warn::code_unmatched) == 1);
}

TEST_CASE("a shapefile without .prj needs --assume-crs") {
  const auto dir = test::scratch("b_shp");
  GDALAllRegister();
  {
    auto* drv = GetGDALDriverManager()->GetDriverByName("ESRI Shapefile");
    REQUIRE(drv);
    GDALDataset* ds = drv->Create((dir / "c.shp").c_str(), 0, 0, 0, GDT_Unknown, nullptr);
    REQUIRE(ds);
    OGRLayer* layer = ds->CreateLayer("c", nullptr, wkbPolygon, nullptr);
    OGRFieldDefn fd("INSEE_COM", OFTString);
    REQUIRE(layer->CreateField(&fd) == OGRERR_NONE);
    OGRFeature f(layer->GetLayerDefn());
    f.SetField("INSEE_COM", "37002");
    OGRGeometry* g = nullptr;
    OGRGeometryFactory::createFromWkt("POLYGON ((510000 6700000,520000 6700000,520000 6710000,510000 6710000,510000 6700000))", nullptr,
                                      &g);
    f.SetGeometryDirectly(g);
    REQUIRE(layer->CreateFeature(&f) == OGRERR_NONE);
    GDALClose(ds);
  }
  CHECK(error_of(dir / "c.shp") == Errc::crs_missing);
  Diagnostics d;
  BoundaryReport r;
  BoundaryOptions o;
  o.path = dir / "c.shp";
  o.assume_epsg = 2154;
  const auto v = read_boundaries(o, fixture_cog(), d, r);
  REQUIRE(v.size() == 1);
  CHECK(v[0].code.str() == "37002");
  CHECK(area_m2(v[0].shape) == Approx(1e8));
}

TEST_CASE("load_territory attaches COG population and EPCI") {
  Diagnostics d;
  TerritoryOptions o;
  o.data_dir = test::data_dir();
  o.cog_dir = test::data_dir() / "cog";
  o.use_apl = false;
  o.regions = {"24"};
  const auto lt = load_territory(o, fixture_cog(), d);
  const auto& t = lt.territory;
  REQUIRE(t.size() == 5);
  CHECK(t.total_population() == 1000 + 2000 + 500 + 0 + 300);
  CHECK(t.epci()[0] == "200000001");
  CHECK(t.epci()[2].empty());
  CHECK(lt.without_boundary.empty());

  TerritoryOptions bad = o;
  bad.regions = {"99"};
  CHECK_THROWS_AS(load_territory(bad, fixture_cog(), d), Error);
}

TEST_CASE("prepared-input cache: the boundaries and the COG read back are those read from the files, a changed file misses") {
  namespace fs = std::filesystem;
  const auto dir = fs::temp_directory_path() / ("oasis-prepared-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "communes");
  for (const auto& e : fs::directory_iterator(test::data_dir() / "communes")) fs::copy(e.path(), dir / "communes" / e.path().filename());
  const FileCache cache(dir / "cache");

  // The COG: parsed, then from the cache, the same answers.
  const auto cold_cog = Cog::load(test::data_dir() / "cog", cache);
  const auto warm_cog = Cog::load(test::data_dir() / "cog", cache);
  CHECK_FALSE(cold_cog.from_cache());
  CHECK(warm_cog.from_cache());
  CHECK(warm_cog.fingerprint() == cold_cog.fingerprint());
  CHECK(warm_cog.version() == cold_cog.version());
  REQUIRE(warm_cog.communes().size() == cold_cog.communes().size());
  for (std::size_t i = 0; i < warm_cog.communes().size(); ++i) {
    const auto &a = cold_cog.communes()[i], &b = warm_cog.communes()[i];
    CHECK(std::tie(a.code, a.name, a.departement, a.region, a.epci, a.zone, a.population) ==
          std::tie(b.code, b.name, b.departement, b.region, b.epci, b.zone, b.population));
  }
  for (const char* code : {"37001", "37900", "37950", "37999"}) {
    const auto a = cold_cog.match(code), b = warm_cog.match(code);
    REQUIRE(a.has_value() == b.has_value());
    if (a) CHECK(std::tie(a->index, a->how) == std::tie(b->index, b->how));
  }
  CHECK(warm_cog.by_postcode("37100") == cold_cog.by_postcode("37100"));
  CHECK(warm_cog.region_name("24") == "Centre-Val de Loire");
  CHECK(warm_cog.seat("41001") == "région");
  CHECK(warm_cog.seat("37002") == "département");

  BoundaryOptions o;
  o.path = dir / "communes";
  o.threads = 2;
  o.cache = cache;
  auto read_with = [&](const BoundaryOptions& opt, Diagnostics& d, BoundaryReport& r) { return read_boundaries(opt, cold_cog, d, r); };
  Diagnostics d0, d1, d2;
  BoundaryReport r0, r1, r2;
  BoundaryOptions off = o;
  off.cache = FileCache();
  const auto plain = read_with(off, d0, r0);
  const auto cold = read_with(o, d1, r1);
  const auto warm = read_with(o, d2, r2);
  CHECK_FALSE(r1.from_cache);
  CHECK(r2.from_cache);
  REQUIRE(plain.size() == 5);
  for (const auto* v : {&cold, &warm}) {
    REQUIRE(v->size() == plain.size());
    for (std::size_t i = 0; i < plain.size(); ++i) {
      const auto &a = plain[i], &b = (*v)[i];
      CHECK(a.code == b.code);
      CHECK(std::tie(a.name, a.departement, a.region, a.epci, a.population, a.epsg, a.former_codes) ==
            std::tie(b.name, b.departement, b.region, b.epci, b.population, b.epsg, b.former_codes));
      CHECK(a.point == b.point);  // bit for bit
      REQUIRE(a.shape.size() == b.shape.size());
      for (std::size_t p = 0; p < a.shape.size(); ++p) {
        CHECK(a.shape[p].outer == b.shape[p].outer);
        CHECK(a.shape[p].holes == b.shape[p].holes);
      }
    }
  }
  // The findings are replayed: the merged code and the repaired bow-tie, with their text.
  for (const auto* d : {&d1, &d2}) {
    CHECK(d->counts() == d0.counts());
    CHECK(d->findings().size() == d0.findings().size());
    CHECK(d->count(Warn::geometry_repaired) == 1);
  }
  CHECK(d2.findings().front().message == d0.findings().front().message);
  CHECK(std::tie(r2.files, r2.features, r2.communes, r2.merged_codes, r2.repaired, r2.read, r2.input_crs, r2.output_epsg) ==
        std::tie(r0.files, r0.features, r0.communes, r0.merged_codes, r0.repaired, r0.read, r0.input_crs, r0.output_epsg));

  // Another filter is another entry; a changed file is a miss, and its new content is read.
  BoundaryOptions only41 = o;
  only41.departements = {"41"};
  Diagnostics d3;
  BoundaryReport r3;
  CHECK(read_with(only41, d3, r3).size() == 1);
  CHECK_FALSE(r3.from_cache);
  fs::path changed;
  for (const auto& e : fs::directory_iterator(dir / "communes"))
    if (e.path().string().find("41") != std::string::npos || changed.empty()) changed = e.path();
  {
    std::ifstream in(changed);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    text += "\n";  // same features, other bytes
    std::ofstream(changed) << text;
  }
  Diagnostics d4;
  BoundaryReport r4;
  const auto again = read_with(o, d4, r4);
  CHECK_FALSE(r4.from_cache);
  CHECK(again.size() == 5);
  fs::remove_all(dir);
}
