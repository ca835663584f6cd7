#pragma once
// The steps of a run (docs/pipeline.md), each a plain function from typed inputs to typed
// outputs. `oasis run`, `oasis access`, Python and any later front end call these; run() in run.hpp
// is only their orchestration and the output folder.
//
//   load_inputs      scenario -> Inputs             (geodata: files, COG; runner/src/inputs.cpp)
//   build_travel     Inputs -> Travel               (geodata: travel models; runner/src/inputs.cpp)
//   compute_indicators  Inputs, Travel -> Indicators
//   compute_zoning      Inputs, Indicators -> Zoning
//   compute_flags       Inputs, Travel, Indicators, Zoning -> Flags
//   compute_siting      Inputs, Travel, Indicators, Zoning -> Siting (when [siting] sites > 0)
//   zone_rows           ... -> the zone list (zones.csv, grants, comparison)
//   build_summary       ... -> summary.json
//   evaluate_grants     zone lists -> awards and budgets
//
// Everything below load_inputs / build_travel works without GDAL (library oasis_steps) and is
// tested on hand-made territories (tests/runner).
#include <filesystem>
#include <memory>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "oasis/access/methods.hpp"
#include "oasis/core/cache.hpp"
#include "oasis/core/diagnostics.hpp"
#include "oasis/model/supply.hpp"
#include "oasis/model/territory.hpp"
#include "oasis/runner/run.hpp"
#include "oasis/scenario/scenario.hpp"
#include "oasis/siting/siting.hpp"
#include "oasis/travel/graph.hpp"
#include "oasis/travel/od.hpp"
#include "oasis/travel/settings.hpp"
#include "oasis/zoning/zoning.hpp"

namespace oasis::runner {

using json = nlohmann::ordered_json;

// ---- inputs ----------------------------------------------------------------------------------

/// Supply of another kind (an [[indicators]] entry, the urgent-care sites), per commune.
struct SupplyInput {
  std::vector<double> amounts;
  std::string file, format;
};

/// One établissement of the SAE with an emergency service (docs/urgences.md).
struct EmergencySiteRow {
  std::string finess, name, code;  // FINESS, raison sociale, INSEE code of its commune
  CommuneId commune = 0;           // in the run's territory
  bool su_general = false, su_paediatric = false, su_seasonal = false, smur = false, smur_antenna = false, samu = false;
  double visits = 0;  // annual visits (PASSU)
  /// "un service d'urgence 24h/24" (the AURA 2018 scheme): an authorised general or paediatric SU
  /// that is not seasonal (docs/urgences.md).
  bool urgences_24h() const noexcept { return (su_general || su_paediatric) && !su_seasonal; }
};

/// flags.urgences_format = "sae": the SAE établissements of the run's communes, and the counts the
/// times are computed from (per commune of the run and, with a ring, of Inputs::around).
struct UrgentCare {
  int year = 0;
  std::vector<EmergencySiteRow> sites;              // in the run's communes, FINESS order
  std::vector<double> su, around_su, around_sites;  // general SU per commune; ring: SU, and SU or SMUR
  json report;                                      // summary.json flags.urgences.sae
};

/// The wording of the maps, the styles and the report, from the files the run read.
struct Wording {
  std::string place;      // "Centre-Val de Loire", the scenario's title, "France"
  std::string sources;    // "Sources : contours ..., INSEE COG (...) — oasis X"
  std::string data_line;  // "Offre : ... ; populations légales du COG"
};

/// territory.buffer_km > 0: the territory and the communes around it, for the APL and its
/// calibration only (they are not zoned nor written).
struct Around {
  Territory territory;                    // the run's communes and the ring's, in code order
  std::vector<CommuneId> of_inner;        // per commune of the run: its id in `territory`
  std::vector<double> supply;             // per commune of `territory`: the supply file before the modifications
  std::vector<double> recorded_sites;     // per commune of `territory`: supply.calibrate_sites (empty when none)
  std::vector<std::string> departements;  // the départements read for the ring
};

/// Everything a run reads, resolved: the territory, the supply after the modifications, the zoning
/// units and official list, the siting candidates, and the provenance of each file.
struct Inputs {
  Territory territory;
  std::string cog_version;
  std::string cache;     // the prepared-input cache: "hit" (COG and boundaries), "miss" or "off" (docs/cache.md)
  FileCache file_cache;  // the prepared-input cache itself (the writers keep the dissolved units there)
  std::filesystem::path data_dir;
  std::filesystem::path outlines;  // département outlines for the maps ("" = none)
  std::vector<std::string> excluded, without_boundary;
  std::vector<std::string> seat;              // per commune: "région", "département" (its chef-lieu) or ""
  bool age_bands = false;                     // population_std computed from INSEE ages (data.age_bands)
  json data;                                  // summary.json "data": files read and their SHA-256
  SupplyTable table;                          // after the modifications
  std::vector<double> supply_before, supply;  // per commune
  std::vector<double> supply_added;           // per commune: what [[modify.add]] added (in supply)
  json modifications;
  // supply.calibrate: practitioners per commune in supply.calibrate_sites (empty when none), and
  // its provenance.
  std::vector<double> recorded_sites;
  json recorded_sites_report;
  // supply.factors: the activity factor of each département (of the run and its ring), and its file.
  std::map<std::string, double> departement_factors;
  std::filesystem::path departement_factors_file;
  std::optional<Around> around;           // territory.buffer_km > 0 and a territory that is not all of France
  std::vector<SupplyInput> extra;         // one per scenario.indicators, same order
  std::optional<SupplyInput> urgences;    // flags.urgences: urgent-care sites per commune (SAE: a general SU or a SMUR)
  std::optional<UrgentCare> urgent_care;  // flags.urgences_format = "sae": the établissements and the general SUs
  std::optional<SupplyInput> msp;         // flags.msp: MSP per commune of the run
  std::vector<double> around_msp;         // the same per commune of Inputs::around (empty without a ring)
  zoning::UnitMapping units;
  std::optional<zoning::Official> official;
  json official_report;
  std::vector<CommuneId> candidates;  // [siting] candidates, increasing (docs/siting.md, "Candidates")
  json candidate_rules;               // how they were chosen, with the count each rule left out (summary.json)
  Wording wording;
};

// ---- travel ----------------------------------------------------------------------------------

/// The travel settings of a scenario: the cutoff is raised to what the flags need (urgent care,
/// the 2003 rule's 40 minutes). `threads` overrides travel.threads.
travel::TravelSettings travel_settings(const scenario::Scenario& scenario, std::optional<int> threads);

struct Travel {
  travel::TravelSettings settings;
  travel::OdMatrix od;                        // commune -> commune
  std::optional<travel::OdMatrix> od_around;  // the same model on Inputs::around (when there is one)
  // The commune graphs the two were routed on (commune_graph model; else null), for the searches
  // beyond the cutoff of later steps.
  std::shared_ptr<const travel::Graph> graph, graph_around;
};

// ---- calibration -----------------------------------------------------------------------------

/// The baseline supply model when it is not headcount x activity (docs/calibration.md):
/// supply.calibrate = "apl" / "departement" (fitted on the published APL), or "none" with
/// supply.combine / supply.factors (the raw model: value and cv_value are NaN, summary.model "raw").
struct Calibration {
  std::string target;                 // the published APL file
  std::vector<double> headcount;      // per commune: the supply file before the modifications
  std::vector<double> prior;          // per commune: the headcount prior (supply.combine of it and the second source)
  std::vector<double> supply;         // per commune: calibrated consultations a year (the baseline)
  std::vector<double> per_gp;         // supply / headcount, NaN where the headcount is 0
  std::vector<double> added_per_gp;   // per commune: consultations a year of a practitioner added there
  double median_per_gp = 0;           // the territory's headcount-weighted median (a [siting] opening's practitioners)
  std::vector<double> value;          // the baseline APL with the calibrated supply
  std::vector<double> cv_value;       // the APL predicted with the commune's département left out (NaN: none)
  std::vector<double> around_supply;  // per commune of Inputs::around (else of the run): the fitted supply
  json summary;                       // summary.json supply.calibration
};

/// Where the calibration is kept between runs; an empty dir keeps nothing.
struct CalibrationCache {
  std::filesystem::path dir;
  /// The default: $XDG_CACHE_HOME/oasis, else $HOME/.cache/oasis, else none.
  static CalibrationCache user_default();
};

/// nullopt when supply.calibrate = "none" and the supply is headcount x activity. The fit is read from `cache` when it holds one made
/// from the same inputs (travel table, demand, prior, target, settings, version: their SHA-256),
/// and written there otherwise; `cache_hit` (optional) tells which. The result does not depend on
/// the cache: same bytes either way.
/// With `around_od` (Travel::od_around) and Inputs::around, the fit covers the ring too (its
/// published values and its practices); the figures are over the run's communes.
std::optional<Calibration> calibrate_supply(const scenario::Scenario& scenario, const Inputs& inputs, const travel::OdMatrix& od,
                                            const CalibrationCache& cache = {}, bool* cache_hit = nullptr,
                                            const travel::OdMatrix* around_od = nullptr);

/// The supply the APL uses (consultations a year per commune): the calibrated baseline moved by the
/// scenario (a practitioner leaving commune j takes per_gp_j away, one added brings added_per_gp_j),
/// or headcount x supply.activity without calibration. `headcount` is the scenario's (in.supply or a
/// variant of it, e.g. the under-65 practitioners).
std::vector<double> apl_supply(const Inputs& inputs, const Calibration* calibration, double activity, std::span<const double> headcount);

// ---- indicators ------------------------------------------------------------------------------

struct ExtraIndicator {
  std::string name;
  std::vector<double> value, density;
  json summary;
};

struct Indicators {
  access::AccessParams params;
  bool apl = false;
  double activity = 1.0;       // consultations per counted practitioner (APL), else 1
  std::vector<double> demand;  // standardised population (APL) or legal population
  std::string demand_field;
  access::AccessResult access;                     // the computed indicator ("apl" column)
  std::optional<access::AccessResult> access_u65;  // practitioners under 65 (supply with ages)
  std::vector<double> density;                     // supply per 100,000 inhabitants
  std::vector<double> time_gp;                     // minutes to the nearest commune with supply
  std::vector<ExtraIndicator> extras;
  std::optional<Calibration> calibration;  // supply.calibrate = "apl"
  std::vector<double> supply;              // what the indicator counted per commune (consultations for the APL)
};

/// The access parameters of the scenario's [access] (or of one [[indicators]] entry).
/// `sa_alpha`, `sa_output` ("total" / "per-capita"): spatial-availability only (access.sa_alpha, access.sa_output).
access::AccessParams access_params(std::string_view method, double max_cost, const std::string& decay, int n, double sa_alpha,
                                   std::string_view sa_output);

/// One line saying which supply model made the APL (summary.json supply.description, the report,
/// the GeoPackage metadata OASIS_SUPPLY_MODEL).
std::string supply_model_text(const scenario::Scenario& scenario, const Indicators& indicators);

/// The demand of the scenario's indicator: the standardised population for the APL (legal population
/// where it is missing), else the legal population; and its description.
std::pair<std::vector<double>, std::string> access_demand(const scenario::Scenario& scenario, const Territory& territory, bool age_bands);

/// With `around_od` (Travel::od_around) and Inputs::around, the [access] indicator is computed on
/// the run's communes and the ring around them (the ring's supply unmodified), and kept for the run's.
Indicators compute_indicators(const scenario::Scenario& scenario, const Inputs& inputs, const travel::OdMatrix& od,
                              std::optional<Calibration> calibration = std::nullopt, const travel::OdMatrix* around_od = nullptr);

// ---- zoning ----------------------------------------------------------------------------------

struct Zoning {
  std::vector<double> indicator;  // the zoned value per commune (zoning.indicator)
  zoning::Rules rules;
  zoning::Result result;
  // Per commune, from the unit: its zoned value and class label; labels of the zones.
  std::vector<double> unit_indicator;
  std::vector<std::string> cls, zone_label;
  std::vector<std::string> unit_zone_label;  // per unit
};

Zoning compute_zoning(const scenario::Scenario& scenario, const Inputs& inputs, const Indicators& indicators);

// ---- flags -----------------------------------------------------------------------------------

struct Flags {
  std::vector<double> time_urgences;       // per commune (empty without flags.urgences): every commune has one
  std::vector<double> time_su;             // per commune: to the nearest general SU (SAE only; else empty)
  std::vector<double> time_msp;            // per commune: to the nearest commune with an MSP (flags.msp; else empty)
  std::vector<std::string> deficit_2003;   // per unit: oui / non / indetermine (empty when off)
  std::vector<double> unit_supply;         // per unit
  std::vector<std::size_t> unit_communes;  // per unit
  json summary;                            // summary.json "flags"
};

Flags compute_flags(const scenario::Scenario& scenario, const Inputs& inputs, const Travel& travel, const Indicators& indicators,
                    const Zoning& zoning);

// ---- siting ----------------------------------------------------------------------------------

struct Site {
  CommuneId commune = 0;
  std::string code, name;
  double population = 0;  // the commune's legal population
  int openings = 0;
  double supply_added = 0, marginal = 0;
};

struct Siting {
  siting::AccessSolution solution;
  std::vector<Site> sites;  // by code
  json summary;             // summary.json "siting"
};

/// Where [siting] sites openings help the zones most; nullopt when the scenario places none.
std::optional<Siting> compute_siting(const scenario::Scenario& scenario, const Inputs& inputs, const Travel& travel,
                                     const Indicators& indicators, const Zoning& zoning);

// ---- zone list, summary, grants ----------------------------------------------------------------

std::vector<ZoneRow> zone_rows(const Inputs& inputs, const Indicators& indicators, const Zoning& zoning, const Flags& flags);

/// summary.json without "comparison" and "grants" (added by run()).
json build_summary(const scenario::Scenario& scenario, const Inputs& inputs, const Travel& travel, const Indicators& indicators,
                   const Zoning& zoning, const Flags& flags, const std::optional<Siting>& siting, const Diagnostics& diagnostics);

struct Grants {
  json summary;                                             // summary.json "grants"
  std::vector<std::pair<std::string, std::string>> awards;  // awards-<scheme>.csv name, content
};

/// The scenario's [[grants]] judged on the run's zone list, and on the baseline's when given.
Grants evaluate_grants(const scenario::Scenario& scenario, const std::vector<ZoneRow>& rows, const std::vector<ZoneRow>* baseline,
                       const std::optional<Siting>& siting, bool csv_fr);

/// The simulation notice of summary.json and the outputs.
std::string simulation_notice(bool official);

}  // namespace oasis::runner
