// Supply calibration (access/calibrate.hpp) on problems small enough to solve by hand.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include <tbb/global_control.h>

#include "oasis/access/calibrate.hpp"
#include "oasis/core/error.hpp"
#include "oasis/travel/od.hpp"

using namespace oasis;
using namespace oasis::access;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

AccessParams binary_2sfca() {
  AccessParams p;
  p.method = Method::two_sfca;
  p.max_cost = 30;
  p.decay = Decay::parse("none");
  return p;
}
}  // namespace

TEST_CASE("calibration: one site, one origin, the closed form of the regularised fit") {
  // A = unit x w / D = 2,300 / 1,000 = 2.3 per practitioner; one observation, weight P / mean P = 1;
  // prior h = 1, lambda = 1 -> lambda' = 1 / (h + 1) = 0.5.
  // min (2.3 u - 4.6)^2 + 0.5 (u - 1)^2  ->  u = (2.3 x 4.6 + 0.5 x 1) / (2.3^2 + 0.5) = 11.08 / 5.79.
  const auto od = travel::assemble({{{0, 0.0f}}}, 1);
  const std::vector<double> demand{1000}, prior{1}, target{4.6};
  const std::vector<char> eligible{1};
  const CalibrationProblem p{binary_2sfca(), &od, demand, prior, eligible, target};
  CalibrationSettings s;
  s.unit = 2300;
  s.lambda = 1;
  const auto f = calibrate_supply(p, s);
  CHECK(f.converged);
  CHECK(f.units[0] == Approx(1.913644214162349).epsilon(1e-9));  // 11.08 / 5.79
  // Objective at the optimum: (2.3 x 1.913644 - 4.6)^2 + 0.5 x 0.913644^2 = 0.0394490 + 0.4173731.
  CHECK(f.objective == Approx(0.4568221).epsilon(1e-6));

  SECTION("cross-validation: without its only observation the site keeps its prior") {
    const std::vector<int> fold{0};
    const auto rep = calibrate_and_validate(p, s, fold, 2.5);
    CHECK(rep.folds == 1);
    CHECK(rep.value[0] == Approx(2.3 * 1.913644214162349).epsilon(1e-9));
    CHECK(rep.cv_value[0] == Approx(2.3).epsilon(1e-9));  // u = h = 1
    CHECK(rep.prior->mean_absolute_error == Approx(4.6 - 2.3).epsilon(1e-12));
    CHECK(rep.cross_validated->mean_absolute_error == Approx(2.3).epsilon(1e-9));
  }
}

TEST_CASE("calibration: the non-negativity bound is active where the data asks for negative supply") {
  // Site 0 reaches origins 0 and 1, site 1 reaches origin 1 only; populations 1,000 each, unit 1,000:
  // A_0 = 0.5 u0, A_1 = 0.5 u0 + u1. Targets 2 and 0.5: the exact solution u = (4, -1.5) is not
  // allowed; with u1 = 0, min (0.5 u0 - 2)^2 + (0.5 u0 - 0.5)^2 -> u0 = 2.5, and the gradient in u1,
  // A_1 - 0.5 = 0.75 > 0, keeps u1 at its bound.
  const auto od = travel::assemble({{{0, 0.0f}}, {{0, 5.0f}, {1, 0.0f}}}, 2);
  const std::vector<double> demand{1000, 1000}, prior{0, 0}, target{2, 0.5};
  const std::vector<char> eligible{1, 1};
  const CalibrationProblem p{binary_2sfca(), &od, demand, prior, eligible, target};
  CalibrationSettings s;
  s.unit = 1000;
  s.lambda = 1e-9;
  s.tolerance = 1e-12;
  const auto f = calibrate_supply(p, s);
  CHECK(f.converged);
  CHECK(f.units[0] == Approx(2.5).epsilon(1e-6));
  CHECK(f.units[1] == 0.0);
}

TEST_CASE("calibration: a consistent over-determined problem recovers the supply that made the target") {
  // Five origins, three sites, overlapping binary catchments: the target is the 2SFCA value of a
  // known supply; with a negligible prior the fit returns that supply.
  const auto od = travel::assemble({{{0, 0.0f}}, {{0, 8.0f}, {1, 9.0f}}, {{1, 0.0f}}, {{1, 7.0f}, {2, 6.0f}}, {{2, 0.0f}}}, 3);
  const std::vector<double> demand{800, 1200, 3000, 500, 1500}, truth{3, 7, 2};
  AccessParams ap = binary_2sfca();
  std::vector<double> supply(3);
  for (int j = 0; j < 3; ++j) supply[j] = truth[j] * 2300;
  const auto made = compute_access(ap, od, demand, supply);
  const std::vector<double> prior{1, 1, 1};
  const std::vector<char> eligible{1, 1, 1};
  const CalibrationProblem p{ap, &od, demand, prior, eligible, made.value};
  CalibrationSettings s;
  s.lambda = 1e-10;
  s.tolerance = 1e-12;
  s.max_sweeps = 100000;
  const auto rep = calibrate_and_validate(p, s, {}, 2.5);
  for (int j = 0; j < 3; ++j) CHECK(rep.fit.units[j] == Approx(truth[j]).epsilon(1e-6));
  for (int o = 0; o < 5; ++o) CHECK(rep.value[o] == Approx(made.value[o]).epsilon(1e-6));
  CHECK(rep.in_sample->spearman == Approx(1.0));
  CHECK(rep.folds == 0);

  SECTION("a site that is not eligible stays at 0 and origins without a target are not fitted") {
    std::vector<double> partial = made.value;
    partial[4] = kNaN;  // origin 4 (reached by site 2 only, with origin 3) loses its target
    const std::vector<char> two{1, 1, 0};
    const CalibrationProblem q{ap, &od, demand, prior, two, partial};
    const auto g = calibrate_supply(q, s);
    CHECK(g.units[2] == 0.0);
    CHECK(g.units[0] > 0);
  }
}

TEST_CASE("calibration: the département folds give the same bits on one thread and on two") {
  const auto od = travel::assemble({{{0, 0.0f}}, {{0, 8.0f}, {1, 9.0f}}, {{1, 0.0f}}, {{1, 7.0f}, {2, 6.0f}}, {{2, 0.0f}}}, 3);
  const std::vector<double> demand{800, 1200, 3000, 500, 1500}, prior{2, 5, 1}, target{1.5, 3.0, 4.0, 2.0, 0.5};
  const std::vector<char> eligible{1, 1, 1};
  const std::vector<int> fold{0, 0, 1, 2, 2};
  const CalibrationProblem p{binary_2sfca(), &od, demand, prior, eligible, target};
  CalibrationSettings s;
  auto run = [&](int threads) {
    tbb::global_control c(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    return calibrate_and_validate(p, s, fold, 2.5);
  };
  const auto a = run(1), b = run(2);
  CHECK(a.folds == 3);
  CHECK(a.fit.units == b.fit.units);
  CHECK(a.cv_value == b.cv_value);
  for (double v : a.cv_value) CHECK(std::isfinite(v));
}

TEST_CASE("calibration: refused for a method that is not linear in supply, or a negative prior") {
  const auto od = travel::assemble({{{0, 0.0f}}}, 1);
  const std::vector<double> demand{1000}, prior{1}, bad{-1}, target{1};
  const std::vector<char> eligible{1};
  AccessParams bfca = binary_2sfca();
  bfca.method = Method::bfca;
  CHECK_THROWS_AS(calibrate_supply({bfca, &od, demand, prior, eligible, target}, {}), Error);
  CHECK_THROWS_AS(calibrate_supply({binary_2sfca(), &od, demand, bad, eligible, target}, {}), Error);
}

TEST_CASE("calibration by group: one factor per group, the closed form of the regularised fit") {
  // Two origins, each reached by its own site only; populations 1,000 and unit 1,000, so A = I:
  // the APL of origin i is f_g h_i. Priors h = (2, 4), targets (3, 5), weights 1, lambda 1.
  // The prior term of a group is lambda sum_j h_j^2 / (h_j + 1) (f - 1)^2: 4/3 for site 0, 16/5 for site 1.
  const auto od = travel::assemble({{{0, 0.0f}}, {{1, 0.0f}}}, 2);
  const std::vector<double> demand{1000, 1000}, prior{2, 4}, target{3, 5};
  const std::vector<char> eligible{1, 1};
  CalibrationSettings s;
  s.unit = 1000;
  s.lambda = 1;

  SECTION("both sites in one group: f = (2x3 + 4x5 + L) / (2^2 + 4^2 + L), L = 4/3 + 16/5") {
    const std::vector<int> group{0, 0};
    const CalibrationProblem p{binary_2sfca(), &od, demand, prior, eligible, target, group};
    const auto f = calibrate_supply(p, s);
    CHECK(f.converged);
    REQUIRE(f.factors.size() == 1);
    const double L = 4.0 / 3.0 + 16.0 / 5.0;
    CHECK(f.factors[0] == Approx((26 + L) / (20 + L)).epsilon(1e-10));  // 1.2445652...
    CHECK(f.units[0] == Approx(2 * (26 + L) / (20 + L)).epsilon(1e-10));
    CHECK(f.units[1] == Approx(4 * (26 + L) / (20 + L)).epsilon(1e-10));
  }
  SECTION("one group each: two independent closed forms, and a held-out group keeps factor 1") {
    const std::vector<int> group{0, 1};
    const CalibrationProblem p{binary_2sfca(), &od, demand, prior, eligible, target, group};
    const std::vector<int> fold{0, 1};
    const auto rep = calibrate_and_validate(p, s, fold, 2.5);
    REQUIRE(rep.fit.factors.size() == 2);
    CHECK(rep.fit.factors[0] == Approx((6 + 4.0 / 3.0) / (4 + 4.0 / 3.0)).epsilon(1e-10));  // 1.375
    CHECK(rep.fit.factors[1] == Approx(23.2 / 19.2).epsilon(1e-10));                        // 1.2083...
    CHECK(rep.value[0] == Approx(2 * 1.375).epsilon(1e-10));
    CHECK(rep.folds == 2);
    CHECK(rep.cv_value[0] == Approx(2.0).epsilon(1e-12));  // f = 1: its prior
    CHECK(rep.cv_value[1] == Approx(4.0).epsilon(1e-12));
  }
  SECTION("a site without a group is an error") {
    const std::vector<int> group{0, -1};
    const CalibrationProblem p{binary_2sfca(), &od, demand, prior, eligible, target, group};
    CHECK_THROWS_AS(calibrate_supply(p, s), Error);
  }
}
