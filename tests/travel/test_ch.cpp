#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>
#include <random>
#include <vector>

#include "ch_reference.hpp"
#include "oasis/travel/ch.hpp"
#include "oasis/travel/graph.hpp"

using namespace oasis;
using namespace oasis::travel;

namespace {

/// A random road-like graph: points in a square, each joined to a few near ones, one arc in five
/// one-way, times from the length at one of three speeds, some zero-time and some parallel arcs.
Graph random_graph(std::uint32_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u01(0, 1);
  std::vector<double> x(n), y(n);
  for (std::uint32_t i = 0; i < n; ++i) x[i] = u01(rng), y[i] = u01(rng);
  std::vector<Arc> arcs;
  for (std::uint32_t i = 0; i < n; ++i) {
    std::vector<std::pair<double, std::uint32_t>> near;
    for (std::uint32_t j = 0; j < n; ++j)
      if (j != i) near.emplace_back(std::hypot(x[i] - x[j], y[i] - y[j]), j);
    std::partial_sort(near.begin(), near.begin() + 4, near.end());
    for (int k = 0; k < 4; ++k) {
      const auto [len, j] = near[k];
      const double speed = std::array{30.0, 50.0, 90.0}[rng() % 3];
      const auto t = (rng() % 40 == 0) ? 0.0f : static_cast<float>(len * 20 / speed * 60);
      arcs.push_back({i, j, t});
      if (rng() % 5) arcs.push_back({j, i, t});
      if (rng() % 30 == 0) arcs.push_back({i, j, t * 1.5f});  // a slower parallel arc
    }
  }
  return Graph::from_arcs(n, std::move(arcs));
}

/// The grid of the benchmark: equal times along each line, so many shortest paths tie.
Graph grid(int side) {
  std::vector<Arc> arcs;
  auto id = [side](int i, int j) { return static_cast<std::uint32_t>(i * side + j); };
  auto speed = [](int line) { return line % 10 == 0 ? 110.0 : line % 5 == 0 ? 70.0 : 30.0; };
  for (int i = 0; i < side; ++i)
    for (int j = 0; j < side; ++j) {
      if (j + 1 < side) {
        const auto t = static_cast<float>(0.2 / speed(i) * 60);
        arcs.push_back({id(i, j), id(i, j + 1), t}), arcs.push_back({id(i, j + 1), id(i, j), t});
      }
      if (i + 1 < side) {
        const auto t = static_cast<float>(0.2 / speed(j) * 60);
        arcs.push_back({id(i, j), id(i + 1, j), t}), arcs.push_back({id(i + 1, j), id(i, j), t});
      }
    }
  return Graph::from_arcs(static_cast<std::size_t>(side) * side, std::move(arcs));
}

}  // namespace

TEST_CASE("contraction hierarchy: every pair of random road graphs as a double-precision Dijkstra gives it, to 1e-6") {
  for (std::uint64_t seed : {1, 2, 3}) {
    const auto g = random_graph(400, seed);
    const auto ch = ContractionHierarchy::build(g);
    CHECK(ch.nodes() == 400);
    std::vector<std::uint32_t> all(400);
    for (std::uint32_t i = 0; i < 400; ++i) all[i] = i;
    for (double cutoff : {5.0, 20.0, 1e6}) {
      OdOptions o;
      o.cutoff_min = cutoff;
      o.threads = 2;
      const auto od = ch.od(all, {}, all, {}, o, false, 0.0);
      const auto check = test::compare_with_dijkstra(g, od, all, {}, all, {}, cutoff, false);
      INFO("seed " << seed << ", cutoff " << cutoff);
      CHECK(check.pairs_checked > 0);
      CHECK(check.worst_relative <= 1e-6);
      CHECK(check.one_side_only == 0);
    }
  }
}

TEST_CASE("contraction hierarchy: a grid of tied paths, offsets, nodes off the network and the same set") {
  const auto g = grid(40);
  const auto ch = ContractionHierarchy::build(g);
  CHECK(ch.shortcuts() > 0);
  std::vector<std::uint32_t> origins, dests;
  std::vector<float> o_off, d_off;
  for (std::uint32_t k = 0; k < 300; ++k) {
    origins.push_back(k % 7 == 3 ? kNoNode : (k * 2654435761u) % 1600);
    o_off.push_back(static_cast<float>(k % 5) * 0.37f);
  }
  dests = origins;
  d_off = o_off;
  for (double cutoff : {6.0, 15.0}) {
    OdOptions o;
    o.cutoff_min = cutoff;
    const auto od = ch.od(origins, o_off, dests, d_off, o, true, 1.5);
    const auto check = test::compare_with_dijkstra(g, od, origins, o_off, dests, d_off, cutoff, true, 1.5);
    INFO("cutoff " << cutoff);
    CHECK(check.pairs_checked > 1000);
    CHECK(check.worst_relative <= 1e-6);
    CHECK(check.one_side_only == check.at_cutoff);  // only ties with the cutoff itself may differ
    // A node off the network reaches itself only (intra 1.5 min).
    REQUIRE(od.destinations(3).size() == 1);
    CHECK(od.destinations(3)[0] == 3);
    CHECK(od.times(3)[0] == 1.5f);
    // And agrees with the float Dijkstra of graph_od to float rounding.
    const auto ref = graph_od(g, origins, o_off, dests, d_off, o, true, 1.5);
    double worst = 0;
    for (std::size_t i = 0; i < origins.size(); ++i)
      for (std::size_t j = 0; j < ref.destinations(i).size(); ++j)
        if (const auto t = od.time(i, ref.destinations(i)[j])) worst = std::max(worst, static_cast<double>(std::abs(*t - ref.times(i)[j])));
    CHECK(worst < 1e-4);
  }
}

TEST_CASE("contraction hierarchy: the same table whatever the number of threads") {
  const auto g = random_graph(300, 9);
  ChOptions one, two;
  one.threads = 1, two.threads = 2;
  const auto a = ContractionHierarchy::build(g, one);
  const auto b = ContractionHierarchy::build(g, two);
  CHECK(a.shortcuts() == b.shortcuts());
  std::vector<std::uint32_t> all(300);
  for (std::uint32_t i = 0; i < 300; ++i) all[i] = i;
  OdOptions o1, o2;
  o1.cutoff_min = o2.cutoff_min = 12;
  o1.threads = 1, o2.threads = 2;
  const auto x = a.od(all, {}, all, {}, o1, false, 0), y = b.od(all, {}, all, {}, o2, false, 0);
  CHECK(x.first == y.first);
  CHECK(x.dest == y.dest);
  CHECK(x.minutes == y.minutes);
}
