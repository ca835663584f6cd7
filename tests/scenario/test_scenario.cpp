#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "oasis/core/error.hpp"
#include "oasis/scenario/scenario.hpp"

using namespace oasis;
namespace fs = std::filesystem;

namespace {
/// The error a scenario text gives: code and formatted message.
std::pair<Errc, std::string> error_of(const std::string& text) {
  try {
    (void)scenario::parse(text, "bad.toml");
  } catch (const Error& e) {
    return {e.code(), format_error(e)};
  }
  return {Errc::internal, "no error"};
}
fs::path write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
  return p;
}
}  // namespace

TEST_CASE("defaults fill every key, values are read with their types") {
  const auto s = scenario::parse("[territory]\nregions = [\"24\"]\n[travel]\ncutoff_min = 45\n", "cvl.toml", "/data/sc");
  CHECK(s.name == "cvl");
  CHECK(s.territory.regions == std::vector<std::string>{"24"});
  CHECK(s.travel.cutoff_min == 45.0);  // an integer where a number is expected is fine
  CHECK(s.travel.model == "commune-graph");
  CHECK(s.travel.detour == 1.2);  // the model's default, written into the resolved scenario
  CHECK(s.access.method == "apl");
  CHECK(s.supply.activity == 2300.0);
  CHECK(s.zoning.zip_below == 2.5);
  CHECK(s.zoning.vivier_below == 4.0);
  CHECK(s.zoning.units == "epci");
  CHECK(s.outputs.gpkg);
  CHECK(s.resolved_toml.find("cutoff_min = 45") != std::string::npos);
  CHECK(s.resolved_toml.find("vivier_below = 4.0") != std::string::npos);
  CHECK(s.resolved_toml.find("method = 'apl'") != std::string::npos);
}

TEST_CASE("bad scenarios name the key, the line and the fix") {
  auto [c1, m1] = error_of("[travel]\ncutoff_min = 30\ncuttoff = 20\n");
  CHECK(c1 == Errc::scenario_key);
  CHECK_THAT(m1, Catch::Contains("line 3") && Catch::Contains("travel.cuttoff") && Catch::Contains("did you mean 'travel.cutoff_min'"));

  auto [c2, m2] = error_of("[zoning]\nzip_below = \"2.5\"\n");
  CHECK(c2 == Errc::scenario_type);
  CHECK_THAT(m2, Catch::Contains("line 2") && Catch::Contains("zoning.zip_below") && Catch::Contains("not a number"));

  auto [c3, m3] = error_of("[travel]\ncutoff_min = -5\n");
  CHECK(c3 == Errc::scenario_value);
  CHECK_THAT(m3, Catch::Contains("out of range") && Catch::Contains("line 2"));

  auto [c4, m4] = error_of("[travel]\nmodel = \"helicopter\"\n");
  CHECK(c4 == Errc::scenario_value);
  CHECK_THAT(m4, Catch::Contains("crowfly commune-graph osm table"));

  auto [c5, m5] = error_of("[zoning]\nzip_below = 3\nvivier_below = 2\n");
  CHECK(c5 == Errc::scenario_value);
  CHECK_THAT(m5, Catch::Contains("line 3"));

  auto [c6, m6] = error_of("[territory]\nregions = [24]\n");
  CHECK(c6 == Errc::scenario_type);

  auto [c7, m7] = error_of("[[modify.add]]\ncommune = \"37261\"\n");
  CHECK(c7 == Errc::scenario_key);
  CHECK_THAT(m7, Catch::Contains("amount"));

  // Spatial-availability settings on another method would be ignored silently: refused.
  auto [csa1, msa1] = error_of("[access]\nmethod = \"2sfca\"\nsa_output = \"per-capita\"\n");
  CHECK(csa1 == Errc::scenario_value);
  CHECK_THAT(msa1, Catch::Contains("line 3") && Catch::Contains("access.sa_output") && Catch::Contains("spatial-availability"));
  auto [csa2, msa2] = error_of("[[indicators]]\nname = \"msp\"\nmethod = \"2sfca\"\nsa_alpha = 0.5\n");
  CHECK(csa2 == Errc::scenario_value);
  CHECK_THAT(msa2, Catch::Contains("line 4") && Catch::Contains("sa_alpha"));
  auto [csa3, msa3] = error_of("[access]\nmethod = \"spatial-availability\"\nsa_output = \"per-head\"\n");
  CHECK(csa3 == Errc::scenario_value);
  CHECK(scenario::parse("[access]\nmethod = \"spatial-availability\"\nsa_alpha = 0.5\nsa_output = \"per-capita\"\n", "sa.toml")
            .access.sa_alpha == 0.5);

  auto [c8, m8] = error_of("[[modify.retire]]\nage_min = 65\nshare = 0.1\n");
  CHECK(c8 == Errc::scenario_value);
  CHECK_THAT(m8, Catch::Contains("exactly one"));

  auto [c9, m9] = error_of("[territory]\ncommunes = [\"1001\"]\n");
  CHECK(c9 == Errc::code_malformed);

  auto [c10, m10] = error_of("[travel\nmodel = 1\n");
  CHECK(c10 == Errc::format);
  CHECK_THAT(m10, Catch::Contains("line 1"));

  auto [c11, m11] = error_of("[access]\ndecay = \"step:10:1,5:0.5\"\n");
  CHECK(c11 == Errc::scenario_value);

  auto [c12, m12] = error_of("[zoning.caps]\n\"24\" = { zip = 0.7, zac = 0.5 }\n");
  CHECK(c12 == Errc::scenario_value);
  CHECK_THAT(m12, Catch::Contains("above 1"));

  auto [c13, m13] = error_of("[zoning.caps]\n\"24\" = { zip = 0.3, zak = 0.5 }\n");
  CHECK(c13 == Errc::scenario_key);
  CHECK_THAT(m13, Catch::Contains("zoning.caps.24.zak"));

  auto [c14, m14] = error_of("[travel]\ncutoff_min = nan\n");
  CHECK(c14 == Errc::scenario_value);
}

TEST_CASE("extend: keys merged one by one, paths relative to their file, cycles refused") {
  const auto dir = fs::temp_directory_path() / "oasis-test-scenario";
  fs::remove_all(dir);
  write(dir / "base" / "base.toml",
        "name = \"base\"\n[territory]\nregions = [\"24\"]\n[zoning]\nofficial = \"zip.csv\"\n"
        "[zoning.caps]\n\"24\" = { zip = 0.5, zac = 0.3 }\n[[modify.add]]\ncommune = \"37261\"\namount = 4\n");
  const auto child = write(dir / "child.toml",
                           "extend = \"base/base.toml\"\nname = \"child\"\n[zoning]\nzip_below = 3.0\n"
                           "[zoning.caps.24]\nzac = 0.2\n[[modify.add]]\ncommune = \"18033\"\namount = 2\n");
  const auto s = scenario::load(child);
  CHECK(s.name == "child");
  CHECK(s.territory.regions == std::vector<std::string>{"24"});
  CHECK(s.zoning.zip_below == 3.0);
  CHECK(s.zoning.official == (dir / "base" / "zip.csv").lexically_normal().string());
  CHECK(s.zoning.caps.at("24").zip == 0.5);  // from the base
  CHECK(s.zoning.caps.at("24").zac == 0.2);  // overridden
  REQUIRE(s.add.size() == 1);                // arrays of tables are replaced whole
  CHECK(s.add[0].commune == "18033");
  CHECK(s.chain.size() == 2);
  CHECK(s.resolved_toml.find("extend") == std::string::npos);

  write(dir / "a.toml", "extend = \"b.toml\"\n");
  write(dir / "b.toml", "extend = \"a.toml\"\n");
  try {
    (void)scenario::load(dir / "a.toml");
    FAIL("a cycle must be refused");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::scenario_extend);
    CHECK_THAT(e.message(), Catch::Contains("cycle"));
  }
  write(dir / "c.toml", "extend = \"missing.toml\"\n");
  try {
    (void)scenario::load(dir / "c.toml");
    FAIL("a missing base must be refused");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::scenario_extend);
    CHECK_THAT(format_error(e), Catch::Contains("line 1"));
  }
  // Errors in a base name the base file.
  write(dir / "d.toml", "extend = \"e.toml\"\n");
  write(dir / "e.toml", "[outputs]\ngpkg = \"yes\"\n");
  try {
    (void)scenario::load(dir / "d.toml");
    FAIL("a bad base must be refused");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::scenario_type);
    CHECK_THAT(e.file(), Catch::Contains("e.toml"));
  }
  fs::remove_all(dir);
}

TEST_CASE("[[indicators]]: several supply types in one run, names checked") {
  const auto s = scenario::parse(
      "[[indicators]]\nname = \"infirmiers_2sfca\"\nfile = \"data:practitioners/x.csv\"\ncolumn = \"infirmiers\"\nmax_cost = 30\n"
      "[[indicators]]\nname = \"msp\"\nfile = \"msp.csv\"\nmethod = \"e2sfca\"\n",
      "i.toml", "/data/sc");
  REQUIRE(s.indicators.size() == 2);
  CHECK(s.indicators[0].file == "data:practitioners/x.csv");  // resolved against the data directory by the runner
  CHECK(s.indicators[0].max_cost == 30.0);
  CHECK(s.indicators[0].method == "2sfca");
  CHECK(s.indicators[1].file == "/data/sc/msp.csv");
  CHECK(s.resolved_toml.find("name = 'msp'") != std::string::npos);
  auto [c1, m1] = error_of("[[indicators]]\nname = \"apl\"\n");
  CHECK(c1 == Errc::scenario_value);
  auto [c2, m2] = error_of("[[indicators]]\nname = \"Bad Name\"\n");
  CHECK(c2 == Errc::scenario_value);
  auto [c3, m3] = error_of("[[indicators]]\nname = \"x\"\nmethod = \"magic\"\n");
  CHECK(c3 == Errc::scenario_value);
}

TEST_CASE("resolved scenarios round-trip: resolving the resolved text changes nothing") {
  const auto s =
      scenario::parse("[zoning.caps]\n\"24\" = { zip = 0.588, zac = 0.34 }\n[supply]\nactivity = 2345.678901234\n", "r.toml", "/d");
  const auto again = scenario::parse(s.resolved_toml, "r.toml", "/d");
  CHECK(again.resolved_toml == s.resolved_toml);
  CHECK(again.supply.activity == 2345.678901234);
  CHECK(again.zoning.caps.at("24").zip == 0.588);
}

TEST_CASE("docs/scenarios.md holds the schema generated from the declarations") {
  std::ifstream in(std::string(OASIS_SOURCE_DIR) + "/docs/scenarios.md");
  REQUIRE(in);
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK_THAT(doc, Catch::Contains(scenario::schema_markdown()));
}

TEST_CASE("every scenario shipped in scenarios/ is valid") {
  std::size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(std::string(OASIS_SOURCE_DIR) + "/scenarios")) {
    if (e.path().extension() != ".toml" || e.path().parent_path().filename() == "grants" ||
        e.path().parent_path().filename() == "sweeps")  // rule files and sweep files (docs/sweeps.md), not scenarios
      continue;
    INFO(e.path().string());
    CHECK_NOTHROW(scenario::load(e.path()));
    ++n;
  }
  CHECK(n >= 4);
}

TEST_CASE("grant schemes in a scenario: paths relative to the file, parameters NAME=VALUE, unknown keys refused") {
  const auto s = scenario::parse("[[grants]]\nscheme = \"g/a.toml\"\napplications = \"apps.csv\"\nparameters = [\"aid_rate=0.4\"]\n",
                                 "s.toml", "/base");
  REQUIRE(s.grants.size() == 1);
  CHECK(s.grants[0].scheme == "/base/g/a.toml");
  CHECK(s.grants[0].applications == "/base/apps.csv");
  CHECK(s.grants[0].parameters == std::vector<std::string>{"aid_rate=0.4"});
  CHECK_THAT(s.resolved_toml, Catch::Contains("aid_rate=0.4"));
  auto [c1, m1] = error_of("[[grants]]\nscheme = \"a.toml\"\napplications = \"b.csv\"\nparameters = [\"aid_rate\"]\n");
  CHECK(c1 == Errc::scenario_value);
  auto [c2, m2] = error_of("[[grants]]\nscheme = \"a.toml\"\n");
  CHECK(c2 != Errc::internal);
  CHECK_THAT(m2, Catch::Contains("applications"));
  auto [c3, m3] = error_of("[[grants]]\nscheme = \"a.toml\"\napplications = \"b.csv\"\nschema = 1\n");
  CHECK(c3 == Errc::scenario_key);
}
