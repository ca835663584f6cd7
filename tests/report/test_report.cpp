// QGIS styles and the HTML report: ranges and filters written for the breaks of the maps, XML and
// script escaping, the compact shape encoding decoded by hand, Base64 test vectors, determinism.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "oasis/core/checksum.hpp"
#include "oasis/core/error.hpp"
#include "oasis/report/html.hpp"
#include "oasis/report/style.hpp"

using namespace oasis;
using namespace oasis::report;

namespace {
std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}
}  // namespace

TEST_CASE("Base64 test vectors of RFC 4648", "[report]") {
  CHECK(base64("") == "");
  CHECK(base64("f") == "Zg==");
  CHECK(base64("fo") == "Zm8=");
  CHECK(base64("foo") == "Zm9v");
  CHECK(base64("foob") == "Zm9vYg==");
  CHECK(base64("foobar") == "Zm9vYmFy");
  CHECK(base64(std::string("\x89PNG\r\n\x1a\n", 8)) == "iVBORw0KGgo=");
}

TEST_CASE("XML escaping", "[report]") {
  CHECK(escape_xml("a < b & c > \"d\" 'e'") == "a &lt; b &amp; c &gt; &quot;d&quot; &#39;e&#39;");
  CHECK(escape_xml("Saint-Étienne – ≥ 4") == "Saint-Étienne – ≥ 4");  // UTF-8 passes through
}

TEST_CASE("categorised style: one category and one SLD rule per zone, in the map colours", "[report]") {
  const std::vector<std::string> z{"ZIP", "ZAC", "hors-zonage"};
  const auto st = categorized_style("communes", "zone", by_zone(z), "zones", "Zonage");
  CHECK(st.qml.find("type=\"categorizedSymbol\" attr=\"zone\"") != std::string::npos);
  CHECK(st.qml.find("<category render=\"true\" symbol=\"0\" value=\"ZIP\"") != std::string::npos);
  CHECK(st.qml.find("<category render=\"true\" symbol=\"2\" value=\"hors-zonage\"") != std::string::npos);
  // #d55e00 = 213,94,0 ; #e69f00 = 230,159,0 ; #e3e3e3 = 227,227,227 — as <Option> and as <prop>.
  CHECK(count(st.qml, "\"213,94,0,255\"") == 2);
  CHECK(count(st.qml, "\"230,159,0,255\"") == 2);
  CHECK(count(st.qml, "\"227,227,227,255\"") == 2);
  // Any other value (non-classe) or none: the grey "sans valeur" (#bdbdbd), as on the maps.
  CHECK(st.qml.find("<category render=\"true\" symbol=\"3\" value=\"\" label=\"sans valeur\"") != std::string::npos);
  CHECK(count(st.qml, "\"189,189,189,255\"") == 2);
  CHECK(count(st.sld, "<se:Rule>") == 4);
  CHECK(st.sld.find("<ogc:Or><ogc:Not><ogc:Or><ogc:PropertyIsEqualTo><ogc:PropertyName>zone</ogc:PropertyName><ogc:Literal>ZIP") !=
        std::string::npos);
  CHECK(st.sld.find("</ogc:Or></ogc:Not><ogc:PropertyIsNull><ogc:PropertyName>zone</ogc:PropertyName></ogc:PropertyIsNull></ogc:Or>") !=
        std::string::npos);
  CHECK(st.sld.find("<ogc:PropertyName>zone</ogc:PropertyName><ogc:Literal>ZAC</ogc:Literal>") != std::string::npos);
  CHECK(st.sld.find("<se:SvgParameter name=\"fill\">#e69f00</se:SvgParameter>") != std::string::npos);
  CHECK(st.sld.find("<se:Name>communes</se:Name>") != std::string::npos);
}

TEST_CASE("graduated style: a value on a break falls in the upper class, as on the maps", "[report]") {
  const std::vector<double> v{0.3, 1.5, 2.5, 3.9, 4.0, 7.2};
  const auto c = graduated(v, {1.5, 2.5, 4}, "APL", 1);
  const auto st = graduated_style("communes", "indicator", c, "apl", "APL");
  // The ranges as QGIS reads them (lower <= v <= upper, first match): each ends one ulp below the
  // next break; the outer classes are open-ended (a value of 1e9 or -3 in another run is drawn).
  const std::regex range("<range render=\"true\" symbol=\"(\\d)\" lower=\"([^\"]+)\" upper=\"([^\"]+)\" label=\"([^\"]+)\"/>");
  std::vector<std::array<std::string, 4>> got;
  for (std::sregex_iterator it(st.qml.begin(), st.qml.end(), range), end; it != end; ++it)
    got.push_back({(*it)[1], (*it)[2], (*it)[3], (*it)[4]});
  REQUIRE(got.size() == 4);
  CHECK(got[0] == std::array<std::string, 4>{"0", "-1.7976931348623157e+308", "1.4999999999999998", "&lt; 1,5"});
  CHECK(got[1] == std::array<std::string, 4>{"1", "1.5", "2.4999999999999996", "1,5 – 2,5"});
  CHECK(got[2] == std::array<std::string, 4>{"2", "2.5", "3.9999999999999996", "2,5 – 4,0"});
  CHECK(got[3] == std::array<std::string, 4>{"3", "4", "1.7976931348623157e+308", "≥ 4,0"});
  CHECK(std::stod(got[3][2]) >= 1e308);
  CHECK(std::stod(got[0][1]) <= -1e308);
  CHECK(std::stod(got[1][2]) == std::nextafter(2.5, 0.0));
  // Each value of v lands, by the QGIS rule, in the class the maps gave it.
  for (std::size_t i = 0; i < v.size(); ++i) {
    int k = -1;
    for (std::size_t r = 0; r < got.size() && k < 0; ++r)
      if (std::stod(got[r][1]) <= v[i] && v[i] <= std::stod(got[r][2])) k = static_cast<int>(r);
    CHECK(k == c.of[i]);
  }
  // SLD: < 1.5 ; >= 1.5 and < 2.5 ; ... ; >= 4, in the RdYlBu colours.
  CHECK(st.sld.find("<ogc:PropertyIsLessThan><ogc:PropertyName>indicator</ogc:PropertyName><ogc:Literal>1.5</ogc:Literal>") !=
        std::string::npos);
  CHECK(st.sld.find("<ogc:And><ogc:PropertyIsGreaterThanOrEqualTo><ogc:PropertyName>indicator</ogc:PropertyName><ogc:Literal>2.5"
                    "</ogc:Literal></ogc:PropertyIsGreaterThanOrEqualTo><ogc:PropertyIsLessThan><ogc:PropertyName>indicator"
                    "</ogc:PropertyName><ogc:Literal>4</ogc:Literal></ogc:PropertyIsLessThan></ogc:And>") != std::string::npos);
  CHECK(count(st.sld, "<se:Rule>") == 4);
  CHECK(st.sld.find("#2c7bb6") != std::string::npos);
}

TEST_CASE("HTML report: data block, shape encoding, escaping, determinism", "[report]") {
  ReportInput in;
  in.title = "Accès <test>";
  in.sources = "Sources";
  in.engine = "oasis test";
  in.summary = {{"territory", {{"communes", 2}}}};
  auto& c = in.communes;
  c.code = {"37261", "2A004"};
  c.name = {"Tours", "Ajaccio</script><script>alert(1)"};
  in.summary["scenario"] = {{"description", "<!--<script> x"}, {"file", "/home/me/work/scen.toml"}};
  in.private_prefixes = {"/home/me/work"};
  c.unit = {"u1", "u2"};
  c.zone = {"ZAC", "ZIP"};
  c.rule = {"r", "r"};
  c.cls = {"vivier", "ZIP"};
  c.population = {136000, 71000};
  c.value = {3.1, NAN};
  c.density = {90, 80};
  c.time_gp = {0, std::numeric_limits<double>::infinity()};
  // A unit square at (0.68, 47.39) degrees, and an empty shape.
  c.lonlat.push_back({Polygon{{{0.68, 47.39}, {0.69, 47.39}, {0.69, 47.4}, {0.68, 47.39}}, {}}});
  c.lonlat.push_back({});
  in.zones = by_zone(c.zone);
  in.values = graduated(c.value, {1.5, 2.5, 4}, "APL", 1);
  const auto page = html_report(in);
  CHECK(page.find("<title>Accès &lt;test&gt;</title>") != std::string::npos);
  CHECK(page.find("Cartes non dessinées") != std::string::npos);  // no PNG given
  // The name cannot close the data block nor open a comment in it: "<" is written "\u003c".
  CHECK(page.find("Ajaccio</script>") == std::string::npos);
  CHECK(page.find("Ajaccio\\u003c/script>") != std::string::npos);
  // The data block parses as JSON and holds what was given.
  const auto a = page.find("<script type=\"application/json\" id=\"oasis-data\">");
  REQUIRE(a != std::string::npos);
  const auto from = page.find('>', a) + 1;
  const auto j = nlohmann::json::parse(page.substr(from, page.find("</script>", from) - from));
  CHECK(j["communes"]["code"] == nlohmann::json({"37261", "2A004"}));
  CHECK(j["communes"]["nom"][1] == "Ajaccio</script><script>alert(1)");
  CHECK(page.find("<!--") == std::string::npos);  // the description is in the JSON, its "<" escaped
  CHECK(j["summary"]["scenario"]["description"] == "<!--<script> x");
  CHECK(j["summary"]["scenario"]["file"] == "scen.toml");  // relative to the private folder
  CHECK(page.find("/home/me") == std::string::npos);
  CHECK(j["communes"]["value"][1].is_null());    // NaN
  CHECK(j["communes"]["time_gp"][1].is_null());  // beyond the cut-off
  CHECK(j["communes"]["zone_class"] == nlohmann::json({1, 0}));
  CHECK(j["communes"]["value_class"] == nlohmann::json({2, -1}));
  CHECK(j["values"]["breaks"] == nlohmann::json({1.5, 2.5, 4}));
  CHECK(j["zones"]["classes"][0]["colour"] == "#d55e00");
  // Rings: first point in 1e-5 degrees, then differences: (68000, 4739000), (+1000, 0), (0, +1000), (-1000, -1000).
  CHECK(j["shapes"] == nlohmann::json::parse("[[[[68000,4739000,1000,0,0,1000,-1000,-1000]]],[]]"));
  CHECK(j["outlines"].empty());
  CHECK(html_report(in) == page);
  // Leaflet and the report script are inside: nothing to fetch.
  CHECK(page.find("L.map(") != std::string::npos);
  CHECK(page.find("Leaflet") != std::string::npos);
  CHECK(page.find("<script src=") == std::string::npos);
  CHECK(page.find("<link ") == std::string::npos);

  in.map_zones_png = std::string("\x89PNG\r\n\x1a\n", 8);
  CHECK(html_report(in).find("src=\"data:image/png;base64,iVBORw0KGgo=\"") != std::string::npos);
  CHECK(html_report(in).find("id=\"baseline-map\"") == std::string::npos);  // no baseline, no "before" map

  // With a baseline: its zone, class and value per commune (null where the baseline lacks the
  // commune or a value), and its zoning map for the before / after pair.
  c.zone_baseline = std::vector<std::string>{"ZIP", ""};
  c.cls_baseline = std::vector<std::string>{"ZIP", ""};
  c.value_baseline = std::vector<double>{2.2, NAN};
  in.map_zones_baseline_png = std::string("\x89PNG\r\n\x1a\n", 8);
  const auto with = html_report(in);
  CHECK(with.find("<img id=\"baseline-map\" hidden alt=\"Zonage de référence\" src=\"data:image/png;base64,iVBORw0KGgo=\">") !=
        std::string::npos);
  const auto b = with.find("<script type=\"application/json\" id=\"oasis-data\">");
  const auto bf = with.find('>', b) + 1;
  const auto jb = nlohmann::json::parse(with.substr(bf, with.find("</script>", bf) - bf));
  CHECK(jb["communes"]["class"] == nlohmann::json({"vivier", "ZIP"}));
  CHECK(jb["communes"]["zone_baseline"] == nlohmann::json::parse(R"(["ZIP", null])"));
  CHECK(jb["communes"]["class_baseline"] == nlohmann::json::parse(R"(["ZIP", null])"));
  CHECK(jb["communes"]["value_baseline"] == nlohmann::json::parse("[2.2, null]"));
  CHECK(with.find("Ce que change le scénario") != std::string::npos);

  in.communes.zone.pop_back();
  CHECK_THROWS_AS(html_report(in), Error);
}
