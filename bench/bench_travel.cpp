// Travel benchmark: national OD tables (crowfly, commune-graph) at 30 and 45 minutes on 1 and 2
// threads, and bounded Dijkstra throughput on a generated road network of realistic size.
//   build/release/bin/oasis_bench_travel [--data DIR] [--skip-national] [--grid-side N]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "oasis/core/diagnostics.hpp"
#include "oasis/core/memory.hpp"
#include "oasis/geodata/load.hpp"
#include "oasis/travel/ch.hpp"
#include "oasis/travel/graph.hpp"
#include "oasis/travel/models.hpp"

using namespace oasis;
using Clock = std::chrono::steady_clock;

namespace {
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// A grid road network with a hierarchy: local streets at 30 km/h every 200 m, a primary road
/// every 10th line (70 km/h), a motorway every 50th (110 km/h).
travel::Graph grid_network(int side) {
  std::vector<travel::Arc> arcs;
  arcs.reserve(static_cast<std::size_t>(side) * side * 4);
  auto id = [side](int i, int j) { return static_cast<std::uint32_t>(i * side + j); };
  auto speed = [](int line) { return line % 50 == 0 ? 110.0 : line % 10 == 0 ? 70.0 : 30.0; };
  for (int i = 0; i < side; ++i)
    for (int j = 0; j < side; ++j) {
      if (j + 1 < side) {
        const auto t = static_cast<float>(0.2 / speed(i) * 60);
        arcs.push_back({id(i, j), id(i, j + 1), t});
        arcs.push_back({id(i, j + 1), id(i, j), t});
      }
      if (i + 1 < side) {
        const auto t = static_cast<float>(0.2 / speed(j) * 60);
        arcs.push_back({id(i, j), id(i + 1, j), t});
        arcs.push_back({id(i + 1, j), id(i, j), t});
      }
    }
  return travel::Graph::from_arcs(static_cast<std::size_t>(side) * side, std::move(arcs));
}
}  // namespace

int main(int argc, char** argv) {
  std::string data;
  bool national = true;
  int side = 1100;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--data") && i + 1 < argc)
      data = argv[++i];
    else if (!std::strcmp(argv[i], "--skip-national"))
      national = false;
    else if (!std::strcmp(argv[i], "--grid-side") && i + 1 < argc)
      side = std::atoi(argv[++i]);
  }
  fmt::print("{:<16} {:>7} {:>7} {:>12} {:>9} {:>14} {:>10}\n", "model", "cutoff", "threads", "pairs", "seconds", "pairs/s", "rss_MB");
  if (national) {
    Diagnostics diag;
    geodata::TerritoryOptions o;
    o.data_dir = geodata::resolve_data_dir(data);
    o.cog_dir = geodata::resolve_cog_dir("");
    o.use_apl = false;
    const auto cog = geodata::Cog::load(o.cog_dir);
    const auto t0 = Clock::now();
    const auto t = geodata::load_territory(o, cog, diag).territory;
    fmt::print("# territory: {} communes loaded in {:.2f} s\n", t.size(), since(t0));
    for (double cutoff : {30.0, 45.0})
      for (int threads : {1, 2})
        for (const char* model : {"crowfly", "commune-graph"}) {
          travel::OdOptions oo;
          oo.cutoff_min = cutoff;
          oo.threads = threads;
          const auto t1 = Clock::now();
          const auto od = std::strcmp(model, "crowfly") == 0 ? travel::crowfly_commune_od(t, {}, oo) : travel::commune_graph_od(t, {}, oo);
          const double s = since(t1);
          fmt::print("{:<16} {:>7.0f} {:>7} {:>12} {:>9.3f} {:>14.0f} {:>10.0f}\n", model, cutoff, threads, od.pairs(), s,
                     static_cast<double>(od.pairs()) / s, peak_rss_mb());
        }
  }
  // Road network: bounded one-to-many searches from 2 000 origins spread over the grid.
  const auto t2 = Clock::now();
  const auto g = grid_network(side);
  fmt::print("# road network: {} nodes, {} arcs built in {:.2f} s\n", g.nodes(), g.arcs(), since(t2));
  std::vector<std::uint32_t> origins, dests;
  for (int k = 0; k < 2000; ++k) origins.push_back(static_cast<std::uint32_t>((static_cast<std::uint64_t>(k) * 2654435761u) % g.nodes()));
  for (std::uint32_t n = 0; n < g.nodes(); n += 37) dests.push_back(n);
  std::vector<travel::OdMatrix> dijkstra;
  for (double cutoff : {15.0, 30.0})
    for (int threads : {1, 2}) {
      travel::OdOptions oo;
      oo.cutoff_min = cutoff;
      oo.threads = threads;
      const auto t3 = Clock::now();
      auto od = travel::graph_od(g, origins, {}, dests, {}, oo, false, 0.0);
      const double s = since(t3);
      fmt::print("{:<16} {:>7.0f} {:>7} {:>12} {:>9.3f} {:>14.0f} {:>10.0f}   ({:.0f} searches/s)\n", "road-grid", cutoff, threads,
                 od.pairs(), s, static_cast<double>(od.pairs()) / s, peak_rss_mb(), static_cast<double>(origins.size()) / s);
      if (threads == 2) dijkstra.push_back(std::move(od));
    }
  // The same searches on a contraction hierarchy of the grid (docs/travel-osm.md).
  travel::ChOptions co;
  const auto t4 = Clock::now();
  const auto ch = travel::ContractionHierarchy::build(g, co);
  fmt::print("# contraction hierarchy: {} shortcuts, {} arcs, built in {:.2f} s (2 threads for the first estimates), peak {:.0f} MB\n",
             ch.shortcuts(), ch.arcs(), since(t4), peak_rss_mb());
  std::size_t k = 0;
  for (double cutoff : {15.0, 30.0}) {
    for (int threads : {1, 2}) {
      travel::OdOptions oo;
      oo.cutoff_min = cutoff;
      oo.threads = threads;
      const auto t5 = Clock::now();
      const auto od = ch.od(origins, {}, dests, {}, oo, false, 0.0);
      const double s = since(t5);
      fmt::print("{:<16} {:>7.0f} {:>7} {:>12} {:>9.3f} {:>14.0f} {:>10.0f}   ({:.0f} searches/s)\n", "road-grid-ch", cutoff, threads,
                 od.pairs(), s, static_cast<double>(od.pairs()) / s, peak_rss_mb(), static_cast<double>(origins.size()) / s);
      if (threads != 2) continue;
      // Against the plain Dijkstra (float sums): the largest difference, pairs on one side only.
      const auto& ref = dijkstra[k++];
      double worst = 0;
      std::size_t only_one = 0, at_cutoff = 0;
      for (std::size_t o = 0; o < origins.size(); ++o) {
        const auto ds = ref.destinations(o);
        const auto ts = ref.times(o);
        for (std::size_t j = 0; j < ds.size(); ++j) {
          if (const auto c = od.time(o, ds[j]))
            worst = std::max(worst, std::abs(static_cast<double>(*c) - ts[j]));
          else
            ++only_one, at_cutoff += ts[j] > cutoff - 1e-4;
        }
        const auto cs = od.destinations(o);
        const auto ct = od.times(o);
        for (std::size_t j = 0; j < cs.size(); ++j)
          if (!ref.time(o, cs[j])) ++only_one, at_cutoff += ct[j] > cutoff - 1e-4;
      }
      fmt::print(
          "#   {:.0f} min: largest difference to Dijkstra {:.2e} min; {} pairs on one side only, {} of them within 1e-4 min of the "
          "cutoff\n",
          cutoff, worst, only_one, at_cutoff);
    }
  }
  return 0;
}
