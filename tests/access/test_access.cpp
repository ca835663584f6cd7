#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>

#include "oasis/access/decay.hpp"
#include "oasis/access/methods.hpp"
#include "oasis/core/error.hpp"
#include "oasis/travel/od.hpp"

using namespace oasis;
using namespace oasis::access;
using travel::OdMatrix;
using travel::OdRow;

namespace {
OdMatrix od_of(std::vector<OdRow> rows, std::size_t n_dest) { return travel::assemble(std::move(rows), n_dest); }
AccessResult run(Method m, const OdMatrix& od, std::vector<double> demand, std::vector<double> supply, std::string decay = "",
                 double max_cost = INFINITY, std::vector<double> supply_demand = {}) {
  AccessParams p;
  p.method = m;
  p.max_cost = max_cost;
  p.decay = decay.empty() ? default_decay(m, max_cost) : Decay::parse(decay);
  return compute_access(p, od, demand, supply, supply_demand);
}
}  // namespace

TEST_CASE("decays: values and the closure of every boundary") {
  const auto apl = Decay::drees_apl();
  CHECK(apl(0) == 1.0);
  CHECK(apl(9.999) == 1.0);
  CHECK(apl(10) == 0.666667);  // left-closed steps: t = 10 is in the second band
  CHECK(apl(15) == 0.333333);
  CHECK(apl(19.99) == 0.333333);
  CHECK(apl(20) == 0.0);
  CHECK(Decay::parse("binary:30")(30) == 1.0);  // binary is closed at C
  CHECK(Decay::parse("binary:30")(30.001) == 0.0);
  CHECK(Decay::parse("linear:20")(5) == Approx(0.75));
  CHECK(Decay::parse("linear:20")(25) == 0.0);
  CHECK(Decay::parse("exp:0.1")(10) == Approx(std::exp(-1.0)));
  CHECK(Decay::parse("power:2")(0) == 1.0);
  CHECK(Decay::parse("power:2")(4) == Approx(1.0 / 16));
  CHECK(Decay::parse("gaussian:10")(10) == Approx(std::exp(-0.5)));
  CHECK(Decay::parse("logistic:20:5")(0) == 1.0);
  CHECK(Decay::parse("logistic:20:5")(20) == Approx((1 + std::exp(-20 * M_PI / (5 * std::sqrt(3.0)))) / 2));
  CHECK(Decay::parse("table:0:1,10:0.5,20:0")(5) == Approx(0.75));
  CHECK(Decay::parse("table:0:1,10:0.5,20:0")(30) == 0.0);
  CHECK(Decay::parse(apl.spec())(12) == apl(12));
  for (const char* bad : {"step", "step:10", "step:10:1,5:1", "binary:-1", "gaussian", "wave:3", "exp:x", "linear:0"})
    CHECK_THROWS_AS(Decay::parse(bad), Error);
}

TEST_CASE("2SFCA on a 3-tract example computed by hand") {
  // Demand a (100), b (200), c (300); supply sites x (10), y (20).
  // a reaches x (5 min); b reaches x (10) and y (20); c reaches y (5).
  const auto od = od_of({{{0, 5}}, {{0, 10}, {1, 20}}, {{1, 5}}}, 2);
  const auto r = run(Method::two_sfca, od, {100, 200, 300}, {10, 20});
  // R_x = 10 / 300, R_y = 20 / 500.
  CHECK(r.value[0] == Approx(10.0 / 300));
  CHECK(r.value[1] == Approx(10.0 / 300 + 20.0 / 500));
  CHECK(r.value[2] == Approx(20.0 / 500));
  // Invariant: sum P_i A_i = sum S_j.
  CHECK(100 * r.value[0] + 200 * r.value[1] + 300 * r.value[2] == Approx(30.0));
  // max cost 15 (inclusive): b loses y.
  const auto r15 = run(Method::two_sfca, od, {100, 200, 300}, {10, 20}, "", 15);
  CHECK(r15.value[1] == Approx(10.0 / 300));
  CHECK(r15.value[2] == Approx(20.0 / 300));
  const auto r10 = run(Method::two_sfca, od, {100, 200, 300}, {10, 20}, "", 10);  // 10 is kept
  CHECK(r10.value[1] == Approx(10.0 / 300));
}

TEST_CASE("APL preset: DREES steps, boundaries at 10, 15, 20, and the invariant") {
  // Commune 0 (P~ 1000) has a GP practice (3 600 consultations); commune 1 (P~ 500) is at t,
  // commune 2 (P~ 200) has none and sees 0 at 25 minutes.
  for (double t : {9.0, 10.0, 15.0, 20.0}) {
    const auto od = od_of({{{0, 0}, {1, static_cast<float>(t)}}, {{0, static_cast<float>(t)}, {1, 0}}, {{2, 0}, {0, 25}}}, 3);
    const auto r = run(Method::apl, od, {1000, 500, 200}, {3600, 0, 0});
    const double f = t < 10 ? 1 : t < 15 ? 0.666667 : t < 20 ? 0.333333 : 0;
    const double ratio = 3600 / (1000 + f * 500);
    INFO("t = " << t);
    CHECK(r.value[0] == Approx(ratio));
    CHECK(r.value[1] == Approx(f * ratio));
    CHECK(r.value[2] == 0.0);
    CHECK(r.flag[2] == Flag::no_supply_in_reach);
    CHECK(1000 * r.value[0] + 500 * r.value[1] + 200 * r.value[2] == Approx(3600));
  }
}

TEST_CASE("a supply with no demand in reach is reported, a population of 0 is fine") {
  const auto od = od_of({{{0, 5}}, {{0, 5}}}, 2);
  const auto r = run(Method::two_sfca, od, {0, 100}, {10, 7});
  CHECK(r.value[0] == Approx(0.1));  // population 0 still has access
  CHECK(r.value[1] == Approx(0.1));
  CHECK(r.supply_without_demand == 1);
  CHECK(r.supply_unreached == 7.0);
  CHECK_THROWS_AS(run(Method::two_sfca, od, {-1, 100}, {10, 7}), Error);
  CHECK_THROWS_AS(run(Method::two_sfca, od, {NAN, 100}, {10, 7}), Error);
}

TEST_CASE("gravity, cumulative and cost-to-closest") {
  const auto od = od_of({{{0, 5}, {1, 20}}, {{1, 0}}}, 2);
  const auto g = run(Method::gravity, od, {1, 1}, {10, 20}, "exp:0.1");
  CHECK(g.value[0] == Approx(10 * std::exp(-0.5) + 20 * std::exp(-2.0)));
  CHECK(g.value[1] == Approx(20.0));
  const auto c = run(Method::cumulative, od, {1, 1}, {10, 20}, "", 15);
  CHECK(c.value[0] == 10.0);
  // Cost to closest n: the least time within which the supply reached adds up to n (ipea's
  // cost_to_closest). Origin 0 has 10 at 5 min and 20 more at 20 min; origin 1 has 20 at 0 min.
  AccessParams p;
  p.method = Method::cost_to_closest;
  p.n = 2;
  const auto k2 = compute_access(p, od, std::vector<double>{1, 1}, std::vector<double>{10, 20});
  CHECK(k2.value[0] == 5.0);  // the 10 of the nearest site are enough
  CHECK(k2.value[1] == 0.0);
  p.n = 15;
  const auto k15 = compute_access(p, od, std::vector<double>{1, 1}, std::vector<double>{10, 20});
  CHECK(k15.value[0] == 20.0);
  p.n = 25;
  const auto k25 = compute_access(p, od, std::vector<double>{1, 1}, std::vector<double>{10, 20});
  CHECK(k25.value[0] == 20.0);
  CHECK(std::isnan(k25.value[1]));  // 20 in reach, 25 asked
  CHECK(k25.flag[1] == Flag::no_supply_in_reach);
  // With a supply of 1 per site, n is the rank of the site.
  p.n = 2;
  const auto rank = compute_access(p, od, std::vector<double>{1, 1}, std::vector<double>{1, 1});
  CHECK(rank.value[0] == 20.0);
  CHECK(std::isnan(rank.value[1]));
}

TEST_CASE("3SFCA selection weights, by hand") {
  // One demand (100) reaching x at 5 min (w 0.962) and y at 15 min (w 0.704), S = 10 each.
  const auto od = od_of({{{0, 5}, {1, 15}}}, 2);
  const auto r = run(Method::three_sfca, od, {100}, {10, 10});
  const double wx = 0.962, wy = 0.704, gx = wx / (wx + wy), gy = wy / (wx + wy);
  const double rx = 10 / (gx * wx * 100), ry = 10 / (gy * wy * 100);
  CHECK(r.value[0] == Approx(gx * wx * rx + gy * wy * ry));
  CHECK(r.value[0] == Approx(0.2));  // a lone demand gets all the supply per head
}

TEST_CASE("floating-catchment methods conserve the total supply on a 5 x 5 grid") {
  // A 5 x 5 grid of unit squares, demand 1..25, supply at 3 cells, catchment 2 steps (Manhattan),
  // time = 5 min per step, linear decay over 15 minutes.
  std::vector<OdRow> rows(25);
  const std::vector<int> sites{0, 12, 24};
  for (int i = 0; i < 25; ++i)
    for (int s = 0; s < 3; ++s) {
      const int d = std::abs(i / 5 - sites[s] / 5) + std::abs(i % 5 - sites[s] % 5);
      if (d <= 2) rows[i].emplace_back(s, 5.0f * static_cast<float>(d));
    }
  const auto od = od_of(rows, 3);
  std::vector<double> pop(25);
  std::iota(pop.begin(), pop.end(), 1.0);
  const std::vector<double> supply{30, 50, 20};
  auto total = [&](const AccessResult& r) {
    double t = 0;
    for (int i = 0; i < 25; ++i) t += pop[i] * r.value[i];
    return t;
  };
  // Spatial availability (total) allocates each site's supply once: sum_i V_i = sum_j S_j; per capita,
  // sum_i P_i v_i is the same total.
  double sa_total = 0;
  for (double v : run(Method::spatial_availability, od, pop, supply, "linear:15").value) sa_total += v;
  CHECK(sa_total == Approx(100.0));
  AccessParams pc;
  pc.method = Method::spatial_availability;
  pc.decay = Decay::parse("linear:15");
  pc.sa_per_capita = true;
  CHECK(total(compute_access(pc, od, pop, supply)) == Approx(100.0));
  CHECK(total(run(Method::g2sfca, od, pop, supply, "linear:15")) == Approx(100.0));
  CHECK(total(run(Method::three_sfca, od, pop, supply, "linear:15")) == Approx(100.0));
  // Gravity has no competition term: its total is not the supply.
  CHECK(total(run(Method::gravity, od, pop, supply, "linear:15")) > 100.0);
  // BFCA (Paez et al. 2019) by hand: W^i = W / row sum, W^j = W / column sum; the population
  // served P*_j = sum_k P_k W^i_kj adds up to the population in reach (no demand inflation), and
  // sum_i A_i = sum_j L_j (no level-of-service inflation). Cell 0 reaches only site 0, with W = 1.
  std::vector<double> served(3, 0.0), colsum(3, 0.0);
  double in_reach = 0;
  for (int i = 0; i < 25; ++i) {
    double wsum = 0;
    for (const auto& [s, t] : rows[i]) wsum += std::max(0.0, 1.0 - t / 15.0);
    if (wsum > 0) in_reach += pop[i];
    for (const auto& [s, t] : rows[i]) {
      const double w = std::max(0.0, 1.0 - t / 15.0);
      colsum[s] += w;
      if (wsum > 0) served[s] += pop[i] * w / wsum;
    }
  }
  CHECK(served[0] + served[1] + served[2] == Approx(in_reach));
  const auto b = run(Method::bfca, od, pop, supply, "linear:15");
  double level_total = 0, access_total = 0;
  for (int s = 0; s < 3; ++s) level_total += supply[s] / served[s];
  for (double v : b.value) access_total += v;
  CHECK(access_total == Approx(level_total));
  CHECK(b.value[0] == Approx(30.0 / served[0] / colsum[0]));
}

TEST_CASE("fca-ratio uses the demand located at the supply sites") {
  const auto od = od_of({{{0, 0}, {1, 10}}, {{1, 0}}}, 2);
  const auto r = run(Method::fca_ratio, od, {100, 300}, {5, 10}, "", INFINITY, {100, 300});
  CHECK(r.value[0] == Approx(15.0 / 400));
  CHECK(r.value[1] == Approx(10.0 / 300));
  CHECK_THROWS_AS(run(Method::fca_ratio, od, {100, 300}, {5, 10}), Error);
}

TEST_CASE("APL activity caps, age weights, density and inequality") {
  CHECK(apl_counted_activity(249) == 0);
  CHECK(apl_counted_activity(251) == 3600);
  CHECK(apl_counted_activity(3600) == 3600);
  CHECK(apl_counted_activity(4500) == 4500);
  CHECK(apl_counted_activity(7000) == 6000);
  CHECK(apl_counted_activity(100, true) == 5400);
  CHECK(apl_counted_activity(9000, false, true) == 9000);
  std::vector<double> bands(19, 0.0);
  bands[0] = 100;  // 0-4
  bands[18] = 10;  // 90+
  CHECK(standardised_population(bands, 2022) == Approx(100 * 0.93 + 10 * 2.39));
  CHECK(standardised_population(bands, 2023) == Approx(100 * 1.12 + 10 * 2.26));
  CHECK_THROWS_AS(standardised_population(std::vector<double>(18, 1.0), 2022), Error);
  const auto d = density_per_100k(std::vector<double>{3, 0}, std::vector<double>{1500, 0});
  CHECK(d[0] == Approx(200.0));
  CHECK(std::isnan(d[1]));
  // Two groups: 50 people at 1, 50 at 3. Mean 2; Gini = 0.25; half below 2.5.
  const auto q = inequality(std::vector<double>{1, 3}, std::vector<double>{50, 50}, 2.5);
  CHECK(q.weighted_mean == Approx(2.0));
  CHECK(q.gini == Approx(0.25));
  CHECK(q.share_below == Approx(0.5));
  // Palma: top 10 % (10 people at 3 = 30) / bottom 40 % (40 people at 1 = 40).
  CHECK(q.palma == Approx(0.75));
  const auto eq = inequality(std::vector<double>{2, 2, 2}, std::vector<double>{1, 5, 10}, 2.5);
  CHECK(eq.gini == Approx(0.0).margin(1e-12));
  // Theil T: 0.5 x (1/2) ln(1/2) + 0.5 x (3/2) ln(3/2) = 0.1308...; 0 for equality; all of it held
  // by half the population: ln 2.
  CHECK(q.theil == Approx(0.25 * std::log(0.5) + 0.75 * std::log(1.5)));
  CHECK(q.theil == Approx(0.130812).epsilon(1e-5));
  CHECK(eq.theil == Approx(0.0).margin(1e-12));
  CHECK(inequality(std::vector<double>{0, 4}, std::vector<double>{50, 50}, 1).theil == Approx(std::log(2.0)));
}

TEST_CASE("concentration index: by hand, its sign, and the Gini when ranked by the value itself") {
  // 50 people at 1 in the sparse commune, 50 at 3 in the dense one: fractional ranks 1/4 and 3/4,
  // CI = 2 / 2 x (0.5 x (-1) x (-1/4) + 0.5 x 1 x 1/4) = 0.25: access concentrated where dense.
  const std::vector<double> v{1, 3}, pop{50, 50};
  CHECK(concentration_index(v, pop, std::vector<double>{10, 1000}) == Approx(0.25));
  CHECK(concentration_index(v, pop, std::vector<double>{1000, 10}) == Approx(-0.25));
  CHECK(concentration_index(std::vector<double>{2, 2}, pop, std::vector<double>{1, 2}) == Approx(0.0).margin(1e-12));
  CHECK(std::isnan(concentration_index(std::vector<double>{0, 0}, pop, std::vector<double>{1, 2})));
  // Ranked by the value itself, the concentration index is the Gini (an independent formula).
  const std::vector<double> x{0.3, 2.9, 1.1, 4.2, 2.0, 0.0}, w{120, 40, 300, 15, 80, 60};
  CHECK(concentration_index(x, w, x) == Approx(inequality(x, w, 2.5).gini).epsilon(1e-12));
}

TEST_CASE("Spearman rank correlation, with ties") {
  const std::vector<double> a{1, 2, 3, 4}, up{10, 20, 30, 40}, down{4, 3, 2, 1};
  CHECK(spearman(a, up) == Approx(1.0));
  CHECK(spearman(a, down) == Approx(-1.0));
  // Ranks of {1, 2, 2, 3} are {0, 1.5, 1.5, 3}: correlation with {0, 1, 2, 3} = 4.5 / sqrt(5 x 4.5).
  CHECK(spearman(std::vector<double>{1, 2, 2, 3}, std::vector<double>{0, 1, 2, 3}) == Approx(4.5 / std::sqrt(5 * 4.5)));
}

TEST_CASE("2SFCA on the 5 x 5 unit grid of the peers' test suites, by hand") {
  // pysal/access tests its floating catchments on an n x n grid with one unit of supply and of
  // demand per cell and euclidean costs. Re-expressed here with a catchment of 1 (a cell reaches
  // itself and its 4 neighbours): a corner site has 3 cells in reach, an edge site 4, an inner
  // site 5, so R_j = 1/3, 1/4, 1/5 and A_i = sum of R_j over the cells i reaches.
  std::vector<OdRow> rows(25);
  for (int i = 0; i < 25; ++i)
    for (int j = 0; j < 25; ++j) {
      const double d = std::hypot(i / 5 - j / 5, i % 5 - j % 5);
      if (d <= 1.0) rows[i].emplace_back(j, static_cast<float>(d));
    }
  const auto od = od_of(rows, 25);
  const std::vector<double> ones(25, 1.0);
  const auto r = run(Method::two_sfca, od, ones, ones, "binary:1");
  CHECK(r.value[0] == Approx(1.0 / 3 + 1.0 / 4 + 1.0 / 4));              // corner: itself, two edge cells
  CHECK(r.value[1] == Approx(1.0 / 4 + 1.0 / 3 + 1.0 / 4 + 1.0 / 5));    // edge next to a corner
  CHECK(r.value[6] == Approx(1.0 / 5 + 2 * (1.0 / 4) + 2 * (1.0 / 5)));  // inner cell next to two edges
  CHECK(r.value[12] == Approx(1.0));                                     // centre: five inner cells
  double total = 0;
  for (double v : r.value) total += v;
  CHECK(total == Approx(25.0));  // sum P_i A_i = sum S_j
  // A catchment covering the grid: every cell gets total supply / total demand = 1.
  const auto wide = run(Method::two_sfca,
                        od_of(
                            [&] {
                              std::vector<OdRow> all(25);
                              for (int i = 0; i < 25; ++i)
                                for (int j = 0; j < 25; ++j)
                                  all[i].emplace_back(j, static_cast<float>(std::hypot(i / 5 - j / 5, i % 5 - j % 5)));
                              return all;
                            }(),
                            25),
                        ones, ones, "binary:100");
  for (double v : wide.value) CHECK(v == Approx(1.0));
}

TEST_CASE("bulk decay weights equal the decay itself, bounds and max cost included", "[access]") {
  // Times on every step bound, just either side, 0, beyond the last step and beyond max_cost.
  const std::vector<float> t{0.0f, 4.999f, 5.0f, 5.001f, 10.0f, 12.0f, 15.0f, 19.99f, 20.0f, 20.5f, 29.0f, 30.0f, 31.0f, 60.0f};
  for (const char* spec : {"step:5:1,10:0.5,20:0.25", "step-right:5:1,10:0.5,20:0.25", "none", "binary:20", "linear:30", "exp:0.1",
                           "power:1.5", "gaussian:10", "logistic:15:5", "table:0:1,10:0.5,30:0"}) {
    const auto d = access::Decay::parse(spec);
    std::vector<double> out(t.size(), -1.0);
    d.weights(t, 30.0, out);
    for (std::size_t k = 0; k < t.size(); ++k) {
      INFO(spec << " at " << t[k]);
      CHECK(out[k] == (t[k] > 30.0f ? 0.0 : d(t[k])));
    }
  }
  // By hand: step is [0,5) -> 1, [5,10) -> 0.5, [10,20) -> 0.25, 20 and beyond 0; step-right (0,5] -> 1 ...
  std::vector<double> out(t.size());
  access::Decay::parse("step:5:1,10:0.5,20:0.25").weights(t, 30.0, out);
  CHECK(out == std::vector<double>{1, 1, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0, 0, 0, 0, 0, 0});
  access::Decay::parse("step-right:5:1,10:0.5,20:0.25").weights(t, 30.0, out);
  CHECK(out == std::vector<double>{1, 1, 1, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0, 0, 0, 0, 0});
}
