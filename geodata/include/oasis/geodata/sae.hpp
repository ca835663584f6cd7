#pragma once
// Emergency services of the DREES SAE (Statistique annuelle des établissements de santé), bases
// statistiques: the tables ID (établissements: FINESS, name, commune), URGENCES (authorised
// emergency services), URGENCES2 (annual visits per unit) and SMURSAMU (SMUR, antennas, SAMU) of one
// year, ISO-8859-1 and ';'-separated as published (docs/urgences.md).
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oasis/core/diagnostics.hpp"

namespace oasis::geodata {

struct EmergencySite {
  std::string finess;                                                   // FINESS géographique (FI), 9 characters
  std::string name;                                                     // raison sociale (RS)
  std::string commune;                                                  // INSEE code of its commune (SAE overseas codes mapped)
  std::string sae_commune;                                              // COMINSEE as the SAE writes it
  bool su_general = false, su_paediatric = false, su_seasonal = false;  // URGENCES: AUTSU with AUTGEN / AUTPED / AUTSAIS
  bool smur = false, smur_antenna = false, samu = false;                // SMURSAMU: SMUR, ANT, SAMU
  double visits = 0;                                                    // URGENCES2: PASSU summed over the units
  bool su() const noexcept { return su_general || su_paediatric || su_seasonal; }
};

struct SaeReport {
  std::filesystem::path dir;
  int year = 0;
  std::vector<std::filesystem::path> files;  // the four tables read
  std::size_t su_sites = 0, su_general = 0, su_paediatric = 0, smur_sites = 0, smur_antennas = 0, samu = 0;
  double visits = 0;
};

/// The SAE commune code as an INSEE code: overseas, the SAE writes 9A (971, Guadeloupe), 9B (972),
/// 9C (973), 9D (974), 9E (975), 9F (976) before the three last digits (9A105 -> 97105); other codes
/// are returned as they are. nullopt for a code that is neither (an overseas letter that does not
/// match its département digit, or a malformed code).
std::optional<std::string> sae_commune_to_insee(std::string_view code);

/// The établissements of `year` (files ID_<year>r.csv, URGENCES_<year>r.csv, URGENCES2_<year>r.csv,
/// SMURSAMU_<year>r.csv in `dir`) with an authorised emergency service or a SMUR / SAMU, in FINESS
/// order. Throws Error(io) for a missing table, Error(field_missing) for a missing column,
/// Error(code_unknown) for a service whose FINESS is not in ID, Error(code_malformed) for a commune
/// code that is neither INSEE nor SAE overseas.
std::vector<EmergencySite> read_sae(const std::filesystem::path& dir, int year, Diagnostics& diagnostics, SaeReport& report);

}  // namespace oasis::geodata
