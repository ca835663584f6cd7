#include <catch2/catch.hpp>

#include <cmath>

#include "oasis/core/error.hpp"
#include "oasis/zoning/zoning.hpp"

using namespace oasis::zoning;

namespace {
// Eight communes in four units of région "24" and one unit of région "11" (hand-computed below).
//   unit A: c0 (pop 1000, APL 1.0), c1 (pop 3000, APL 3.0)   -> (1000 + 9000) / 4000 = 2.5   vivier
//   unit B: c2 (pop 2000, APL 2.0)                            -> 2.0                          ZIP mandatory
//   unit C: c3 (pop 500, APL 3.5), c4 (pop 1500, APL 2.7)    -> (1750 + 4050) / 2000 = 2.9   vivier
//   unit D: c5 (pop 3000, APL 5.0)                            -> 5.0                          above the vivier
//   unit E: c6 (pop 100, APL 3.9), c7 (pop 0, APL NaN)        -> 3.9 (région 11)              vivier
struct Fixture {
  std::vector<double> apl{1.0, 3.0, 2.0, 3.5, 2.7, 5.0, 3.9, NAN};
  std::vector<double> pop{1000, 3000, 2000, 500, 1500, 3000, 100, 0};
  std::vector<std::string> region{"24", "24", "24", "24", "24", "24", "11", "11"};
  std::vector<std::string> keys{"A", "A", "B", "C", "C", "D", "E", "E"};
  UnitMapping units = UnitMapping::from_keys(keys, {}, "file");
};
}  // namespace

TEST_CASE("unit APL is the population-weighted mean, classes by the 2.5 / 4 bounds") {
  Fixture f;
  Rules rules;  // no caps: the vivier stays outside
  const auto r = classify(f.apl, f.pop, f.region, f.units, rules);
  REQUIRE(f.units.size() == 5);
  CHECK(f.units.code == std::vector<std::string>{"A", "B", "C", "D", "E"});
  CHECK(r.unit_value[0] == Approx(2.5));
  CHECK(r.unit_value[1] == Approx(2.0));
  CHECK(r.unit_value[2] == Approx(2.9));
  CHECK(r.unit_value[3] == Approx(5.0));
  CHECK(r.unit_value[4] == Approx(3.9));    // the commune without a value does not count
  CHECK(r.unit_class[0] == Class::vivier);  // 2.5 is not below 2.5: the ZIP bound is strict
  CHECK(r.unit_class[1] == Class::zip);
  CHECK(r.unit_class[3] == Class::above);
  CHECK(r.zone[2] == Zone::zip);
  CHECK(r.rule[2] == "mandatory");
  CHECK(r.zone[0] == Zone::outside);
  CHECK(r.rule[0] == "vivier-no-cap");
  CHECK(r.unit_region[4] == "11");
  REQUIRE(r.regions.size() == 2);
  CHECK(r.regions[1].region == "24");
  CHECK(r.regions[1].population == Approx(11000));
}

TEST_CASE("ARS pick: lowest APL first, within the ZIP then ZAC population caps") {
  Fixture f;
  Rules rules;
  // Région 24 = 11,000 inhabitants. ZIP cap 0.4 -> 4,400: mandatory B (2,000) + A (4,000) = 6,000 > 4,400,
  // so A (lowest vivier APL, 2.5) does not fit and, in order, the ZIP pick stops there.
  // ZAC cap 0.4 -> 4,400: A (4,000) fits; then C (2,000) would make 6,000: stop.
  rules.caps["24"] = {0.4, 0.4};
  rules.caps["default"] = {0.0, 1.0};  // région 11: no extra ZIP, all the vivier may be ZAC
  auto r = classify(f.apl, f.pop, f.region, f.units, rules);
  CHECK(r.unit_zone[0] == Zone::zac);
  CHECK(r.unit_rule[0] == "vivier-zac");
  CHECK(r.unit_zone[2] == Zone::outside);
  CHECK(r.unit_rule[2] == "vivier-unpicked");
  CHECK(r.unit_zone[4] == Zone::zac);
  CHECK(r.regions[1].zip_population == Approx(2000));
  CHECK(r.regions[1].zac_population == Approx(4000));

  // skip: a unit too large is passed over and smaller ones still picked. ZIP cap 0.4: A (4,000)
  // does not fit, C (2,000) does (2,000 + 2,000 = 4,000 <= 4,400).
  rules.skip_too_large = true;
  r = classify(f.apl, f.pop, f.region, f.units, rules);
  CHECK(r.unit_zone[2] == Zone::zip);
  CHECK(r.unit_rule[2] == "vivier-zip");
  CHECK(r.unit_zone[0] == Zone::zac);
  CHECK(r.regions[1].zip_population == Approx(4000));
  CHECK(r.regions[1].zip_population <= 0.4 * 11000);

  // Exactly at the cap is allowed: cap 6000/11000 takes A as ZIP.
  rules.skip_too_large = false;
  rules.caps["24"] = {6000.0 / 11000.0, 0.0};
  r = classify(f.apl, f.pop, f.region, f.units, rules);
  CHECK(r.unit_zone[0] == Zone::zip);
  CHECK(r.unit_zone[2] == Zone::outside);
}

TEST_CASE("the official list overrides the simulation and is reported") {
  Fixture f;
  Rules rules;
  Official o;
  o.zone.assign(f.apl.size(), std::nullopt);
  o.zone[5] = Zone::zac;  // D is above the vivier, yet the official list says ZAC
  o.missing_outside = false;
  auto r = classify(f.apl, f.pop, f.region, f.units, rules, &o);
  CHECK(r.zone[5] == Zone::zac);
  CHECK(r.rule[5] == "official");
  CHECK(r.zone[2] == Zone::zip);  // kept from the simulation
  CHECK(r.official_overrides == 1);
  o.missing_outside = true;
  r = classify(f.apl, f.pop, f.region, f.units, rules, &o);
  CHECK(r.zone[2] == Zone::outside);
  CHECK(r.rule[2] == "official-absent");
}

TEST_CASE("zone labels of official lists") {
  CHECK(parse_zone("ZIP") == Zone::zip);
  CHECK(parse_zone(" zac ") == Zone::zac);
  CHECK(parse_zone("Zone d'action complémentaire") == std::nullopt);  // accents: not guessed
  CHECK(parse_zone("hors zonage") == Zone::outside);
  CHECK(parse_zone("HZ") == Zone::outside);
  CHECK(parse_zone("") == Zone::outside);
  CHECK(!parse_zone("ZRR"));
}

TEST_CASE("a unit of communes without population takes the plain mean, bad populations are refused") {
  std::vector<double> apl{2.0, 4.0}, pop{0, 0};
  std::vector<std::string> region{"24", "24"}, keys{"U", "U"};
  const auto units = UnitMapping::from_keys(keys, {}, "file");
  const auto r = classify(apl, pop, region, units, Rules{});
  CHECK(r.unit_value[0] == Approx(3.0));
  pop[1] = -1;
  CHECK_THROWS_AS(classify(apl, pop, region, units, Rules{}), oasis::Error);
}

TEST_CASE("décret 2003-1140: 5,000 inhabitants and 3 of 4 conditions, with unknowns") {
  Deficit2003Input in;
  in.population = 6000;
  in.far_from_gp = true;
  in.few_gps = true;
  CHECK(deficit_2003(in) == Tri::unknown);  // two unknowns could give the third condition
  in.busy_gps = true;
  CHECK(deficit_2003(in) == Tri::yes);
  in.busy_gps = false;
  in.social_or_ageing = false;
  CHECK(deficit_2003(in) == Tri::no);
  in.population = 4999;
  in.busy_gps = true;
  CHECK(deficit_2003(in) == Tri::no);  // too small, whatever the conditions
  Deficit2003Input two_no;
  two_no.population = 10000;
  two_no.far_from_gp = false;
  two_no.few_gps = false;
  CHECK(deficit_2003(two_no) == Tri::no);  // at most 2 of 4 can hold
}
