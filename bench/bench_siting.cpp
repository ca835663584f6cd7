// Siting benchmarks, printed (not timed tests): OR-Library pmed1-40 against their published
// optima, and pysal/spopt's San Francisco 205 x 16 instance.
//   build/release/bin/oasis_bench_siting [BENCH_DIR] [--rounds N] [--time-limit S]
//   build/release/bin/oasis_bench_siting [BENCH_DIR] --write-od DIR
// Deterministic: N perturbation rounds per instance (default: the CLI's, siting::Options); the
// time limit (default 60 s) is only a safety net. --write-od writes each OR-Library instance as
// the CLI reads it (DIR/pmedK.csv from_id,to_id,cost with its all-pairs shortest paths,
// DIR/pmedK-demand.csv id,population) and DIR/instances.tsv (name, p, optimum), for
// bench/siting_cli.sh, then stops.
// BENCH_DIR defaults to ../shared/benchmarks beside the source tree.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oasis/core/error.hpp"
#include "oasis/geodata/load.hpp"
#include "oasis/geodata/travel.hpp"
#include "oasis/siting/siting.hpp"
#include "oasis/travel/graph.hpp"

using namespace oasis;
namespace fs = std::filesystem;

namespace {

// Optimal values published with the OR-Library (file pmedopt), pmed1 ... pmed40.
constexpr int kOptimum[40] = {5819, 4093, 4250,  3034, 1355, 7824, 5631,  4445, 2734, 1255,  7696, 6634, 4374, 2968,
                              1729, 8162, 6999,  4809, 2845, 1789, 9138,  8579, 4619, 2961,  1828, 9917, 8307, 4498,
                              3033, 1989, 10086, 9297, 4700, 3013, 10400, 9934, 5057, 11060, 9423, 5128};

/// Reads an OR-Library pmed file: n m p, then m undirected edges (1-based); the last line of a
/// repeated edge wins. Distances are all-pairs shortest paths; every vertex is client and site.
siting::Instance read_pmed(const fs::path& file, int& p) {
  std::ifstream in(file);
  if (!in) throw Error(Errc::io, "cannot read the instance", file.string());
  std::size_t n = 0, m = 0;
  in >> n >> m >> p;
  std::map<std::pair<std::uint32_t, std::uint32_t>, float> edge;
  for (std::size_t k = 0; k < m; ++k) {
    std::uint32_t a = 0, b = 0;
    float c = 0;
    if (!(in >> a >> b >> c)) throw Error(Errc::format, fmt::format("edge {} unreadable", k + 1), file.string());
    if (a > b) std::swap(a, b);
    edge[{a - 1, b - 1}] = c;  // the last occurrence wins
  }
  std::vector<travel::Arc> arcs;
  double total = 0;
  for (const auto& [ab, c] : edge) {
    if (ab.first == ab.second) continue;
    arcs.push_back({ab.first, ab.second, c});
    arcs.push_back({ab.second, ab.first, c});
    total += c;
  }
  const auto g = travel::Graph::from_arcs(n, std::move(arcs));
  std::vector<std::uint32_t> nodes(n);
  for (std::uint32_t i = 0; i < n; ++i) nodes[i] = i;
  const std::vector<float> zero(n, 0.0f);
  travel::OdOptions o;
  o.cutoff_min = total + 1;
  siting::Instance inst;
  inst.od = travel::graph_od(g, nodes, zero, nodes, zero, o, true, 0.0);
  inst.weight.assign(n, 1.0);
  return inst;
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  fs::path dir = fs::path(OASIS_SOURCE_DIR) / ".." / "shared" / "benchmarks";
  double limit = siting::Options{}.time_limit_s;
  int rounds = siting::Options{}.rounds;
  fs::path write_od;
  for (int a = 1; a < argc; ++a) {
    if (!std::strcmp(argv[a], "--time-limit") && a + 1 < argc)
      limit = std::stod(argv[++a]);
    else if (!std::strcmp(argv[a], "--rounds") && a + 1 < argc)
      rounds = std::stoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--write-od") && a + 1 < argc)
      write_od = argv[++a];
    else
      dir = argv[a];
  }
  try {
    if (!write_od.empty()) {
      fs::create_directories(write_od);
      std::ofstream list(write_od / "instances.tsv");
      for (int k = 1; k <= 40; ++k) {
        int p = 0;
        const auto inst = read_pmed(dir / "orlib" / fmt::format("pmed{}.txt", k), p);
        std::ofstream od(write_od / fmt::format("pmed{}.csv", k)), demand(write_od / fmt::format("pmed{}-demand.csv", k));
        od << "from_id,to_id,cost\n";
        for (std::size_t i = 0; i < inst.od.n_origins(); ++i) {
          const auto ds = inst.od.destinations(i);
          const auto cs = inst.od.times(i);
          for (std::size_t q = 0; q < ds.size(); ++q) od << i + 1 << ',' << ds[q] + 1 << ',' << cs[q] << '\n';
        }
        demand << "id,population\n";
        for (std::size_t i = 0; i < inst.weight.size(); ++i) demand << i + 1 << ",1\n";
        list << fmt::format("pmed{}\t{}\t{}\n", k, p, kOptimum[k - 1]);
        if (!od || !demand) throw Error(Errc::io, "cannot write the instance", (write_od / fmt::format("pmed{}.csv", k)).string());
      }
      return 0;
    }
    fmt::print(
        "OR-Library p-median, {} perturbation rounds per instance (greedy + vertex substitution + rounds;\n"
        "Lagrangian lower bound)\n\n",
        rounds);
    fmt::print("{:<7} {:>4} {:>4} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7}\n", "inst", "n", "p", "optimum", "found", "gap_opt%", "bound",
               "gap_lb%", "seconds");
    const auto t_all = std::chrono::steady_clock::now();
    double sum_gap = 0, worst_gap = 0;
    int optimal = 0;
    for (int k = 1; k <= 40; ++k) {
      int p = 0;
      const auto t0 = std::chrono::steady_clock::now();
      auto inst = read_pmed(dir / "orlib" / fmt::format("pmed{}.txt", k), p);
      siting::Options o;
      o.model = siting::Model::p_median;
      o.p = p;
      o.time_limit_s = limit;
      o.rounds = rounds;
      const auto s = siting::solve(inst, o);
      const double gap = (s.objective - kOptimum[k - 1]) / kOptimum[k - 1];
      sum_gap += gap;
      worst_gap = std::max(worst_gap, gap);
      optimal += s.objective == kOptimum[k - 1];
      fmt::print("pmed{:<3} {:>4} {:>4} {:>8} {:>8.0f} {:>8.3f} {:>8.0f} {:>8.3f} {:>7.2f}\n", k, inst.weight.size(), p, kOptimum[k - 1],
                 s.objective, 100 * gap, s.bound, 100 * s.gap, since(t0));
      std::fflush(stdout);
    }
    fmt::print("\nmean gap to the optimum {:.4f} %, worst {:.3f} %, {} of 40 optimal, total {:.1f} s\n", 100 * sum_gap / 40,
               100 * worst_gap, optimal, since(t_all));

    // San Francisco: 205 tracts x 16 candidate stores, network distances in metres, POP2000 weights.
    const auto sf_file = dir / "spopt_sf" / "sf_205x16.json";
    std::ifstream sf(sf_file);
    if (sf) {
      const auto j = nlohmann::json::parse(sf);
      std::vector<travel::OdRow> rows;
      for (const auto& r : j.at("cost_m")) {
        travel::OdRow row;
        std::uint32_t c = 0;
        for (const auto& v : r) row.emplace_back(c++, v.get<float>());
        rows.push_back(std::move(row));
      }
      siting::Instance inst;
      inst.od = travel::assemble(std::move(rows), j.at("stores").size());
      inst.weight = j.at("weights_POP2000").get<std::vector<double>>();
      fmt::print("\nSan Francisco (pysal/spopt): {} tracts x {} stores\n", inst.weight.size(), inst.od.n_destinations);
      for (auto [model, p, radius] : {std::tuple{siting::Model::p_median, 4, 0.0}, std::tuple{siting::Model::mclp, 4, 5000.0},
                                      std::tuple{siting::Model::p_center, 4, 0.0}, std::tuple{siting::Model::lscp, 0, 8000.0}}) {
        siting::Options o;
        o.model = model;
        o.p = p > 0 ? p : 1;
        o.radius = radius;
        o.time_limit_s = limit;
        o.rounds = rounds;
        const auto s = siting::solve(inst, o);
        std::string sites;
        for (auto x : s.open) sites += fmt::format(" {}", j.at("stores")[x].get<std::string>());
        fmt::print("  {:<9} p={} radius={:<5} objective {:.6g}  bound {:.6g}  gap {:.3f} %  sites:{}  ({:.2f} s)\n",
                   siting::model_name(model), p, radius, s.objective, s.bound, 100 * s.gap, sites, s.seconds);
      }
    }

    // Centre-Val de Loire: 1,754 communes as demand (legal population) and as candidates, commune
    // graph within 30 minutes.
    {
      Diagnostics diag;
      geodata::TerritoryOptions to;
      to.data_dir = geodata::resolve_data_dir("");
      to.cog_dir = geodata::resolve_cog_dir("");
      to.regions = {"24"};
      to.use_apl = false;
      const auto cog = geodata::Cog::load(to.cog_dir);
      const auto t = geodata::load_territory(to, cog, diag).territory;
      travel::TravelSettings ts;
      const auto tr = geodata::build_travel(t, ts, diag);
      siting::Instance inst;
      inst.od = tr.od;
      inst.weight = t.population();
      const double pop = t.total_population();
      fmt::print("\nCentre-Val de Loire: {} communes, {} pairs (commune graph, 30 min)\n", t.size(), tr.od.pairs());
      for (int k : {5, 25, 50, 125}) {
        siting::Options o;
        o.p = k;
        o.rounds = 50;
        o.time_limit_s = limit;
        const auto s1 = siting::solve(inst, o);
        o.model = siting::Model::mclp;
        o.radius = 15;
        const auto s2 = siting::solve(inst, o);
        fmt::print(
            "  k = {:>3}: p-median mean time {:.2f} min (bound {:.2f}, gap {:.2f} %, unserved {:.0f}) {:.1f} s | "
            "MCLP 15 min covers {:.1f} % (bound {:.1f} %, gap {:.2f} %) {:.1f} s\n",
            k, s1.objective / pop, s1.bound / pop, 100 * s1.gap, s1.unserved_weight, s1.seconds, 100 * s2.objective / pop,
            100 * s2.bound / pop, 100 * s2.gap, s2.seconds);
        std::fflush(stdout);
      }
    }
  } catch (const Error& e) {
    fmt::print(stderr, "{}\n", format_error(e));
    return static_cast<int>(e.code());
  }
  return 0;
}
