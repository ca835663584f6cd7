// Grant calculators: rule-file validation, three-valued conditions, zone lists by date, bands,
// quotas, envelopes, targets, checks; amounts computed by hand in the comments.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "oasis/core/error.hpp"
#include "oasis/grants/grants.hpp"

using namespace oasis;
using namespace oasis::grants;
namespace fs = std::filesystem;

namespace {

// A 5-commune world in Lambert-93 metres: the faculty "fac" sits at (700000, 6600000).
CommuneTable zones(const std::string& label, const std::string& zone_01001) {
  return CommuneTable::from_rows(label, {"code_insee", "zone", "class", "apl", "x_l93", "y_l93", "time_nearest_urgences_min"},
                                 {{"01001", {"01001", zone_01001, "ZIP", "1.2", "750000", "6600000", "12"}},         // 50 km east
                                  {"01002", {"01002", "ZAC", "vivier", "3.1", "749999", "6600000", "41.5"}},         // 49.999 km
                                  {"01003", {"01003", "hors-zonage", "hors-vivier", "5", "700000", "6700000", ""}},  // 100 km north
                                  {"01004", {"01004", "ZIP", "ZIP", "0.8", "700000", "6630000", "35"}},              // 30 km north
                                  {"01005", {"01005", "ZIP", "ZIP", "2.0", "", "", "10"}}});                         // no point
}

const std::vector<Faculty> kFac{{"fac", "UFR test", "Université test", "01006", "Test", 700000, 6600000},
                                {"far", "UFR loin", "Université loin", "01007", "Loin", 1000000, 6600000}};

std::vector<Application> apps(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<Application> out;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    Application a;
    a.id = rows[i][0];
    a.where = "apps.csv, line " + std::to_string(i + 2);
    for (std::size_t k = 0; k < header.size(); ++k) a.fields[header[k]] = rows[i][k];
    out.push_back(std::move(a));
  }
  return out;
}

// An intern aid: banded by the distance to the faculty, 600..3000, ZIP or ZAC at the start date.
const char* kInterns = R"(
format = 1
[scheme]
id = "interns"
name = "Intern aid"
version = "1"
valid_from = 2018-01-01
valid_to = 2019-12-31
date_field = "start"
[source]
title = "test"
[parameters.zone_set]
value = ["ZIP", "ZAC"]
confidence = "unconfirmed"
[parameters.bands]
value = [[0, 600], [50, 1200], [100, 1800]]
confidence = "unconfirmed"
[parameters.min]
value = 600
confidence = "confirmed"
[parameters.max]
value = 3000
confidence = "confirmed"
[parameters.quota]
value = 2
confidence = "confirmed"
[[values]]
id = "km"
distance = { from = "commune", to = "faculty", nearest_of = ["fac", "far"] }
[[conditions]]
id = "zone"
zone = "commune"
at = "start"
in = "$zone_set"
[amount]
min = "$min"
max = "$max"
[[amount.terms]]
id = "band"
band = "$bands"
of = "@km"
[quota]
count = "$quota"
period = "year"
date = "start"
)";

const Decision& by_id(const Result& r, const std::string& id) {
  for (const auto& d : r.decisions)
    if (d.id == id) return d;
  FAIL("no decision " << id);
  return r.decisions.front();
}

Errc code_of(const std::string& text) {
  try {
    (void)parse_scheme(text, "rule.toml");
  } catch (const Error& e) {
    return e.code();
  }
  return Errc::internal;
}

std::string message_of(const std::string& text) {
  try {
    (void)parse_scheme(text, "rule.toml");
  } catch (const Error& e) {
    return format_error(e);
  }
  return "no error";
}

}  // namespace

TEST_CASE("distance bands: exactly on a boundary takes the upper band, min/max clamp", "[grants]") {
  const auto s = parse_scheme(kInterns, "interns.toml");
  ZoneHistory zh;
  zh.add("", zones("z", "ZIP"));
  const auto a = apps({"id", "commune", "faculty", "start"}, {{"A", "01001", "fac", "2018-03-01"},  // 50.000 km -> 1200
                                                              {"B", "01002", "fac", "2018-03-01"},  // 49.999 km -> 600
                                                              {"C", "01004", "", "2019-03-01"}});   // nearest: fac, 30 km -> 600
  const auto r = evaluate(*s, a, {&zh, &kFac, nullptr});
  CHECK(by_id(r, "A").amount == Approx(1200));
  CHECK(by_id(r, "B").amount == Approx(600));
  CHECK(by_id(r, "C").amount == Approx(600));
  CHECK(by_id(r, "A").status == "awarded");
  // The clauses say which band fired and to which faculty the distance was measured.
  const auto& cl = by_id(r, "A").clauses;
  CHECK(std::find(cl.begin(), cl.end(), "amount.band: 50 <= 50 < 100 -> 1200") != cl.end());
  CHECK(std::find(cl.begin(), cl.end(), "distance 01001 -> fac (straight_km)") != cl.end());
  CHECK(r.summary["awarded_total"].get<double>() == Approx(2400));
}

TEST_CASE("a commune that leaves the ZIP between two dates", "[grants]") {
  const auto s = parse_scheme(kInterns, "interns.toml");
  ZoneHistory zh;
  zh.add("2018-01-01", zones("list 2018", "ZIP"));
  zh.add("2019-01-01", zones("list 2019", "hors-zonage"));
  const auto a = apps(
      {"id", "commune", "faculty", "start"},
      {{"in-2018", "01001", "fac", "2018-12-31"}, {"in-2019", "01001", "fac", "2019-01-01"}, {"before", "01001", "fac", "2017-12-31"}});
  const auto r = evaluate(*s, a, {&zh, &kFac, nullptr});
  CHECK(by_id(r, "in-2018").eligible == Tri::yes);
  CHECK(by_id(r, "in-2019").eligible == Tri::no);
  CHECK(by_id(r, "in-2019").reasons.at(0) == "zone: zone of 01001 is hors-zonage, needs in [ZIP, ZAC]");
  // 2017 is outside the validity period (no) — and no list was in effect either (unknown): no wins.
  CHECK(by_id(r, "before").eligible == Tri::no);
  // A list given on a date that is not a date is refused.
  CHECK_THROWS_AS(zh.add("2019-02-30", zones("bad", "ZIP")), Error);
}

TEST_CASE("no zone list in effect, missing commune, missing point: unknown with the reason", "[grants]") {
  auto text = std::string(kInterns);
  text.replace(text.find("valid_from = 2018-01-01\n"), 24, "");
  const auto s = parse_scheme(text, "interns.toml");
  ZoneHistory zh;
  zh.add("2018-01-01", zones("list 2018", "ZIP"));
  const auto a =
      apps({"id", "commune", "faculty", "start"},
           {{"early", "01001", "fac", "2017-06-01"}, {"absent", "01099", "fac", "2018-06-01"}, {"nopoint", "01005", "fac", "2018-06-01"}});
  const auto r = evaluate(*s, a, {&zh, &kFac, nullptr});
  CHECK(by_id(r, "early").eligible == Tri::unknown);
  CHECK(by_id(r, "early").reasons.at(0) == "zone: no zone list is in effect on 2017-06-01");
  CHECK(by_id(r, "absent").eligible == Tri::unknown);
  CHECK(by_id(r, "absent").reasons.at(0).find("commune 01099 is not in the zone list in effect on 2018-06-01") != std::string::npos);
  // Eligible (ZIP) but the distance cannot be measured: the amount is not computable, never guessed.
  CHECK(by_id(r, "nopoint").eligible == Tri::yes);
  CHECK(by_id(r, "nopoint").status == "not-computable");
  CHECK_FALSE(by_id(r, "nopoint").amount.has_value());
  CHECK(by_id(r, "nopoint").reasons.at(0) == "not computable: no coordinates (x_l93, y_l93) for commune 01005");
}

TEST_CASE("a quota exhausted mid-list, ineligible rows do not use it, a new year starts afresh", "[grants]") {
  const auto s = parse_scheme(kInterns, "interns.toml");
  ZoneHistory zh;
  zh.add("", zones("z", "ZIP"));
  const auto a = apps({"id", "commune", "faculty", "start"}, {{"1", "01001", "fac", "2018-02-01"},
                                                              {"2", "01003", "fac", "2018-02-01"},  // hors-zonage: not counted
                                                              {"3", "01002", "fac", "2018-03-01"},
                                                              {"4", "01004", "fac", "2018-04-01"},  // third eligible of 2018
                                                              {"5", "01004", "fac", "2019-01-15"}});
  const auto r = evaluate(*s, a, {&zh, &kFac, nullptr});
  CHECK(by_id(r, "1").status == "awarded");
  CHECK(by_id(r, "2").status == "ineligible");
  CHECK(by_id(r, "3").status == "awarded");
  CHECK(by_id(r, "4").status == "quota-exhausted");
  CHECK(by_id(r, "4").eligible == Tri::yes);
  CHECK(by_id(r, "4").awarded == Approx(0));
  CHECK(by_id(r, "4").amount == Approx(600));
  CHECK(by_id(r, "5").status == "awarded");
  CHECK(r.summary["quota"]["by_period"]["2018"]["used"].get<double>() == 2);
  CHECK(r.summary["quota"]["by_period"]["2019"]["used"].get<double>() == 1);
  CHECK(r.summary["awarded_total"].get<double>() == Approx(1200 + 600 + 600));
}

TEST_CASE("an unpublished parameter: not computable until set, the cap still applies", "[grants]") {
  const char* text = R"(
format = 2
[scheme]
id = "msp"
name = "MSP investment"
version = "1"
[source]
title = "t"
url = "https://example.org/msp"
date = "2017-09-11"
[parameters.rate]
type = "number"
confidence = "unknown"
[parameters.cap]
value = 200000
confidence = "confirmed"
quote = "jusqu'à 200 000 euros en investissement"
[[conditions]]
id = "type"
field = "type"
in = ["msp", "centre_sante"]
confidence = "derived"
quote = "maisons de santé et centres de santé"
reading = "msp, centre_sante"
[[amount.terms]]
id = "investment"
rate = "$rate"
of = "investment"
max = "$cap"
confidence = "unconfirmed"
origin = "the usual form of an investment aid"
[[checks]]
id = "published"
awarded_count = 2
total = 320000
confidence = "unconfirmed"
origin = "made up for the test"
)";
  const auto s = parse_scheme(text, "msp.toml");
  const auto a = apps({"id", "type", "investment"}, {{"m1", "msp", "600000"}, {"m2", "centre_sante", "300000"}, {"m3", "pharmacie", "1"}});
  auto r = evaluate(*s, a, {nullptr, &kFac, nullptr});
  CHECK(by_id(r, "m1").status == "not-computable");
  CHECK(by_id(r, "m1").reasons.at(0) == "not computable: parameter rate unpublished");
  CHECK(r.summary["unknown_parameters"] == nlohmann::json::array({"rate"}));
  CHECK(r.summary["checks"][0]["result"] == "not computable");
  CHECK(by_id(r, "m3").status == "ineligible");
  // m1 and m2 used the condition, the term and the rate (unknown: the cap was never reached); m3 only
  // the condition.
  CHECK(by_id(r, "m1").facts == std::vector<std::string>{"parameter.rate", "condition.type", "amount.investment"});
  CHECK(by_id(r, "m1").unconfirmed == std::vector<std::string>{"parameter.rate", "amount.investment"});
  CHECK(by_id(r, "m3").facts == std::vector<std::string>{"condition.type"});
  // 0.4 x 600,000 = 240,000 -> capped at 200,000; 0.4 x 300,000 = 120,000; total 320,000 = the check.
  const auto set = with_parameters(s, {{"rate", "0.4"}});
  r = evaluate(*set, a, {nullptr, &kFac, nullptr});
  CHECK(by_id(r, "m1").amount == Approx(200000));
  CHECK(by_id(r, "m2").amount == Approx(120000));
  CHECK(r.summary["checks"][0]["result"] == "reproduced");
  for (const auto& p : info(*set).parameters) CHECK(p.prov.confidence == (p.name == "rate" ? "override" : "confirmed"));
  // The awards rest on two unconfirmed facts (the overridden rate, the term); each: 2 awards, 320,000.
  const auto& U = r.summary["unconfirmed_facts"];
  REQUIRE(U.size() == 2);
  CHECK(U[0]["fact"] == "parameter.rate");
  CHECK(U[0]["confidence"] == "override");
  CHECK(U[1]["fact"] == "amount.investment");
  for (const auto& u : U) {
    CHECK(u["awarded_count"] == 2);
    CHECK(u["awarded_total"].get<double>() == Approx(320000));
  }
  CHECK(r.summary["derived_facts"].size() == 1);
  CHECK(r.summary["derived_facts"][0]["decisions"] == 3);
  const auto csv = awards_csv(r, false);
  CHECK(csv.substr(0, csv.find('\n')) == "id,eligible,amount,awarded,status,clauses,reasons,unconfirmed");
  CHECK(csv.find(",parameter.rate | amount.investment\n") != std::string::npos);
  // A wrong type or an unknown name is refused.
  CHECK_THROWS_AS(with_parameters(s, {{"rate", "\"forty\""}}), Error);
  CHECK_THROWS_AS(with_parameters(s, {{"ratio", "0.4"}}), Error);
}

TEST_CASE("envelopes: refuse or reduce when exhausted, per year", "[grants]") {
  std::string text = R"(
format = 1
[scheme]
id = "fund"
name = "Fund"
version = "1"
date_field = "date"
order = "date"
[source]
title = "t"
[[amount.terms]]
id = "requested"
field = "requested"
[envelope]
amount = 300
period = "year"
date = "date"
)";
  const auto a = apps({"id", "date", "requested"}, {{"late", "2018-09-01", "100"},  // by date: third of 2018
                                                    {"first", "2018-01-01", "150"},
                                                    {"second", "2018-05-01", "100"},
                                                    {"next-year", "2019-01-01", "300"}});
  auto r = evaluate(*parse_scheme(text, "fund.toml"), a, {});
  CHECK(by_id(r, "first").awarded == Approx(150));
  CHECK(by_id(r, "second").awarded == Approx(100));
  CHECK(by_id(r, "late").status == "envelope-exhausted");  // 50 left < 100
  CHECK(by_id(r, "late").reasons.at(0) == "eligible for 100, but only 50 of the envelope (2018) is left");
  CHECK(by_id(r, "next-year").awarded == Approx(300));
  text += "on_exhausted = \"reduce\"\n";  // appended to [envelope], the last table
  r = evaluate(*parse_scheme(text, "fund.toml"), a, {});
  CHECK(by_id(r, "late").awarded == Approx(50));
  CHECK(by_id(r, "late").status == "awarded");
  CHECK(r.summary["envelope"]["by_period"]["2018"]["left"].get<double>() == Approx(0));
}

TEST_CASE("when / any / all, commune columns and facts, eligibility-only schemes", "[grants]") {
  const char* text = R"(
format = 1
[scheme]
id = "kit"
name = "Kit"
version = "1"
kind = "eligibility"
[source]
title = "t"
[[values]]
id = "km"
distance = { from = "commune", nearest_of = "*" }
[[conditions]]
id = "telemed"
when = { field = "volet", eq = "telemedecine" }
any = [ { zone = "commune", in = ["ZIP"] }, { class = "commune", eq = "vivier" } ]
[[conditions]]
id = "urgences"
when = { field = "volet", eq = "urgences" }
column = "time_nearest_urgences_min"
commune = "commune"
above = 30
[[conditions]]
id = "host"
when = { field = "volet", eq = "accueil" }
all = [ { field = "msu", is = true }, { value = "km", min = 40 }, { column = "urgences_24h", commune = "commune", is = false } ]
)";
  const auto s = parse_scheme(text, "kit.toml");
  ZoneHistory zh;
  zh.add("", zones("z", "ZIP"));
  zh.facts =
      CommuneTable::from_rows("facts.csv", {"code_insee", "urgences_24h"}, {{"01003", {"01003", "non"}}, {"01004", {"01004", "oui"}}});
  const auto a = apps({"id", "volet", "commune", "msu"}, {{"t1", "telemedecine", "01002", ""},  // ZAC but vivier -> yes
                                                          {"t2", "telemedecine", "01003", ""},  // hors-zonage, hors-vivier -> no
                                                          {"u1", "urgences", "01002", ""},      // 41.5 > 30 -> yes
                                                          {"u2", "urgences", "01004", ""},      // 35 > 30 -> yes
                                                          {"u3", "urgences", "01003", ""},      // no time -> unknown
                                                          {"u4", "urgences", "01001", ""},      // 12 -> no
                                                          {"h1", "accueil", "01003", "oui"},    // 100 km, no SU -> yes
                                                          {"h2", "accueil", "01004", "oui"},    // 30 km -> no
                                                          {"h3", "accueil", "01003", ""}});     // msu unknown -> unknown
  const auto r = evaluate(*s, a, {&zh, &kFac, nullptr});
  CHECK(by_id(r, "t1").eligible == Tri::yes);
  CHECK(by_id(r, "t2").eligible == Tri::no);
  CHECK(by_id(r, "u1").eligible == Tri::yes);
  CHECK(by_id(r, "u2").eligible == Tri::yes);
  CHECK(by_id(r, "u3").eligible == Tri::unknown);
  CHECK(by_id(r, "u3").reasons.at(0) == "urgences: no time_nearest_urgences_min for commune 01003");
  CHECK(by_id(r, "u4").eligible == Tri::no);
  CHECK(by_id(r, "h1").eligible == Tri::yes);
  CHECK(by_id(r, "h2").eligible == Tri::no);
  CHECK(by_id(r, "h3").eligible == Tri::unknown);
  CHECK(by_id(r, "t1").status == "no-amount");
  const auto& cl = by_id(r, "t1").clauses;
  CHECK(std::find(cl.begin(), cl.end(), "urgences=n/a") != cl.end());
  CHECK(std::find(cl.begin(), cl.end(), "telemed=yes") != cl.end());
}

TEST_CASE("programme targets: achieved, remaining, after the deadline, envelope used", "[grants]") {
  const char* text = R"(
format = 1
[scheme]
id = "prog"
name = "Programme"
version = "1"
kind = "programme"
date_field = "date"
[source]
title = "t"
[[conditions]]
id = "type"
field = "type"
in = ["msp", "post"]
[[amount.terms]]
id = "aid"
field = "aid"
when = { field = "type", eq = "msp" }
[[targets]]
id = "msp"
counts = { field = "type", eq = "msp" }
target = 3
deadline = 2025-12-31
date = "date"
envelope = 1000
[[targets]]
id = "posts"
counts = { field = "type", eq = "post" }
target = 2
deadline = 2028-12-31
date = "date"
)";
  const auto a = apps({"id", "type", "date", "aid"}, {{"a", "msp", "2020-01-01", "300"},
                                                      {"b", "msp", "2025-12-31", "200"},
                                                      {"c", "msp", "2026-01-01", "400"},
                                                      {"d", "post", "2021-01-01", ""},
                                                      {"e", "shop", "2021-01-01", "5"}});
  const auto r = evaluate(*parse_scheme(text, "prog.toml"), a, {});
  const auto& t = r.summary["targets"];
  CHECK(t[0]["achieved"] == 2);
  CHECK(t[0]["remaining"].get<double>() == 1);
  CHECK(t[0]["after_deadline"] == 1);
  CHECK(t[0]["amount_used"].get<double>() == Approx(500));
  CHECK(t[0]["envelope_left"].get<double>() == Approx(500));
  CHECK(t[1]["achieved"] == 1);
  CHECK(t[1]["remaining"].get<double>() == 1);
  CHECK(by_id(r, "d").status == "no-amount");
}

TEST_CASE("rule files are validated: file, line, key and fix", "[grants]") {
  const std::string ok = kInterns;
  const auto with = [&](const std::string& from, const std::string& to) {
    auto t = ok;
    const auto p = t.find(from);
    REQUIRE(p != std::string::npos);
    t.replace(p, from.size(), to);
    return t;
  };
  CHECK(code_of(ok + "\n[extra]\nx = 1\n") == Errc::grant_rule);
  CHECK(message_of(with("id = \"zone\"\n", "id = \"zone\"\nzoen = \"x\"\n")).find("unknown key 'zoen' in condition 'zone'") !=
        std::string::npos);
  CHECK(message_of(with("in = \"$zone_set\"", "in = \"$zone_sets\"")).find("names the parameter 'zone_sets', not declared") !=
        std::string::npos);
  CHECK(message_of(with("of = \"@km\"", "of = \"@kms\"")).find("names the value 'kms', not defined before") != std::string::npos);
  CHECK(message_of(with("[[0, 600], [50, 1200]", "[[0, 600], [0, 1200]")).find("strictly increasing") != std::string::npos);
  CHECK(message_of(with("value = 600\nconfidence = \"confirmed\"", "value = 600\nconfidence = \"unknown\""))
            .find("has a value but its confidence is 'unknown'") != std::string::npos);
  CHECK(message_of(with("value = 600\nconfidence = \"confirmed\"", "value = 600")).find("needs a confidence") != std::string::npos);
  CHECK(message_of(with("format = 1", "format = 3")).find("format = 2") != std::string::npos);
  CHECK(message_of(with("[amount]", "[amountx]")).find("unknown key 'amountx'") != std::string::npos);
  CHECK(message_of(with("zone = \"commune\"\nat", "field = \"commune\"\nat")).find("`at`") != std::string::npos);
  CHECK(message_of(with("in = \"$zone_set\"", "in = \"$zone_set\"\nnot_in = [\"ZAC\"]")).find("exactly one test") != std::string::npos);
  CHECK(message_of(with("valid_to = 2019-12-31", "valid_to = 2017-12-31")).find("before valid_from") != std::string::npos);
  CHECK(message_of(with("valid_from = 2018-01-01", "valid_from = \"2018-02-30\"")).find("is not a date") != std::string::npos);
  // The line of the offending key is named.
  CHECK(message_of(with("id = \"zone\"\n", "id = \"zone\"\nzoen = \"x\"\n")).find("line ") != std::string::npos);
  // TOML syntax: E-FORMAT with the line.
  CHECK(code_of("format = 1\n[scheme\n") == Errc::format);
}

TEST_CASE("applications: columns the scheme reads, commune codes, dates and numbers checked", "[grants]") {
  const auto s = parse_scheme(kInterns, "interns.toml");
  const auto dir = fs::temp_directory_path() / "oasis_grants_apps";
  fs::create_directories(dir);
  const auto write = [&](const std::string& text) {
    std::ofstream(dir / "apps.csv") << text;
    return dir / "apps.csv";
  };
  const auto err = [&](const std::string& text) {
    try {
      (void)read_applications(write(text), *s);
    } catch (const Error& e) {
      return e.code();
    }
    return Errc::internal;
  };
  CHECK(info(*s).fields == std::vector<std::string>{"commune", "faculty", "start"});
  CHECK(err("id,commune,faculty\nA,01001,fac\n") == Errc::field_missing);  // no start column
  CHECK(err("id,commune,faculty,start\nA,1001,fac,2018-01-01\n") == Errc::code_malformed);
  CHECK(err("id,commune,faculty,start\nA,01001,fac,01/02/2018\n") == Errc::value_invalid);
  CHECK(err("id,commune,faculty,start\nA,01001,fac,2018-01-01\nA,01002,fac,2018-01-01\n") == Errc::code_duplicate);
  // French CSV: ';', BOM; codes kept as text.
  const auto a = read_applications(write("\xEF\xBB\xBFid;commune;faculty;start\nA;01001;fac;2018-01-01\n"), *s);
  REQUIRE(a.size() == 1);
  CHECK(a[0].fields.at("commune") == "01001");
  fs::remove_all(dir);
}

TEST_CASE("the shipped rule files load, the faculties file is sound", "[grants]") {
  const fs::path dir = fs::path(OASIS_SOURCE_DIR) / "scenarios" / "grants";
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".toml") {
      INFO(e.path());
      const auto s = load_scheme(e.path());
      CHECK(!info(*s).source_title.empty());
      // Format 2, its page found beside the repository and its quotes verified by the engine too.
      CHECK(info(*s).format == 2);
      REQUIRE(info(*s).sources.size() == 1);
      CHECK(info(*s).sources[0].found);
      CHECK(info(*s).sources[0].quotes > 0);
      ++n;
    }
  CHECK(n == 9);
  const auto fac = read_faculties(dir / "facultes-medecine.csv");
  CHECK(fac.size() == 36);
  // Every faculty town is a commune of the COG, with its name.
  std::ifstream in(fs::path(OASIS_SOURCE_DIR) / "geodata/node_modules/@etalab/decoupage-administratif/data/communes.json");
  REQUIRE(in);
  const auto cog = nlohmann::json::parse(in);
  std::map<std::string, std::string> names;
  for (const auto& c : cog)
    if (c.value("type", "") == "commune-actuelle") names[c["code"].get<std::string>()] = c["nom"].get<std::string>();
  for (const auto& f : fac) {
    INFO(f.id);
    REQUIRE(names.count(f.commune));
    CHECK(names[f.commune] == f.commune_name);
  }
}

TEST_CASE("Grand Est 2018 example: the awards computed by hand from the coordinates", "[grants]") {
  const fs::path dir = fs::path(OASIS_SOURCE_DIR) / "scenarios" / "grants";
  const auto s = load_scheme(dir / "grand-est-2018-internes.toml");
  // Zones and points (Lambert-93) of the example communes, as written by the région 44 run.
  ZoneHistory zh;
  zh.add("", CommuneTable::from_rows("ge", {"code_insee", "zone", "x_l93", "y_l93"},
                                     {{"55010", {"55010", "ZIP", "849642.1", "6839588.7"}},
                                      {"51193", {"51193", "ZIP", "811532.8", "6876143.1"}},
                                      {"57089", {"57089", "ZIP", "1027242.8", "6892812.7"}},
                                      {"54395", {"54395", "hors-zonage", "934140.0", "6847731.8"}},
                                      {"55351", {"55351", "ZIP", "871155.0", "6937816.9"}},
                                      {"10033", {"10033", "ZIP", "827667.4", "6793919.0"}}}));
  const auto a = read_applications(dir / "examples" / "grand-est-2018-internes.csv", *s);
  const auto r = evaluate(*s, a, {&zh, nullptr, nullptr});
  // Ancerville -> Nancy (Vandœuvre, 933643.5 6844677.8): hypot(84001.4, 5089.1) = 84.16 km -> 1200
  CHECK(by_id(r, "GE-01").amount == Approx(1200));
  // Courtisols -> Reims (776322.1 6906399.3): hypot(35210.7, 30256.2) = 46.42 km -> 600
  CHECK(by_id(r, "GE-02").amount == Approx(600));
  // Bitche -> Strasbourg (1050286.9 6840610.8): hypot(23044.1, 52201.9) = 57.06 km -> 1200
  CHECK(by_id(r, "GE-03").amount == Approx(1200));
  CHECK(by_id(r, "GE-04").eligible == Tri::no);  // niveau 2
  CHECK(by_id(r, "GE-05").eligible == Tri::no);  // Nancy: hors-zonage
  // Montmédy, no faculty given: the nearest of the three is Reims, hypot(94832.9, 31417.6) = 99.90 km
  // (Nancy 112.16, Strasbourg 203.81), just under the 100 km band -> 1200
  CHECK(by_id(r, "GE-06").amount == Approx(1200));
  // Courtisols again, in 2019: the page gives no validity period, so the date only picks the zone list.
  CHECK(by_id(r, "GE-07").amount == Approx(600));
  // Bar-sur-Aube -> Reims: hypot(51345.3, 112480.3) = 123.65 km -> 1800
  CHECK(by_id(r, "GE-08").amount == Approx(1800));
  CHECK(r.summary["awarded_total"].get<double>() == Approx(6600));
  CHECK(r.summary["checks"][0]["result"] == "differs");  // 6 interns, not the published 46
  // Every award rests on the illustrative band table, the one unconfirmed fact of the file.
  REQUIRE(r.summary["unconfirmed_facts"].size() == 1);
  CHECK(r.summary["unconfirmed_facts"][0]["fact"] == "parameter.distance_bands");
  CHECK(r.summary["unconfirmed_facts"][0]["awarded_count"] == 6);
  CHECK(r.summary["unconfirmed_facts"][0]["awarded_total"].get<double>() == Approx(6600));
  CHECK(by_id(r, "GE-04").unconfirmed.empty());  // refused on the stage type: no band was read
}

TEST_CASE("typed zone lists: numbers kept as numbers, NaN an empty cell, sizes checked") {
  using oasis::grants::CommuneTable;
  CommuneTable::Column zone{"zone", {"ZIP", "hors-zonage"}, {}, false};
  CommuneTable::Column dist{"density_100k", {}, {59.999996, NAN}, true};
  const auto t = CommuneTable::from_columns("run", {"37261", "37072"}, {zone, dist});
  CHECK(t.text("37261", "zone") == "ZIP");
  // Full precision: the text round trip of zones.csv would have given 60 (6 significant digits).
  CHECK(t.number("37261", "density_100k") == 59.999996);
  CHECK_FALSE(t.number("37072", "density_100k"));
  CHECK_FALSE(t.text("37072", "density_100k"));
  CHECK_FALSE(t.text("18001", "zone"));
  CHECK(t.has_column("Density_100k"));
  CommuneTable::Column short_col{"x", {}, {1.0}, true};
  CHECK_THROWS_AS(CommuneTable::from_columns("run", {"37261", "37072"}, {short_col}), oasis::Error);
}

namespace {

// A rule file in format 2 over a saved page, written to a temporary folder with the page beside it.
struct Page {
  fs::path dir = fs::temp_directory_path() / "oasis_grants_quotes";
  Page() {
    fs::remove_all(dir);
    fs::create_directories(dir);
    // No-break spaces (C2 A0), a typographic apostrophe (E2 80 99) and a line break inside the quote.
    std::ofstream(dir / "page.txt") << "La Région attribue une aide de 3\xC2\xA0"
                                       "000 € aux internes\n"
                                       "en stage dans l\xE2\x80\x99une des zones d\xC3\xA9"
                                       "ficitaires.\n";
  }
  ~Page() { fs::remove_all(dir); }
  std::shared_ptr<const Scheme> load(const std::string& body) const {
    std::ofstream(dir / "rule.toml") << "format = 2\n[scheme]\nid = \"t\"\nname = \"t\"\nversion = \"1\"\nkind = \"eligibility\"\n"
                                        "[source]\ntitle = \"t\"\nfile = \"page.txt\"\n"
                                     << body;
    return load_scheme(dir / "rule.toml");
  }
  std::string error(const std::string& body) const {
    try {
      (void)load(body);
    } catch (const Error& e) {
      return format_error(e);
    }
    return "no error";
  }
};

}  // namespace

TEST_CASE("format 2: every fact carries its quote, reading or origin, quotes are found in their page", "[grants]") {
  const Page page;
  const std::string cond = "[[conditions]]\nid = \"zone\"\nzone = \"commune\"\nin = [\"ZIP\"]\n";
  // A quote with plain spaces and a straight apostrophe matches the page's no-break spaces,
  // typographic apostrophe and line break.
  const auto s = page.load(cond +
                           "confidence = \"derived\"\nquote = \"en stage dans l'une des zones déficitaires\"\n"
                           "reading = \"ZIP\"\n[parameters.max]\nvalue = 3000\nconfidence = \"confirmed\"\n"
                           "quote = \"une aide de 3 000 €\"\n");
  REQUIRE(info(*s).sources.size() == 1);
  CHECK(info(*s).sources[0].found);
  CHECK(info(*s).sources[0].quotes == 2);
  CHECK(info(*s).sources[0].sha256.size() == 64);
  const auto facts = all_facts(info(*s));
  REQUIRE(facts.size() == 2);
  CHECK(facts[0].key == "parameter.max");
  CHECK(facts[1].key == "condition.zone");
  CHECK(facts[1].prov.reading == "ZIP");
  // A misquote stops the load, naming the fact, the page and the line.
  const auto mis = page.error(cond + "confidence = \"confirmed\"\nquote = \"dans une zone fragile\"\n");
  CHECK(mis.find("the quote of condition.zone is not in its source") != std::string::npos);
  CHECK(mis.find("page.txt") != std::string::npos);
  INFO(mis);
  CHECK(mis.find("line 10") != std::string::npos);
  // One word changed is enough.
  CHECK(page.error(cond + "confidence = \"confirmed\"\nquote = \"une aide de 3 000 € aux externes\"\n").find("is not in its source") !=
        std::string::npos);
  // The rules of each confidence.
  CHECK(page.error(cond + "confidence = \"confirmed\"\n").find("is confirmed but has no quote") != std::string::npos);
  CHECK(page.error(cond + "confidence = \"derived\"\nquote = \"une aide de 3 000 €\"\n").find("says no reading") != std::string::npos);
  CHECK(page.error(cond + "confidence = \"confirmed\"\nquote = \"une aide de 3 000 €\"\nreading = \"x\"\n").find("has a reading") !=
        std::string::npos);
  CHECK(page.error(cond + "confidence = \"unconfirmed\"\n").find("says no origin") != std::string::npos);
  CHECK(page.error(cond).find("needs a confidence") != std::string::npos);
  CHECK(page.error(cond + "confidence = \"unknown\"\n").find("not one of confirmed, derived, unconfirmed") != std::string::npos);
  CHECK(page.error(cond + "confidence = \"unconfirmed\"\norigin = \"x\"\nsource = \"https://example.org/page\"\n").find("has no date") !=
        std::string::npos);
  CHECK(
      page.error(cond + "confidence = \"unconfirmed\"\norigin = \"an older call\"\nsource = \"https://example.org/page (2019-01-30)\"\n") ==
      "no error");
  // A validity period says where it comes from.
  const auto validity = [](const std::string& extra) {
    try {
      (void)parse_scheme(
          "format = 2\n[scheme]\nid = \"t\"\nname = \"t\"\nversion = \"1\"\nkind = \"eligibility\"\n"
          "valid_from = 2018-01-01\ndate_field = \"date\"\n" +
              extra + "[source]\ntitle = \"t\"\nurl = \"https://example.org\"\ndate = \"2018-01-01\"\n",
          "v.toml");
    } catch (const Error& e) {
      return format_error(e);
    }
    return std::string("no error");
  };
  CHECK(validity("").find("the validity period ([scheme.validity]) needs a confidence") != std::string::npos);
  CHECK(validity("[scheme.validity]\nconfidence = \"unconfirmed\"\norigin = \"the call for projects\"\n") == "no error");
  // A page that is absent is recorded, not fatal (the quotes cannot be checked).
  const auto absent = page.load(cond + "confidence = \"confirmed\"\nquote = \"anything\"\nsource = \"missing.txt\"\n");
  REQUIRE(info(*absent).sources.size() == 1);
  CHECK(info(*absent).sources[0].written == "missing.txt");
  CHECK_FALSE(info(*absent).sources[0].found);
  CHECK(info(*absent).sources[0].quotes == 0);
}

TEST_CASE("format 1 files still load: every fact without a quote is unconfirmed", "[grants]") {
  const auto s = parse_scheme(kInterns, "interns.toml");
  CHECK(info(*s).format == 1);
  for (const auto& f : all_facts(info(*s))) {
    INFO(f.key);
    CHECK(f.prov.confidence == (f.key == "parameter.rate" ? "unknown" : "unconfirmed"));
    if (f.prov.confidence == "unconfirmed") CHECK(f.prov.origin.find("format 1 rule file: no quote") != std::string::npos);
  }
  CHECK(info(*s).sources.empty());
}

TEST_CASE("targets with an initial stock, the département of a commune", "[grants]") {
  const char* text = R"(
format = 2
[scheme]
id = "prog"
name = "Programme"
version = "1"
kind = "programme"
date_field = "date"
[source]
title = "t"
url = "https://example.org/p"
date = "2020-01-01"
[parameters.before]
type = "number"
confidence = "unknown"
[parameters.deps]
value = ["18", "2A", "971"]
confidence = "unconfirmed"
origin = "test"
[[conditions]]
id = "where"
departement = "commune"
in = "$deps"
confidence = "unconfirmed"
origin = "test"
[[targets]]
id = "msp"
target = 10
achieved_before = "$before"
from = 2018-01-01
deadline = 2025-12-31
date = "date"
envelope = 1000
envelope_used_before = 100
confidence = "unconfirmed"
origin = "test"
)";
  const auto a = apps({"id", "commune", "date"}, {{"a", "18033", "2017-06-01"},    // before `from`: in the stock
                                                  {"b", "2A004", "2019-01-01"},    // Ajaccio
                                                  {"c", "97105", "2020-01-01"},    // Basse-Terre
                                                  {"d", "37261", "2020-01-01"},    // Tours: not listed
                                                  {"e", "18279", "2026-01-01"}});  // after the deadline
  const auto s = parse_scheme(text, "prog.toml");
  auto r = evaluate(*s, a, {});
  CHECK(by_id(r, "b").eligible == Tri::yes);
  CHECK(by_id(r, "c").eligible == Tri::yes);
  CHECK(by_id(r, "d").eligible == Tri::no);
  CHECK(by_id(r, "d").reasons.at(0) == "where: département of 37261 is 37, needs in [18, 2A, 971]");
  auto t = r.summary["targets"][0];
  CHECK(t["achieved_new"] == 2);
  CHECK(t["before_from"] == 1);
  CHECK(t["after_deadline"] == 1);
  CHECK(t["achieved"].is_null());  // the stock is unpublished
  CHECK(t["remaining"].is_null());
  CHECK(t["note"] == "not computable: parameter before unpublished");
  CHECK(t["envelope_left"].get<double>() == Approx(900));
  r = evaluate(*with_parameters(s, {{"before", "5"}}), a, {});
  t = r.summary["targets"][0];
  CHECK(t["achieved"].get<double>() == 7);  // 5 before 2018 + b + c
  CHECK(t["remaining"].get<double>() == 3);
}
