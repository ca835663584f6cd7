#pragma once
// ARS-style zoning of médecins (docs/zoning.md, METHODS.md §3): communes grouped into units, unit
// APL = population-weighted mean, ZIP below 2.5 (mandatory), the vivier between 2.5 and an upper
// bound from which the ARS picks ZIP then ZAC under per-région population-share caps, an official
// list that overrides the simulation, and the other fragility flags.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace oasis::zoning {

/// Final zone of a unit / commune.
enum class Zone : std::uint8_t { zip, zac, outside, unclassified };
/// Class before the ARS pick.
enum class Class : std::uint8_t { zip, vivier, above, no_value };

std::string_view zone_name(Zone z) noexcept;    // "ZIP", "ZAC", "hors-zonage", "non-classe"
std::string_view class_name(Class c) noexcept;  // "ZIP", "vivier", "hors-vivier", "sans-valeur"
/// Reads a zone label of an official list: ZIP, ZAC, HZ / hors-zonage / hors zonage / none / "".
std::optional<Zone> parse_zone(std::string_view label);

/// Commune -> unit mapping (dense unit ids 0..m-1, in the order of `code`).
struct UnitMapping {
  std::vector<std::uint32_t> unit_of;  // per commune
  std::vector<std::string> code;       // per unit: SIREN of the EPCI, TVS code, commune code...
  std::vector<std::string> name;       // per unit (may be empty)
  std::string kind;                    // "epci", "commune", "departement", "file"

  std::size_t size() const noexcept { return code.size(); }
  /// Builds a mapping from a key per commune (communes with equal keys share a unit); units are
  /// numbered in the order of their keys, so the result does not depend on the commune order.
  static UnitMapping from_keys(std::span<const std::string> keys, std::span<const std::string> names, std::string kind);
};

struct Caps {
  double zip = 0, zac = 0;
};

struct Rules {
  double zip_below = 2.5;
  double vivier_below = 4.0;
  bool skip_too_large = false;       // fill = skip
  std::map<std::string, Caps> caps;  // per région code, or "default"
};

/// An official zoning decision for a commune (already mapped from commune or unit codes).
struct Official {
  std::vector<std::optional<Zone>> zone;  // per commune; nullopt = not in the list
  bool missing_outside = true;            // absent communes are hors-zonage (else keep the simulation)
  std::string source;
};

struct RegionSummary {
  std::string region;
  double population = 0;
  Caps caps;
  bool has_caps = false;
  double zip_population = 0, zac_population = 0;
  double zip_mandatory_population = 0;
  std::size_t vivier_units = 0, vivier_picked_zip = 0, vivier_picked_zac = 0;
};

struct Result {
  // per unit
  std::vector<double> unit_value, unit_population;
  std::vector<std::string> unit_region;
  std::vector<Class> unit_class;
  std::vector<Zone> unit_zone;
  std::vector<std::string> unit_rule;
  // per commune
  std::vector<Zone> zone;
  std::vector<std::string> rule;
  std::vector<RegionSummary> regions;  // sorted by code
  std::size_t official_overrides = 0;  // communes whose zone came from the official list
};

/// Classifies. `value` = commune indicator (APL), NaN when unknown; `population` weights the unit
/// mean (units whose population is 0 take the plain mean); `region` = région code per commune; the
/// unit's région is the région holding most of its population (ties: the smallest code).
Result classify(std::span<const double> value, std::span<const double> population, std::span<const std::string> region,
                const UnitMapping& units, const Rules& rules, const Official* official = nullptr);

/// Décret 2003-1140 art. 2 "zone déficitaire", evaluated with what is known: >= 5,000 inhabitants
/// and 3 of 4 conditions; a condition without data is unknown, and the answer is "undetermined"
/// when the unknowns could change it.
enum class Tri : std::uint8_t { no, yes, unknown };
std::string_view tri_name(Tri t) noexcept;  // "non", "oui", "indetermine"
struct Deficit2003Input {
  double population = 0;
  std::optional<bool> far_from_gp;       // 1. no GP within 40 minutes
  std::optional<bool> few_gps;           // 2. < 3 full-time GPs per 5,000 inhabitants
  std::optional<bool> busy_gps;          // 3. > 7,500 acts/year for 75 % of GPs
  std::optional<bool> social_or_ageing;  // 4. 75+ share > 10 %, or social criteria, or ZRR / QPV
};
Tri deficit_2003(const Deficit2003Input& in) noexcept;

/// Condition 1's distance and condition 2's density of the décret (the travel cutoff of a run with
/// the rule on is raised to kDeficit2003FarMinutes).
inline constexpr double kDeficit2003FarMinutes = 40.0;        // no GP within 40 minutes
inline constexpr double kDeficit2003FewGps = 3.0;             // fewer than 3 full-time GPs ...
inline constexpr double kDeficit2003PerInhabitants = 5000.0;  // ... per 5,000 inhabitants

/// The rule per unit with what a run knows: condition 1 from the population-weighted mean time to
/// the nearest GP (`unit_time_weighted` = sum of population x minutes, unreachable communes counted
/// at the cutoff), condition 2 from the headcount taken as full-time; 3 and 4 unknown.
std::vector<Tri> deficit_2003_units(std::span<const double> unit_population, std::span<const double> unit_supply,
                                    std::span<const double> unit_time_weighted);

}  // namespace oasis::zoning
