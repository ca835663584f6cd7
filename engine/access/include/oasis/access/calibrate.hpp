#pragma once
// Supply calibrated on a published indicator (docs/calibration.md): the non-negative supply at the
// communes where practitioners are recorded that best reproduces a published APL under the run's
// own travel table and decay, regularised toward the headcount prior.
//
//   minimise  sum_i w_i (A u - y)_i^2  +  lambda sum_j (u_j - h_j)^2 / (h_j + 1)   subject to u >= 0
//
// u_j: supply of site j in practitioner-equivalents (x `unit` consultations), h_j: its headcount
// prior, y_i: the published value of origin i (NaN = unknown, left out), w_i = P_i / mean(P) over
// the observed origins, A_ij = unit x W_ij / sum_k W_kj P_k (the APL / 2SFCA operator, linear in
// supply because the catchment demand does not depend on it). Solved by cyclic coordinate descent
// on the columns (a projected Gauss-Seidel on a strictly convex quadratic: it converges to the
// unique minimum, in a fixed order, so the result is deterministic).
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "oasis/access/methods.hpp"

namespace oasis::access {

struct CalibrationSettings {
  double unit = 2300;       // consultations per practitioner-equivalent (supply.activity)
  double lambda = 1.0;      // weight of the prior (supply.calibrate_lambda)
  int max_sweeps = 5000;    // coordinate-descent sweeps at most
  double tolerance = 1e-5;  // stop when no coordinate moves by more than this (practitioners)
};

struct CalibrationProblem {
  AccessParams params;  // apl, 2sfca, e2sfca or g2sfca (methods linear in supply)
  const travel::OdMatrix* od = nullptr;
  std::span<const double> demand;  // per origin
  std::span<const double> prior;   // h_j per destination, practitioners (>= 0)
  std::span<const char> eligible;  // per destination: 1 = its supply is fitted, 0 = it stays 0
  std::span<const double> target;  // per origin: published value, NaN = unknown
  // Optional, per destination: the group of each eligible site (e.g. its département, >= 0). When
  // given, the fit is by group: u_j = f_g h_j with one factor f_g >= 0 per group, and the prior
  // term is the same as per site with that u (lambda f-weighted: lambda sum_j h_j^2/(h_j+1) (f_g-1)^2).
  std::span<const int> group = {};
};

struct CalibrationFit {
  std::vector<double> units;    // u_j per destination, practitioner-equivalents (0 where not eligible)
  std::vector<double> factors;  // fit by group: f_g per group (index = group id); empty otherwise
  int sweeps = 0;
  bool converged = false;
  double objective = 0;
};

/// The fitted supply. `held_out` (per origin, optional): 1 = the observation is left out of the
/// fit (cross-validation). `start`: warm start (units per destination). Throws Error(usage) for a
/// method that is not linear in supply, Error(value_invalid) for negative priors or demand.
CalibrationFit calibrate_supply(const CalibrationProblem& problem, const CalibrationSettings& settings, std::span<const char> held_out = {},
                                std::span<const double> start = {});

struct CalibrationReport {
  CalibrationFit fit;
  std::vector<double> value;                                  // the indicator with the fitted supply, per origin
  std::vector<double> prior_value;                            // the indicator with supply = unit x prior, per origin
  std::vector<double> cv_value;                               // per origin: predicted with its fold left out (NaN: no fold / no target)
  std::optional<Fidelity> in_sample, cross_validated, prior;  // vs the target, with `line`
  std::size_t folds = 0;
  int cv_sweeps = 0;  // sweeps of all the fold fits together
};

/// The fit, and a cross-validation by groups: for each group g >= 0 of `fold` (per origin; -1 = in
/// no fold), the supply is refitted without the observations of g (warm-started from the full fit)
/// and g's values are predicted. `prior` figures: the indicator with supply = unit x h, for reference.
CalibrationReport calibrate_and_validate(const CalibrationProblem& problem, const CalibrationSettings& settings, std::span<const int> fold,
                                         double line);

}  // namespace oasis::access
