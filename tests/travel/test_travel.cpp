#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "fixtures.hpp"
#include "oasis/core/error.hpp"
#include "oasis/travel/graph.hpp"
#include "oasis/travel/models.hpp"
#include "oasis/travel/nearest.hpp"
#include "oasis/travel/od.hpp"
#include "oasis/travel/od_io.hpp"

using namespace oasis;
using namespace oasis::travel;

std::string fmt_code(std::size_t i);

namespace {
Polygon square(double x0, double y0, double side) {
  return Polygon{{{x0, y0}, {x0 + side, y0}, {x0 + side, y0 + side}, {x0, y0 + side}, {x0, y0}}, {}};
}
/// A row of `n` 10 km squares along x; populations given.
Territory row_of_squares(std::vector<double> pops) {
  std::vector<CommuneRecord> v;
  for (std::size_t i = 0; i < pops.size(); ++i) {
    const auto code = fmt_code(i);
    CommuneRecord r{*CodeInsee::parse(code), code, "37", "24", "", pops[i], 2154, {}, {}, {}};
    r.shape = {square(500000 + 10000.0 * static_cast<double>(i), 6700000, 10000)};
    r.point = {505000 + 10000.0 * static_cast<double>(i), 6705000};
    v.push_back(std::move(r));
  }
  return Territory::from_records(std::move(v));
}
}  // namespace

std::string fmt_code(std::size_t i) {  // 37100, 37101...
  std::string s = "37" + std::to_string(100 + i);
  return s;
}

TEST_CASE("bounded Dijkstra on a graph computed by hand") {
  //  0 --5-- 1 --7-- 2 --4-- 3, and a slow 0 --15-- 2 shortcut
  const auto g = Graph::from_arcs(4, {{0, 1, 5}, {1, 0, 5}, {1, 2, 7}, {2, 1, 7}, {0, 2, 15}, {2, 0, 15}, {2, 3, 4}, {3, 2, 4}});
  const std::vector<std::uint32_t> nodes{0, 1, 2, 3};
  OdOptions o;
  o.cutoff_min = 14;
  o.threads = 2;
  const auto od = graph_od(g, nodes, {}, nodes, {}, o, true, 0.0);
  od.validate();
  CHECK(od.pairs() == 3 + 4 + 4 + 3);
  CHECK(*od.time(0, 0) == 0.0f);
  CHECK(*od.time(0, 1) == 5.0f);
  CHECK(*od.time(0, 2) == 12.0f);  // via 1, not the 15-minute arc
  CHECK_FALSE(od.time(0, 3));      // 16 > 14
  CHECK(*od.time(3, 1) == 11.0f);
  CHECK(*od.time(1, 3) == 11.0f);
  // The cutoff is inclusive: at exactly 16 minutes, 0 -> 3 appears.
  o.cutoff_min = 16;
  CHECK(*graph_od(g, nodes, {}, nodes, {}, o, true, 0.0).time(0, 3) == 16.0f);
  // Offsets (access to the network) add to both ends.
  const std::vector<float> off_o{1, 0, 0, 0}, off_d{0, 0, 0, 2};
  CHECK(*graph_od(g, nodes, off_o, nodes, off_d, o, false, 0.0).time(0, 2) == 13.0f);
  CHECK_FALSE(graph_od(g, nodes, off_o, nodes, off_d, o, false, 0.0).time(0, 3));  // 1 + 16 + 2 > 16
}

TEST_CASE("one-way arcs and unreachable nodes") {
  const auto g = Graph::from_arcs(3, {{0, 1, 3}, {1, 2, 3}});
  const std::vector<std::uint32_t> nodes{0, 1, 2};
  OdOptions o;
  o.cutoff_min = 60;
  const auto od = graph_od(g, nodes, {}, nodes, {}, o, true, 0.0);
  CHECK(*od.time(0, 2) == 6.0f);
  CHECK_FALSE(od.time(2, 0));
  CHECK(od.destinations(2).size() == 1);  // only itself
  const auto t = od.transposed();
  t.validate();
  CHECK(*t.time(2, 0) == 6.0f);
  CHECK(t.pairs() == od.pairs());
  CHECK_THROWS_AS(Graph::from_arcs(2, {{0, 1, -1}}), Error);
  CHECK_THROWS_AS(Graph::from_arcs(2, {{0, 1, NAN}}), Error);
}

TEST_CASE("crow-fly times: distance x detour / speed, only under the cutoff, per CRS") {
  const std::vector<double> x{0, 1000, 0, 0}, y{0, 0, 30000, 0};
  const std::vector<int> epsg{2154, 2154, 2154, 2975};
  const PointSet pts{x, y, epsg};
  OdOptions o;
  o.cutoff_min = 30;
  const auto od = crowfly_od(pts, pts, CrowflyParams{1.3, 60}, o, true, 0.0);
  od.validate();
  CHECK(*od.time(0, 1) == Approx(1.3));  // 1 300 m at 1 km/min
  CHECK_FALSE(od.time(0, 2));            // 39 min > 30
  CHECK(*od.time(0, 0) == 0.0f);
  CHECK_FALSE(od.time(0, 3));  // same coordinates, other CRS: never paired
  CHECK(od.destinations(3).size() == 1);
  o.cutoff_min = 40;
  CHECK(*crowfly_od(pts, pts, CrowflyParams{1.3, 60}, o, true, 0.0).time(2, 1) == Approx(std::hypot(1000.0, 30000.0) * 1.3 / 1000.0));
  CHECK_THROWS_AS(crowfly_od(pts, pts, CrowflyParams{0.9, 60}, o, true), Error);
  o.cutoff_min = -1;
  CHECK_THROWS_AS(crowfly_od(pts, pts, CrowflyParams{}, o, true), Error);
}

TEST_CASE("crow-fly with a grid gives the same pairs as brute force") {
  std::vector<double> x, y;
  std::vector<int> epsg;
  std::uint32_t seed = 12345;
  auto rnd = [&] { return (seed = seed * 1664525u + 1013904223u) / 4294967296.0; };
  for (int i = 0; i < 400; ++i) {
    x.push_back(rnd() * 200000);
    y.push_back(rnd() * 200000);
    epsg.push_back(2154);
  }
  const PointSet pts{x, y, epsg};
  OdOptions o;
  o.cutoff_min = 20;
  const CrowflyParams p{1.3, 60};
  const auto od = crowfly_od(pts, pts, p, o, false);
  std::size_t brute = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    for (std::size_t j = 0; j < x.size(); ++j) {
      const double t = std::hypot(x[i] - x[j], y[i] - y[j]) * 1.3 / 1000.0;
      if (t <= 20) {
        ++brute;
        REQUIRE(od.time(i, static_cast<std::uint32_t>(j)));
        CHECK(*od.time(i, static_cast<std::uint32_t>(j)) == Approx(t).margin(1e-4));
      }
    }
  CHECK(od.pairs() == brute);
}

TEST_CASE("commune adjacency against every pair of boundary vertices") {
  // 300 small random triangles packed in a 2 km square, tolerance 20 m: two communes are
  // neighbours when some vertex of one and some vertex of the other lie in grid cells (side 20 m,
  // offset by half a cell) that differ by at most one on each axis. Checked over all pairs of
  // vertices; so every pair of vertices closer than 20 m on both axes makes neighbours, and none
  // 40 m or more apart on an axis does.
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> at(0, 2000), side(-30, 30);
  std::vector<CommuneRecord> v;
  for (std::size_t i = 0; i < 300; ++i) {
    const auto code = fmt_code(i);
    CommuneRecord r{*CodeInsee::parse(code), code, "37", "24", "", 100, 2154, {}, {}, {}};
    const double x = 600000 + at(rng), y = 6700000 + at(rng);
    const PointXY a{x, y}, b{x + side(rng), y + side(rng)}, c{x + side(rng), y + side(rng)};
    r.shape = {Polygon{{a, b, c, a}, {}}};
    r.point = a;
    v.push_back(std::move(r));
  }
  const auto t = Territory::from_records(std::move(v));
  const double tol = 20.0;
  auto cell = [&](double q) { return static_cast<long long>(std::floor(q / tol - 0.5)); };
  std::vector<std::pair<CommuneId, CommuneId>> brute;
  for (CommuneId a = 0; a < t.size(); ++a)
    for (CommuneId b = a + 1; b < t.size(); ++b) {
      bool near = false;
      for (const auto& p : t.shape(a)[0].outer)
        for (const auto& q : t.shape(b)[0].outer) {
          const bool close = std::abs(p.x - q.x) < tol && std::abs(p.y - q.y) < tol;
          const bool by_cells = std::llabs(cell(p.x) - cell(q.x)) <= 1 && std::llabs(cell(p.y) - cell(q.y)) <= 1;
          if (close) REQUIRE(by_cells);  // the rule finds every pair within the tolerance
          if (by_cells) REQUIRE((std::abs(p.x - q.x) < 2 * tol && std::abs(p.y - q.y) < 2 * tol));
          near = near || by_cells;
        }
      if (near) brute.emplace_back(a, b);
    }
  REQUIRE(brute.size() > 100);  // the instance has many neighbours, diagonal ones among them
  CHECK(commune_adjacency(t, tol) == brute);
}

TEST_CASE("commune graph: touching squares, urban speed, symmetric times") {
  // Three 10 km squares in a row; the middle one is dense (2 000 inhabitants per km2).
  const auto t = row_of_squares({100, 200000, 100});
  const auto adj = commune_adjacency(t, 20.0);
  CHECK(adj == std::vector<std::pair<CommuneId, CommuneId>>{{0, 1}, {1, 2}});
  CommuneGraphParams p;
  p.detour = 1.0;
  OdOptions o;
  o.cutoff_min = 60;
  const auto od = commune_graph_od(t, p, o);
  od.validate();
  // 5 km at 60 km/h + 5 km at 30 km/h = 5 + 10 minutes per hop.
  CHECK(*od.time(0, 1) == Approx(15.0));
  CHECK(*od.time(0, 2) == Approx(30.0));
  CHECK(*od.time(0, 0) == 0.0f);
  for (std::size_t i = 0; i < 3; ++i)
    for (std::uint32_t j = 0; j < 3; ++j) CHECK(*od.time(i, j) == *od.time(j, i));
  o.cutoff_min = 20;
  CHECK_FALSE(commune_graph_od(t, p, o).time(0, 2));
}

TEST_CASE("nearest facility and population beyond a threshold") {
  const auto g = Graph::from_arcs(4, {{0, 1, 5}, {1, 0, 5}, {1, 2, 7}, {2, 1, 7}, {2, 3, 4}, {3, 2, 4}});
  const std::vector<std::uint32_t> nodes{0, 1, 2, 3};
  OdOptions o;
  o.cutoff_min = 30;
  const auto od = graph_od(g, nodes, {}, nodes, {}, o, true, 0.0);
  const std::vector<double> facilities{0, 0, 1, 2};  // one at 2, two at 3
  const auto t1 = time_to_nearest(od, facilities, 1);
  CHECK(t1 == std::vector<double>{12, 7, 0, 0});
  const auto t2 = time_to_nearest(od, facilities, 2);
  CHECK(t2 == std::vector<double>{16, 11, 4, 0});
  const auto t4 = time_to_nearest(od, facilities, 4);
  CHECK(std::isnan(t4[0]));
  const std::vector<double> pop{100, 50, 25, 25};
  const auto b = population_beyond(t1, pop, 10.0);
  CHECK(b.population == 100);
  CHECK(b.share == Approx(0.5));
}

TEST_CASE("OD CSV: read, unknown ids counted, intra filled, errors name the line") {
  const auto dir = test::scratch("od_csv");
  const std::vector<std::string> ids{"A", "B", "C"};
  IdLookup look = [&](std::string_view s) -> std::optional<std::uint32_t> {
    for (std::uint32_t i = 0; i < ids.size(); ++i)
      if (ids[i] == s) return i;
    return std::nullopt;
  };
  Diagnostics d;
  OdReadReport rep;
  OdReadOptions opt;
  opt.intra_min = 0.0;
  opt.max_cost = 30;
  const auto p = test::write(dir / "od.csv", "from_id,to_id,cost,extra\nA,B,10,x\nB,A,12,x\nA,Z,3,x\nC,A,45,x\nA,A,1,x\n");
  const auto od = read_od_csv(p, look, 3, look, 3, opt, d, rep);
  od.validate();
  CHECK(rep.records == 5);
  CHECK(rep.unmatched_records == 1);
  CHECK(rep.unmatched_to == std::vector<std::string>{"Z"});
  CHECK(rep.above_cutoff == 1);
  CHECK(rep.intra_added == 2);    // B -> B and C -> C
  CHECK(*od.time(0, 0) == 1.0f);  // the file's own intra time wins
  CHECK(*od.time(1, 1) == 0.0f);
  CHECK(*od.time(0, 1) == 10.0f);
  CHECK_FALSE(od.time(2, 0));
  CHECK(d.count(Warn::code_unmatched) == 1);

  auto code_of = [&](const char* text) {
    try {
      read_od_csv(test::write(dir / "bad.csv", text), look, 3, look, 3, OdReadOptions{}, d, rep);
    } catch (const Error& e) {
      return e.code();
    }
    return Errc::internal;
  };
  CHECK(code_of("from_id,to_id,cost\nA,B,-1\n") == Errc::value_invalid);
  CHECK(code_of("from_id,to_id,cost\nA,B,nan\n") == Errc::value_invalid);
  CHECK(code_of("from_id,to_id,cost\nA,B,\n") == Errc::value_invalid);
  CHECK(code_of("from_id,to_id,cost\nA,B,1\nA,B,2\n") == Errc::code_duplicate);
  CHECK(code_of("from_id,cost\nA,1\n") == Errc::field_missing);
  CHECK(code_of("from_id,to_id,cost\n") == Errc::empty_input);
  CHECK(code_of("") == Errc::empty_input);
}

TEST_CASE("OD binary round trip, and a truncated file is refused") {
  const auto dir = test::scratch("od_bin");
  const auto g = Graph::from_arcs(3, {{0, 1, 3.25f}, {1, 2, 3}});
  const std::vector<std::uint32_t> nodes{0, 1, 2};
  OdOptions o;
  o.cutoff_min = 60;
  auto od = graph_od(g, nodes, {}, nodes, {}, o, true, 0.0);
  od.model = "test";
  const std::vector<std::string> ids{"37001", "37002", "37003"};
  write_od_binary(dir / "od.odb", od, ids, ids, false);
  const auto back = read_od_binary(dir / "od.odb");
  CHECK(back.from_ids == ids);
  CHECK(back.od.dest == od.dest);
  CHECK(back.od.minutes == od.minutes);
  CHECK(back.od.first == od.first);
  CHECK(back.od.cutoff_min == 60);
  CHECK(back.od.model == "test");
  const auto size = std::filesystem::file_size(dir / "od.odb");
  std::filesystem::resize_file(dir / "od.odb", size - 5);
  CHECK_THROWS_AS(read_od_binary(dir / "od.odb"), Error);
  test::write(dir / "x.odb", "hello");
  CHECK_THROWS_AS(read_od_binary(dir / "x.odb"), Error);

  write_od_csv(dir / "od.csv", od, ids, ids, false);
  std::ifstream in(dir / "od.csv");
  std::string header, first;
  std::getline(in, header);
  std::getline(in, first);
  CHECK(header == "from_id,to_id,minutes");
  CHECK(first == "37001,37001,0.00");
}

TEST_CASE("nearest site without a cutoff: one search from the sites, along the arcs' direction") {
  // 0 -3-> 1 -3-> 2 (one way): to reach site 2, 0 takes 6 and 1 takes 3; nobody but 0 reaches 0.
  const auto g = Graph::from_arcs(3, {{0, 1, 3}, {1, 2, 3}});
  const auto to2 = nearest_on_graph(g, std::vector<char>{0, 0, 1});
  CHECK(to2 == std::vector<double>{6, 3, 0});
  const auto to0 = nearest_on_graph(g, std::vector<char>{1, 0, 0});
  CHECK(to0[0] == 0);
  CHECK(std::isnan(to0[1]));
  CHECK(std::isnan(to0[2]));
}

TEST_CASE("time to the nearest site for every commune: the table within the cutoff, the model beyond it") {
  // Three rural 10 km squares in a row, the site in the last: 10 km a hop.
  const auto t = row_of_squares({100, 100, 100});
  const std::vector<double> site{0, 0, 1};
  TravelSettings s;
  s.cutoff_min = 15;
  SECTION("commune graph, detour 1, 60 km/h: 10 minutes a hop; 0 is beyond the 15-minute table") {
    s.model = Model::commune_graph;
    s.graph.detour = 1.0;
    OdOptions o;
    o.cutoff_min = 15;
    const auto od = commune_graph_od(t, s.graph, o);
    const auto r = nearest_site_minutes(t, s, od, site);
    CHECK(r.minutes[0] == Approx(20.0));
    CHECK(r.minutes[1] == Approx(10.0));
    CHECK(r.minutes[2] == 0.0);
    CHECK(r.how == std::vector<NearestHow>{NearestHow::beyond_cutoff, NearestHow::table, NearestHow::table});
    CHECK(r.beyond_cutoff == 1);
    CHECK(r.from_table == 2);
  }
  SECTION("crow-fly, detour 1.3, 60 km/h: 13 minutes for 10 km, 26 for 20 km beyond the table") {
    s.model = Model::crowfly;
    OdOptions o;
    o.cutoff_min = 15;
    const auto od = crowfly_commune_od(t, s.crowfly, o);
    const auto r = nearest_site_minutes(t, s, od, site);
    CHECK(r.minutes[1] == Approx(13.0));
    CHECK(r.minutes[0] == Approx(26.0));
    CHECK(r.how[0] == NearestHow::beyond_cutoff);
  }
  SECTION("a table that lacks the pair: the straight line at the commune graph's detour and speed") {
    s.model = Model::table;
    s.graph.detour = 1.2;
    const auto od = assemble({{{0, 0.0f}}, {{1, 0.0f}, {2, 9.0f}}, {{2, 0.0f}}}, 3);
    const auto r = nearest_site_minutes(t, s, od, site);
    CHECK(r.minutes[1] == Approx(9.0));         // the table's own time
    CHECK(r.minutes[0] == Approx(20.0 * 1.2));  // 20 km x 1.2 at 60 km/h
    CHECK(r.how[0] == NearestHow::straight_line);
    CHECK(r.straight_line == 1);
  }
  SECTION("no site at all: no time, said") {
    s.model = Model::crowfly;
    OdOptions o;
    const auto od = crowfly_commune_od(t, s.crowfly, o);
    const auto r = nearest_site_minutes(t, s, od, std::vector<double>{0, 0, 0});
    CHECK(r.none == 3);
    CHECK(std::isnan(r.minutes[0]));
  }
}

TEST_CASE("read_od: a binary table is read like the CSV, told apart by content, ids matched by name") {
  const auto dir = test::scratch("od_any");
  // Three communes, all pairs, times with two decimals (the CSV writer's precision).
  const std::vector<std::string> ids{"37001", "37002", "37003"};
  auto od = assemble({{{0, 0}, {1, 5.5f}, {2, 12.25f}}, {{0, 5.5f}, {1, 0}, {2, 7.75f}}, {{0, 12.25f}, {1, 7.75f}, {2, 0}}}, 3);
  od.cutoff_min = 60;
  write_od_binary(dir / "od.odb", od, ids, ids, false);
  write_od_binary(dir / "named-like-a.csv", od, ids, ids, false);  // the name does not decide
  write_od_csv(dir / "od.csv", od, ids, ids, false);
  // The reader's own ids: another order, 37002 unknown, one extra id the file lacks.
  const std::vector<std::string> mine{"37003", "99999", "37001"};
  const IdLookup look = [&](std::string_view s) -> std::optional<std::uint32_t> {
    for (std::uint32_t k = 0; k < mine.size(); ++k)
      if (mine[k] == s) return k;
    return std::nullopt;
  };
  OdReadOptions ro;
  ro.max_cost = 10;  // drops 37001 <-> 37003 (12.25)
  auto read = [&](const std::filesystem::path& p, OdReadReport& rep) {
    Diagnostics diag;
    return read_od(p, look, mine.size(), look, mine.size(), ro, diag, rep);
  };
  OdReadReport rb, rb2, rc;
  const auto b = read(dir / "od.odb", rb), b2 = read(dir / "named-like-a.csv", rb2), c = read(dir / "od.csv", rc);
  CHECK(is_od_binary(dir / "od.odb"));
  CHECK_FALSE(is_od_binary(dir / "od.csv"));
  for (const auto* x : {&b, &b2}) {
    CHECK(x->first == c.first);
    CHECK(x->dest == c.dest);
    CHECK(x->minutes == c.minutes);
  }
  // 9 pairs read; 5 touch 37002 (unknown); of the 4 left, the 2 at 12.25 min are above max_cost.
  for (const auto* r : {&rb, &rc}) {
    CHECK(r->records == 9);
    CHECK(r->unmatched_records == 5);
    CHECK(r->above_cutoff == 2);
    CHECK(r->kept == 2);
    CHECK(r->unmatched_from == std::vector<std::string>{"37002"});
  }
  CHECK(b.pairs() == 2);  // 37003 -> 37003 and 37001 -> 37001, both 0 min
  CHECK(b.time(0, 0) == 0.0f);
  CHECK_FALSE(b.time(0, 2).has_value());
}
