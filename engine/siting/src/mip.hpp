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
};

/// `capacity` (per candidate, empty = none): Σ_i w_i x_ij <= capacity_j y_j; the start is then not used.
MipResult mip_p_median(const travel::OdMatrix& od, const std::vector<double>& w, double U, int p, std::span<const std::uint32_t> fixed,
                       std::span<const std::uint32_t> start_open, double time_limit, std::span<const double> capacity = {});
MipResult mip_mclp(const std::vector<std::vector<std::uint32_t>>& of_point, std::size_t m, const std::vector<double>& w, int p,
                   std::span<const std::uint32_t> fixed, std::span<const std::uint32_t> start_open, double time_limit);
MipResult mip_lscp(const std::vector<std::vector<std::uint32_t>>& of_point, std::size_t m, const std::vector<double>& w,
                   std::span<const std::uint32_t> fixed, std::span<const std::uint32_t> start_open, double time_limit);

}  // namespace oasis::siting::detail
