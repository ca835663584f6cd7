// The SAE emergency tables (geodata/sae.hpp) on hand-made tables, and their overseas codes.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "fixtures.hpp"
#include "oasis/core/error.hpp"
#include "oasis/geodata/sae.hpp"

using namespace oasis;
using namespace oasis::geodata;

TEST_CASE("SAE overseas commune codes are INSEE codes once mapped") {
  CHECK(sae_commune_to_insee("9A105") == "97105");  // Basse-Terre
  CHECK(sae_commune_to_insee("9B209") == "97209");  // Fort-de-France
  CHECK(sae_commune_to_insee("9C302") == "97302");  // Cayenne
  CHECK(sae_commune_to_insee("9D411") == "97411");  // Saint-Denis (La Réunion)
  CHECK(sae_commune_to_insee("9F611") == "97611");  // Mamoudzou
  CHECK(sae_commune_to_insee("37261") == "37261");
  CHECK(sae_commune_to_insee("2A004") == "2A004");
  CHECK_FALSE(sae_commune_to_insee("9A405"));  // letter A is 971: its third character must be 1
  CHECK_FALSE(sae_commune_to_insee("9Z105"));
  CHECK_FALSE(sae_commune_to_insee("3726"));
  CHECK_FALSE(sae_commune_to_insee("37A61"));
}

namespace {
void write_sae(const std::filesystem::path& dir, const std::string& id_rows, const std::string& urg_rows = "") {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "ID_2023r.csv") << "bor;an;fi;rs;COMINSEE\n" << id_rows;
  std::ofstream(dir / "URGENCES_2023r.csv") << "BOR;AN;FI;RS;FI_EJ;AUTSU;AUTGEN;AUTSAIS;AUTPED;EMG\n"
                                            << (urg_rows.empty() ? "URGENCES;2023;370000001;CH A;;1;1;0;1;1\n"
                                                                   "URGENCES;2023;970000002;CH B;;1;0;0;1;0\n"
                                                                   "URGENCES;2023;370000009;CH Z;;0;0;0;0;0\n"
                                                                 : urg_rows);
  std::ofstream(dir / "URGENCES2_2023r.csv") << "BOR;AN;FI;RS;FI_EJ;URG;PASSU\n"
                                                "URGENCES2;2023;370000001;CH A;;GEN;30000\n"
                                                "URGENCES2;2023;370000001;CH A;;PED;5000\n"
                                                "URGENCES2;2023;970000002;CH B;;PED;1200\n";
  std::ofstream(dir / "SMURSAMU_2023r.csv") << "BOR;AN;FI;RS;FI_EJ;SMUR;GEN;SAIS;PED;ANT;FIAUTOR;ANTSAIS;SAMU\n"
                                               "SMURSAMU;2023;370000001;CH A;;1;1;0;0;0;;0;1\n"
                                               "SMURSAMU;2023;370000003;ANTENNE C;;1;0;0;0;1;370000001;0;0\n";
}
}  // namespace

TEST_CASE("SAE tables: services by kind, visits summed, overseas codes mapped") {
  const auto dir = test::scratch("sae");
  write_sae(
      dir, "ID;2023;370000001;CH A;37261\nID;2023;970000002;CH B;9D411\nID;2023;370000003;ANTENNE C;37063\nID;2023;370000009;CH Z;37001\n");
  Diagnostics d;
  SaeReport rep;
  const auto v = read_sae(dir, 2023, d, rep);
  REQUIRE(v.size() == 3);  // CH Z has no authorised service
  CHECK(v[0].finess == "370000001");
  CHECK(v[0].commune == "37261");
  CHECK(v[0].su_general);
  CHECK(v[0].su_paediatric);
  CHECK(v[0].smur);
  CHECK(v[0].samu);
  CHECK_FALSE(v[0].smur_antenna);
  CHECK(v[0].visits == 35000);  // 30,000 general + 5,000 paediatric
  CHECK(v[1].finess == "370000003");
  CHECK(v[1].smur_antenna);
  CHECK_FALSE(v[1].su());
  CHECK(v[2].commune == "97411");
  CHECK(v[2].sae_commune == "9D411");
  CHECK(v[2].su_paediatric);
  CHECK_FALSE(v[2].su_general);
  CHECK(rep.su_sites == 2);
  CHECK(rep.su_general == 1);
  CHECK(rep.smur_sites == 2);
  CHECK(rep.smur_antennas == 1);
  CHECK(rep.samu == 1);
  CHECK(rep.visits == 36200);
  CHECK(rep.files.size() == 4);
}

TEST_CASE("SAE tables: the errors name the file, the record and the fix") {
  const auto dir = test::scratch("sae_bad");
  SECTION("a missing table") {
    write_sae(dir, "ID;2023;370000001;CH A;37261\nID;2023;970000002;CH B;9D411\nID;2023;370000003;C;37063\n");
    std::filesystem::remove(dir / "SMURSAMU_2023r.csv");
    Diagnostics d;
    SaeReport rep;
    CHECK_THROWS_WITH(read_sae(dir, 2023, d, rep), Catch::Contains("SMURSAMU of 2023 is missing"));
  }
  SECTION("a service whose établissement is not in ID") {
    write_sae(dir, "ID;2023;370000001;CH A;37261\nID;2023;370000003;C;37063\n");
    Diagnostics d;
    SaeReport rep;
    CHECK_THROWS_WITH(read_sae(dir, 2023, d, rep), Catch::Contains("970000002 (CH B) has a service but no line in ID"));
  }
  SECTION("a commune code that is neither INSEE nor SAE") {
    write_sae(dir, "ID;2023;370000001;CH A;9A405\nID;2023;970000002;CH B;9D411\nID;2023;370000003;C;37063\n");
    Diagnostics d;
    SaeReport rep;
    try {
      read_sae(dir, 2023, d, rep);
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.code() == Errc::code_malformed);
      CHECK(e.record().find("line 2") != std::string::npos);
      CHECK(e.file().find("ID_2023r.csv") != std::string::npos);
    }
  }
  SECTION("a flag that is not 1, 0 or empty") {
    write_sae(dir, "ID;2023;370000001;CH A;37261\n", "URGENCES;2023;370000001;CH A;;1;oui;0;0;0\n");
    Diagnostics d;
    SaeReport rep;
    CHECK_THROWS_WITH(read_sae(dir, 2023, d, rep), Catch::Contains("AUTGEN is \"oui\""));
  }
}
