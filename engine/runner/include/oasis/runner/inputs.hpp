#pragma once
// The two steps of a run that read files through geodata/ (GDAL, PROJ, the COG): the inputs and
// the travel table. The other steps (steps.hpp) take what these return.
#include "oasis/core/diagnostics.hpp"
#include "oasis/runner/run.hpp"
#include "oasis/runner/steps.hpp"

namespace oasis::runner {

/// Reads the territory, the supply (then applies [[modify.*]]), the [[indicators]] and urgent-care
/// supplies, the zoning units and official list, the siting candidates; records every file read.
Inputs load_inputs(const scenario::Scenario& scenario, const RunOptions& options, Diagnostics& diagnostics);

/// load_inputs in two parts, for front ends that change a scenario's supply many times on the same
/// files (oasis serve): `prepare_inputs` reads everything, then `apply_changes` sets the supply and
/// the urgent-care sites for a scenario whose files are the same and whose [[modify.*]] and
/// flags.urgences_closed may differ. load_inputs is the two in a row, so both give the same Inputs.
class PreparedInputs {
 public:
  PreparedInputs(PreparedInputs&&) noexcept;
  PreparedInputs& operator=(PreparedInputs&&) noexcept;
  ~PreparedInputs();
  /// The inputs of the last scenario applied (of the prepared one before any).
  [[nodiscard]] Inputs& inputs() noexcept;
  [[nodiscard]] const Inputs& inputs() const noexcept;
  /// Sets inputs() for `scenario`: the supply file's records with its [[modify.*]], the urgent-care
  /// établissements without its closures. Throws as load_inputs does (a commune not in the territory).
  void apply_changes(const scenario::Scenario& scenario, Diagnostics& diagnostics);
  /// A copy (a front end computing several scenarios at once keeps one per thread).
  [[nodiscard]] PreparedInputs clone() const;
  /// The supply file's records before any modification.
  [[nodiscard]] const SupplyTable& file_table() const noexcept;

 private:
  struct Impl;
  explicit PreparedInputs(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  friend PreparedInputs prepare_inputs(const scenario::Scenario&, const RunOptions&, Diagnostics&);
};
PreparedInputs prepare_inputs(const scenario::Scenario& scenario, const RunOptions& options, Diagnostics& diagnostics);

/// The commune-to-commune OD table of the scenario's travel model.
Travel build_travel(const scenario::Scenario& scenario, const Inputs& inputs, const RunOptions& options, Diagnostics& diagnostics);

}  // namespace oasis::runner
