#pragma once
// Facility siting over a sparse demand -> candidate cost table (METHODS.md §4, docs/siting.md):
// p-median, MCLP, LSCP and p-center, each solved by a heuristic (greedy, then vertex substitution
// with incremental move evaluation, then perturbation rounds) and bounded by a Lagrangian
// relaxation, so every answer comes with a proven gap.
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "oasis/core/progress.hpp"
#include "oasis/travel/od.hpp"

namespace oasis::siting {

enum class Model { p_median, mclp, lscp, p_center };
Model parse_model(std::string_view name);  // "p-median" | "mclp" | "lscp" | "p-center"
std::string_view model_name(Model m) noexcept;

struct Instance {
  travel::OdMatrix od;               // origins = demand points, destinations = candidate sites; cost = od.minutes
  std::vector<double> weight;        // demand weight (population) per origin, >= 0
  std::vector<std::uint32_t> fixed;  // candidates already open (count within p)
  /// p-median only: most demand weight a candidate can serve (empty = uncapacitated). The
  /// capacitated model is solved by the MIP alone (size-limited by its time limit).
  std::vector<double> capacity;
};

struct Options {
  Model model = Model::p_median;
  int p = 1;          // sites to open, fixed ones included (p-median, MCLP, p-center)
  double radius = 0;  // MCLP, LSCP: a demand is covered by a site within this cost
  /// p-median: cost of a demand point with no open site in its row (the OD has no pair): by
  /// default the largest cost of the table + 1, so that serving everyone comes first.
  double unserved_cost = std::numeric_limits<double>::quiet_NaN();
  std::uint64_t seed = 1;
  int rounds = 100;            // perturbation rounds: same seed and rounds, same answer
  int max_kicks = 20;          // p-median: sites swapped at random by a round, from 1 up to this (one more
                               // after each round that failed to improve; docs/siting.md)
  double time_limit_s = 60;    // safety net on the rounds (the first local optimum is always reached);
                               // a run stopped by it depends on the machine's speed (Solution::rounds says)
  int bound_iterations = 600;  // subgradient iterations of the Lagrangian bound
  /// Exact MIP with COIN-OR CBC after the heuristic (p-median, MCLP, LSCP), started from the
  /// heuristic's answer: "auto" = when the OD has at most `exact_max_pairs` pairs; "on"; "off".
  std::string exact = "auto";
  std::size_t exact_max_pairs = 20000;
  double exact_time_limit_s = 20;
  ProgressFn progress;
};

struct Solution {
  std::vector<std::uint32_t> open;  // candidate ids, sorted
  double objective = 0;             // p-median: sum w x cost; MCLP: covered weight; LSCP: sites; p-center: max cost
  double bound = 0;                 // lower bound (minimisation) or upper bound (MCLP), valid for every solution
  double gap = 0;                   // |objective - bound| / max(|objective|, tiny); 0 = proven optimal
  double unserved_weight = 0;       // p-median / p-center: demand with no open site in reach; MCLP: not covered; LSCP: not coverable
  int improvements = 0;             // moves accepted by the local search
  int rounds = 0;                   // perturbation rounds done
  std::string method;               // "heuristic", "heuristic+mip" (MIP ran), "mip-optimal" (MIP proved it)
  double seconds = 0;
};

/// Throws Error(value_invalid) on a bad instance (NaN or negative weight or cost, p out of range,
/// fixed sites out of range or more than p), Error(cancelled) when progress returns false.
Solution solve(const Instance& instance, const Options& options);

/// Objective of a given set of open sites, as `solve` defines it (for tests and `--evaluate`).
double evaluate(const Instance& instance, const Options& options, std::span<const std::uint32_t> open);

}  // namespace oasis::siting

namespace oasis::siting {

/// Access-aware siting: each opened site adds supply whose effect on the accessibility of every
/// zone is additive (floating-catchment methods: opening ΔS at j raises A_i by ΔS·W_ij / D_j).
/// `effect[j]` lists (zone, increment) for one opening at candidate j; zones are communes or units.
struct AccessInstance {
  std::vector<double> base;                                           // indicator of each zone before any opening (e.g. unit APL)
  std::vector<double> population;                                     // weight of each zone
  std::vector<std::vector<std::pair<std::uint32_t, double>>> effect;  // per candidate
  double line = 2.5;                                                  // lift: a zone counts when it crosses from below the line to >= line
  /// Pairs of candidates (indices into `effect`) that cannot both receive openings (e.g. closer
  /// than a minimum distance).
  std::vector<std::pair<std::uint32_t, std::uint32_t>> conflicts;
};

enum class AccessObjective { lift, max_min, bottom_decile };
AccessObjective parse_access_objective(std::string_view name);  // "lift" | "max-min" | "bottom-decile"

struct AccessOptions {
  AccessObjective objective = AccessObjective::lift;
  int k = 1;                  // openings
  int max_per_candidate = 1;  // openings one candidate may receive (n salaried doctors: > 1); 0 = up to k
  std::uint64_t seed = 1;
  int rounds = 50;
  /// Seconds for the exact model (COIN-OR CBC, started from the heuristic's answer) that proves the
  /// bound and may improve the answer; 0 = the heuristic and its combinatorial bound only.
  double exact_time_limit_s = 30;
  ProgressFn progress;
};

struct AccessSolution {
  std::vector<std::uint32_t> open;  // candidate per opening (sorted; repeats when allowed)
  std::vector<double> marginal;     // per opening: objective lost if that opening alone is removed
  std::vector<double> after;        // zone values after the openings
  double objective = 0;             // lift: population crossing the line; max-min: the smallest zone value (population > 0);
                                    // bottom-decile: population-weighted mean value of the 10 % of the population worst off
  double bound = 0;                 // upper bound on any choice of k openings
  double gap = 0;
  double before = 0;  // the objective with no opening (max-min: min of base)
  int improvements = 0;
  int placed = 0;                  // openings placed: k, unless the conflicts leave fewer places
  std::string method;              // "heuristic", "mip-optimal" (proven) or "mip-bound" (stopped at the time limit)
  double combinatorial_bound = 0;  // the k-largest-increments bound, before the exact model
  double heuristic_objective = 0;  // the greedy and swaps' answer, before the exact model
  double seconds = 0, mip_seconds = 0;
};

/// Greedy with a progress tie-break (population-weighted share of the gap to the line closed),
/// then swap local search (lift: O(zones touched) per move; max-min and bottom-decile: O(zones)),
/// respecting the conflicts and the cap per candidate. Combinatorial bounds: lift — a zone is
/// counted only if its k largest possible increments reach the line; max-min and bottom-decile
/// (both non-decreasing in every zone value) — the objective with every zone at base + its k
/// largest increments. Then the exact model (COIN-OR CBC, docs/siting.md "Bounds"): its answer
/// is kept when better, its bound when lower.
AccessSolution solve_access(const AccessInstance& instance, const AccessOptions& options);

/// What one opening does under a floating-catchment method (2SFCA, E2SFCA, the DREES APL): opening
/// ΔS at commune j raises A_i by ΔS·W(t_ij) / D_j, D_j = Σ_k P̃_k W(t_kj) over the pairs within
/// max_cost. Zones are the communes, or units when `zone_of` is given (a unit's value is the
/// population-weighted mean of its communes', so a commune's increment counts P_i / P_unit).
struct OpeningModel {
  const travel::OdMatrix* columns = nullptr;  // the OD transposed: rows = supply communes j
  std::span<const double> demand;             // P̃ per commune (the method's demand)
  std::function<double(double)> weight;       // W(t), the method's decay
  double max_cost = std::numeric_limits<double>::infinity();
  double delta_supply = 0;                     // ΔS, in the method's supply unit
  std::span<const std::uint32_t> zone_of;      // per commune; empty = zones are the communes
  std::span<const double> zone_population;     // per unit (with zone_of)
  std::span<const double> commune_population;  // per commune (with zone_of)
  std::size_t zones = 0;
};
/// AccessInstance::effect for each candidate (commune ids), zones in increasing order.
std::vector<std::vector<std::pair<std::uint32_t, double>>> opening_effects(const OpeningModel& model,
                                                                           std::span<const std::uint32_t> candidates);

}  // namespace oasis::siting
