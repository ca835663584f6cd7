#pragma once
// The what-if planner behind `oasis serve` (docs/serve.md): the territories it offers (scenario
// files chosen by whoever starts the server), browser sessions that each hold a list of changes to
// one of them, and the state after each change — computed by the steps of a run on inputs read once
// per territory. No HTTP here: the server (server.hpp), Python and the tests call these.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "oasis/runner/run.hpp"

namespace oasis::serve {

using json = nlohmann::ordered_json;

/// What one server accepts (docs/serve.md, "Limits").
struct Limits {
  std::size_t max_sessions = 64;        // live sessions; the least recently used beyond it is closed
  std::size_t max_changes = 200;        // changes in one session
  std::size_t max_body_bytes = 16'384;  // request body
  double requests_per_second = 20;      // per client address, sustained ...
  double burst = 60;                    // ... with this many at once
  std::chrono::seconds idle{4 * 3600};  // a session unused this long is closed
};

/// The kinds of change a session accepts, each a JSON object {"op": ..., fields}:
///   set    {key, value}            a scenario key that does not change the files read (docs/serve.md)
///   retire {commune, share = 1}    GPs of a commune leave ([[modify.retire]] communes = [commune])
///   add    {commune, gps = 4, label}  an MSP with `gps` GPs opens ([[modify.add]] kind = "msp")
///   close  {finess}                an emergency service closes (flags.urgences_closed)
/// Every field is checked by the scenario schema: the same errors (E-SCENARIO-*) as a scenario file.
inline constexpr const char* kChangeOps[] = {"set", "retire", "add", "close"};

class Planner {
 public:
  /// `scenarios`: the territories offered, by file (their `name` is the id the client uses).
  Planner(std::vector<std::filesystem::path> scenarios, runner::RunOptions options, Limits limits = {});
  ~Planner();
  Planner(const Planner&) = delete;
  Planner& operator=(const Planner&) = delete;

  [[nodiscard]] const Limits& limits() const noexcept;
  /// [{id, title, description, loaded}] in the order given.
  [[nodiscard]] json territories() const;
  /// Reads the territory's inputs (once per server) and computes its baseline; returns the new
  /// session's state. Throws Error(code_unknown) for an id not offered.
  json open_session(const std::string& territory);
  /// The session's state: changes, current and baseline figures, per-commune values and classes.
  json state(const std::string& session);
  /// The communes' codes, names and simplified shapes (WGS 84), the département outlines and the
  /// urgent-care établissements, as JSON text (the same for every session of a territory).
  std::string geometry(const std::string& session);
  /// Validates and applies one change, then recomputes; a refused change leaves the session as it was.
  json change(const std::string& session, const json& change);
  /// Drops the change at `index` (the last one with index < 0) and recomputes.
  json undo(const std::string& session, long index = -1);
  /// The scenario TOML that reproduces the session's state with `oasis run` (every key resolved).
  std::string scenario_toml(const std::string& session);
  /// Runs the session's scenario as `oasis run` does, into a fresh folder, and returns its file
  /// `name` (zones.csv, zones.xlsx, communes.gpkg, summary.json).
  std::string export_file(const std::string& session, const std::string& name);
  void close_session(const std::string& session);
  [[nodiscard]] std::size_t sessions() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The error as the API returns it: {"error": {"name", "code", "message", "file", "record", "fix"}}.
json error_json(const std::exception& e);

}  // namespace oasis::serve
