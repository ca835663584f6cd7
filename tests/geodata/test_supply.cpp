#include <catch2/catch.hpp>

#include <cmath>

#include "fixtures.hpp"
#include "oasis/core/error.hpp"
#include "oasis/geodata/load.hpp"

using namespace oasis;
using namespace oasis::geodata;

namespace {
const Cog& cog() {
  static const Cog c = Cog::load(test::data_dir() / "cog");
  return c;
}
const Territory& territory() {
  static const Territory t = [] {
    Diagnostics d;
    TerritoryOptions o;
    o.data_dir = test::data_dir();
    o.cog_dir = test::data_dir() / "cog";
    o.use_apl = false;
    return load_territory(o, cog(), d).territory;
  }();
  return t;
}
double amount_at(const SupplyTable& s, const char* code) {
  const auto id = territory().at(*CodeInsee::parse(code));
  return s.per_commune(territory().size())[id];
}
}  // namespace

TEST_CASE("counts CSV: former codes fold in, outside and unknown codes are counted") {
  const auto dir = test::scratch("s_counts");
  // 37900 is a former code of 37003; 97411 exists but is outside the (boundary) territory;
  // 37999 exists nowhere.
  const auto p = test::write(dir / "c.csv", "code_insee;nb\n37001;2\n37003;1,5\n37900;1\n97411;4\n37999;1\n37002;0\n");
  SupplyOptions o;
  o.path = p;
  o.column = "nb";
  Diagnostics d;
  SupplyReport r;
  const auto s = load_supply(o, territory(), cog(), d, r);
  CHECK(r.format == "counts");
  CHECK(r.records == 6);
  CHECK(r.outside == 1);
  CHECK(r.unmatched_codes == std::vector<std::string>{"37999"});
  CHECK(s.total() == Approx(4.5));
  CHECK(amount_at(s, "37001") == 2.0);
  CHECK(amount_at(s, "37003") == Approx(2.5));
}

TEST_CASE("counts CSV: negative and duplicate values are errors that name the line") {
  const auto dir = test::scratch("s_counts_bad");
  SupplyOptions o;
  o.column = "nb";
  Diagnostics d;
  SupplyReport r;
  o.path = test::write(dir / "neg.csv", "code_insee,nb\n37001,2\n37002,-1\n");
  try {
    load_supply(o, territory(), cog(), d, r);
    FAIL("accepted a negative count");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::value_invalid);
    CHECK_THAT(e.record(), Catch::Contains("line 3"));
  }
  o.path = test::write(dir / "dup.csv", "code_insee,nb\n37001,2\n37001,1\n");
  CHECK_THROWS_AS(load_supply(o, territory(), cog(), d, r), Error);
  o.path = test::write(dir / "code.csv", "code_insee,nb\n1001,2\n");
  try {
    load_supply(o, territory(), cog(), d, r);
    FAIL("accepted a malformed code");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::code_malformed);
  }
}

TEST_CASE("RPPS extraction: GPs only, once per practitioner and commune, postal-code fallback") {
  const auto dir = test::scratch("s_rpps");
  std::string text =
      "Identification nationale PP|Code profession|Code savoir-faire|Code mode exercice|"
      "Code postal (coord. structure)|Code commune (coord. structure)|\n";
  text += "810000000001|10|SM54|L|37100|37001|\n";  // GP in 37001
  text += "810000000001|10|SM54|L|37100|37001|\n";  // same practitioner, second site in 37001: once
  text += "810000000001|10|SM54|S|37200|37002|\n";  // same practitioner, also in 37002
  text += "810000000002|10||L|37300||\n";           // no savoir-faire (counts), commune from postcode 37300
  text += "810000000003|10|SM26|L|37100|37001|\n";  // a specialist: skipped
  text += "810000000004|60||L|37100|37001|\n";      // a nurse: skipped
  text += "810000000005|10|SM54|L|37100||\n";       // postcode shared by two communes: unmatched
  const auto p = test::write(dir / "PS_LibreAcces_Personne_activite.txt", text);
  SupplyOptions o;
  o.path = p;
  Diagnostics d;
  SupplyReport r;
  const auto s = load_supply(o, territory(), cog(), d, r);
  CHECK(r.format == "rpps");
  CHECK(r.records == 7);
  CHECK(r.skipped == 2);
  CHECK(s.total() == 3.0);
  CHECK(amount_at(s, "37001") == 1.0);
  CHECK(amount_at(s, "37002") == 1.0);
  CHECK(amount_at(s, "37003") == 1.0);
  CHECK(d.count(Warn::code_unmatched) == 1);
}

TEST_CASE("points CSV in WGS84 are placed by point-in-polygon") {
  const auto dir = test::scratch("s_points");
  // One point inside the Blois square of 41001, one in the sea of nowhere.
  const auto p = test::write(dir / "msp.csv", "id,lon,lat,etp\nmsp1,1.33,47.59,4\nmsp2,-20.0,40.0,2\n");
  SupplyOptions o;
  o.path = p;
  o.amount_column = "etp";
  Diagnostics d;
  SupplyReport r;
  const auto s = load_supply(o, territory(), cog(), d, r);
  CHECK(r.format == "points");
  CHECK(s.size() == 1);
  CHECK(amount_at(s, "41001") == 4.0);
  CHECK(d.count(Warn::point_outside) == 1);
}

TEST_CASE("INSEE population by age: bands, DREES weights, sexes and former codes summed") {
  const auto dir = test::scratch("s_ages");
  // 37001: 10 men and 10 women aged 3 (band 0-4), 5 aged 47 (band 45-49), 2 aged 100 (band 90+).
  // 37900 (former code of 37003): 4 aged 90. A département line (NIVGEO DEP) is ignored.
  const auto p = test::write(dir / "BTT_TD_POP1A_2020.csv",
                             "NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB\n"
                             "COM;37001;A;1;003;10\nCOM;37001;A;2;003;10\nCOM;37001;A;1;047;5\nCOM;37001;A;2;100;2\n"
                             "COM;37900;B;2;090;4\nDEP;37;Indre-et-Loire;1;003;999\n");
  auto t = territory();
  Diagnostics d;
  const auto rep = attach_age_bands(t, p, cog(), 2022, d);
  CHECK(rep.records == 5);
  CHECK(rep.merged == 1);
  const auto* std_pop = t.column("population_std");
  REQUIRE(std_pop);
  // 2022 weights (METHODS.md §1): 0-4 = 0.93, 45-49 = 0.97, 90+ = 2.39; 2023: 1.12, 0.93, 2.26.
  CHECK((*std_pop)[t.at(*CodeInsee::parse("37001"))] == Approx(20 * 0.93 + 5 * 0.97 + 2 * 2.39));
  CHECK((*std_pop)[t.at(*CodeInsee::parse("37003"))] == Approx(4 * 2.39));
  CHECK((*t.column("population_age_total"))[t.at(*CodeInsee::parse("37001"))] == 27.0);
  CHECK(std::isnan((*std_pop)[t.at(*CodeInsee::parse("37002"))]));  // no line: missing, warned
  CHECK(d.count(Warn::no_value) >= 1);
  Territory t23 = territory();
  attach_age_bands(t23, p, cog(), 2023, d);
  CHECK((*t23.column("population_std"))[t23.at(*CodeInsee::parse("37001"))] == Approx(20 * 1.12 + 5 * 0.93 + 2 * 2.26));

  // A file whose oldest band starts below 90 cannot give the 90+ band.
  const auto young = test::write(dir / "young.csv", "CODGEO;AGED100;NB\n37001;080;3\n");
  CHECK_THROWS_WITH(attach_age_bands(t, young, cog(), 2022, d), Catch::Contains("90+"));
  const auto bad = test::write(dir / "bad.csv", "CODGEO;AGED100;NB\n37001;12;-3\n37001;95;1\n");
  CHECK_THROWS_AS(attach_age_bands(t, bad, cog(), 2022, d), Error);
}
