#pragma once
// Scenario sweeps (docs/sweeps.md): a base scenario and a grid of values and / or a Monte Carlo of
// departures and openings; each variation an independent task. This module knows nothing of Dask:
// it parses and validates the sweep file, runs one task on inputs loaded once (Worker), encodes a
// task's result as bytes, and aggregates the results in task order (so the aggregate does not
// depend on where or in which order the tasks ran) into the outputs. The Python package schedules
// the tasks on dask.distributed (bindings/python/oasis/sweeps.py); `oasis sweep` calls it.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "oasis/model/territory.hpp"
#include "oasis/runner/run.hpp"
#include "oasis/scenario/scenario.hpp"

namespace oasis::sweep {

using json = nlohmann::ordered_json;

/// One declared key of the sweep file: the parser, the defaults and the table of docs/sweeps.md.
using scenario::Kind;
using scenario::OptionDecl;
std::span<const OptionDecl> schema() noexcept;
std::string schema_markdown();

/// One grid axis: a scenario key and its values (TOML literals, checked by parsing the scenario).
struct Axis {
  std::string key;                  // "zoning.zip_below", "zoning.caps.24.zip", "grants.parameters.NAME"
  std::vector<std::string> values;  // TOML literals: "2.5", "\"commune\""
  enum class Level { compute, travel, inputs } level = Level::compute;  // what changing it costs a worker
  std::vector<std::size_t> grant_entries;                               // grants.parameters.NAME: the [[grants]] whose scheme declares NAME
};

struct MonteCarlo {
  std::uint64_t draws = 1, seed = 1;
  double leave = 0;                      // each unit of supply leaves with this probability
  std::optional<double> leave_age_min;   // only practitioners this old (needs ages in the supply)
  std::string leave_weight = "none";     // "none" | "apl-65-plus": times the commune's share of 65+ (proxy)
  std::string leave_file, leave_column;  // per commune probabilities replacing `leave` (code_insee, column)
  double open = 1;                       // each [[modify.add]] of the base opens with this probability
};

struct Spec {
  std::filesystem::path file;  // the sweep file (absolute)
  std::string name, description;
  std::filesystem::path scenario;  // the base scenario (absolute)
  std::vector<Axis> grid;
  MonteCarlo mc;
  bool task_outputs = false;  // outputs.tasks: each task's zones.csv in DIR/tasks/
  std::string text;           // the sweep file's bytes (summary.json records its SHA-256)
  std::string resolved_base;  // the base scenario resolved (scenario::Scenario::resolved_toml)

  std::size_t points() const;  // grid points (1 without a grid)
  std::size_t tasks() const { return points() * mc.draws; }
};

/// Reads and validates a sweep file (E-SCENARIO-* naming the key and the line, as scenarios); every
/// grid value is checked by resolving the base scenario with it.
Spec load(const std::filesystem::path& file);
Spec parse(std::string_view text, const std::filesystem::path& file);

/// Task `index`: grid point index / draws, draw index % draws.
struct TaskId {
  std::size_t index = 0, point = 0, draw = 0;
};
TaskId task_id(const Spec& spec, std::size_t index);
/// What a change of a scenario key costs a process that keeps its inputs: reload them, rebuild the
/// travel table, or only recompute (sweep workers, oasis serve).
Axis::Level level_of(const std::string& key);
/// The scenario of a grid point (the base with the point's values), resolved and validated.
scenario::Scenario point_scenario(const Spec& spec, std::size_t point);
/// The point's values, {"zoning.zip_below": 2.5, ...} (empty without a grid).
json point_values(const Spec& spec, std::size_t point);

/// What one task gives the aggregate. Per commune of the run (code order), per unit, per région,
/// per [[grants]] entry.
struct TaskResult {
  std::uint64_t index = 0;
  std::vector<std::uint8_t> zone;  // 2 ZIP, 1 ZAC, 0 neither
  std::vector<double> apl;         // the zoned indicator's computed APL ([access])
  std::vector<double> unit_zip_population, region_zip_population;
  std::vector<double> grant_awarded;  // euros awarded per [[grants]] entry
  double supply_removed = 0, supply_opened = 0;
  double siting_objective = NAN;  // [siting] objective (population lifted for "lift"); NaN without
  std::string zones_csv;          // outputs.tasks: the task's zones.csv

  std::string encode() const;  // little-endian binary, exact doubles
  static TaskResult decode(std::string_view bytes);
};

/// The territory-level facts the aggregate and the outputs need, the same on every worker.
struct Frame {
  std::vector<std::string> code, name, unit_of_commune, region_of_commune;
  std::vector<double> population;
  std::vector<std::string> unit_code, unit_name, region_code;
  std::vector<std::string> grant_scheme;  // per [[grants]] entry
  std::string siting_objective;           // siting.objective, "" without [siting]
  json data;                              // summary.json "data" of the base: every input and its SHA-256
  std::string cog_version;
  const Territory* territory = nullptr;  // the base's (shapes for the GeoPackage and the maps), owned by the Worker
};

/// Holds the inputs of a sweep, loaded once and kept for the tasks that share them (by the grid
/// values that change the inputs, the travel table or the calibration), and runs tasks. One
/// task at a time (a mutex): a Dask worker runs it with one thread.
class Worker {
 public:
  explicit Worker(Spec spec, runner::RunOptions options = {});
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  const Spec& spec() const noexcept;
  TaskResult run(std::size_t index);
  /// The facts of the base scenario's territory (loads the base inputs on first use).
  const Frame& frame();
  std::size_t loads() const noexcept;  // how many times inputs were loaded (the test of "once per worker")

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Per grid point: the commune, unit, région, grant and siting aggregates, in task order; then the
/// outputs into `dir` (a staged folder swapped in whole): communes.csv, units.csv, regions.csv,
/// grants.csv, siting.csv, points.csv, communes.gpkg, maps/zip-share-N.png, report.html,
/// summary.json. Throws E-VALUE when a task is missing or duplicated.
struct WriteOptions {
  std::filesystem::path dir;
  bool overwrite = false;
  json scheduler;  // how the tasks ran ({"kind": "LocalCluster", "workers": 2}), recorded in summary.json
};
json write_outputs(const Spec& spec, const Frame& frame, std::vector<TaskResult> results, const WriteOptions& options);

/// The quantiles of the aggregates (type 7, as numpy's default).
inline constexpr double kQuantiles[] = {0.05, 0.25, 0.5, 0.75, 0.95};
double quantile(std::vector<double> values, double q);

}  // namespace oasis::sweep
