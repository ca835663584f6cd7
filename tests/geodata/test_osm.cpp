#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include "fixtures.hpp"
#include "oasis/core/error.hpp"
#include "oasis/geodata/osm.hpp"
#include "oasis/travel/ch.hpp"
#include "travel/ch_reference.hpp"

using namespace oasis;
using namespace oasis::geodata;

namespace {
// Great-circle distance with libosmium's Earth radius, computed independently here.
double haversine_m(double lon1, double lat1, double lon2, double lat2) {
  const double r = 6372797.560856, rad = std::numbers::pi / 180;
  const double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
  const double a = std::pow(std::sin(dlat / 2), 2) + std::cos(lat1 * rad) * std::cos(lat2 * rad) * std::pow(std::sin(dlon / 2), 2);
  return 2 * r * std::asin(std::sqrt(a));
}

std::string osm_xml(const std::string& bc_oneway) {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="oasis-test">
  <node id="1" version="1" lat="45.0" lon="5.00"/>
  <node id="2" version="1" lat="45.0" lon="5.01"/>
  <node id="3" version="1" lat="45.0" lon="5.02"/>
  <node id="4" version="1" lat="45.01" lon="5.02"/>
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/></way>
  <way id="11" version="1"><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/>)" +
         bc_oneway + R"(</way>
  <way id="12" version="1"><nd ref="3"/><nd ref="4"/><tag k="highway" v="footway"/></way>
  <way id="13" version="1"><nd ref="1"/><nd ref="4"/><tag k="highway" v="service"/><tag k="access" v="private"/></way>
</osm>
)";
}
}  // namespace

TEST_CASE("OSM roads: speeds by highway type, oneways, largest strongly connected component") {
  const auto dir = test::scratch("osm");
  const double ab = haversine_m(5.00, 45.0, 5.01, 45.0), bc = haversine_m(5.01, 45.0, 5.02, 45.0);
  SECTION("two-way: three nodes kept, times = length / speed") {
    const auto g = read_osm_roads(test::write(dir / "two.osm", osm_xml("")));
    CHECK(g.ways == 2);  // the footway and the private service road are not driven
    REQUIRE(g.graph.nodes() == 3);
    CHECK(g.graph.arcs() == 4);
    // Node 0 is OSM node 1: its only arc goes to node 1 at 65 km/h.
    REQUIRE(g.graph.first[1] - g.graph.first[0] == 1);
    CHECK(g.graph.minutes[g.graph.first[0]] == Approx(ab / (65000.0 / 60.0)));
    CHECK(g.graph.minutes[g.graph.first[2]] == Approx(bc / (25000.0 / 60.0)));
  }
  SECTION("a oneway dead end leaves the largest component") {
    const auto g = read_osm_roads(test::write(dir / "one.osm", osm_xml(R"(<tag k="oneway" v="yes"/>)")));
    CHECK(g.oneway_ways == 1);
    CHECK(g.nodes_read == 3);
    CHECK(g.graph.nodes() == 2);
    CHECK(g.graph.arcs() == 2);
  }
  SECTION("maxspeed below the profile speed caps it") {
    const auto g = read_osm_roads(test::write(dir / "ms.osm", osm_xml(R"(<tag k="maxspeed" v="20"/>)")));
    CHECK(g.graph.minutes[g.graph.first[2]] == Approx(bc / (20000.0 / 60.0)));
  }
}

TEST_CASE("OSM: the real Melun extract and bad files") {
  // 97 lines in the extract; 36 are car roads (15 residential, 13 service, 7 tertiary, 1 unclassified).
  const auto g = read_osm_roads(std::filesystem::path(OASIS_SHARED_DATA) / "osm" / "melun.osm.pbf");
  CHECK(g.ways == 36);
  CHECK(g.graph.nodes() > 0);
  CHECK(g.graph.nodes() <= g.nodes_read);
  const auto dir = test::scratch("osm_bad");
  auto code = [](const std::filesystem::path& p) {
    try {
      read_osm_roads(p);
    } catch (const Error& e) {
      return e.code();
    }
    return Errc::internal;
  };
  CHECK(code(dir / "missing.osm.pbf") == Errc::io);
  CHECK(code(test::write(dir / "empty.osm.pbf", "")) == Errc::empty_input);
  CHECK(code(test::write(dir / "junk.osm.pbf", std::string(200, 'x'))) == Errc::format);
  CHECK(code(test::write(dir / "noroad.osm", "<?xml version='1.0'?><osm version='0.6'></osm>")) == Errc::empty_input);
}

TEST_CASE("OSM: on the real extracts the contraction hierarchy gives every pair of road nodes as Dijkstra does, to 1e-6") {
  for (const char* name : {"melun.osm.pbf", "three_cities.osm.pbf"}) {
    const auto g = read_osm_roads(std::filesystem::path(OASIS_SHARED_DATA) / "osm" / name);
    const auto n = static_cast<std::uint32_t>(g.graph.nodes());
    REQUIRE(n > 20);
    const auto ch = travel::ContractionHierarchy::build(g.graph);
    std::vector<std::uint32_t> all(n);
    for (std::uint32_t i = 0; i < n; ++i) all[i] = i;
    for (double cutoff : {0.5, 2.0, 1e6}) {
      travel::OdOptions o;
      o.cutoff_min = cutoff;
      const auto od = ch.od(all, {}, all, {}, o, false, 0.0);
      const auto c = test::compare_with_dijkstra(g.graph, od, all, {}, all, {}, cutoff, false);
      INFO(name << ", " << n << " nodes, cutoff " << cutoff);
      CHECK(c.pairs_checked > n);
      CHECK(c.worst_relative <= 1e-6);
      CHECK(c.one_side_only == c.at_cutoff);
      if (cutoff > 1e5) CHECK(c.pairs_checked == static_cast<std::size_t>(n) * n);  // one strongly connected component
    }
  }
}
