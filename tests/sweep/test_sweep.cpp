// The sweep file, the grid's order, the task encoding and the quantiles, by hand. The tasks on
// real data and Dask (1 vs 2 workers, a killed worker) are in tests/python/test_sweep.py.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "oasis/core/error.hpp"
#include "oasis/sweep/sweep.hpp"

using namespace oasis;
namespace fs = std::filesystem;

namespace {

fs::path write(const fs::path& p, const std::string& text) {
  std::ofstream(p) << text;
  return p;
}

struct Dir {
  fs::path p = fs::temp_directory_path() / ("oasis-sweep-test-" + std::to_string(::getpid()));
  Dir() {
    fs::create_directories(p);
    write(p / "base.toml",
          "[territory]\nregions = [\"24\"]\n[zoning]\nzip_below = 2.5\n[zoning.caps]\n\"24\" = { zip = 0.5, zac = 0.3 }\n");
  }
  ~Dir() { fs::remove_all(p); }
};

Errc code_of(const fs::path& file) {
  try {
    (void)sweep::load(file);
  } catch (const Error& e) {
    return e.code();
  }
  return Errc::usage;  // accepted: no error code to compare
}

}  // namespace

TEST_CASE("sweep quantiles: type 7 (numpy's default), by hand") {
  // [1, 2, 3, 4]: h = 3q; q = 0.25 -> 1 + 0.75 x (2 - 1) = 1.75; q = 0.5 -> 2.5; q = 0.95 -> 3 + 0.85 = 3.85.
  CHECK(sweep::quantile({4, 1, 3, 2}, 0.25) == Approx(1.75).epsilon(1e-15));
  CHECK(sweep::quantile({4, 1, 3, 2}, 0.5) == Approx(2.5).epsilon(1e-15));
  CHECK(sweep::quantile({4, 1, 3, 2}, 0.95) == Approx(3.85).epsilon(1e-15));
  CHECK(sweep::quantile({7}, 0.05) == 7);
  CHECK(sweep::quantile({NAN, 5, 1}, 0.5) == 3);  // NaN left out
  CHECK(std::isnan(sweep::quantile({}, 0.5)));
}

TEST_CASE("sweep task results: encoded and decoded exactly, damage refused") {
  sweep::TaskResult r;
  r.index = 41;
  r.zone = {2, 0, 1};
  r.apl = {0.1, NAN, 1e-300};
  r.unit_zip_population = {1234.5};
  r.region_zip_population = {1234.5, 0};
  r.grant_awarded = {50000};
  r.supply_removed = 3.25;
  r.siting_objective = NAN;
  r.zones_csv = "code_insee,zone,apl\n";
  const auto b = r.encode();
  const auto d = sweep::TaskResult::decode(b);
  CHECK(d.index == 41);
  CHECK(d.zone == r.zone);
  CHECK(d.apl[0] == 0.1);
  CHECK(std::isnan(d.apl[1]));
  CHECK(d.apl[2] == 1e-300);
  CHECK(d.region_zip_population == r.region_zip_population);
  CHECK(d.grant_awarded == r.grant_awarded);
  CHECK(d.supply_removed == 3.25);
  CHECK(std::isnan(d.siting_objective));
  CHECK(d.zones_csv == r.zones_csv);
  CHECK(d.encode() == b);
  CHECK_THROWS_AS(sweep::TaskResult::decode(b.substr(0, b.size() - 3)), Error);
  CHECK_THROWS_AS(sweep::TaskResult::decode("garbage"), Error);
}

TEST_CASE("sweep file: grid points in order, the last axis fastest, each value in its scenario") {
  Dir d;
  const auto f = write(d.p / "s.toml",
                       "scenario = \"base.toml\"\n[grid]\n\"zoning.zip_below\" = [2.0, 3.0]\n\"zoning.caps.24.zip\" = [0.4, 0.5, 0.6]\n"
                       "[monte_carlo]\ndraws = 4\nseed = 9\nleave = 0.25\n");
  const auto s = sweep::load(f);
  CHECK(s.name == "s");
  CHECK(s.points() == 6);
  CHECK(s.tasks() == 24);
  CHECK(s.mc.seed == 9);
  CHECK(s.mc.leave == 0.25);
  CHECK(s.grid[0].level == sweep::Axis::Level::compute);
  // Task 13 = point 3 (13 / 4), draw 1; point 3 = zip_below index 1, caps index 0.
  const auto id = sweep::task_id(s, 13);
  CHECK(id.point == 3);
  CHECK(id.draw == 1);
  CHECK(sweep::point_values(s, 3)["zoning.zip_below"] == 3.0);
  CHECK(sweep::point_values(s, 3)["zoning.caps.24.zip"] == 0.4);
  const auto sc = sweep::point_scenario(s, 5);
  CHECK(sc.zoning.zip_below == 3.0);
  CHECK(sc.zoning.caps.at("24").zip == 0.6);
  CHECK(sc.zoning.caps.at("24").zac == 0.3);  // the base's, untouched
  CHECK_THROWS_AS(sweep::task_id(s, 24), Error);
}

TEST_CASE("sweep file: the levels that make a worker reload, rebuild or only recompute") {
  Dir d;
  const auto f = write(d.p / "s.toml",
                       "scenario = \"base.toml\"\n[grid]\n\"travel.speed_kmh\" = [50, 60]\n\"zoning.units\" = [\"epci\", \"departement\"]\n"
                       "\"siting.sites\" = [0, 5]\n\"access.method\" = [\"apl\", \"2sfca\"]\n");
  const auto s = sweep::load(f);
  REQUIRE(s.grid.size() == 4);
  CHECK(s.grid[0].level == sweep::Axis::Level::travel);
  CHECK(s.grid[1].level == sweep::Axis::Level::inputs);
  CHECK(s.grid[2].level == sweep::Axis::Level::inputs);
  CHECK(s.grid[3].level == sweep::Axis::Level::compute);
  CHECK(s.tasks() == 16);
}

TEST_CASE("sweep file: errors name the key and the line, with the scenario's own checks") {
  Dir d;
  CHECK(code_of(write(d.p / "a.toml", "scenario = \"base.toml\"\nsneed = 3\n")) == Errc::scenario_key);
  CHECK(code_of(write(d.p / "b.toml", "scenario = \"base.toml\"\n[grid]\n\"modify.add.amount\" = [1]\n")) == Errc::scenario_key);
  CHECK(code_of(write(d.p / "c.toml", "scenario = \"base.toml\"\n[grid]\n\"zoning.zip_below\" = [2, -1]\n")) == Errc::scenario_value);
  CHECK(code_of(write(d.p / "d.toml", "scenario = \"base.toml\"\n[grid]\n\"zoning.units\" = [\"canton\"]\n")) == Errc::scenario_value);
  CHECK(code_of(write(d.p / "e.toml", "scenario = \"base.toml\"\n[monte_carlo]\ndraws = 0\n")) == Errc::scenario_value);
  CHECK(code_of(write(d.p / "f.toml", "scenario = \"base.toml\"\n[monte_carlo]\nleave = 1.5\n")) == Errc::scenario_value);
  CHECK(code_of(write(d.p / "g.toml", "scenario = \"base.toml\"\n[grid]\n\"zoning.zip_below\" = []\n")) == Errc::scenario_type);
  CHECK(code_of(write(d.p / "h.toml", "scenario = \"base.toml\"\n[grid]\n\"zoning.zip_below\" = [2, 2]\n")) == Errc::code_duplicate);
  CHECK(code_of(write(d.p / "i.toml", "name = \"x\"\n")) == Errc::scenario_key);
  CHECK(code_of(write(d.p / "j.toml", "scenario = \"missing.toml\"\n")) == Errc::io);
  CHECK(code_of(write(d.p / "k.toml", "scenario = \"base.toml\"\n[grid]\n\"grants.parameters.BUDGET\" = [1]\n")) == Errc::scenario_value);
  try {
    (void)sweep::load(write(d.p / "l.toml", "scenario = \"base.toml\"\n\n[grid]\n\"zoning.zip_below\" = [2, -1]\n"));
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(e.record() == "line 4");
    CHECK(e.message().find("zoning.zip_below") != std::string::npos);
  }
}

TEST_CASE("docs/sweeps.md holds the sweep file's keys generated from their declaration") {
  std::ifstream f(std::string(OASIS_SOURCE_DIR) + "/docs/sweeps.md");
  const std::string doc((std::istreambuf_iterator<char>(f)), {});
  CHECK(doc.find(sweep::schema_markdown()) != std::string::npos);
}

TEST_CASE("sweep file: a grant parameter varies in the schemes that declare it and only there") {
  Dir d;
  const std::string src = OASIS_SOURCE_DIR;
  write(d.p / "g.toml", "[territory]\nregions = [\"24\"]\n[[grants]]\nscheme = \"" + src +
                            "/scenarios/grants/cvl-2018-plan-urgence-sante.toml\"\nfrom_sites = true\n[[grants]]\nscheme = \"" + src +
                            "/scenarios/grants/aura-2017-bourse-internes.toml\"\napplications = \"" + src +
                            "/scenarios/grants/examples/cvl-internes.csv\"\nparameters = ['faculties=[\"tours\"]']\n");
  const auto s = sweep::load(write(d.p / "s.toml", "scenario = \"g.toml\"\n[grid]\n\"grants.parameters.bursary\" = [500, 1000]\n"));
  REQUIRE(s.grid.size() == 1);
  CHECK(s.grid[0].grant_entries == std::vector<std::size_t>{1});  // the bursary scheme, not the CVL plan
  const auto sc = sweep::point_scenario(s, 1);
  REQUIRE(sc.grants.size() == 2);
  CHECK(sc.grants[0].parameters.empty());
  CHECK(sc.grants[1].parameters == std::vector<std::string>{"faculties=[\"tours\"]", "bursary=1000"});
  // A name no scheme declares, and a value the parameter cannot take: refused by --check.
  CHECK(code_of(write(d.p / "t.toml", "scenario = \"g.toml\"\n[grid]\n\"grants.parameters.bursry\" = [1]\n")) == Errc::scenario_value);
  CHECK(code_of(write(d.p / "u.toml", "scenario = \"g.toml\"\n[grid]\n\"grants.parameters.bursary\" = [\"abc\"]\n")) ==
        Errc::scenario_value);
}
