// oasis site: facility siting over an OD table (docs/siting.md): p-median, MCLP, LSCP, p-center,
// with the Lagrangian bound and the gap of every answer.
#include <cmath>
#include <cstdio>
#include <memory>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common.hpp"
#include "oasis/core/atomic_file.hpp"
#include "oasis/core/error.hpp"
#include "oasis/core/version.hpp"
#include "oasis/io/csv.hpp"
#include "oasis/siting/siting.hpp"
#include "oasis/travel/od_io.hpp"

namespace oasis::cli {
namespace {

// The library's defaults are the CLI's (declared once, in siting::Options).
const siting::Options kDefaults;

struct SiteFlags {
  std::string od, demand, candidates, fixed, capacities, summary;
  std::string model{siting::model_name(kDefaults.model)};
  int p = kDefaults.p;
  double radius = kDefaults.radius;
  double time_limit = kDefaults.time_limit_s;
  int rounds = kDefaults.rounds;
  std::string exact = kDefaults.exact;
  double exact_time_limit = kDefaults.exact_time_limit_s;
  std::uint64_t seed = kDefaults.seed;
  bool json = false;
};

void run_site(const SiteFlags& f, const GlobalFlags& g) {
  if (f.od.empty() || f.demand.empty()) throw Error(Errc::usage, "oasis site needs --od OD.csv and --demand DEMAND.csv");
  if (g.output.empty()) throw Error(Errc::usage, "oasis site needs -o SITES.csv");
  siting::Options o;
  o.model = siting::parse_model(f.model);
  o.p = f.p;
  o.radius = f.radius;
  o.seed = f.seed;
  o.time_limit_s = f.time_limit;
  o.rounds = f.rounds;
  o.exact = f.exact;
  o.exact_time_limit_s = f.exact_time_limit;
  if ((o.model == siting::Model::mclp || o.model == siting::Model::lscp) && !(f.radius > 0))
    throw Error(Errc::usage, fmt::format("--model {} needs --radius MINUTES", f.model));
  Diagnostics diag;
  const auto demand = read_id_values(f.demand, {"population", "demand", "value", "weight"}, "demand", diag);
  // Candidates: the given list, else every destination of the OD table (sorted, so the ids do not
  // depend on the file order).
  IdTable cand;
  if (!f.candidates.empty()) {
    cand = read_id_values(f.candidates, {}, "candidate", diag);
  } else {
    std::set<std::string> ids;
    if (travel::is_od_binary(f.od)) {
      for (auto& id : travel::read_od_binary(f.od).to_ids) ids.emplace(std::move(id));
    } else {
      const io::CsvFile csv(f.od);
      const auto c_to = csv.require({"to_id", "destination", "dest", "to"}, "the to_id column");
      csv.for_each([&](const io::CsvRecord& r) { ids.emplace(io::trim(r.fields[c_to])); });
    }
    for (const auto& id : ids) {
      cand.index.emplace(id, static_cast<std::uint32_t>(cand.ids.size()));
      cand.ids.push_back(id);
      cand.values.push_back(1.0);
    }
  }
  siting::Instance in;
  in.weight = demand.values;
  if (!f.fixed.empty()) {
    const auto fixed = read_id_values(f.fixed, {}, "fixed site", diag);
    for (const auto& id : fixed.ids) {
      const auto j = cand.find(id);
      if (!j)
        throw Error(Errc::code_unknown, fmt::format("fixed site '{}' is not a candidate", id), f.fixed, {}, "list it in the candidates");
      in.fixed.push_back(*j);
    }
  }
  if (!f.capacities.empty()) {
    const auto caps = read_id_values(f.capacities, {"capacity", "value"}, "capacity", diag);
    in.capacity.assign(cand.ids.size(), 0.0);
    std::vector<char> seen(cand.ids.size(), 0);
    for (std::size_t k = 0; k < caps.ids.size(); ++k) {
      const auto j = cand.find(caps.ids[k]);
      if (!j) throw Error(Errc::code_unknown, fmt::format("capacity given for '{}', which is not a candidate", caps.ids[k]), f.capacities);
      in.capacity[*j] = caps.values[k];
      seen[*j] = 1;
    }
    for (std::size_t j = 0; j < seen.size(); ++j)
      if (!seen[j])
        throw Error(Errc::field_missing, fmt::format("candidate '{}' has no capacity", cand.ids[j]), f.capacities, {},
                    "give every candidate a capacity (0 = cannot open usefully)");
  }
  travel::OdReadOptions ro;
  travel::OdReadReport rep;
  in.od = travel::read_od(
      f.od, [&](std::string_view s) { return demand.find(s); }, demand.ids.size(), [&](std::string_view s) { return cand.find(s); },
      cand.ids.size(), ro, diag, rep);
  ProgressBar bar(g.progress_mode());
  o.progress = bar.callback();
  const auto s = siting::solve(in, o);
  bar.finish();
  std::string out = "id\n";
  for (auto j : s.open) out += cand.ids[j] + "\n";
  write_file_atomic(g.output, out, g.overwrite);
  nlohmann::ordered_json j{{"engine", std::string("oasis ") + kVersion},
                           {"model", siting::model_name(o.model)},
                           {"p", o.model == siting::Model::lscp ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(o.p)},
                           {"radius", o.radius > 0 ? nlohmann::ordered_json(o.radius) : nlohmann::ordered_json(nullptr)},
                           {"sites", s.open.size()},
                           {"objective", s.objective},
                           {"bound", s.bound},
                           {"gap", s.gap},
                           {"unserved_weight", s.unserved_weight},
                           {"fixed", in.fixed.size()},
                           {"demand_points", demand.ids.size()},
                           {"candidates", cand.ids.size()},
                           {"pairs", in.od.pairs()},
                           {"unmatched_pairs", rep.unmatched_records},
                           {"improvements", s.improvements},
                           {"rounds", s.rounds},
                           {"method", s.method},
                           {"seed", f.seed},
                           {"seconds", s.seconds},
                           {"warnings", warnings_json(diag)}};
  if (!f.summary.empty()) write_file_atomic(f.summary, j.dump(2) + "\n", g.overwrite);
  if (g.quiet) return;
  if (f.json)
    std::fputs((j.dump(2) + "\n").c_str(), stdout);
  else
    fmt::print("{}: {} sites, objective {:.6g}, bound {:.6g}, gap {:.3f} %, {:.2f} s; written {}\n{}", siting::model_name(o.model),
               s.open.size(), s.objective, s.bound, 100 * s.gap, s.seconds, g.output, warnings_text(diag));
}

}  // namespace

void register_site(CLI::App& app, GlobalFlags& g) {
  auto f = std::make_shared<SiteFlags>();
  auto* sub = app.add_subcommand("site", "Where to open sites: p-median, MCLP, LSCP, p-center, with a bound and a gap (docs/siting.md)");
  add_global_flags(*sub, g);
  sub->add_option("--od", f->od,
                  "OD table, CSV from_id,to_id,cost or .odb of oasis travel (told apart by content; from = demand, to = candidate site)")
      ->required();
  sub->add_option("--demand", f->demand, "DEMAND.csv id,population")->required();
  sub->add_option("--candidates", f->candidates, "CAND.csv id (default: every to_id of the OD)");
  sub->add_option("--fixed", f->fixed, "FIXED.csv id: sites already open (counted in --p)");
  sub->add_option("--capacities", f->capacities,
                  "CAP.csv id,capacity: p-median with capacities (demand weight a site can serve; solved by the MIP)");
  sub->add_option("--model", f->model, fmt::format("p-median | mclp | lscp | p-center (default {})", f->model));
  sub->add_option("--p", f->p, "Sites to open, fixed ones included")->check(at_least(1));
  sub->add_option("--radius", f->radius, "mclp, lscp: covering cost (minutes)")->check(finite_number(true));
  sub->add_option(
      "--rounds", f->rounds,
      fmt::format("Perturbation rounds after the first local optimum (default {}; same seed and rounds, same answer)", f->rounds));
  sub->add_option("--time-limit", f->time_limit, fmt::format("Safety limit in seconds on the rounds (default {})", f->time_limit));
  sub->add_option("--seed", f->seed, "Seed of the perturbation rounds (same seed, same answer)");
  sub->add_option("--exact", f->exact,
                  fmt::format("auto | on | off: exact MIP with CBC after the heuristic (default {}; auto: OD of at most {} pairs)",
                              f->exact, kDefaults.exact_max_pairs));
  sub->add_option("--exact-time-limit", f->exact_time_limit,
                  fmt::format("Seconds for the MIP (default {}); the bound it proves is kept either way", f->exact_time_limit));
  sub->add_option("--summary", f->summary, "Write objective, bound, gap, seconds as JSON");
  sub->add_flag("--json", f->json, "Print the summary as JSON");
  sub->callback([f, &g] { run_site(*f, g); });
}

}  // namespace oasis::cli
