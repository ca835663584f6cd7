// The steps of a run on a hand-made territory (no GDAL, no national data): every figure below is
// worked by hand in the comments.
//
//   commune  dép.  population  supply   OD (minutes, cutoff 30)
//   01001    01    1,000       2 GPs    A-A 0, A-B 10
//   01002    01    6,000       0        B-B 0, B-A 10
//   02001    02      500       1 GP     C-C 0 (A, B are 35 and 40 minutes away: beyond the cutoff)
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>

#include <fmt/format.h>
#include <unistd.h>

#include "oasis/core/atomic_file.hpp"
#include "oasis/core/error.hpp"
#include "oasis/runner/columns.hpp"
#include "oasis/runner/steps.hpp"
#include "oasis/scenario/scenario.hpp"
#include "oasis/travel/models.hpp"

using namespace oasis;
using namespace oasis::runner;
namespace fs = std::filesystem;

namespace {

Territory hand_territory() {
  std::vector<CommuneRecord> r;
  const char* codes[] = {"01001", "01002", "02001"};
  const double pop[] = {1000, 6000, 500};
  for (int i = 0; i < 3; ++i) {
    r.push_back(CommuneRecord{CodeInsee::from(codes[i]),
                              std::string("Commune ") + codes[i],
                              i < 2 ? "01" : "02",
                              "84",
                              "",
                              pop[i],
                              2154,
                              PointXY{1000.0 * i, 0.0},
                              {},
                              {}});
  }
  return Territory::from_records(std::move(r));
}

travel::OdMatrix hand_od() {
  std::vector<travel::OdRow> rows{{{0, 0.0f}, {1, 10.0f}}, {{0, 10.0f}, {1, 0.0f}}, {{2, 0.0f}}};
  auto od = travel::assemble(std::move(rows), 3);
  od.cutoff_min = 30;
  od.intra_min = 0;
  return od;
}

scenario::Scenario hand_scenario(const std::string& extra = "") {
  return scenario::parse(R"(
[access]
method = "2sfca"
max_cost = 30
[zoning]
units = "departement"
zip_below = 0.001
vivier_below = 0.003
[zoning.caps]
default = { zip = 0.9, zac = 0.1 }
[flags]
density_below = 100
deficit_2003 = true
)" + extra,
                         "hand.toml");
}

Inputs hand_inputs(const scenario::Scenario& s) {
  Inputs in;
  in.territory = hand_territory();
  in.supply = {2, 0, 1};
  in.supply_before = in.supply;
  for (CommuneId c = 0; c < 3; ++c) in.table.add(c, in.supply[c], in.territory.code()[c].to_string());
  in.units = zoning::UnitMapping::from_keys(std::vector<std::string>{"01", "01", "02"}, std::vector<std::string>{"Ain", "Ain", "Aisne"},
                                            s.zoning.units);
  if (s.siting.sites > 0) in.candidates = {0, 1, 2};
  in.data = json::object();
  in.modifications = json::array();
  return in;
}

}  // namespace

TEST_CASE("indicators: 2SFCA, density and time to the nearest GP, by hand") {
  const auto s = hand_scenario();
  const auto in = hand_inputs(s);
  const auto od = hand_od();
  const auto ind = compute_indicators(s, in, od);
  // Supply at A reaches A and B: R_A = 2 / 7,000; supply at C reaches C only: R_C = 1 / 500.
  CHECK(ind.access.value[0] == Approx(2.0 / 7000).epsilon(1e-12));
  CHECK(ind.access.value[1] == Approx(2.0 / 7000).epsilon(1e-12));
  CHECK(ind.access.value[2] == Approx(1.0 / 500).epsilon(1e-12));
  CHECK_FALSE(ind.apl);
  CHECK(ind.activity == 1.0);
  CHECK(ind.density == std::vector<double>{200.0, 0.0, 200.0});
  CHECK(ind.time_gp == std::vector<double>{0.0, 10.0, 0.0});
}

TEST_CASE("zoning and flags: unit means, mandatory ZIP, the vivier under the caps, the 2003 rule") {
  const auto s = hand_scenario();
  const auto in = hand_inputs(s);
  Travel tr{travel_settings(s, 1), hand_od(), std::nullopt, {}, {}};
  const auto ind = compute_indicators(s, in, tr.od);
  const auto z = compute_zoning(s, in, ind);
  // Unit 01 = (1,000 + 6,000) x 2/7,000 / 7,000 = 2/7,000 < 0.001: mandatory ZIP. Unit 02 = 0.002, in
  // the vivier; the mandatory ZIP (93 %) already exceeds the 90 % cap, as ZAC 500 / 7,500 = 6.7 % <= 10 %.
  CHECK(z.result.unit_value[0] == Approx(2.0 / 7000).epsilon(1e-12));
  CHECK(z.result.unit_value[1] == Approx(0.002).epsilon(1e-12));
  CHECK(z.cls == std::vector<std::string>{"ZIP", "ZIP", "vivier"});
  CHECK(z.zone_label == std::vector<std::string>{"ZIP", "ZIP", "ZAC"});
  CHECK(z.unit_zone_label == std::vector<std::string>{"ZIP", "ZAC"});

  const auto f = compute_flags(s, in, tr, ind, z);
  // Density below 100: commune B alone (6,000 inhabitants).
  CHECK(f.summary["density"]["communes"] == 1);
  CHECK(f.summary["density"]["population"] == 6000.0);
  // 2003 rule, unit 01 (7,000 >= 5,000): mean time (6,000 x 10) / 7,000 = 8.6 min < 40 -> no;
  // 2 GPs x 5,000 / 7,000 = 1.43 < 3 -> yes; two conditions unknown -> undetermined. Unit 02: < 5,000.
  CHECK(f.deficit_2003 == std::vector<std::string>{"indetermine", "non"});
  CHECK(f.unit_supply == std::vector<double>{2.0, 1.0});
  CHECK(f.unit_communes == std::vector<std::size_t>{2, 1});
  // The cutoff is raised to the rule's 40 minutes.
  CHECK(tr.settings.cutoff_min == 40.0);

  const auto rows = zone_rows(in, ind, z, f);
  REQUIRE(rows.size() == 3);
  CHECK(rows[2].code == "02001");
  CHECK(rows[2].zone == "ZAC");
  CHECK(rows[2].unit_indicator == Approx(0.002));
  CHECK(rows[1].apl == rows[1].indicator);  // zoning.indicator = "apl": the computed value is zoned
  const auto S = build_summary(s, in, tr, ind, z, f, std::nullopt, Diagnostics{});
  CHECK(S["territory"]["communes"] == 3);
  CHECK(S["territory"]["population"] == 7500.0);
  CHECK(S["zoning"]["by_zone"]["ZIP"]["population"] == 7000.0);
  CHECK(S["zoning"]["by_zone"]["ZAC"]["communes"] == 1);
  CHECK(S["supply"]["total"] == 3.0);
  CHECK(S["access"]["method"] == "2sfca");
  CHECK(S["warnings"].empty());
  // The readers' findings are counted in summary.json by name, the ones kept without text too.
  Diagnostics diag;
  diag.add(Warn::code_unmatched, "supply.csv", "line 4", "37999 matches no commune");
  diag.add(Warn::code_unmatched, "od.csv", "line 9", "zz matches no demand id");
  diag.count(Warn::encoding, 3);
  const auto W = build_summary(s, in, tr, ind, z, f, std::nullopt, diag)["warnings"];
  CHECK(W.size() == 2);
  CHECK(W["W-CODE-UNMATCHED"] == 2);
  CHECK(W["W-ENCODING"] == 3);
}

TEST_CASE("zoning on the published APL keeps the computed value in apl") {
  const auto s = hand_scenario("");
  auto s2 = scenario::parse("[access]\nmethod = \"2sfca\"\n[zoning]\nunits = \"commune\"\nindicator = \"apl_official\"\n", "official.toml");
  auto in = hand_inputs(s2);
  in.territory.set_column("apl_official", {1.0, 3.0, 5.0});
  const auto ind = compute_indicators(s2, in, hand_od());
  const auto z = compute_zoning(s2, in, ind);
  const auto rows = zone_rows(in, ind, z, compute_flags(s2, in, Travel{travel_settings(s2, 1), hand_od(), std::nullopt, {}, {}}, ind, z));
  CHECK(rows[0].indicator == 1.0);
  CHECK(rows[0].apl == Approx(2.0 / 7000));
  // Unit 01 = (1,000 x 1 + 6,000 x 3) / 7,000 = 2.714: in the vivier (2.5 .. 4), no caps: not picked.
  CHECK(rows[0].unit_indicator == Approx(19000.0 / 7000).epsilon(1e-12));
  CHECK(rows[0].cls == "vivier");
  CHECK(rows[0].zone == "hors-zonage");
  CHECK(rows[2].cls == "hors-vivier");  // 5.0 >= 4
  (void)s;
}

TEST_CASE("siting: the effect of one opening, by hand, and the step's choice") {
  // One opening of 1 GP at B (the 2SFCA weights are 1 within 30 min): D_B = 1,000 + 6,000, so A and
  // B each gain 1 / 7,000; unit 01 gains (1,000 + 6,000) / 7,000 x 1 / 7,000 = 1 / 7,000.
  const auto od = hand_od();
  const auto cols = od.transposed();
  const std::vector<double> demand{1000, 6000, 500};
  siting::OpeningModel m;
  m.columns = &cols;
  m.demand = demand;
  m.weight = [](double t) { return t <= 30 ? 1.0 : 0.0; };
  m.max_cost = 30;
  m.delta_supply = 1;
  m.zones = 3;
  const std::vector<std::uint32_t> cand{1, 2};
  const auto e = siting::opening_effects(m, cand);
  REQUIRE(e[0].size() == 2);
  CHECK(e[0][0].first == 0);
  CHECK(e[0][0].second == Approx(1.0 / 7000).epsilon(1e-12));
  CHECK(e[0][1].second == Approx(1.0 / 7000).epsilon(1e-12));
  REQUIRE(e[1].size() == 1);
  CHECK(e[1][0].second == Approx(1.0 / 500).epsilon(1e-12));
  const std::vector<std::uint32_t> unit_of{0, 0, 1};
  const std::vector<double> unit_pop{7000, 500};
  m.zone_of = unit_of;
  m.zone_population = unit_pop;
  m.commune_population = demand;
  m.zones = 2;
  const auto eu = siting::opening_effects(m, cand);
  REQUIRE(eu[0].size() == 1);
  CHECK(eu[0][0].second == Approx(1.0 / 7000).epsilon(1e-12));

  // The step: 1 opening of 5 GPs to lift the most people over 0.001. At A or B: unit 01 gains
  // 5 / 7,000 = 0.000714, reaching 0.001 exactly (2/7,000 + 5/7,000): lifted (>= the line), 7,000 people.
  const auto s = hand_scenario("[siting]\nsites = 1\nsupply_per_site = 5\n");
  const auto in = hand_inputs(s);
  Travel tr{travel_settings(s, 1), od, std::nullopt, {}, {}};
  const auto ind = compute_indicators(s, in, tr.od);
  const auto z = compute_zoning(s, in, ind);
  const auto sit = compute_siting(s, in, tr, ind, z);
  REQUIRE(sit);
  CHECK(sit->solution.objective == 7000.0);
  REQUIRE(sit->sites.size() == 1);
  CHECK(sit->sites[0].code != "02001");
  CHECK(sit->summary["sites"][0]["supply_added"] == 5.0);
}

TEST_CASE("output schema: every zone-list column declared, names unique per layer") {
  for (const auto name : zone_list_columns()) CHECK_NOTHROW(output_column("communes", name));
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& c : output_columns()) {
    CHECK(seen.emplace(std::string(c.layer), std::string(c.name)).second);
    CHECK_FALSE(c.title_fr.empty());
    CHECK_FALSE(c.doc.empty());
  }
  CHECK_THROWS_AS(output_column("communes", "density_gp_100k"), Error);
}

TEST_CASE("options: the scenario schema, the travel options and the access methods agree") {
  const travel::TravelOptions d;
  auto default_of = [](std::string_view key) {
    for (const auto& o : scenario::schema())
      if (o.path == key) return std::stod(std::string(o.default_toml));
    FAIL("no key " << key);
    return 0.0;
  };
  CHECK(default_of("travel.cutoff_min") == d.cutoff_min);
  CHECK(default_of("travel.intra_min") == d.intra_min);
  CHECK(default_of("travel.detour") == d.detour);
  CHECK(default_of("travel.speed_kmh") == d.speed_kmh);
  CHECK(default_of("travel.urban_speed_kmh") == d.urban_speed_kmh);
  CHECK(default_of("travel.urban_density") == d.urban_density);
  CHECK(d.speed_kmh == travel::kDefaultSpeedKmh);
  CHECK(travel::CrowflyParams{}.speed_kmh == travel::kDefaultSpeedKmh);
  // A parsed scenario with no [travel] resolves to the same settings as the default options.
  const auto s = scenario::parse("", "empty.toml");
  const auto a = travel_settings(s, 0), b = travel::settings_from(d);
  CHECK(a.graph.detour == b.graph.detour);
  CHECK(a.graph.speed_kmh == b.graph.speed_kmh);
  CHECK(a.cutoff_min == b.cutoff_min);
  CHECK(a.model == b.model);
  // The methods: schema choices (access.method, indicators.method) = access::method_names().
  std::set<std::string> names;
  for (const auto n : access::method_names()) names.emplace(n);
  for (const auto key : {"access.method", "indicators.method"})
    for (const auto& o : scenario::schema())
      if (o.path == key) {
        std::set<std::string> choices;
        std::string c(o.choices);
        for (std::size_t p = 0, q; p <= c.size(); p = q + 1) {
          q = c.find('|', p);
          if (q == std::string::npos) q = c.size();
          choices.insert(c.substr(p, q - p));
        }
        CHECK(choices == names);
      }
}

TEST_CASE("staged folder: complete new outputs or the previous ones, never a mix, no litter") {
  const auto root = fs::temp_directory_path() / fmt::format("oasis-staged-{}", ::getpid());
  fs::remove_all(root);
  fs::create_directories(root);
  const auto target = root / "out";
  auto slurp = [](const fs::path& p) {
    std::ifstream f(p);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  {  // a first run into a new folder
    StagedFolder f(target);
    write_file_atomic(f.dir() / "a.csv", "one", true);
    write_file_atomic(f.dir() / "old-only.csv", "stale", true);
    CHECK_FALSE(fs::exists(target));
    f.commit();
  }
  CHECK(slurp(target / "a.csv") == "one");
  {  // a run that fails before commit: the previous folder untouched, staging removed
    StagedFolder f(target);
    write_file_atomic(f.dir() / "a.csv", "two", true);
  }
  CHECK(slurp(target / "a.csv") == "one");
  {  // a second run: swapped whole, the file it no longer writes is gone
    StagedFolder f(target);
    write_file_atomic(f.dir() / "a.csv", "three", true);
    f.commit();
  }
  CHECK(slurp(target / "a.csv") == "three");
  CHECK_FALSE(fs::exists(target / "old-only.csv"));
  // Litter of a killed run (a process that no longer exists) is removed by the next run.
  fs::create_directories(root / ".out.oasis-staging-999999999");
  {
    StagedFolder f(target);
    f.commit();
  }
  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(root)) entries += e.path().filename() != "out";
  CHECK(entries == 0);
  fs::remove_all(root);
}

TEST_CASE("docs/outputs.md holds the output schema generated from the declarations") {
  std::ifstream in(std::string(OASIS_SOURCE_DIR) + "/docs/outputs.md");
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK_THAT(doc, Catch::Contains(columns_markdown()));
}

// ---- supply calibration (supply.calibrate = "apl") ----------------------------------------------
//
// The APL decay on the hand OD: A-A, B-B, C-C weigh 1 (0 minutes), A-B 2/3 (10 minutes, DREES
// value 0.666667). The published APL is made from 3 practitioner-equivalents at A and 0.5 at C
// (x 2,300): D_A = 1,000 + 0.666667 x 6,000 = 5,000.002; APL_A = 6,900 / D_A, APL_B = 0.666667 x
// 6,900 / D_A, APL_C = 1,150 / 500 = 2.3. With a negligible prior the fit returns that supply.
namespace {
struct CalibratedHand {
  scenario::Scenario s;
  Inputs in;
  travel::OdMatrix od = hand_od();
  fs::path dir;
};

CalibratedHand calibrated_hand(const std::string& tag) {
  CalibratedHand h{scenario::parse("[supply]\ncalibrate = \"apl\"\ncalibrate_lambda = 1e-9\n[access]\nmethod = \"apl\"\n", "cal.toml"),
                   {},
                   hand_od(),
                   fs::temp_directory_path() / fmt::format("oasis-calibration-{}-{}", tag, ::getpid())};
  h.in = hand_inputs(h.s);
  const double d_a = 1000 + 0.666667 * 6000;
  h.in.territory.set_column("apl_official", {6900 / d_a, 0.666667 * 6900 / d_a, 2.3});
  fs::remove_all(h.dir);
  fs::create_directories(h.dir);
  const auto file = h.dir / "apl.csv";
  std::ofstream(file) << "code_insee,apl_mg\n";  // only its name and SHA-256 are read here
  h.in.data["apl"] = json::array({{{"file", file.string()}}});
  h.in.supply_added = {0, 0, 0};
  return h;
}
}  // namespace

TEST_CASE("calibration step: the fitted supply, the per-practitioner activity, scenarios on top of it") {
  auto h = calibrated_hand("step");
  const auto cal = calibrate_supply(h.s, h.in, h.od);
  REQUIRE(cal);
  CHECK(cal->supply[0] == Approx(6900).epsilon(1e-6));
  CHECK(cal->supply[1] == 0.0);  // no practitioner recorded at B: not fitted
  CHECK(cal->supply[2] == Approx(1150).epsilon(1e-6));
  CHECK(cal->per_gp[0] == Approx(3450).epsilon(1e-6));  // 6,900 / 2 GPs
  CHECK(std::isnan(cal->per_gp[1]));
  CHECK(cal->per_gp[2] == Approx(1150).epsilon(1e-6));
  // Added practitioners: the headcount-weighted median of the département (01: A only; 02: C only);
  // over the territory, (1,150 x 1, 3,450 x 2) -> 3,450.
  CHECK(cal->added_per_gp[1] == Approx(3450).epsilon(1e-6));
  CHECK(cal->added_per_gp[2] == Approx(1150).epsilon(1e-6));
  CHECK(cal->median_per_gp == Approx(3450).epsilon(1e-6));
  CHECK(cal->summary["in_sample"]["mean_absolute_error"].get<double>() < 1e-6);
  CHECK(cal->summary["sites_fitted"] == 2);

  SECTION("a scenario that changes nothing reproduces the calibrated baseline exactly") {
    const auto ind = compute_indicators(h.s, h.in, h.od, cal);
    CHECK(ind.supply == cal->supply);
    for (int c = 0; c < 3; ++c) CHECK(ind.access.value[c] == Approx(cal->value[c]).epsilon(1e-12));
    CHECK(ind.access.value[2] == Approx(2.3).epsilon(1e-6));
  }
  SECTION("one of A's two GPs leaves: A loses half its calibrated activity") {
    h.in.supply = {1, 0, 1};
    const auto s = apl_supply(h.in, &*cal, 2300, h.in.supply);
    CHECK(s[0] == Approx(3450).epsilon(1e-6));
    CHECK(s[2] == cal->supply[2]);
  }
  SECTION("GPs added: at B the median of département 01, at C the median of 02 on top of C's own") {
    h.in.supply = {2, 2, 2};
    h.in.supply_added = {0, 2, 1};
    const auto s = apl_supply(h.in, &*cal, 2300, h.in.supply);
    CHECK(s[0] == cal->supply[0]);
    CHECK(s[1] == Approx(2 * 3450).epsilon(1e-6));
    CHECK(s[2] == Approx(1150 + 1150).epsilon(1e-6));
  }
  SECTION("without calibration: headcount x activity") {
    const auto s = apl_supply(h.in, nullptr, 2300, h.in.supply);
    CHECK(s == std::vector<double>{4600, 0, 2300});
  }
  fs::remove_all(h.dir);
}

TEST_CASE("calibration step: the cache gives the same bits, and a changed input misses it") {
  auto h = calibrated_hand("cache");
  const CalibrationCache cache{h.dir / "cache"};
  bool hit = true;
  const auto a = calibrate_supply(h.s, h.in, h.od, cache, &hit);
  CHECK_FALSE(hit);
  const auto b = calibrate_supply(h.s, h.in, h.od, cache, &hit);
  CHECK(hit);
  CHECK(a->supply == b->supply);
  CHECK(a->cv_value.size() == b->cv_value.size());
  CHECK(a->summary.dump() == b->summary.dump());
  h.in.territory.set_column("apl_official", {1.0, 1.0, 1.0});
  const auto c = calibrate_supply(h.s, h.in, h.od, cache, &hit);
  CHECK_FALSE(hit);
  CHECK(c->summary["cache_key"] != a->summary["cache_key"]);
  // A damaged cache file is refitted, not trusted.
  for (const auto& e : fs::directory_iterator(cache.dir)) std::ofstream(e.path()) << "{not json";
  const auto d = calibrate_supply(h.s, h.in, h.od, cache, &hit);
  CHECK_FALSE(hit);
  CHECK(d->supply == c->supply);
  fs::remove_all(h.dir);
}

TEST_CASE("calibration step: without a published APL the run stops with the fix") {
  auto h = calibrated_hand("missing");
  h.in.data = json::object();
  CHECK_THROWS_WITH(calibrate_supply(h.s, h.in, h.od), Catch::Contains("needs the published APL"));
  h.s.supply.calibrate = "none";
  CHECK_FALSE(calibrate_supply(h.s, h.in, h.od));
  fs::remove_all(h.dir);
}

TEST_CASE("raw supply model: the prior combined with a second source, times the département's factor") {
  // Supply file (2, 0, 1) GPs, second source (4, 1, 1): mean (3, 0.5, 1), min (2, 0, 1).
  // Factors 01 = 1.5, 02 = 0.5. Supply = prior x 2,300 x factor.
  auto h = calibrated_hand("raw");
  h.s.supply.calibrate = "none";
  h.in.recorded_sites = {4, 1, 1};
  h.in.supply_before = {2, 0, 1};
  h.in.departement_factors = {{"01", 1.5}, {"02", 0.5}};
  h.in.departement_factors_file = h.dir / "factors.csv";
  std::ofstream(h.in.departement_factors_file) << "departement,factor\n01,1.5\n02,0.5\n";
  SECTION("mean, with factors") {
    h.s.supply.combine = "mean";
    const auto m = calibrate_supply(h.s, h.in, h.od);
    REQUIRE(m);
    CHECK(m->summary["model"] == "raw");
    CHECK(m->summary["combine"] == "mean");
    CHECK(m->summary["factors"]["departements"]["01"] == 1.5);
    CHECK(m->prior == std::vector<double>{3, 0.5, 1});
    CHECK(m->supply[0] == Approx(3 * 2300 * 1.5));  // 10,350
    CHECK(m->supply[1] == Approx(0.5 * 2300 * 1.5));
    CHECK(m->supply[2] == Approx(1 * 2300 * 0.5));
    CHECK(m->per_gp[0] == Approx(10350.0 / 2));  // a GP leaving A takes 5,175 away
    CHECK(std::isnan(m->per_gp[1]));
    CHECK(std::isnan(m->value[0]));  // no fit
    h.in.supply = {1, 0, 1};
    const auto moved = apl_supply(h.in, &*m, 2300, h.in.supply);
    CHECK(moved[0] == Approx(5175));
    CHECK(moved[1] == m->supply[1]);
    const auto ind = compute_indicators(h.s, h.in, h.od, m);
    CHECK(ind.supply[0] == Approx(5175));
  }
  SECTION("min, without factors") {
    h.s.supply.combine = "min";
    h.in.departement_factors.clear();
    h.in.departement_factors_file.clear();
    const auto m = calibrate_supply(h.s, h.in, h.od);
    REQUIRE(m);
    CHECK(m->supply == std::vector<double>{4600, 0, 2300});
    CHECK_FALSE(m->summary.contains("factors"));
  }
  SECTION("first, without factors, or no second source: headcount x activity (no model)") {
    h.s.supply.combine = "first";
    h.in.departement_factors.clear();
    CHECK_FALSE(calibrate_supply(h.s, h.in, h.od));
    h.s.supply.combine = "mean";
    h.in.recorded_sites.clear();
    CHECK_FALSE(calibrate_supply(h.s, h.in, h.od));
  }
  SECTION("calibrated by département: one factor for 01 (A, B) and one for 02 (C)") {
    // Targets made by supply (6,900 at A, 0 at B, 1,150 at C); prior mean (3, 0.5, 1); with a
    // negligible prior term the factors solve the two groups' least squares.
    h.s.supply.calibrate = "departement";
    h.s.supply.combine = "mean";
    h.in.departement_factors.clear();
    const auto m = calibrate_supply(h.s, h.in, h.od);
    REQUIRE(m);
    CHECK(m->summary["by"] == "departement");
    // 02: C alone, APL_C = 2,300 f / 500 = 2.3 -> f = 0.5.
    CHECK(m->summary["factors"]["02"].get<double>() == Approx(0.5).epsilon(1e-6));
    CHECK(m->supply[2] == Approx(1150).epsilon(1e-6));
    // 01: A (3) and B (0.5) share f; the fitted supply keeps their 6:1 ratio.
    CHECK(m->supply[0] / m->supply[1] == Approx(6.0).epsilon(1e-9));
  }
  fs::remove_all(h.dir);
}

TEST_CASE("indicators on a ring: the supply and demand across the territory's edge count") {
  // The run is A and B (département 01); C (500 inhabitants, 1 GP) is in the ring, 10 minutes from
  // A only. 2SFCA within 30 minutes: R_A = 2 / (1,000 + 6,000 + 500) = 2 / 7,500 (C's patients
  // reach A), R_C = 1 / (500 + 1,000) = 1 / 1,500. APL_A = R_A + R_C = 7 / 7,500, APL_B = 2 / 7,500.
  // Alone (no ring): A = B = 2 / 7,000.
  const auto s = hand_scenario();
  const auto full = hand_territory();
  Inputs in = hand_inputs(s);
  const std::vector<CommuneId> ab{0, 1};
  in.territory = full.subset(ab);
  in.supply = {2, 0};
  in.supply_before = in.supply;
  in.supply_added = {0, 0};
  in.table = {};
  for (CommuneId c = 0; c < 2; ++c) in.table.add(c, in.supply[c], in.territory.code()[c].to_string());
  in.units = zoning::UnitMapping::from_keys(std::vector<std::string>{"01", "01"}, std::vector<std::string>{"Ain", "Ain"}, "departement");
  Around a;
  a.territory = full;
  a.of_inner = {0, 1};
  a.supply = {2, 0, 1};
  in.around = a;
  auto od_ab = travel::assemble({{{0, 0.0f}, {1, 10.0f}}, {{0, 10.0f}, {1, 0.0f}}}, 2);
  auto od_abc = travel::assemble({{{0, 0.0f}, {1, 10.0f}, {2, 10.0f}}, {{0, 10.0f}, {1, 0.0f}}, {{0, 10.0f}, {2, 0.0f}}}, 3);
  const auto ring = compute_indicators(s, in, od_ab, std::nullopt, &od_abc);
  REQUIRE(ring.access.value.size() == 2);
  CHECK(ring.access.value[0] == Approx(7.0 / 7500).epsilon(1e-12));
  CHECK(ring.access.value[1] == Approx(2.0 / 7500).epsilon(1e-12));
  const auto alone = compute_indicators(s, in, od_ab);
  CHECK(alone.access.value[0] == Approx(2.0 / 7000).epsilon(1e-12));
  CHECK(alone.access.value[1] == Approx(2.0 / 7000).epsilon(1e-12));
  // The scenario's change reaches the ring computation: A's GPs gone, A keeps C's share only.
  in.supply = {0, 0};
  const auto gone = compute_indicators(s, in, od_ab, std::nullopt, &od_abc);
  CHECK(gone.access.value[0] == Approx(1.0 / 1500).epsilon(1e-12));
  CHECK(gone.access.value[1] == 0.0);
}

TEST_CASE("calibration on a ring: the ring's published values and practices enter the fit") {
  // As above (2SFCA within 30 minutes, A and B in the run, C in the ring), the published values made
  // from 3 practitioner-equivalents at A and 0.5 at C (x 2,300): R_A = 6,900 / 7,500, R_C = 1,150 /
  // 1,500; A = R_A + R_C, B = R_A, C = R_A + R_C (A is 10 minutes from C). A negligible prior
  // returns that supply, C's included.
  auto s = hand_scenario("[supply]\ncalibrate = \"apl\"\ncalibrate_lambda = 1e-9\n");
  const auto full = hand_territory();
  Inputs in = hand_inputs(s);
  in.territory = full.subset(std::vector<CommuneId>{0, 1});
  in.supply = {2, 0};
  in.supply_before = in.supply;
  in.supply_added = {0, 0};
  const double ra = 6900.0 / 7500, rc = 1150.0 / 1500;
  in.territory.set_column("apl_official", {ra + rc, ra});
  Around a;
  a.territory = full;
  a.territory.set_column("apl_official", {ra + rc, ra, ra + rc});
  a.of_inner = {0, 1};
  a.supply = {2, 0, 1};
  in.around = a;
  const auto dir = fs::temp_directory_path() / fmt::format("oasis-calibration-ring-{}", ::getpid());
  fs::create_directories(dir);
  std::ofstream(dir / "apl.csv") << "code_insee,apl_mg\n";
  in.data["apl"] = json::array({{{"file", (dir / "apl.csv").string()}}});
  const auto od_ab = travel::assemble({{{0, 0.0f}, {1, 10.0f}}, {{0, 10.0f}, {1, 0.0f}}}, 2);
  const auto od_abc = travel::assemble({{{0, 0.0f}, {1, 10.0f}, {2, 10.0f}}, {{0, 10.0f}, {1, 0.0f}}, {{0, 10.0f}, {2, 0.0f}}}, 3);
  const auto cal = calibrate_supply(s, in, od_ab, {}, nullptr, &od_abc);
  REQUIRE(cal);
  REQUIRE(cal->supply.size() == 2);
  CHECK(cal->supply[0] == Approx(6900).epsilon(1e-6));
  CHECK(cal->around_supply[2] == Approx(1150).epsilon(1e-6));
  CHECK(cal->summary["in_sample"]["communes_compared"] == 2);  // the figures are over the run's communes
  CHECK(cal->summary["around"]["communes"] == 1);
  const auto ind = compute_indicators(s, in, od_ab, cal, &od_abc);
  CHECK(ind.access.value[0] == Approx(ra + rc).epsilon(1e-6));
  CHECK(ind.access.value[1] == Approx(ra).epsilon(1e-6));
  fs::remove_all(dir);
}
