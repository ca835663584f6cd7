#pragma once
// Private: exact MIP models of the siting module (COIN-OR CBC).
#include <cstdint>
#include <span>
#include <vector>

#include "oasis/travel/od.hpp"

namespace oasis::siting::detail {

struct MipResult {
  bool proven = false;
  bool found = false;  // a solution was found
  double objective = 0, bound = 0;
  double unserved = 0;  // p-median: weight assigned to "unserved"
  std::vector<std::uint32_t> open;
  std::vector<int> counts;  // mip_access: openings per candidate
};

/// `capacity` (per candidate, empty = none): Σ_i w_i x_ij <= capacity_j y_j; the start is then not used.
MipResult mip_p_median(const travel::OdMatrix& od, const std::vector<double>& w, double U, int p, std::span<const std::uint32_t> fixed,
                       std::span<const std::uint32_t> start_open, double time_limit, std::span<const double> capacity = {});
MipResult mip_mclp(const std::vector<std::vector<std::uint32_t>>& of_point, std::size_t m, const std::vector<double>& w, int p,
                   std::span<const std::uint32_t> fixed, std::span<const std::uint32_t> start_open, double time_limit);
MipResult mip_lscp(const std::vector<std::vector<std::uint32_t>>& of_point, std::size_t m, const std::vector<double>& w,
                   std::span<const std::uint32_t> fixed, std::span<const std::uint32_t> start_open, double time_limit);

/// Access-aware siting (docs/siting.md, "Bounds"): y_j = openings at candidate j (integer,
/// 0..cap_j), sum_j y_j <= k, y_a + y_b <= 1 for each conflicting pair (through a binary "open"
/// variable when cap > 1), and zone values v_z = base_z + sum_j e_zj y_j.
///  lift: max sum_z P_z x_z with sum_j min(e_zj, g_z) y_j >= g_z x_z, g_z = line - base_z, x_z binary,
///        for the zones below the line (the min only when cap_j = 1);
///  max-min: max t with t <= v_z for every populated zone;
///  bottom-decile: max eta - (1/T) sum_z P_z s_z, s_z >= eta - v_z, s_z >= 0, T = 10 % of the
///        population (the mean of the lowest tenth is the maximum of that expression over eta).
enum class AccessKind { lift, max_min, bottom_decile };
MipResult mip_access(AccessKind kind, std::span<const std::vector<std::pair<std::uint32_t, double>>> effect, std::span<const double> base,
                     std::span<const double> population, double line, int k, std::span<const int> cap,
                     std::span<const std::pair<std::uint32_t, std::uint32_t>> conflicts, std::span<const int> start_counts,
                     double time_limit);

}  // namespace oasis::siting::detail
