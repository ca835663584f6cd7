// oasis access: accessibility indicators. Two modes:
//  - matrix mode (--od): OD.csv + SUPPLY.csv + DEMAND.csv -> OUT.csv (id,value,flag), ids as strings;
//  - commune mode (no --od): the territory of the data flags, a travel model, a supply file.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <numeric>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common.hpp"
#include "oasis/access/methods.hpp"
#include "oasis/core/atomic_file.hpp"
#include "oasis/core/error.hpp"
#include "oasis/core/version.hpp"
#include "oasis/geodata/load.hpp"
#include "oasis/geodata/travel.hpp"
#include "oasis/io/csv.hpp"
#include "oasis/runner/inputs.hpp"
#include "oasis/scenario/scenario.hpp"
#include "oasis/travel/od_io.hpp"

namespace oasis::cli {
namespace {

struct AccessFlags {
  DataFlags data;
  TravelFlags travel;
  std::string od, supply, demand;
  std::string method = "2sfca";
  std::string decay;
  double max_cost = std::numeric_limits<double>::infinity();
  int n = 1;
  double sa_alpha = NAN;           // spatial-availability: access.sa_alpha (NaN = the schema's default)
  std::string sa_output;           // spatial-availability: access.sa_output ("" = the schema's default)
  double activity = 2300.0;        // commune mode: consultations per year per counted GP (docs/fidelity.md)
  std::string calibrate = "none";  // commune mode: supply.calibrate
  std::string combine = "mean";    // supply.combine
  std::string factors;             // supply.factors
  double calibrate_lambda = NAN;   // supply.calibrate_lambda (NaN = the schema's default)
  bool no_cv = false;              // supply.calibrate_cv = false
  bool no_cache = false;           // refit, keep nothing
  double buffer_km = 0;            // commune mode: territory.buffer_km
  std::string summary;
  double line = 2.5;
  bool json = false;
};

/// The shortest text that reads back as the same double (5.8 stays 5.8).
std::string num(double v) { return std::isfinite(v) ? fmt::format("{}", v) : std::string(); }

/// The scenario's [access] of the flags: the schema's defaults, the flags over them.
scenario::Scenario::Access access_of(const AccessFlags& f) {
  auto a = scenario::parse("", "oasis access").access;
  a.method = f.method;
  a.decay = f.decay;
  a.max_cost = std::isfinite(f.max_cost) ? f.max_cost : 0.0;
  a.n = f.n;
  if (std::isfinite(f.sa_alpha)) a.sa_alpha = f.sa_alpha;
  if (!f.sa_output.empty()) a.sa_output = f.sa_output;
  a.line = f.line;
  return a;
}

/// The access parameters of the flags: the same mapping as a scenario's [access] (runner::access_params),
/// with --max-cost checked first (unset = no limit).
access::AccessParams params_of(const AccessFlags& f) {
  const auto method = access::parse_method(f.method);  // an unknown method is reported before the other flags
  if ((std::isfinite(f.sa_alpha) || !f.sa_output.empty()) && method != access::Method::spatial_availability)
    throw Error(Errc::usage, fmt::format("--sa-alpha and --sa-output apply to --method spatial-availability, not {}", f.method), {}, {},
                "remove them or use --method spatial-availability");
  if (!(f.max_cost > 0)) throw Error(Errc::value_invalid, fmt::format("--max-cost {}: it must be > 0 minutes", f.max_cost));
  const auto a = access_of(f);
  return runner::access_params(a.method, a.max_cost, a.decay, a.n, a.sa_alpha, a.sa_output);
}

nlohmann::ordered_json summary_json(const access::AccessParams& p, const access::AccessResult& r, std::span<const double> demand,
                                    double line) {
  const auto ineq = access::inequality(r.value, demand, line);
  std::size_t flagged = 0;
  for (auto fl : r.flag) flagged += fl != 0;
  nlohmann::ordered_json j = {
      {"engine", std::string("oasis ") + kVersion},
      {"method", access::method_name(p.method)},
      {"decay", p.decay.spec()},
      {"max_cost", std::isfinite(p.max_cost) ? nlohmann::ordered_json(p.max_cost) : nlohmann::ordered_json(nullptr)},
      {"units", r.value.size()},
      {"flagged", flagged},
      {"supply_without_demand", r.supply_without_demand},
      {"supply_unreached", r.supply_unreached},
      {"weighted_mean", ineq.weighted_mean},
      {"gini", ineq.gini},
      {"palma", ineq.palma},
      {"line", line},
      {"share_below", ineq.share_below},
      {"population_below", ineq.population_below}};
  if (p.method == access::Method::spatial_availability) {
    j["sa_alpha"] = p.sa_alpha;
    j["sa_output"] = access::sa_output_name(p.sa_per_capita);
  }
  return j;
}

void run_matrix(const AccessFlags& f, const GlobalFlags& g) {
  if (f.supply.empty() || f.demand.empty()) throw Error(Errc::usage, "--od needs --supply SUPPLY.csv and --demand DEMAND.csv");
  if (g.output.empty()) throw Error(Errc::usage, "matrix mode needs -o OUT.csv");
  const auto p = params_of(f);
  Diagnostics diag;
  const auto demand = read_id_values(f.demand, {"population", "demand", "value"}, "demand", diag);
  const auto supply = read_id_values(f.supply, {"supply", "value", "capacity"}, "supply", diag);
  auto lookup = [](const IdTable& t) { return [&t](std::string_view s) { return t.find(s); }; };
  travel::OdReadOptions ro;
  ro.max_cost = f.max_cost;
  travel::OdReadReport rep;
  const auto od = travel::read_od(f.od, lookup(demand), demand.ids.size(), lookup(supply), supply.ids.size(), ro, diag, rep);
  std::vector<double> supply_demand;
  if (p.method == access::Method::fca_ratio) {
    supply_demand.assign(supply.ids.size(), 0.0);
    for (std::size_t j = 0; j < supply.ids.size(); ++j)
      if (auto it = demand.index.find(supply.ids[j]); it != demand.index.end()) supply_demand[j] = demand.values[it->second];
  }
  const auto r = access::compute_access(p, od, demand.values, supply.values, supply_demand);
  std::string out = "id,value,flag\n";
  for (std::size_t i = 0; i < demand.ids.size(); ++i)
    out += fmt::format("{},{},{}\n", demand.ids[i], num(r.value[i]), access::flag_name(r.flag[i]));
  write_file_atomic(g.output, out, g.overwrite);
  auto j = summary_json(p, r, demand.values, f.line);
  j["od"] = {{"file", rep.file},
             {"pairs_read", rep.records},
             {"pairs_kept", rep.kept},
             {"above_max_cost", rep.above_cutoff},
             {"unmatched_pairs", rep.unmatched_records},
             {"unmatched_from", rep.unmatched_from},
             {"unmatched_to", rep.unmatched_to}};
  j["warnings"] = warnings_json(diag);
  if (!f.summary.empty()) write_file_atomic(f.summary, j.dump(2) + "\n", g.overwrite);
  if (!g.quiet) {
    if (f.json)
      std::fputs((j.dump(2) + "\n").c_str(), stdout);
    else
      fmt::print(
          "{} over {} pairs ({} unmatched, {} above max cost): {} demand units, {} flagged, "
          "{} supply sites without demand in reach; written {}\n{}",
          access::method_name(p.method), rep.kept, rep.unmatched_records, rep.above_cutoff, demand.ids.size(),
          j["flagged"].get<std::size_t>(), r.supply_without_demand, g.output, warnings_text(diag));
  }
}

/// Commune mode: the steps of `oasis run` (inputs, travel, indicators) on a scenario made of the
/// flags, so that `oasis access` and `oasis run` give the same values for the same settings.
void run_communes(const AccessFlags& f, const GlobalFlags& g) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto p = params_of(f);                   // checks the flags
  auto s = scenario::parse("", "oasis access");  // every default of the schema
  s.territory.regions = f.data.regions;
  s.territory.departements = f.data.departements;
  s.data.communes = f.data.communes;
  s.data.apl = f.data.apl;
  s.supply.file = f.supply;
  s.supply.activity = f.activity;
  s.supply.calibrate = f.calibrate;
  s.supply.combine = f.combine;
  s.supply.factors = f.factors;
  s.territory.buffer_km = f.buffer_km;
  if (std::isfinite(f.calibrate_lambda)) s.supply.calibrate_lambda = f.calibrate_lambda;
  s.supply.calibrate_cv = !f.no_cv;
  s.access = access_of(f);
  s.travel.model = f.travel.model;
  s.travel.cutoff_min = f.travel.cutoff_min;
  s.travel.intra_min = f.travel.intra_min;
  s.travel.detour = f.travel.detour;
  s.travel.speed_kmh = f.travel.speed_kmh;
  s.travel.urban_speed_kmh = f.travel.urban_speed_kmh;
  s.travel.urban_density = f.travel.urban_density;
  s.travel.osm = f.travel.osm;
  s.travel.table = f.travel.table;
  runner::RunOptions o;
  o.data_dir = f.data.data;
  o.cog_dir = f.data.cog;
  o.threads = f.data.threads;
  o.assume_epsg = parse_epsg(f.data.assume_crs);
  o.code_field = f.data.code_field;
  o.use_apl = !f.data.no_apl;
  if (f.no_cache) o.cache_dir = std::filesystem::path();
  ProgressBar bar(g.progress_mode());
  o.progress = bar.callback();
  Diagnostics diag;
  const auto in = runner::load_inputs(s, o, diag);
  const auto tr = runner::build_travel(s, in, o, diag);
  const auto tc = std::chrono::steady_clock::now();
  auto calibration =
      runner::calibrate_supply(s, in, tr.od, f.no_cache ? runner::CalibrationCache{} : runner::CalibrationCache::user_default(), nullptr,
                               tr.od_around ? &*tr.od_around : nullptr);
  const double calibration_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - tc).count();
  const auto ta = std::chrono::steady_clock::now();
  const auto ind = runner::compute_indicators(s, in, tr.od, std::move(calibration), tr.od_around ? &*tr.od_around : nullptr);
  const double access_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - ta).count();
  bar.finish();
  const auto& t = in.territory;
  const auto& r = ind.access;
  const auto* official = t.column("apl_official");
  std::string out = "code_insee,nom,population,demand,supply,value,flag";
  out += official ? ",apl_official\n" : "\n";
  for (CommuneId c = 0; c < t.size(); ++c) {
    out += fmt::format("{},\"{}\",{},{},{},{},{}", t.code()[c].str(), t.name()[c], num(t.population()[c]), num(ind.demand[c]),
                       num(ind.supply[c]), num(r.value[c]), access::flag_name(r.flag[c]));
    out += official ? fmt::format(",{}\n", num((*official)[c])) : "\n";
  }
  if (!g.output.empty()) write_file_atomic(g.output, out, g.overwrite);
  auto j = summary_json(p, r, ind.demand, f.line);
  j["territory_communes"] = t.size();
  j["travel"] = tr.od.model;
  j["cutoff_min"] = tr.od.cutoff_min;
  j["pairs"] = tr.od.pairs();
  j["supply_file"] = in.data["supply"]["file"];
  j["supply_total"] = in.table.total();
  j["supply_unit"] = ind.apl ? fmt::format("consultations/year = headcount x {}", f.activity) : in.table.kind;
  j["supply_model"] = runner::supply_model_text(s, ind);
  if (ind.calibration) {
    const bool raw = ind.calibration->summary.at("model") == "raw";
    j["supply_unit"] = raw ? "consultations/year: the raw model supply of each commune (supply.combine, supply.factors)"
                           : "consultations/year: the calibrated supply of each commune";
    j[raw ? "raw" : "calibration"] = ind.calibration->summary;
  }
  j["demand_field"] = ind.demand_field;
  j["access_seconds"] = access_seconds;
  if (ind.calibration) j["calibration_seconds"] = calibration_seconds;
  j["warnings"] = warnings_json(diag);
  if (official && ind.apl)
    if (const auto fid = access::fidelity(r.value, *official, f.line))
      j["fidelity"] = {{"communes_compared", fid->compared},
                       {"spearman", fid->spearman},
                       {"mean_absolute_error", fid->mean_absolute_error},
                       {"agreement_below_line", fid->agreement_below_line}};
  j["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!f.summary.empty()) write_file_atomic(f.summary, j.dump(2) + "\n", g.overwrite);
  if (!g.quiet) std::fputs((j.dump(2) + "\n").c_str(), stdout);
}

}  // namespace

void register_access(CLI::App& app, GlobalFlags& g) {
  auto f = std::make_shared<AccessFlags>();
  auto* sub = app.add_subcommand("access", "Accessibility indicators (APL, 2SFCA family, gravity, cost to closest)");
  add_global_flags(*sub, g);
  add_data_flags(*sub, f->data);
  add_travel_flags(*sub, f->travel);
  sub->add_option(
      "--od", f->od,
      "Matrix mode: OD table, CSV from_id,to_id,cost or .odb of oasis travel (told apart by content; from = demand, to = supply)");
  sub->add_option("--supply", f->supply, "Matrix mode: SUPPLY.csv id,supply; commune mode: a supply file (default RPPS GP counts)");
  sub->add_option("--demand", f->demand, "Matrix mode: DEMAND.csv id,population (output rows follow its order)");
  sub->add_option("--method", f->method, fmt::format("{} (default 2sfca)", fmt::join(access::method_names(), " | ")));
  sub->add_option("--decay", f->decay, "Decay spec, e.g. step:10:1,15:0.666667,20:0.333333, gaussian:10 (default: the method's)");
  sub->add_option("--max-cost", f->max_cost, "Pairs with cost above this (minutes) are dropped; cost equal is kept");
  sub->add_option("--n", f->n, "cost-to-closest: the supply to reach, nearest sites first (default 1: the nearest site)")
      ->check(at_least(1));
  sub->add_option("--sa-alpha", f->sa_alpha, "spatial-availability: exponent of the population (access.sa_alpha; default 1)")
      ->check(CLI::Range(0.0, 100.0));
  sub->add_option("--sa-output", f->sa_output,
                  "spatial-availability: total = the supply allocated to each unit, as ipeaGIT/accessibility; per-capita = "
                  "divided by its demand (access.sa_output; default total)")
      ->check(CLI::IsMember({"total", "per-capita"}));
  sub->add_option("--activity", f->activity, "Commune mode, apl: consultations per year per counted GP (default 2300)");
  sub->add_option("--calibrate", f->calibrate,
                  "Commune mode: apl = fit the supply on the published APL, departement = one factor per département (supply.calibrate; "
                  "default none)")
      ->check(CLI::IsMember({"none", "apl", "departement"}));
  sub->add_option("--combine", f->combine,
                  "Commune mode: the headcount prior from the supply file and SIRENE (supply.combine; default mean)")
      ->check(CLI::IsMember({"first", "mean", "min", "max"}));
  sub->add_option("--factors", f->factors, "Commune mode: CSV departement,factor multiplying the raw activity (supply.factors)");
  sub->add_option("--calibrate-lambda", f->calibrate_lambda,
                  "Commune mode: weight of the headcount prior (default: supply.calibrate_lambda's)");
  sub->add_option("--buffer-km", f->buffer_km,
                  "Commune mode: compute with the communes within this distance around the selection (territory.buffer_km)")
      ->check(CLI::Range(0.0, 300.0));
  sub->add_flag("--no-cv", f->no_cv, "Commune mode: skip the département cross-validation of the calibration");
  sub->add_flag("--no-cache", f->no_cache,
                "Commune mode: read every input file and refit the calibration, keep nothing (default: the user's cache, as oasis run)");
  sub->add_option("--line", f->line, "Line for the share of population below it (default 2.5, the DREES APL line)");
  sub->add_option("--summary", f->summary, "Write the summary (method, flags, inequality, fidelity) as JSON");
  sub->add_flag("--json", f->json, "Matrix mode: print the summary as JSON");
  sub->callback([f, &g] {
    if (!f->od.empty())
      run_matrix(*f, g);
    else
      run_communes(*f, g);
  });
}

}  // namespace oasis::cli
