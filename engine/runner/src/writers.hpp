#pragma once
// The output writers of a run: one per format, all behind one interface, writing into the staging
// folder that run() swaps in whole at the end (output_folder.hpp).
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oasis/runner/steps.hpp"

namespace oasis::runner {

/// What the writers read: every step's result.
struct Products {
  const scenario::Scenario& scenario;
  const Inputs& inputs;
  const Travel& travel;
  const Indicators& indicators;
  const Zoning& zoning;
  const Flags& flags;
  const std::optional<Siting>& siting;
  const std::vector<ZoneRow>& rows;
  const std::optional<Comparison>& comparison;
  const std::vector<ZoneRow>& baseline;
  const Grants& grants;
  const json& summary;
  bool csv_fr = false;
};

/// Where a writer writes, and what it hands the next ones (the maps' PNG for the report).
struct WriteContext {
  std::filesystem::path dir;                                       // the staging folder
  std::vector<std::string> written;                                // names relative to the folder, in order
  std::string map_zones_png, map_apl_png, map_zones_baseline_png;  // the last with a baseline
  json timings = json::object();                                   // seconds per writer
  std::function<bool(double, std::string_view)> progress;          // throws Error(cancelled) when it returns false
  void step(double fraction, std::string_view what) const;
  void file(const std::string& name, std::string_view content);  // writes dir/name and records it
};

class Writer {
 public:
  virtual ~Writer() = default;
  virtual std::string_view name() const = 0;
  virtual bool wanted(const Products& products) const = 0;
  virtual void write(const Products& products, WriteContext& context) const = 0;
  /// The writers whose output this one reads (what they hand on in their WriteContext): it runs
  /// after them; writers that need nothing of each other run at the same time.
  virtual std::vector<std::string_view> needs() const { return {}; }
};

/// Runs the wanted writers, each as soon as what it needs is written, at most `threads` at a time
/// (0: all cores); `written` and `timings` come back in the declared order whatever the order
/// they finished in, and an error is the first in that order (a writer stopped because another
/// failed does not mask that one's error).
void run_writers(const Products& products, WriteContext& context, int threads);

/// Every writer, in the declared order (the report after the maps it embeds; summary.json last).
const std::vector<std::unique_ptr<Writer>>& writers();

/// zones.csv (both flavours).
std::string zones_csv(const std::vector<ZoneRow>& rows, bool fr);
/// The .csvt beside a CSV (GDAL / QGIS column types: "String", "Integer", "Real"), from the output schema.
std::string csvt(std::string_view layer, std::span<const std::string_view> names);

}  // namespace oasis::runner
