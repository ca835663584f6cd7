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

/// The commune-to-commune OD table of the scenario's travel model.
Travel build_travel(const scenario::Scenario& scenario, const Inputs& inputs, const RunOptions& options, Diagnostics& diagnostics);

}  // namespace oasis::runner
