// oasis info: load a territory and report what was loaded, kept, merged and rejected.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include "common.hpp"
#include "oasis/core/atomic_file.hpp"
#include "oasis/core/diagnostics.hpp"
#include "oasis/core/error.hpp"
#include "oasis/core/version.hpp"
#include "oasis/geodata/load.hpp"

namespace oasis::cli {
namespace {

struct InfoFlags {
  DataFlags data;
  std::string supply;  // file, "none", or empty for the default
  std::string supply_format = "auto";
  std::string supply_column;
  int points_crs = 4326;
  bool json = false;
  bool list_warnings = false;
};

double nansum(const std::vector<double>* v) {
  if (!v) return NAN;
  double s = 0;
  for (double x : *v)
    if (std::isfinite(x)) s += x;
  return s;
}

void run_info(const InfoFlags& f, const GlobalFlags& g) {
  const auto t0 = std::chrono::steady_clock::now();
  auto o = territory_options(f.data);
  ProgressBar bar(g.progress_mode());
  o.progress = bar.callback();

  Diagnostics diag;
  const auto cog = geodata::Cog::load(o.cog_dir);
  auto loaded = geodata::load_territory(o, cog, diag);
  const auto& t = loaded.territory;

  std::optional<geodata::SupplyReport> srep;
  SupplyTable supply;
  std::filesystem::path supply_path = f.supply;
  if (f.supply.empty()) {
    const auto def = o.data_dir / "practitioners" / "rpps2026_gp_counts_communes.csv";
    if (std::filesystem::exists(def)) supply_path = def;
  }
  if (!supply_path.empty() && f.supply != "none") {
    geodata::SupplyOptions so;
    so.path = supply_path;
    so.format = f.supply_format;
    so.column = f.supply_column;
    so.points_epsg = f.points_crs;
    srep.emplace();
    supply = geodata::load_supply(so, t, cog, diag, *srep);
  }
  bar.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  nlohmann::ordered_json j;
  j["engine"] = std::string("oasis ") + kVersion;
  j["data_dir"] = o.data_dir.string();
  j["cog"] = loaded.cog_version;
  j["regions"] = f.data.regions;
  j["departements"] = f.data.departements;
  j["communes"] = t.size();
  j["population"] = t.total_population();
  const auto& b = loaded.boundaries;
  j["boundaries"] = {{"files", b.files},
                     {"features", b.features},
                     {"merged_codes", b.merged_codes},
                     {"repaired", b.repaired},
                     {"rejected", b.rejected},
                     {"outside_selection", b.outside_filter},
                     {"without_boundary", loaded.without_boundary.size()}};
  j["crs"] = {{"input", b.input_crs}, {"output", b.output_epsg}};
  if (loaded.apl) {
    const auto& a = *loaded.apl;
    j["apl_file"] = {{"file", a.file},
                     {"records", a.records},
                     {"matched", a.matched},
                     {"merged", a.merged},
                     {"communes_without", a.communes_without},
                     {"unmatched_codes", a.unmatched_codes}};
    j["population_std"] = nansum(t.column("population_std"));
  }
  std::vector<std::string> unmatched;
  if (srep) {
    j["supply"] = {{"file", srep->file},       {"format", srep->format},   {"kind", supply.kind},
                   {"records", srep->records}, {"kept", srep->kept},       {"skipped", srep->skipped},
                   {"outside", srep->outside}, {"snapped", srep->snapped}, {"total", supply.total()}};
    unmatched = srep->unmatched_codes;
  }
  j["supply_points"] = supply.size();
  j["supply_total"] = supply.total();
  j["unmatched_codes"] = unmatched;
  j["warnings"] = warnings_json(diag);
  j["seconds"] = std::round(seconds * 1000.0) / 1000.0;
  j["peak_rss_mb"] = std::round(peak_rss_mb());

  std::string text;
  if (f.json) {
    nlohmann::ordered_json findings = nlohmann::ordered_json::array();
    for (const auto& x : diag.findings())
      findings.push_back({{"code", warn_name(x.kind)}, {"file", x.file}, {"record", x.record}, {"message", x.message}});
    j["findings"] = findings;
    text = j.dump(2) + "\n";
  } else {
    std::string scope = "all of France";
    if (!f.data.regions.empty() || !f.data.departements.empty()) {
      scope.clear();
      for (const auto& r : f.data.regions) scope += fmt::format("{}région {} {}", scope.empty() ? "" : ", ", r, cog.region_name(r));
      for (const auto& d : f.data.departements)
        scope += fmt::format("{}département {} {}", scope.empty() ? "" : ", ", d, cog.departement_name(d));
    }
    text += fmt::format("oasis {} | data {} | {}\n", kVersion, o.data_dir.string(), loaded.cog_version);
    text += fmt::format("territory     {}\n", scope);
    text += fmt::format(
        "communes      {} ({} features in {} files; {} former codes merged, {} polygons repaired, "
        "{} rejected, {} without boundary)\n",
        thousands(static_cast<double>(t.size())), thousands(static_cast<double>(b.features)), b.files, b.merged_codes, b.repaired,
        b.rejected, loaded.without_boundary.size());
    text += fmt::format("population    {} (legal population, {})\n", thousands(t.total_population()), loaded.cog_version);
    if (loaded.apl)
      text += fmt::format("standardised  {} (DREES pop_standardisee; {} of {} lines matched, {} communes without a line)\n",
                          thousands(nansum(t.column("population_std"))), loaded.apl->matched, loaded.apl->records,
                          loaded.apl->communes_without);
    std::string crs_in;
    for (const auto& c : b.input_crs) crs_in += (crs_in.empty() ? "" : ", ") + c;
    std::string crs_out;
    for (int e : b.output_epsg) crs_out += fmt::format("{}EPSG:{}", crs_out.empty() ? "" : ", ", e);
    text += fmt::format("crs           {} -> {}\n", crs_in, crs_out);
    if (srep)
      text += fmt::format("supply        {} records of '{}' ({} format; total {}; {} unmatched codes; {} outside) from {}\n",
                          thousands(static_cast<double>(supply.size())), supply.kind, srep->format, thousands(supply.total()),
                          unmatched.size(), srep->outside, srep->file);
    text += warnings_text(diag);
    if (f.list_warnings)
      for (const auto& x : diag.findings()) text += fmt::format("  {} {}: {}: {}\n", warn_name(x.kind), x.file, x.record, x.message);
    text += fmt::format("time          {:.2f} s, peak memory {:.0f} MB\n", seconds, peak_rss_mb());
  }
  if (!g.output.empty()) {
    write_file_atomic(g.output, text, g.overwrite);
  } else if (!g.quiet || f.json) {
    std::fputs(text.c_str(), stdout);
  }
}

}  // namespace

void register_info(CLI::App& app, GlobalFlags& g) {
  auto flags = std::make_shared<InfoFlags>();
  auto* sub = app.add_subcommand("info", "Load a territory and report communes, population, supply and problems found");
  add_global_flags(*sub, g);
  add_data_flags(*sub, flags->data);
  sub->add_option("--supply", flags->supply,
                  "Supply file: counts CSV, RPPS extraction (.txt) or points (CSV lon/lat, any OGR layer); "
                  "'none' to skip (default: <data>/practitioners/rpps2026_gp_counts_communes.csv)");
  sub->add_option("--supply-format", flags->supply_format, "auto | counts | rpps | points")
      ->check(CLI::IsMember({"auto", "counts", "rpps", "points"}));
  sub->add_option("--supply-column", flags->supply_column, "Counts CSV: the column holding the amount");
  sub->add_option("--points-crs", flags->points_crs, "EPSG code of the x/y columns of a points CSV (default 4326)");
  sub->add_flag("--json", flags->json, "Print one JSON object instead of the summary");
  sub->add_flag("--list-warnings", flags->list_warnings, "List the first findings of each warning kind");
  sub->callback([flags, &g] { run_info(*flags, g); });
}

}  // namespace oasis::cli
