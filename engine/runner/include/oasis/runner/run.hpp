#pragma once
// `oasis run`: one scenario file -> territory, modifications, travel, accessibility, zoning, flags
// -> the output folder (zones.csv, communes.gpkg, summary.json, scenario.toml, diff.csv).
#include <cmath>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "oasis/core/diagnostics.hpp"
#include "oasis/core/progress.hpp"
#include "oasis/scenario/scenario.hpp"

namespace oasis::runner {

struct RunOptions {
  std::filesystem::path out_dir;  // empty = compute only (no file written)
  bool overwrite = false;         // replace the files of a previous run
  std::optional<bool> csv_fr;     // overrides outputs.csv_fr
  std::string data_dir, cog_dir;  // CLI overrides of data.dir / data.cog ("" = scenario, env, default)
  std::optional<int> threads;     // overrides travel.threads
  // Boundary-file overrides of the data flags (`oasis access` commune mode; a scenario has none).
  std::optional<int> assume_epsg;  // CRS of boundary layers that declare none
  std::string code_field;          // attribute holding the INSEE code ("" = the usual names)
  bool use_apl = true;             // read the DREES APL file (population_std, apl_official)
  // Where the prepared inputs and the supply calibration are kept between runs: nullopt = the user's cache
  // ($XDG_CACHE_HOME/oasis or ~/.cache/oasis), an empty path = no cache (--no-cache).
  std::optional<std::filesystem::path> cache_dir;
  ProgressFn progress;
};

/// One commune row of the zone list, as written in zones.csv (and read back by `oasis diff`).
struct ZoneRow {
  std::string code, name, unit;
  double population = 0;
  double apl = NAN;      // the computed indicator ([access]); NaN when read from a file that lacks it
  double indicator = 0;  // the zoned value (zoning.indicator)
  std::string zone, rule;
  double unit_indicator = 0;  // the unit's population-weighted zoned value
  std::string cls;            // class before the ARS pick: ZIP (mandatory), vivier, hors-vivier
  // What grant rules read besides the zone (NaN = not computed in that run / absent from the file):
  double density_100k = NAN;       // practitioners of the run's supply per 100,000 inhabitants
  double time_gp_min = NAN;        // minutes to the nearest commune with supply
  double time_urgences_min = NAN;  // minutes to the nearest urgent-care site (flags.urgences)
  double time_su_min = NAN;        // minutes to the nearest general SU (flags.urgences_format = "sae")
  double x = NAN, y = NAN;         // the commune's point in the run's CRS (Lambert-93), metres
};

struct RunResult {
  std::vector<ZoneRow> zones;      // sorted by code
  nlohmann::ordered_json summary;  // deterministic: same inputs, same bytes
  nlohmann::ordered_json timings;  // seconds per step, peak memory
  std::vector<std::filesystem::path> written;
};

/// The files a run may write (besides awards-<scheme>.csv): what --overwrite replaces.
std::vector<std::string> output_names();

/// Runs a scenario. Throws Error; out_dir is replaced whole once every output is written (a staging
/// folder beside it swapped in: docs/pipeline.md), so it holds one complete run whatever happens.
RunResult run(const scenario::Scenario& scenario, const RunOptions& options, Diagnostics& diagnostics);

/// Reads a zones.csv written by `oasis run` (either CSV flavour).
std::vector<ZoneRow> read_zones(const std::filesystem::path& file);

/// Baseline -> scenario: communes whose zone or class changed and the population moved per
/// transition (zones, and classes: e.g. lifted out of the mandatory ZIP).
struct Comparison {
  std::vector<std::pair<ZoneRow, ZoneRow>> changed;  // (baseline, scenario), by code: zone or class differs
  std::size_t only_baseline = 0, only_scenario = 0;  // communes in one run only
  nlohmann::ordered_json summary;
  std::string csv;  // diff.csv
};
/// `urgences_max_min`: the urgent-care line (flags.urgences_max_min); a commune that crosses it is in
/// diff.csv too, and summary "urgences" counts the crossings (when both runs have the times).
Comparison compare(const std::vector<ZoneRow>& baseline, const std::vector<ZoneRow>& scenario, const std::string& baseline_name,
                   double urgences_max_min = 30.0);

}  // namespace oasis::runner
