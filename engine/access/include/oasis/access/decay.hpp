#pragma once
// Distance-decay functions f(t), t in minutes, each a value with its parameters. Parsed from a
// spec string ("step:10:1,15:0.666667,20:0.333333", "gaussian:10"...); see docs/access.md for the
// closure of every boundary and the peer each convention matches.
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace oasis::access {

class Decay {
 public:
  enum class Kind { none, binary, step, step_right, linear, exp, power, gaussian, logistic, table };

  /// Throws Error(usage) with the accepted forms when the spec is malformed.
  static Decay parse(std::string_view spec);
  /// The DREES APL decay: 1 for t < 10, 2/3 for 10 <= t < 15, 1/3 for 15 <= t < 20, 0 from 20.
  static Decay drees_apl();

  double operator()(double t_min) const noexcept;
  /// out[k] = (*this)(t[k]) for t[k] <= max_cost, else 0: the same values, the kind chosen once
  /// for all the pairs and the steps found without branches (floating-catchment kernels).
  void weights(std::span<const float> t, double max_cost, std::span<double> out) const;
  Kind kind() const noexcept { return kind_; }
  /// Canonical spec (parse(spec()) == *this).
  std::string spec() const;
  /// Largest t with f(t) > 0 (infinity for decays that never reach 0).
  double support() const noexcept;

 private:
  Kind kind_ = Kind::none;
  double a_ = 0, b_ = 0;
  std::vector<double> t_, w_;  // step thresholds / table points
};

}  // namespace oasis::access
