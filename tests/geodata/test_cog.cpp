#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "oasis/core/error.hpp"
#include "oasis/geodata/cog.hpp"

using namespace oasis;
using namespace oasis::geodata;

TEST_CASE("COG fixture: current, former, delegated codes, EPCI, postcodes") {
  const auto cog = Cog::load(test::data_dir() / "cog");
  CHECK(cog.version() == "fixture-decoupage@1.0.0");
  CHECK(cog.communes().size() == 7);
  const auto a = cog.match("37001");
  REQUIRE(a);
  CHECK(a->how == CodeMatch::current);
  CHECK(cog.communes()[a->index].epci == "200000001");
  CHECK(cog.communes()[a->index].population == 1000);
  const auto old = cog.match("37900");
  REQUIRE(old);
  CHECK(old->how == CodeMatch::former);
  CHECK(cog.communes()[old->index].code == "37003");
  const auto del = cog.match("37950");
  REQUIRE(del);
  CHECK(del->how == CodeMatch::delegated);
  CHECK(cog.communes()[del->index].code == "37004");
  CHECK_FALSE(cog.match("37999"));
  CHECK(cog.by_postcode("37100").size() == 2);
  CHECK(cog.region_name("24") == "Centre-Val de Loire");
  CHECK(cog.has_departement("974"));
  CHECK_FALSE(cog.has_region("99"));
  // Chefs-lieux (chefLieu of regions.json, departements.json): the région's first, then the
  // département's; a commune that is neither, or unknown, has none.
  CHECK(cog.seat("41001") == "région");
  CHECK(cog.seat("37002") == "département");
  CHECK(cog.seat("97411") == "région");
  CHECK(cog.seat("37001").empty());
  CHECK(cog.seat("99999").empty());
}

TEST_CASE("a missing COG package tells how to install it") {
  try {
    Cog::load(test::data_dir() / "no-such-package");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::io);
    CHECK_THAT(e.fix(), Catch::Contains("npm ci --prefix geodata"));
  }
}
