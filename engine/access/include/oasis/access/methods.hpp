#pragma once
// Accessibility indicators over a sparse OD table (origin = demand, destination = supply), behind
// one method switch. Formulas, parameters and references: docs/access.md.
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "oasis/access/decay.hpp"
#include "oasis/travel/od.hpp"

namespace oasis::access {

enum class Method {
  fca_ratio,
  two_sfca,
  e2sfca,
  g2sfca,
  bfca,
  three_sfca,
  gravity,
  cumulative,
  cost_to_closest,
  spatial_availability,
  apl
};

/// "2sfca", "e2sfca", ... ; throws Error(usage) listing the methods.
Method parse_method(std::string_view name);
std::string_view method_name(Method m) noexcept;
/// Every method's name: the one list (the CLI help and the scenario schema's choices agree with it,
/// tests/runner checks the schema).
std::vector<std::string_view> method_names();
/// The decay used when none is given (e.g. DREES steps for apl, Luo & Qi steps for e2sfca).
Decay default_decay(Method m, double max_cost);

struct AccessParams {
  Method method = Method::two_sfca;
  Decay decay;                                                // weights W_ij = decay(t_ij) for t_ij <= max_cost, else 0
  double max_cost = std::numeric_limits<double>::infinity();  // minutes, inclusive
  int n = 1;                                                  // cost-to-closest: supply to reach, nearest sites first
  // spatial-availability (Soukhov et al. 2023, ipeaGIT/accessibility's spatial_availability):
  double sa_alpha = 1.0;       // exponent of the population in the demand balancing factor P_i^alpha
  bool sa_per_capita = false;  // false: V_i, the supply allocated to i (the peer's number); true: V_i / P_i
};

/// "total" / "per-capita" (the values of access.sa_output); throws Error(usage) otherwise.
bool parse_sa_output(std::string_view name);
std::string_view sa_output_name(bool per_capita) noexcept;

enum Flag : std::uint8_t {
  ok = 0,
  no_supply_in_reach = 1,  // no destination with supply > 0 and weight > 0: value 0 (NaN for cost-to-closest)
  no_demand = 2,           // population 0 where a per-capita value is asked (spatial-availability per capita, fca-ratio)
};
std::string_view flag_name(std::uint8_t f) noexcept;

struct AccessResult {
  std::vector<double> value;              // one per origin (demand unit)
  std::vector<std::uint8_t> flag;         // Flag bits per origin
  std::size_t supply_without_demand = 0;  // supply sites with supply > 0 and no weighted demand in reach
  double supply_unreached = 0.0;          // their total supply (left out of every catchment)
};

/// Throws Error(value_invalid) for negative / NaN demand or supply, Error(internal) on size mismatch.
/// `supply_demand`: fca-ratio only, demand located at each supply site (same ids), else empty.
AccessResult compute_access(const AccessParams& params, const travel::OdMatrix& od, std::span<const double> demand,
                            std::span<const double> supply, std::span<const double> supply_demand = {});

// ---- DREES APL inputs ----

/// Counted activity of one GP (consultations + visits + teleconsultations in the year):
/// < 250 -> 0; 250..3 600 -> 3 600; 3 600..6 000 -> actual; > 6 000 -> 6 000 (METHODS.md §1).
/// `new_gp` (no libéral activity the previous year) -> 5 400; `health_centre` -> uncapped.
double apl_counted_activity(double consultations, bool new_gp = false, bool health_centre = false);

/// Age-band weights of the DREES APL (0-4, 5-9, ..., 85-89, 90+: 19 bands), millésime 2022 or 2023.
std::span<const double> apl_age_weights(int millesime);
/// Standardised population: sum over bands of population x weight. Throws on a wrong band count.
double standardised_population(std::span<const double> population_by_band, int millesime);

// ---- density and inequality ----

/// 100 000 x supply / population per unit (NaN when population is 0).
std::vector<double> density_per_100k(std::span<const double> supply, std::span<const double> population);

struct Inequality {
  double weighted_mean = 0;  // sum(p x v) / sum(p)
  double gini = 0;           // population-weighted Gini of v
  double palma = 0;          // share of sum(p x v) held by the top 10 % of population / by the bottom 40 %
  double share_below = 0;    // share of population with v < line
  double population_below = 0;
  double line = 0;
  double theil = 0;  // population-weighted Theil T: sum (p/P)(v/mean) ln(v/mean); 0 = equal, ln(P/p_max) at most
};
/// Units with NaN values are left out (their population too).
Inequality inequality(std::span<const double> value, std::span<const double> population, double line);

/// The concentration index of `value` over the units ranked by `rank_by` (ascending; ties by
/// position): CI = 2 / mean x sum (p/P)(v - mean)(R - 1/2), R the population-weighted fractional
/// rank (the population before the unit plus half its own, over P). In [-1, 1]: > 0 when the value
/// concentrates in the units ranked high, < 0 in those ranked low, 0 when it is the same
/// everywhere. Units with a NaN value or rank are left out; NaN when the mean is 0.
double concentration_index(std::span<const double> value, std::span<const double> population, std::span<const double> rank_by);

/// Spearman rank correlation of two equally long series (ties get their average rank); NaN when
/// either series is constant.
double spearman(std::span<const double> a, std::span<const double> b);

/// A computed indicator against a published one (docs/fidelity.md), over the units where the
/// published value is known: Spearman ρ, mean absolute error, share agreeing on "below `line`".
struct Fidelity {
  std::size_t compared = 0;
  double spearman = 0, mean_absolute_error = 0, agreement_below_line = 0;
};
std::optional<Fidelity> fidelity(std::span<const double> computed, std::span<const double> published, double line);

}  // namespace oasis::access
