#pragma once
// Scenario files (TOML): a declared schema, validation that names the key and the line, `extend`
// chains (a file overrides the keys of its base), and the resolved scenario with every default.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace oasis::scenario {

/// The kinds of value a key can hold.
enum class Kind { table, string, number, integer, boolean, strings, table_array, map };

/// One declared key. The schema is the single source of the parser, of the defaults written into
/// the resolved scenario and of the reference table in docs/scenarios.md.
struct OptionDecl {
  std::string_view path;  // "travel.cutoff_min"; "modify.add.commune" (array of tables); "zoning.caps.*.zip" (map)
  Kind kind;
  std::string_view default_toml;     // TOML literal ("30", "\"apl\"", "[]", "true"); empty = no default
  double min = -1e300, max = 1e300;  // inclusive range for numbers
  bool min_open = false;             // range excludes min
  std::string_view choices;          // "a|b|c" for strings
  bool required = false;             // inside an array of tables: the key must be present
  std::string_view unit;             // "minutes", "consultations/year", ...
  std::string_view doc;
};

std::span<const OptionDecl> schema() noexcept;
/// The schema as a Markdown table (docs/scenarios.md is generated from it: `oasis scenario --schema`).
std::string schema_markdown();
/// The same table for another declared schema (the sweep file's, docs/sweeps.md).
std::string schema_markdown(std::span<const OptionDecl> decls);

/// Retire practitioners before computing (exactly one selector among age_min, ids, share).
struct Retire {
  std::string label;
  std::optional<double> age_min;  // all practitioners aged >= age_min (needs an age column)
  std::vector<std::string> ids;   // practitioner ids (rpps, points) or commune codes (counts)
  std::optional<double> share;    // this share of the supply units at random, with `seed`
  std::uint64_t seed = 1;
  std::vector<std::string> communes;  // restrict to these communes (empty = all)
  std::string where;                  // "file, line N" for messages
};

/// Add supply at a commune (e.g. an MSP with 4 GP ETP).
struct AddSupply {
  std::string commune;
  double amount = 0;  // in the supply's unit (GP headcount / ETP)
  std::string label;
  std::string kind;
  std::string where;
};

/// A grant scheme evaluated on the run's zone list (docs/grants.md).
struct Grant {
  std::string scheme, applications, facts;  // absolute paths ("" = none)
  std::vector<std::string> parameters;      // "NAME=VALUE"
  bool from_sites = false;                  // the openings of [siting] are applications too
  std::string site_commune = "commune";
  std::vector<std::string> site_fields;  // "NAME=VALUE"
  std::string where;
};

/// One more indicator computed in the same run (another supply type).
struct Indicator {
  std::string name, file, format, column, method, decay, demand;
  double max_cost = 0, activity = 1;
  double sa_alpha = 1;
  std::string sa_output;
  std::string where;
};

struct Caps {
  double zip = 0, zac = 0;  // maximum shares of the région's population
};

struct Scenario {
  std::filesystem::path file;                // the scenario file given
  std::vector<std::filesystem::path> chain;  // extend chain, base first, this file last
  std::string name, description;
  std::string title;  // place named in the titles; "" = derived from the territory (runner)

  struct Territory {
    std::vector<std::string> regions, departements, communes, exclude;
    double buffer_km = 0;  // the ring of communes around the territory that the APL sees
  } territory;
  struct Data {
    std::string dir, cog, communes, apl;  // "" = default (resolved by the runner)
    std::string age_bands;                // INSEE population by age ("" = DREES standardised population)
  } data;
  struct Supply {
    std::string file, format, column, kind, source, age_column, x_column, y_column, id_column, amount_column;
    double activity = 2300;
    int epsg = 4326;
    std::string calibrate = "none";  // none | apl | departement (docs/calibration.md)
    std::string combine = "mean";    // first | mean | min | max: the prior from supply.file and calibrate_sites
    std::string factors;             // "" = none: CSV departement,factor (calibrate = "none")
    double calibrate_lambda = 0.01;
    std::string calibrate_sites, calibrate_sites_column = "generaliste";  // "" = default file, "none" = off
    bool calibrate_cv = true;
  } supply;
  struct Travel {
    std::string model, osm, table;
    double cutoff_min = 30, intra_min = 0, detour = 0, speed_kmh = 60, urban_speed_kmh = 30, urban_density = 1500;
    int threads = 0;
  } travel;
  struct Access {
    std::string method, decay;
    double max_cost = 0;  // 0 = none
    int n = 1;
    double sa_alpha = 1;    // spatial-availability
    std::string sa_output;  // spatial-availability: total | per-capita
    double line = 2.5;
    int age_weights = 2022;
  } access;
  struct Zoning {
    std::string indicator, units, units_file, fill, official, official_missing;
    double zip_below = 2.5, vivier_below = 4.0;
    std::map<std::string, Caps> caps;  // région code or "default"
  } zoning;
  struct Flags {
    std::string urgences, urgences_format, urgences_column;
    double urgences_max_min = 30, density_below = 0;
    int urgences_year = 2023;                      // sae: the SAE year
    std::vector<std::string> urgences_closed;      // sae: FINESS of the établissements whose services close
    std::string msp, msp_column = "msp_presente";  // communes with an MSP (counts file)
    bool deficit_2003 = false;
  } flags;
  std::vector<Retire> retire;
  std::vector<AddSupply> add;
  std::vector<Indicator> indicators;
  std::vector<Grant> grants;
  struct Siting {
    int sites = 0;
    std::string objective, level;
    double supply_per_site = 4;
    std::vector<std::string> candidates;
    std::string msp = "exclude";  // exclude | allow: communes with an MSP (flags.msp) as candidates
    bool repeat = false;
    int max_per_commune = 0;  // with repeat: 0 = no cap
    double min_population = 1000;
    std::string candidates_file;  // CSV with code_insee ("" = none)
    std::vector<std::string> exclude;
    double min_distance_km = 0;
    double time_limit = 30;
    std::uint64_t seed = 1;
  } siting;
  struct Outputs {
    bool gpkg = true, csv_fr = false, maps = true, report = true;
    std::string baseline;
  } outputs;

  /// The resolved scenario as TOML: every declared default filled in, paths absolute, no `extend`.
  std::string resolved_toml;
};

/// Reads, validates and resolves a scenario file and its `extend` chain. Relative paths inside a
/// file are relative to that file's folder. Throws Error (E-SCENARIO-*, E-FORMAT for TOML syntax,
/// E-IO for a missing file) naming the file, the line and the key.
Scenario load(const std::filesystem::path& file);
/// Same from text (tests); `name` stands for the file in messages, `base_dir` resolves paths.
Scenario parse(std::string_view text, const std::string& name, const std::filesystem::path& base_dir = {});

}  // namespace oasis::scenario
