#include <catch2/catch.hpp>

#include <functional>
#include <map>

#include <algorithm>
#include <cmath>
#include <random>

#include "oasis/core/error.hpp"
#include "oasis/siting/siting.hpp"

using namespace oasis;
using namespace oasis::siting;

namespace {
Instance dense(const std::vector<std::vector<float>>& cost, std::vector<double> w) {
  std::vector<travel::OdRow> rows;
  for (const auto& r : cost) {
    travel::OdRow row;
    for (std::uint32_t j = 0; j < r.size(); ++j)
      if (r[j] >= 0) row.emplace_back(j, r[j]);  // negative = no pair (out of reach)
    rows.push_back(std::move(row));
  }
  Instance in;
  in.od = travel::assemble(std::move(rows), cost.empty() ? 0 : cost[0].size());
  in.weight = std::move(w);
  return in;
}

/// The best objective over every subset of `k` candidates (brute force).
double brute(const Instance& in, const Options& o, int k, bool maximise) {
  const auto m = in.od.n_destinations;
  std::vector<char> pick(m, 0);
  std::fill(pick.begin(), pick.begin() + k, 1);
  double best = maximise ? -1e300 : 1e300;
  std::sort(pick.begin(), pick.end());
  do {
    std::vector<std::uint32_t> open;
    for (std::uint32_t j = 0; j < m; ++j)
      if (pick[j]) open.push_back(j);
    const double v = evaluate(in, o, open);
    best = maximise ? std::max(best, v) : std::min(best, v);
  } while (std::next_permutation(pick.begin(), pick.end()));
  return best;
}
}  // namespace

TEST_CASE("p-median on a line, solved by hand") {
  // Five towns on a line at 0, 1, 2, 10, 11 km, weights 1, 1, 1, 2, 2; candidates = the towns.
  // p = 2: one site in {0,1,2} (best: 1, cost 2), one in {10,11} (either: cost 2): total 4.
  const std::vector<float> x{0, 1, 2, 10, 11};
  std::vector<std::vector<float>> c(5, std::vector<float>(5));
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 5; ++j) c[i][j] = std::abs(x[i] - x[j]);
  const auto in = dense(c, {1, 1, 1, 2, 2});
  Options o;
  o.p = 2;
  const auto s = solve(in, o);
  CHECK(s.objective == 4.0);
  CHECK(s.open.front() == 1);
  CHECK(s.bound <= s.objective);
  CHECK(s.bound == 4.0);  // the Lagrangian bound closes the gap here
  CHECK(s.rounds == 0);   // so no perturbation round runs: the first local optimum is proven
  CHECK(s.gap == 0.0);
  // A fixed site at 0 forces the other into {10, 11}: cost 1 + 2 + 2 = 5.
  Instance f = in;
  f.fixed = {0};
  const auto sf = solve(f, o);
  CHECK(sf.objective == 5.0);
  CHECK(std::find(sf.open.begin(), sf.open.end(), 0u) != sf.open.end());
  // MCLP within 1 km with one site: 1 covers {0,1,2} (3), 10 covers {10,11} (4): pick 10 or 11.
  Options m;
  m.model = Model::mclp;
  m.p = 1;
  m.radius = 1;
  const auto sm = solve(in, m);
  CHECK(sm.objective == 4.0);
  CHECK(sm.bound >= sm.objective);
  // LSCP within 1 km: two sites (1 and 10 or 11). p-center with 2 sites: max distance 1.
  Options l;
  l.model = Model::lscp;
  l.radius = 1;
  CHECK(solve(in, l).objective == 2.0);
  Options pc;
  pc.model = Model::p_center;
  pc.p = 2;
  const auto sp = solve(in, pc);
  CHECK(sp.objective == 1.0);
  CHECK(sp.bound <= 1.0);
}

TEST_CASE("every model against brute force on small random instances, bounds always valid") {
  std::mt19937_64 rng(42);
  for (int trial = 0; trial < 25; ++trial) {
    const int n = 12, m = 8;
    std::vector<std::vector<float>> c(n, std::vector<float>(m));
    std::vector<double> w(n);
    for (int i = 0; i < n; ++i) {
      w[i] = static_cast<double>(1 + rng() % 9);
      for (int j = 0; j < m; ++j) c[i][j] = (rng() % 7 == 0) ? -1.0f : static_cast<float>(1 + rng() % 40);  // some pairs absent
    }
    const auto in = dense(c, w);
    for (int p = 1; p <= 3; ++p) {
      INFO("trial " << trial << ", p = " << p);
      Options o;
      o.p = p;
      o.time_limit_s = 0.05;
      auto s = solve(in, o);
      const double opt = brute(in, o, p, false);
      CHECK(s.bound <= opt + 1e-9);
      CHECK(s.objective >= opt - 1e-9);
      CHECK(s.objective == Approx(opt));  // tiny instances: the local search finds the optimum
      o.model = Model::mclp;
      o.radius = 15;
      s = solve(in, o);
      const double cov = brute(in, o, p, true);
      CHECK(s.bound >= cov - 1e-9);
      CHECK(s.objective == Approx(cov));
      o.model = Model::p_center;
      s = solve(in, o);
      const double center = brute(in, o, p, false);
      CHECK(s.bound <= center + 1e-9);
      CHECK(s.objective >= center - 1e-9);
    }
    Options l;
    l.model = Model::lscp;
    l.radius = 20;
    const auto s = solve(in, l);
    // The smallest k whose best cover leaves nothing coverable uncovered, by brute force.
    int need = 0;
    Options mc;
    mc.model = Model::mclp;
    mc.radius = 20;
    double coverable = 0;
    for (int i = 0; i < n; ++i) {
      bool any = false;
      for (int j = 0; j < m; ++j) any = any || (c[i][j] >= 0 && c[i][j] <= 20);
      if (any) coverable += w[i];
    }
    for (int k = 1; k <= m; ++k)
      if (brute(in, mc, k, true) >= coverable - 1e-9) {
        need = k;
        break;
      }
    CHECK(s.bound <= need);
    CHECK(s.objective >= need);
  }
}

TEST_CASE("same seed, same answer, bad instances are refused") {
  std::vector<std::vector<float>> c{{1, 5, 9}, {4, 1, 6}, {8, 3, 1}, {2, 2, 2}};
  auto in = dense(c, {3, 1, 2, 5});
  Options o;
  o.p = 2;
  o.seed = 7;
  CHECK(solve(in, o).open == solve(in, o).open);
  o.p = 4;
  CHECK_THROWS_AS(solve(in, o), Error);  // more sites than candidates
  o.p = 1;
  in.fixed = {0, 1};
  CHECK_THROWS_AS(solve(in, o), Error);  // more fixed sites than p
  in.fixed.clear();
  in.weight[2] = -1;
  CHECK_THROWS_AS(solve(in, o), Error);
  in.weight[2] = 2;
  o.model = Model::mclp;
  o.radius = NAN;
  CHECK_THROWS_AS(solve(in, o), Error);
}

TEST_CASE("access-aware siting: population lifted over the line, max-min, bounds against brute force") {
  // Three zones below 2.5 (pop 100, 200, 300), one above. Candidate 0 raises zone 0 by 1.0;
  // candidate 1 raises zones 1 and 2 by 0.3; candidate 2 raises zone 2 by 0.6; candidate 3 raises
  // zone 1 by 0.5 and zone 3 by 1.
  AccessInstance in;
  in.base = {2.0, 2.2, 2.0, 3.0};
  in.population = {100, 200, 300, 50};
  in.effect = {{{0, 1.0}}, {{1, 0.3}, {2, 0.3}}, {{2, 0.6}}, {{1, 0.5}, {3, 1.0}}};
  AccessOptions o;
  o.k = 1;
  // One opening: candidate 2 lifts zone 2 (300) — the best single move.
  auto s = solve_access(in, o);
  CHECK(s.objective == 300);
  CHECK(s.open == std::vector<std::uint32_t>{2});
  CHECK(s.bound >= 300);
  CHECK(s.marginal == std::vector<double>{300});
  // Two openings: 2 and then 1 or 3 (zone 1: 2.2 + 0.3 or 0.5 >= 2.5): 300 + 200 = 500.
  o.k = 2;
  s = solve_access(in, o);
  CHECK(s.objective == 500);
  CHECK(s.after[2] >= 2.5);
  // Brute force over pairs, and the bound.
  double best = 0;
  for (std::uint32_t a = 0; a < 4; ++a)
    for (std::uint32_t b = a + 1; b < 4; ++b) {
      auto v = in.base;
      for (auto j : {a, b})
        for (const auto& [z, d] : in.effect[j]) v[z] += d;
      double lifted = 0;
      for (int z = 0; z < 4; ++z)
        if (in.base[z] < 2.5 && v[z] >= 2.5) lifted += in.population[z];
      best = std::max(best, lifted);
    }
  CHECK(s.objective == best);
  CHECK(s.bound >= best);
  // Repeats (salaried doctors): candidate 1 twice lifts zones 1 and 2 (2.2 + 0.6, 2.0 + 0.6): 500 too,
  // and three openings can lift all three zones.
  o.k = 3;
  o.max_per_candidate = 0;  // up to k openings at one candidate
  s = solve_access(in, o);
  CHECK(s.objective == 600);
  // Max-min: the smallest value among populated zones; one opening raises min(2.0, 2.2, 2.0, 3.0):
  // no single candidate raises both zone 0 and zone 2, so the minimum stays 2.0.
  o.objective = AccessObjective::max_min;
  o.k = 1;
  o.max_per_candidate = 1;
  s = solve_access(in, o);
  CHECK(s.objective == Approx(2.0));
  CHECK(s.bound >= s.objective);
  // Two openings, by hand over the six pairs: {0,1} gives zones (3.0, 2.5, 2.3, 3.0), min 2.3;
  // {0,2} gives min 2.2 (zone 1); every pair without 0 leaves zone 0 at 2.0; {0,3} leaves zone 2.
  o.k = 2;
  s = solve_access(in, o);
  CHECK(s.objective == Approx(2.3));
  CHECK(s.open == std::vector<std::uint32_t>{0, 1});
  CHECK(s.bound >= 2.3);
}

TEST_CASE("exact MIP (CBC): proves the optimum the Lagrangian bound leaves open") {
  // Random 30 x 20 instances with missing pairs: with exact = on, CBC closes the gap and the
  // answer equals the brute-force optimum (p = 2, 3: C(20, 3) = 1,140 subsets).
  std::mt19937_64 rng(7);
  int proved = 0;
  for (int trial = 0; trial < 6; ++trial) {
    const int n = 30, m = 20;
    std::vector<std::vector<float>> c(n, std::vector<float>(m));
    std::vector<double> w(n);
    for (int i = 0; i < n; ++i) {
      w[i] = static_cast<double>(1 + rng() % 20);
      for (int j = 0; j < m; ++j) c[i][j] = (rng() % 5 == 0) ? -1.0f : static_cast<float>(1 + rng() % 60);
    }
    const auto in = dense(c, w);
    for (const auto model : {Model::p_median, Model::mclp, Model::lscp}) {
      Options o;
      o.model = model;
      o.p = 2 + trial % 2;
      o.radius = 12;
      o.exact = "on";
      o.rounds = 0;            // no perturbation: leave work for the MIP
      o.bound_iterations = 5;  // a weak Lagrangian bound: the MIP must prove it
      const auto s = solve(in, o);
      INFO("trial " << trial << " model " << model_name(model));
      if (model == Model::lscp) {
        CHECK(s.gap == 0.0);  // proved by the Lagrangian bound or by the MIP
        continue;
      }
      const double opt = brute(in, o, o.p, model == Model::mclp);
      CHECK(s.objective == Approx(opt));
      CHECK(s.gap == 0.0);
      proved += s.method == "mip-optimal";
    }
  }
  CHECK(proved > 0);  // the MIP did the proving at least sometimes (else the test proves nothing)
}

TEST_CASE("capacitated p-median (MIP), solved by hand") {
  // The five towns at 0, 1, 2, 10, 11 (weights 1, 1, 1, 2, 2), p = 2, each site serving at most 3.
  // Sites {1, 10}: site 1 serves 0, 1, 2 (cost 1 + 0 + 1); site 10 serves town 10 (2, cost 0) and
  // one unit of town 11 (cost 1); the last unit is unserved (cost U = 11 + 1): 2 + 1 + 12 = 15.
  // Every other pair costs more (e.g. {2, 10}: 3 + 13 = 16; {10, 11}: 29).
  const std::vector<float> x{0, 1, 2, 10, 11};
  std::vector<std::vector<float>> c(5, std::vector<float>(5));
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 5; ++j) c[i][j] = std::abs(x[i] - x[j]);
  auto in = dense(c, {1, 1, 1, 2, 2});
  in.capacity.assign(5, 3.0);
  Options o;
  o.p = 2;
  const auto s = solve(in, o);
  CHECK(s.objective == Approx(15.0));
  CHECK(s.open.front() == 1);
  CHECK(s.gap == 0.0);
  CHECK(s.method == "mip-optimal");
  CHECK(s.unserved_weight == Approx(1.0));
  in.capacity.assign(5, 4.0);  // room for everyone: the uncapacitated optimum, 4
  CHECK(solve(in, o).objective == Approx(4.0));
  o.model = Model::mclp;
  o.radius = 1;
  CHECK_THROWS_AS(solve(in, o), Error);  // capacities are for the p-median
}

TEST_CASE("access-aware siting: bottom-decile mean, by hand") {
  // Ten zones of 10 inhabitants: values 1..10. The bottom decile (10 inhabitants) is zone 0 (1.0).
  // Candidate 0 adds 5 to zone 0 (-> 6: the bottom decile becomes zone 1, 2.0); candidate 1 adds
  // 0.5 to zones 0 and 1 (-> 1.5, 2.5: bottom 1.5). Best single opening: candidate 0, objective 2.
  AccessInstance in;
  for (int z = 0; z < 10; ++z) in.base.push_back(z + 1.0), in.population.push_back(10);
  in.effect = {{{0, 5.0}}, {{0, 0.5}, {1, 0.5}}};
  AccessOptions o;
  o.objective = AccessObjective::bottom_decile;
  o.k = 1;
  auto s = solve_access(in, o);
  CHECK(s.before == Approx(1.0));
  CHECK(s.objective == Approx(2.0));
  CHECK(s.open == std::vector<std::uint32_t>{0});
  CHECK(s.bound >= 2.0);
  // A decile cut inside a zone: populations 5 and 95, total 100, bottom 10 = 5 x v0 + 5 x v1.
  AccessInstance cut;
  cut.base = {1.0, 3.0};
  cut.population = {5, 95};
  cut.effect = {{{1, 1.0}}};
  s = solve_access(cut, o);
  CHECK(s.before == Approx((5 * 1.0 + 5 * 3.0) / 10));
  CHECK(s.objective == Approx((5 * 1.0 + 5 * 4.0) / 10));
}

namespace {

/// The best objective over every placement: counts y_j in 0..cap with sum <= k, no two
/// conflicting candidates both open, evaluated from scratch.
double brute_access(const AccessInstance& in, AccessObjective obj, int k, int cap) {
  const auto m = in.effect.size(), nz = in.base.size();
  std::vector<int> y(m, 0);
  double best = -1;
  const auto value_of = [&] {
    std::vector<double> v = in.base;
    for (std::size_t j = 0; j < m; ++j)
      for (const auto& [z, d] : in.effect[j]) v[z] += d * y[j];
    if (obj == AccessObjective::lift) {
      double s = 0;
      for (std::size_t z = 0; z < nz; ++z)
        if (in.base[z] < in.line && v[z] >= in.line - 1e-12) s += in.population[z];
      return s;
    }
    if (obj == AccessObjective::max_min) {
      double mn = 1e300;
      for (std::size_t z = 0; z < nz; ++z)
        if (in.population[z] > 0) mn = std::min(mn, v[z]);
      return mn;
    }
    // Bottom decile, by sorting (independent of the engine's routine): lowest values first, the
    // zone at the cut for its share.
    std::vector<std::pair<double, double>> vp;
    double total = 0;
    for (std::size_t z = 0; z < nz; ++z)
      if (in.population[z] > 0) vp.emplace_back(v[z], in.population[z]), total += in.population[z];
    std::sort(vp.begin(), vp.end());
    double left = 0.1 * total, sum = 0;
    for (const auto& [val, pop] : vp) {
      const double take = std::min(pop, left);
      sum += take * val, left -= take;
      if (left <= 0) break;
    }
    return sum / (0.1 * total);
  };
  const std::function<void(std::size_t, int)> rec = [&](std::size_t j, int left) {
    if (j == m) {
      for (const auto& [a, b] : in.conflicts)
        if (y[a] > 0 && y[b] > 0) return;
      best = std::max(best, value_of());
      return;
    }
    for (int c = 0; c <= std::min(cap, left); ++c) {
      y[j] = c;
      rec(j + 1, left - c);
    }
    y[j] = 0;
  };
  rec(0, k);
  return best;
}

}  // namespace

TEST_CASE("access-aware siting against brute force: every objective, caps and conflicts, the exact model's optimum and valid bounds") {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> U(0, 1);
  int exact_better = 0, loose = 0, proven = 0, cases = 0;
  for (int trial = 0; trial < 30; ++trial) {
    AccessInstance in;
    const int nz = 7, m = 8;
    for (int z = 0; z < nz; ++z) in.base.push_back(1.2 + 1.5 * U(rng)), in.population.push_back(std::floor(50 + 950 * U(rng)));
    in.effect.resize(m);
    for (int j = 0; j < m; ++j)
      for (int z = 0; z < nz; ++z)
        if (U(rng) < 0.45) in.effect[static_cast<std::size_t>(j)].emplace_back(z, 0.05 + 0.6 * U(rng));
    if (trial % 3 == 1)  // a few pairs too close to both open
      for (std::uint32_t a = 0; a + 1 < static_cast<std::uint32_t>(m); a += 3) in.conflicts.emplace_back(a, a + 1);
    for (const auto obj : {AccessObjective::lift, AccessObjective::max_min, AccessObjective::bottom_decile}) {
      for (int k = 1; k <= 3; ++k) {
        const int cap = trial % 2 == 0 ? 1 : 2;
        const double opt = brute_access(in, obj, k, cap);
        AccessOptions o;
        o.objective = obj;
        o.k = k;
        o.max_per_candidate = cap;
        INFO("trial " << trial << " objective " << static_cast<int>(obj) << " k " << k << " cap " << cap);
        // The heuristic alone: never above the optimum; its combinatorial bound never below it.
        o.exact_time_limit_s = 0;
        const auto h = solve_access(in, o);
        CHECK(h.objective <= opt + 1e-9);
        CHECK(h.bound >= opt - 1e-9);
        CHECK(h.method == "heuristic");
        // With the exact model: the brute-force optimum, proven, and the bound still valid.
        o.exact_time_limit_s = 10;
        const auto e = solve_access(in, o);
        CHECK(e.objective == Approx(opt).margin(1e-9));
        CHECK(e.bound >= opt - 1e-9);
        CHECK(e.bound <= h.bound + 1e-9);
        CHECK(e.gap <= 1e-6);
        // The answer keeps the rules: at most k openings, the cap, no conflicting pair.
        CHECK(static_cast<int>(e.open.size()) <= k);
        std::map<std::uint32_t, int> times;
        for (auto j : e.open) ++times[j];
        for (const auto& [j, t] : times) CHECK(t <= cap);
        for (const auto& [a, b] : in.conflicts) CHECK_FALSE((times.contains(a) && times.contains(b)));
        exact_better += e.objective > h.objective + 1e-9;
        loose += h.bound > opt + 1e-6;
        proven += e.method == "mip-optimal";
        ++cases;
      }
    }
  }
  // The cases exercise what they claim: the combinatorial bound is often loose (the exact model
  // has something to prove), the heuristic is sometimes beaten, and CBC proves the optima.
  CHECK(loose > cases / 4);
  CHECK(exact_better > 0);
  CHECK(proven > cases / 2);
}
