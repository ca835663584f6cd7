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
  Travel tr{travel_settings(s, 1), hand_od()};
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
}

TEST_CASE("zoning on the published APL keeps the computed value in apl") {
  const auto s = hand_scenario("");
  auto s2 = scenario::parse("[access]\nmethod = \"2sfca\"\n[zoning]\nunits = \"commune\"\nindicator = \"apl_official\"\n", "official.toml");
  auto in = hand_inputs(s2);
  in.territory.set_column("apl_official", {1.0, 3.0, 5.0});
  const auto ind = compute_indicators(s2, in, hand_od());
  const auto z = compute_zoning(s2, in, ind);
  const auto rows = zone_rows(in, ind, z, compute_flags(s2, in, Travel{travel_settings(s2, 1), hand_od()}, ind, z));
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
  Travel tr{travel_settings(s, 1), od};
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
