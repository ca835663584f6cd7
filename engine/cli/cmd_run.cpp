// oasis run SCENARIO.toml -o OUTDIR: the whole job of a scenario (docs/scenarios.md, docs/outputs.md).
// oasis diff A B: communes whose zone changed between two output folders.
// oasis scenario: print the schema, check or resolve a scenario file.
#include <cstdio>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "common.hpp"
#include "oasis/core/atomic_file.hpp"
#include "oasis/core/error.hpp"
#include "oasis/runner/columns.hpp"
#include "oasis/runner/run.hpp"
#include "oasis/scenario/scenario.hpp"

namespace fs = std::filesystem;

namespace oasis::cli {
namespace {

struct RunFlags {
  std::string scenario;
  std::string data, cog;
  int threads = -1;
  bool csv_fr = false;
  bool json = false;
  std::string cache_dir;
  bool no_cache = false;
};

std::string zone_line(const nlohmann::ordered_json& by_zone, double total) {
  std::string s;
  for (const auto& [k, v] : by_zone.items())
    s += fmt::format("  {:<12} {:>6} communes  {:>12} inhabitants  {:5.1f} %\n", k, v["communes"].get<std::size_t>(),
                     thousands(v["population"].get<double>()), total > 0 ? 100.0 * v["population"].get<double>() / total : 0.0);
  return s;
}
/// Characters as shown (UTF-8 continuation bytes not counted), to align names.
std::ptrdiff_t display_width(const std::string& s) {
  std::ptrdiff_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

/// The siting answer as planners read it: the objective against its bound, then each site.
std::string siting_text(const nlohmann::json& S) {
  const auto kind = S["objective_kind"].get<std::string>();
  const auto& R = S["candidate_rules"];
  const auto method = S["method"].get<std::string>();
  const double gap = 100.0 * S["gap"].get<double>();
  const auto value = [&](const char* key) {
    const double v = S[key].get<double>();
    return kind == "lift" ? thousands(v) : fmt::format("{:.3f}", v);
  };
  std::string rule = R["rule"] == "listed" ? fmt::format("{} listed", R["listed"].get<std::size_t>())
                                           : fmt::format("communes of {}+ inhabitants", thousands(R["min_population"].get<double>()));
  if (R["msp"] == "exclude") rule += ", without an MSP";
  if (R["min_distance_km"].get<double>() > 0) rule += fmt::format(", {} km apart", R["min_distance_km"].get<double>());
  std::string text = fmt::format("siting        {}: {} openings of {} ETP among {} candidates ({})\n", kind, S["placed"].get<int>(),
                                 S["supply_per_site"].get<double>(), S["candidates"].get<std::size_t>(), rule);
  if (S["placed"].get<int>() < S["openings"].get<int>())
    text += fmt::format("  only {} of the {} openings fit the rules (siting.min_distance_km, siting.max_per_commune)\n",
                        S["placed"].get<int>(), S["openings"].get<int>());
  const std::string head =
      kind == "lift"      ? fmt::format("{} inhabitants in zones raised to {} or more", value("objective"), S["line"].get<double>())
      : kind == "max-min" ? fmt::format("lowest zone value {} (before {})", value("objective"), value("before"))
                          : fmt::format("mean value of the 10 % worst off {} (before {})", value("objective"), value("before"));
  text += fmt::format("  {}; bound {}, gap {:.2f} % ({})\n", head, value("bound"), gap,
                      method == "mip-optimal" ? "proven optimal"
                      : method == "mip-bound" ? "exact model stopped at its time limit"
                                              : "heuristic");
  for (const auto& e : S["sites"]) {
    const double m = e["marginal"].get<double>();
    text += fmt::format("  {}  {}{} {:>9} inhabitants  {} opening{}  without it: {}\n", e["code_insee"].get<std::string>(),
                        e["name"].get<std::string>(),
                        std::string(std::max<std::ptrdiff_t>(1, 28 - display_width(e["name"].get<std::string>())), ' '),
                        thousands(e["population"].get<double>()), e["openings"].get<int>(), e["openings"].get<int>() > 1 ? "s" : " ",
                        kind == "lift" ? thousands(m) + " fewer" : fmt::format("{:.3f} lower", m));
  }
  return text;
}

void run_scenario(const RunFlags& f, const GlobalFlags& g) {
  if (g.output.empty())
    throw Error(Errc::usage, "oasis run needs -o OUTDIR", {}, {}, "oasis run scenarios/centre-val-de-loire.toml -o out/");
  const auto s = scenario::load(f.scenario);
  runner::RunOptions o;
  o.out_dir = g.output;
  o.overwrite = g.overwrite;
  if (f.csv_fr) o.csv_fr = true;
  o.data_dir = f.data;
  o.cog_dir = f.cog;
  if (f.threads >= 0) o.threads = f.threads;
  if (f.no_cache)
    o.cache_dir = fs::path();
  else if (!f.cache_dir.empty())
    o.cache_dir = fs::path(f.cache_dir);
  ProgressBar bar(g.progress_mode());
  o.progress = bar.callback();
  Diagnostics diag;
  const auto r = runner::run(s, o, diag);
  bar.finish();
  if (g.quiet) return;
  if (f.json) {
    std::fputs((r.summary.dump(2) + "\n").c_str(), stdout);
    return;
  }
  const auto& S = r.summary;
  const double pop = S["territory"]["population"].get<double>();
  std::string text = fmt::format("scenario      {} ({})\n", s.name, S["simulation"].get<std::string>());
  text += fmt::format("territory     {} communes, {} inhabitants\n", S["territory"]["communes"].get<std::size_t>(), thousands(pop));
  const auto& T = S["travel"];
  text += fmt::format("travel        {}, cutoff {} min{}, {} pairs\n", T["model"].get<std::string>(), T["cutoff_min"].get<double>(),
                      T.contains("cutoff_raised_by")
                          ? fmt::format(" ({} in the scenario, raised by {})", T["cutoff_min_scenario"].get<double>(),
                                        T["cutoff_raised_by"].get<std::string>())
                          : std::string(),
                      thousands(T["pairs"].get<double>()));
  text += fmt::format("access        {} ({}): population-weighted mean {:.3f}, {:.1f} % of the population below {}\n",
                      S["access"]["method"].get<std::string>(), S["access"]["decay"].get<std::string>(),
                      S["access"]["weighted_mean"].get<double>(), 100.0 * S["access"]["share_below"].get<double>(),
                      S["access"]["line"].get<double>());
  text += fmt::format("zoning        {} on {} units ({}):\n", S["zoning"]["indicator"].get<std::string>(),
                      S["zoning"]["unit_count"].get<std::size_t>(), S["zoning"]["units"].get<std::string>());
  text += zone_line(S["zoning"]["by_zone"], pop);
  if (S.contains("comparison")) {
    const auto& c = S["comparison"];
    text += fmt::format("vs baseline   {} communes changed zone, {} inhabitants moved; mandatory ZIP {} -> {} inhabitants\n",
                        c["communes_changed"].get<std::size_t>(), thousands(c["population_moved"].get<double>()),
                        thousands(c["mandatory_zip_population"]["baseline"].get<double>()),
                        thousands(c["mandatory_zip_population"]["scenario"].get<double>()));
  }
  if (S.contains("siting")) text += siting_text(S["siting"]);
  text += warnings_text(diag);
  text += fmt::format("time          {:.2f} s, peak memory {:.0f} MB\n", r.timings["total"].get<double>(), peak_rss_mb());
  text += "written      ";
  for (const auto& p : r.written) text += " " + p.filename().string();
  text += fmt::format(" in {}\n", g.output);
  std::fputs(text.c_str(), stdout);
}

struct DiffFlags {
  std::string a, b;
  bool json = false;
};

void run_diff(const DiffFlags& f, const GlobalFlags& g) {
  auto zones = [](const std::string& p) {
    const char* fix = "give the output folder of an oasis run (oasis run SCENARIO -o OUTDIR) or its zones.csv";
    std::error_code ec;
    if (!fs::exists(p, ec)) throw Error(Errc::io, "no such folder or file", p, {}, fix);
    if (fs::is_directory(p, ec) && !fs::exists(fs::path(p) / "zones.csv", ec))
      throw Error(Errc::io, "not the output folder of a run: it holds no zones.csv", p, {}, fix);
    return runner::read_zones(fs::is_directory(p) ? fs::path(p) / "zones.csv" : fs::path(p));
  };
  const auto c = runner::compare(zones(f.a), zones(f.b), f.a);
  if (!g.output.empty()) write_file_atomic(g.output, c.csv, g.overwrite);
  if (g.quiet) return;
  if (f.json) {
    std::fputs((c.summary.dump(2) + "\n").c_str(), stdout);
    return;
  }
  std::string text =
      fmt::format("{} communes compared, {} changed zone, {} inhabitants moved\n", c.summary["communes_compared"].get<std::size_t>(),
                  c.summary["communes_changed"].get<std::size_t>(), thousands(c.summary["population_moved"].get<double>()));
  for (const char* key : {"transitions", "class_transitions"})
    for (const auto& t : c.summary[key])
      text += fmt::format("  {:<6} {:>11} -> {:<11} {:>6} communes  {:>12} inhabitants\n", key[0] == 't' ? "zone" : "class",
                          t["from"].get<std::string>(), t["to"].get<std::string>(), t["communes"].get<std::size_t>(),
                          thousands(t["population"].get<double>()));
  if (c.only_baseline || c.only_scenario)
    text += fmt::format("  {} communes only in {}, {} only in {}\n", c.only_baseline, f.a, c.only_scenario, f.b);
  std::fputs(text.c_str(), stdout);
}

struct ScenarioFlags {
  std::string check, resolve;
  bool schema = false, columns = false;
};

void run_scenario_tool(const ScenarioFlags& f) {
  if (f.schema) std::fputs(scenario::schema_markdown().c_str(), stdout);
  if (f.columns) std::fputs(runner::columns_markdown().c_str(), stdout);
  if (!f.check.empty()) {
    const auto s = scenario::load(f.check);
    fmt::print("{}: valid ({} file{} in the extend chain)\n", f.check, s.chain.size(), s.chain.size() > 1 ? "s" : "");
  }
  if (!f.resolve.empty()) std::fputs(scenario::load(f.resolve).resolved_toml.c_str(), stdout);
  if (!f.schema && !f.columns && f.check.empty() && f.resolve.empty())
    throw Error(Errc::usage, "oasis scenario needs --schema, --columns, --check FILE or --resolve FILE");
}

}  // namespace

void register_run(CLI::App& app, GlobalFlags& g) {
  auto f = std::make_shared<RunFlags>();
  auto* sub = app.add_subcommand("run", "Run a scenario file: zones, zone lists, GeoPackage, summary (docs/scenarios.md)");
  add_global_flags(*sub, g);
  sub->get_option("--output")
      ->description("Output folder (written whole: staged beside it, then swapped in; docs/outputs.md)")
      ->type_name("OUTDIR");
  sub->get_option("--overwrite")->description("Replace the output folder of a previous run");
  sub->add_option("scenario", f->scenario, "Scenario file (TOML), e.g. scenarios/centre-val-de-loire.toml")->required();
  sub->add_option("--data", f->data, "Data directory (overrides data.dir; default $OASIS_DATA, else ../shared/geodata)");
  sub->add_option("--cog", f->cog, "@etalab/decoupage-administratif folder (overrides data.cog)");
  sub->add_option("--threads", f->threads, "Worker threads (overrides travel.threads; 0 = all cores)");
  sub->add_flag("--csv-fr", f->csv_fr, "zones.csv for French spreadsheets: ';', decimal comma, BOM");
  sub->add_flag("--json", f->json, "Print summary.json instead of the text summary");
  sub->add_option("--cache-dir", f->cache_dir,
                  "Where the prepared inputs and the supply calibration are kept between runs (default "
                  "$XDG_CACHE_HOME/oasis, else ~/.cache/oasis; docs/cache.md)");
  sub->add_flag("--no-cache", f->no_cache, "Read every input file and refit the supply calibration, keep nothing");
  sub->callback([f, &g] { run_scenario(*f, g); });

  auto d = std::make_shared<DiffFlags>();
  auto* diff = app.add_subcommand("diff", "Communes whose zone changed between two runs (output folders or zones.csv)");
  add_global_flags(*diff, g);
  diff->get_option("--output")->description("Write the comparison as CSV to this file (diff.csv's columns)")->type_name("FILE");
  diff->add_option("baseline", d->a, "Baseline output folder (or its zones.csv)")->required();
  diff->add_option("scenario", d->b, "Scenario output folder (or its zones.csv)")->required();
  diff->add_flag("--json", d->json, "Print the comparison as JSON");
  diff->callback([d, &g] { run_diff(*d, g); });

  auto sf = std::make_shared<ScenarioFlags>();
  auto* sc = app.add_subcommand("scenario", "Scenario files: print the schema, check or resolve a file");
  sc->add_flag("--schema", sf->schema, "Print the schema as a Markdown table (docs/scenarios.md)");
  sc->add_flag("--columns", sf->columns,
               "Print the output columns (zones.csv, GeoPackage, sites.csv, diff.csv) as a Markdown table (docs/outputs.md)");
  sc->add_option("--check", sf->check, "Validate a scenario file and its extend chain");
  sc->add_option("--resolve", sf->resolve, "Print the resolved scenario (every default filled in)");
  sc->callback([sf] { run_scenario_tool(*sf); });
}

}  // namespace oasis::cli
