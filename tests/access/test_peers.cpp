// Oasis against the peers' own published numbers: each case names the file (or docstring) the
// number comes from, and the Oasis method and decay that give the peer's definition (docs/access.md,
// "Which peer each default matches").
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "oasis/access/decay.hpp"
#include "oasis/access/methods.hpp"
#include "oasis/travel/models.hpp"
#include "oasis/travel/od.hpp"

using namespace oasis;
using namespace oasis::access;
using travel::OdRow;

namespace {
AccessResult run(Method m, const travel::OdMatrix& od, const std::vector<double>& demand, const std::vector<double>& supply,
                 const std::string& decay, double max_cost = INFINITY, bool per_capita = false, double alpha = 1.0) {
  AccessParams p;
  p.method = m;
  p.max_cost = max_cost;
  p.decay = decay.empty() ? default_decay(m, max_cost) : Decay::parse(decay);
  p.sa_per_capita = per_capita;
  p.sa_alpha = alpha;
  return compute_access(p, od, demand, supply);
}

// Soukhov et al. (2023)'s three zones A, B, C and three employment centres 1, 2, 3, as
// ipeaGIT/accessibility tests/testthat/test-spatial_availability.R ("calculates spatial
// availability correctly"): travel times 15/30/100, 30/15/100, 100/100/15 minutes.
travel::OdMatrix soukhov_od() {
  const float t[3][3] = {{15, 30, 100}, {30, 15, 100}, {100, 100, 15}};
  std::vector<OdRow> rows(3);
  for (std::uint32_t i = 0; i < 3; ++i)
    for (std::uint32_t j = 0; j < 3; ++j) rows[i].emplace_back(j, t[i][j]);
  return travel::assemble(std::move(rows), 3);
}
const std::vector<double> kSoukhovPopulation{50000, 150000, 10000}, kSoukhovJobs{100000, 100000, 10000};

// pysal/access access/tests/util.py: create_nxn_grid(5) (ids 1..25, x outer loop, y inner, value 1)
// and create_cost_matrix(grid, "euclidean"): every pair, cost = euclidean distance.
travel::OdMatrix pysal_grid() {
  std::vector<OdRow> rows(25);
  for (int i = 0; i < 25; ++i)
    for (int j = 0; j < 25; ++j) rows[i].emplace_back(j, static_cast<float>(std::hypot(i / 5 - j / 5, i % 5 - j % 5)));
  return travel::assemble(std::move(rows), 25);
}
}  // namespace

TEST_CASE("spatial availability: ipeaGIT/accessibility's numbers on Soukhov et al.'s example") {
  const auto od = soukhov_od();
  // decay_exponential(decay_value = 0.1) = exp(-0.1 t); the test rounds to units: 66833, 133203, 9963.
  const auto r = run(Method::spatial_availability, od, kSoukhovPopulation, kSoukhovJobs, "exp:0.1");
  CHECK(std::round(r.value[0]) == 66833);
  CHECK(std::round(r.value[1]) == 133203);
  CHECK(std::round(r.value[2]) == 9963);
  CHECK(r.value[0] + r.value[1] + r.value[2] == Approx(210000.0));  // every job allocated once
  // Per capita (Soukhov et al.'s v_i = V_i / P_i); with alpha = 1 it is the 2SFCA value.
  const auto pc = run(Method::spatial_availability, od, kSoukhovPopulation, kSoukhovJobs, "exp:0.1", INFINITY, true);
  const auto two = run(Method::two_sfca, od, kSoukhovPopulation, kSoukhovJobs, "exp:0.1");
  CHECK(pc.value[0] == Approx(66833.46577090456 / 50000));
  for (int i = 0; i < 3; ++i) CHECK(pc.value[i] == Approx(two.value[i]));
  // alpha (ipea's `alpha`): P_i^alpha in the balancing factor. alpha = 0 ignores population: each
  // centre's jobs split by impedance share alone. Centre 3 (10,000 jobs) is reached by A and B at
  // 100 min and C at 15 min, so C gets 10,000 x e^-1.5 / (2 e^-10 + e^-1.5) from it.
  const auto a0 = run(Method::spatial_availability, od, kSoukhovPopulation, kSoukhovJobs, "exp:0.1", INFINITY, false, 0.0);
  const double e15 = std::exp(-1.5), e3 = std::exp(-3.0), e10 = std::exp(-10.0);
  const double c_from_3 = 10000 * e15 / (2 * e10 + e15), c_from_1 = 100000 * e10 / (e15 + e3 + e10);
  CHECK(a0.value[2] == Approx(c_from_3 + 2 * c_from_1));
}

TEST_CASE("BFCA: Paez, Higgins & Vivona (2019), as ipeaGIT/accessibility's fca_bfca") {
  // By hand. Zone a (100 people) reaches sites x and y, zone b (300) reaches y; binary weights.
  // W^i (by origin): a -> x 1/2, a -> y 1/2, b -> y 1.  W^j (by destination): x <- a 1; y <- a 1/2, b 1/2.
  // Population served: P*_x = 50, P*_y = 50 + 300 = 350; levels L_x = 10 / 50 = 0.2, L_y = 35 / 350 = 0.1.
  // A_a = 1 x 0.2 + 1/2 x 0.1 = 0.25; A_b = 1/2 x 0.1 = 0.05; A_a + A_b = L_x + L_y.
  auto od = travel::assemble({{{0, 5}, {1, 8}}, {{1, 4}}}, 2);
  const auto r = run(Method::bfca, od, {100, 300}, {10, 35}, "binary:30");
  CHECK(r.value[0] == Approx(0.25));
  CHECK(r.value[1] == Approx(0.05));
  // Soukhov's example with exp(-0.1 t), by an independent transcription of the paper's equations
  // (Python, three lines per step): 1.336662568338125, 0.8880193711650245, 0.9970532359762454.
  const auto s = run(Method::bfca, soukhov_od(), kSoukhovPopulation, kSoukhovJobs, "exp:0.1");
  CHECK(s.value[0] == Approx(1.336662568338125).epsilon(1e-12));
  CHECK(s.value[1] == Approx(0.8880193711650245).epsilon(1e-12));
  CHECK(s.value[2] == Approx(0.9970532359762454).epsilon(1e-12));
}

TEST_CASE("gravity: pysal/access's weighted catchment with weights.gravity(scale = 60, alpha = 1)") {
  // access/tests/test_weighted_catchment.py, test_weighted_catchment_with_gravity_weights: the
  // 5 x 5 grid, supply 1 per cell, f(t) = (t / 60)^1 (no min_dist), values for ids 1, 5, 13, 19, 24.
  // Oasis writes f(t) = t / 60 on [0, 60] as table:0:0,60:1 (every cost here is below 6).
  const auto od = pysal_grid();
  const std::vector<double> ones(25, 1.0);
  const auto r = run(Method::gravity, od, ones, ones, "table:0:0,60:1");
  CHECK(r.value[0] == Approx(1.322340210));
  CHECK(r.value[4] == Approx(1.322340210));
  CHECK(r.value[12] == Approx(0.780985109));
  CHECK(r.value[18] == Approx(0.925540119));
  CHECK(r.value[23] == Approx(1.133733026));
}

TEST_CASE("floating catchments on pysal/access's grid: small and large catchments") {
  // access/tests/test_floating_catchment_area.py: demand = 5 cells of the grid (value 1), supply =
  // all 25 cells. With max_cost 0.9 a demand cell reaches only itself: 2SFCA, E2SFCA and 3SFCA give 1
  // (test_*_small_catchment); fca_ratio with a catchment covering the grid gives total supply /
  // total demand (test_floating_catchment_area_ratio_large_catchment) and 1 with max_cost 0.9.
  std::vector<OdRow> rows(5);
  const int demand_cells[5] = {0, 7, 12, 18, 24};
  for (int k = 0; k < 5; ++k)
    for (int j = 0; j < 25; ++j) {
      const int i = demand_cells[k];
      rows[k].emplace_back(j, static_cast<float>(std::hypot(i / 5 - j / 5, i % 5 - j % 5)));
    }
  const auto od = travel::assemble(std::move(rows), 25);
  const std::vector<double> demand(5, 1.0), supply(25, 1.0);
  for (Method m : {Method::two_sfca, Method::e2sfca, Method::three_sfca}) {
    const auto r = run(m, od, demand, supply, "", 0.9);
    CHECK(r.value[0] == Approx(1.0));
  }
  std::vector<double> supply_demand(25, 0.0);
  for (int i : demand_cells) supply_demand[static_cast<std::size_t>(i)] = 1.0;
  AccessParams p;
  p.method = Method::fca_ratio;
  p.decay = Decay::parse("none");
  CHECK(compute_access(p, od, demand, supply, supply_demand).value[0] == Approx(25.0 / 5.0));
  p.max_cost = 0.9;
  CHECK(compute_access(p, od, demand, supply, supply_demand).value[0] == Approx(1.0));
}

// pysal/access access/tests/test_hospital_example.py: three tracts (population 100, 50, 10; doctors
// 15, 20, 100) and four cost scenarios (self 1; inbound 1,2 -> 3; outbound 3 -> 1,2; cross-city 1 <-> 2),
// weights.gravity(1, -1) = 1 / t (Oasis power:1; every cost is >= 1) and max_cost 61. The file checks
// pysal's two_stage_fca and three_stage_fca against its own plain-Python simple_2sfca; the numbers
// below are that function's, re-expressed independently in plain Python (dictionaries, no pandas).
namespace {
travel::OdMatrix hospital_od(float inbound, float outbound, float cross) {
  return travel::assemble({{{0, 1}, {1, cross}, {2, inbound}}, {{0, cross}, {1, 1}, {2, inbound}}, {{0, outbound}, {1, outbound}, {2, 1}}},
                          3);
}
const std::vector<double> kHospitalPop{100, 50, 10}, kHospitalDocs{15, 20, 100};
struct HospitalScenario {
  float inbound, outbound, cross;
  double two[3], three_pysal[3], three_catchment[3];
};
// 0 gridlock, 1 faster inbound, 2 faster outbound, 3 symmetric and faster (no pair beyond 61).
const HospitalScenario kHospital[4] = {
    {40,
     40,
     80,
     {0.3314441169802766, 0.5798281320669381, 7.286418169862544},
     {0.15625658829061984, 0.4062164524508606, 9.906351854839498},
     {0.1563323858404136, 0.4062927334991818, 9.905212474099953}},
    {20,
     40,
     80,
     {0.4353402208763805, 0.683724235963042, 5.727976611420986},
     {0.17381354292075435, 0.42377244008875437, 9.643002370348684},
     {0.17408701112806954, 0.4240463917913876, 9.638897929762367}},
    {40,
     20,
     80,
     {0.3310719131614654, 0.5778577857785778, 7.299991939492457},
     {0.15652592741822577, 0.40637274095207443, 9.902877021057371},
     {0.15660557204972794, 0.40645423024498234, 9.901673128277809}},
    {20,
     20,
     40,
     {0.4425683953985841, 0.6667582799658271, 5.7405246461850234},
     {0.1748021480798136, 0.42403550855652616, 9.631800976419234},
     {0.1748021480798136, 0.42403550855652616, 9.631800976419234}},
};
}  // namespace

TEST_CASE("2SFCA and 3SFCA: pysal/access's hospital example") {
  std::vector<std::vector<double>> two_of(4);
  for (std::size_t s = 0; s < 4; ++s) {
    CAPTURE(s);
    const auto& h = kHospital[s];
    const auto od = hospital_od(h.inbound, h.outbound, h.cross);
    const auto two = run(Method::two_sfca, od, kHospitalPop, kHospitalDocs, "power:1", 61);
    two_of[s] = two.value;
    const auto three = run(Method::three_sfca, od, kHospitalPop, kHospitalDocs, "power:1", 61);
    for (int i = 0; i < 3; ++i) {
      CHECK(two.value[i] == Approx(h.two[i]).epsilon(1e-12));
      // Oasis's G_ij normalises W_ij over the sites in the catchment (Wan, Zou & Sternberg 2012:
      // the sum runs over the sites within the catchment of i); pysal's over every destination of
      // the cost table, beyond max_cost too. The same number when no pair lies beyond (scenario 3);
      // else within 0.2 % here (the 80-minute cross-city pair, weight 1/80, enters pysal's sum).
      CHECK(three.value[i] == Approx(h.three_catchment[i]).epsilon(1e-12));
      if (s == 3) CHECK(three.value[i] == Approx(h.three_pysal[i]).epsilon(1e-12));
      CHECK(three.value[i] == Approx(h.three_pysal[i]).epsilon(2e-3));
    }
  }
  // The file's qualitative checks: faster travel into the city raises the suburbs' access and lowers
  // the city's (scenario 1 against 0); faster travel out of it does the reverse (2 against 0).
  for (std::size_t i : {0, 1}) {
    CHECK(two_of[1][i] > two_of[0][i]);
    CHECK(two_of[2][i] < two_of[0][i]);
  }
  CHECK(two_of[1][2] < two_of[0][2]);
  CHECK(two_of[2][2] > two_of[0][2]);
}

TEST_CASE("cumulative: pysal/access's weighted catchment with step weights") {
  // access/tests/test_weighted_catchment.py: one demand cell of the 5 x 5 grid (a random sample), supply
  // 1 per cell, euclidean costs. step_fn({0.5: 1}) -> 1, step_fn({0.5: 0.5}) -> 0.5, step_fn({10: 1})
  // -> 25. Oasis: cumulative with --max-cost (a binary catchment), or a one-step step-right decay.
  const auto grid = pysal_grid();
  const std::vector<double> ones(25, 1.0);
  const auto r05 = run(Method::cumulative, grid, ones, ones, "", 0.5);
  const auto half = run(Method::cumulative, grid, ones, ones, "step-right:0.5:0.5");
  const auto r10 = run(Method::cumulative, grid, ones, ones, "", 10);
  for (std::size_t cell = 0; cell < 25; ++cell) {  // whichever cell the sample draws
    CAPTURE(cell);
    CHECK(r05.value[cell] == 1.0);
    CHECK(half.value[cell] == 0.5);
    CHECK(r10.value[cell] == 25.0);
  }
  // A catchment that stops between grid distances: within 1.5 of a corner lie the corner, its two
  // neighbours (1) and the diagonal (sqrt 2): 4 cells; of the centre, 9.
  CHECK(run(Method::cumulative, grid, ones, ones, "", 1.5).value[0] == 4.0);
  CHECK(run(Method::cumulative, grid, ones, ones, "", 1.5).value[12] == 9.0);
}

TEST_CASE("step closure: ipeaGIT/accessibility closes on the left, pysal/access on the right") {
  // ipeaGIT/accessibility tests/testthat/test-decay_stepped.R ("steps intervals are open on the
  // right"): decay_stepped(c(10, 20, 30, 40), c(0.75, 0.5, 0.25, 0)) at 0, 10, 20, 30, 40 gives
  // 1, 0.75, 0.5, 0.25, 0 and at 5, 15, 25, 35, 45 the same. In Oasis: step (left-closed).
  const auto ipea = Decay::parse("step:10:1,20:0.75,30:0.5,40:0.25");
  const std::vector<double> at{0, 10, 20, 30, 40}, mid{5, 15, 25, 35, 45}, want{1, 0.75, 0.5, 0.25, 0};
  for (std::size_t k = 0; k < at.size(); ++k) {
    CHECK(ipea(at[k]) == want[k]);
    CHECK(ipea(mid[k]) == want[k]);
  }
  // pysal/access access/weights.py, step_fn docstring: step_fn({20: 1, 40: 0.68, 60: 0.22}) at
  // 0, 10, ..., 70 gives 1, 1, 1, 0.68, 0.68, 0.22, 0.22, 0. In Oasis: step-right.
  const auto pysal = Decay::parse("step-right:20:1,40:0.68,60:0.22");
  const std::vector<double> pw{1, 1, 1, 0.68, 0.68, 0.22, 0.22, 0};
  for (int k = 0; k < 8; ++k) CHECK(pysal(10.0 * k) == pw[static_cast<std::size_t>(k)]);
  CHECK(Decay::parse(pysal.spec())(40) == 0.68);  // the closure survives the canonical spec
  // A pair exactly on a step: pysal's E2SFCA default (Luo & Qi steps, right-closed) weighs t = 10
  // as 1, Oasis's default as 0.68: a lone demand of 100 at 10 min from a site of 10 gets 0.1 both
  // ways (one demand), but two demands at 5 and 10 min split it differently.
  auto od = travel::assemble({{{0, 5}}, {{0, 10}}}, 1);
  const auto left = run(Method::e2sfca, od, {100, 100}, {10}, "");
  const auto right = run(Method::e2sfca, od, {100, 100}, {10}, "step-right:10:1,20:0.68,30:0.22");
  CHECK(left.value[1] == Approx(0.68 * 10 / (100 + 0.68 * 100)));
  CHECK(right.value[1] == Approx(10.0 / 200));
}

TEST_CASE("decays: the peers' published values") {
  // pysal/access weights.gaussian docstring: sigma = 20 at 0, 20, 40, 60.
  const auto g = Decay::parse("gaussian:20");
  CHECK(g(0) == 1.0);
  CHECK(g(20) == Approx(0.6065306597126334).epsilon(1e-15));
  CHECK(g(40) == Approx(0.1353352832366127).epsilon(1e-15));
  CHECK(g(60) == Approx(0.011108996538242306).epsilon(1e-15));
  // pysal/access weights.gravity docstring: gravity(scale = 20, alpha = -2, min_dist = 1) at
  // 0, 1, 2, 20, 40, 60 gives 400, 400, 100, 1, 0.25, 0.11 (rounded): 400 x Oasis's power:2, so
  // the same floating-catchment values (a constant factor cancels) and 1/400 of the gravity sums.
  const auto pw = Decay::parse("power:2");
  const std::vector<double> t{0, 1, 2, 20, 40, 60}, want{400, 400, 100, 1, 0.25, 0.11};
  for (std::size_t k = 0; k < t.size(); ++k) CHECK(400 * pw(t[k]) == Approx(want[k]).margin(0.005));
  // ipeaGIT/accessibility tests/testthat/test-decay_logistic.R: decay_logistic(20, 2) at 0, 20 gives
  // 1, 0.5; decay_logistic(30, 10) at 30 gives 0.502 (tolerance 0.001).
  CHECK(Decay::parse("logistic:20:2")(0) == 1.0);
  CHECK(Decay::parse("logistic:20:2")(20) == Approx(0.5).margin(1e-4));
  CHECK(Decay::parse("logistic:30:10")(30) == Approx(0.502).margin(0.001));
  // 3SFCA's default steps are pysal/access's three_stage_fca default, step_fn({10: 0.962, 20: 0.704,
  // 30: 0.377, 60: 0.042}): Wan, Zou & Sternberg (2012)'s Gaussian weights of the zones 0-10, 10-20,
  // 20-30 and 30-60 minutes (exp(-t^2 / 645.6) at the zone midpoints 5, 15, 25, 45).
  const auto w3 = default_decay(Method::three_sfca, INFINITY);
  CHECK(w3(45) == 0.042);
  CHECK(w3(59.9) == 0.042);
  CHECK(w3(60) == 0.0);
  for (double m : {5.0, 15.0, 25.0, 45.0}) CHECK(w3(m) == Approx(std::exp(-m * m / 645.6)).margin(0.003));
}

TEST_CASE("cost to closest gives the times back as they were written") {
  // ipeaGIT/accessibility's cost_to_closest returns the travel_matrix's own values; Oasis stores
  // times as floats and gives them back as the decimal the file had (5.8, not 5.800000190734863).
  auto od = travel::assemble({{{0, 5.8f}, {1, 12.34f}}, {{1, 0.3f}}}, 2);
  AccessParams p;
  p.method = Method::cost_to_closest;
  const auto r = compute_access(p, od, std::vector<double>{1, 1}, std::vector<double>{1, 1});
  CHECK(r.value[0] == 5.8);
  CHECK(r.value[1] == 0.3);
  p.n = 2;
  CHECK(compute_access(p, od, std::vector<double>{1, 1}, std::vector<double>{1, 1}).value[0] == 12.34);
  CHECK(travel::minutes_as_given(1.0f / 3.0f) == 0.33333334);
  // The time to the nearest site (the GP and urgent-care columns of oasis run) too.
  const auto near = travel::time_to_nearest(od, std::vector<double>{1, 1}, 1);
  CHECK(near[0] == 5.8);
  CHECK(near[1] == 0.3);
}
