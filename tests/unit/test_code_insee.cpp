#include <catch2/catch.hpp>

#include "oasis/core/code_insee.hpp"
#include "oasis/core/error.hpp"

using oasis::CodeInsee;

TEST_CASE("valid INSEE codes parse and keep their text") {
  for (const char* s : {"01001", "2A004", "2B033", "75056", "97411", "97608", "95690", "97502", "98735"}) {
    auto c = CodeInsee::parse(s);
    REQUIRE(c);
    CHECK(c->str() == s);
  }
  CHECK(CodeInsee::parse("2A004")->departement() == "2A");
  CHECK(CodeInsee::parse("97411")->departement() == "974");
  CHECK(CodeInsee::parse("37261")->departement() == "37");
  CHECK(CodeInsee::parse("97411")->is_overseas());
  CHECK_FALSE(CodeInsee::parse("97411")->is_collectivite_outre_mer());
  CHECK(CodeInsee::parse("97502")->is_collectivite_outre_mer());
  CHECK(CodeInsee::parse("98735")->is_collectivite_outre_mer());
}

TEST_CASE("malformed INSEE codes are rejected") {
  for (const char* s : {"", "1001", "2C001", " 01001", "01001 ", "20001", "2a004", "00001", "96001", "99001", "97901", "98301", "01000",
                        "0100A", "010011", "AB001"}) {
    INFO("code '" << s << "'");
    CHECK_FALSE(CodeInsee::parse(s));
  }
}

TEST_CASE("the error for a malformed code explains the likely cause") {
  CHECK_THAT(CodeInsee::diagnose("1001"), Catch::Contains("use 01001"));
  CHECK_THAT(CodeInsee::diagnose(" 01001"), Catch::Contains("surrounding spaces"));
  CHECK_THAT(CodeInsee::diagnose("2a004"), Catch::Contains("use 2A004"));
  CHECK_THAT(CodeInsee::diagnose("20004"), Catch::Contains("2A/2B"));
  CHECK_THAT(CodeInsee::diagnose("2C001"), Catch::Contains("2A or 2B"));
  CHECK_THAT(CodeInsee::diagnose("12345678901234"), Catch::Contains("SIRET"));
  try {
    CodeInsee::from("1001", "pop.csv", "line 3");
    FAIL("no exception");
  } catch (const oasis::Error& e) {
    CHECK(e.code() == oasis::Errc::code_malformed);
    CHECK(e.file() == "pop.csv");
    CHECK(e.record() == "line 3");
    CHECK_THAT(e.fix(), Catch::Contains("01001"));
  }
}

TEST_CASE("codes order as text, so dense ids follow INSEE order") {
  CHECK(*CodeInsee::parse("01001") < *CodeInsee::parse("2A004"));
  CHECK(*CodeInsee::parse("2A004") < *CodeInsee::parse("2B001"));
  CHECK(*CodeInsee::parse("2B001") < *CodeInsee::parse("30001"));
  CHECK(*CodeInsee::parse("95001") < *CodeInsee::parse("97101"));
}
