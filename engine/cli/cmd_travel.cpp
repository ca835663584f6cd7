// oasis travel: build the commune-to-commune OD table of a territory with one travel model, write
// it (CSV or compact binary), and optionally the time from every commune to the nearest facility.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common.hpp"
#include "oasis/core/atomic_file.hpp"
#include "oasis/core/error.hpp"
#include "oasis/core/version.hpp"
#include "oasis/geodata/load.hpp"
#include "oasis/geodata/travel.hpp"
#include "oasis/travel/models.hpp"
#include "oasis/travel/od_io.hpp"

namespace oasis::cli {
namespace {

struct TravelCmdFlags {
  DataFlags data;
  TravelFlags travel;
  std::string nearest;         // supply file whose facilities are looked for
  std::string nearest_output;  // CSV code,nom,population,minutes
  int k = 1;
  double beyond = 30.0;
  bool json = false;
  bool no_cache = false;
};

void run_travel(const TravelCmdFlags& f, const GlobalFlags& g) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto settings = travel_settings(f.travel, f.data.threads);
  if (!g.output.empty() && !g.overwrite && std::filesystem::exists(g.output))
    throw Error(Errc::exists, "the output already exists", g.output, {}, "pass --overwrite or choose another name");
  auto o = territory_options(f.data);
  o.use_apl = false;
  ProgressBar bar(g.progress_mode());
  auto progress = bar.callback();
  o.progress = [&](double x, std::string_view st) { return progress(0.3 * x, st); };
  Diagnostics diag;
  o.cache = f.no_cache ? FileCache() : FileCache::user_default();
  const auto cog = geodata::Cog::load(o.cog_dir, o.cache);
  const auto loaded = geodata::load_territory(o, cog, diag);
  const auto& t = loaded.territory;
  const auto result = geodata::build_travel(
      t, settings, diag, [&](double x, std::string_view st) { return progress(0.3 + 0.6 * x, st); }, o.cache);
  const auto& od = result.od;
  const auto codes = geodata::territory_codes(t);
  if (!g.output.empty()) {
    if (std::filesystem::path(g.output).extension() == ".odb")
      travel::write_od_binary(g.output, od, codes, codes, g.overwrite);
    else
      travel::write_od_csv(g.output, od, codes, codes, g.overwrite);
  }

  nlohmann::ordered_json j;
  j["engine"] = std::string("oasis ") + kVersion;
  j["cog"] = loaded.cog_version;
  j["model"] = od.model;
  j["cutoff_min"] = od.cutoff_min;
  j["intra_min"] = settings.intra_min;
  j["communes"] = t.size();
  j["pairs"] = od.pairs();
  j["mean_destinations"] = t.size() ? static_cast<double>(od.pairs()) / static_cast<double>(t.size()) : 0.0;
  j["od_memory_mb"] = std::round(static_cast<double>(od.memory_bytes()) / 1e5) / 10.0;
  if (result.osm) {
    const auto& r = *result.osm;
    j["osm"] = {{"file", r.file},
                {"ways", r.ways},
                {"nodes_read", r.nodes_read},
                {"nodes_kept", r.nodes_kept},
                {"arcs", r.arcs},
                {"snapped", r.snapped},
                {"off_network", r.off_network},
                {"max_snap_m", std::round(r.max_snap_m)},
                {"routing", "contraction hierarchy"},
                {"shortcuts", r.shortcuts}};
  }
  if (result.table) {
    const auto& r = *result.table;
    j["table"] = {{"file", r.file},
                  {"records", r.records},
                  {"kept", r.kept},
                  {"above_cutoff", r.above_cutoff},
                  {"unmatched_records", r.unmatched_records},
                  {"unmatched_from", r.unmatched_from},
                  {"unmatched_to", r.unmatched_to}};
  }
  std::string nearest_text;
  if (!f.nearest.empty()) {
    geodata::SupplyOptions so;
    so.path = f.nearest;
    geodata::SupplyReport srep;
    const auto facilities = geodata::load_supply(so, t, cog, diag, srep);
    const auto per = facilities.per_commune(t.size());
    const auto times = travel::time_to_nearest(od, per, f.k);
    const auto beyond = travel::population_beyond(times, t.population(), f.beyond);
    j["nearest"] = {{"file", srep.file},         {"facilities", facilities.total()},       {"k", f.k},
                    {"threshold_min", f.beyond}, {"population_beyond", beyond.population}, {"share_beyond", beyond.share}};
    nearest_text = fmt::format("nearest       k={} of {} ({} facilities): {} inhabitants ({:.1f} %) beyond {} min or the cutoff\n", f.k,
                               srep.file, thousands(facilities.total()), thousands(beyond.population), 100.0 * beyond.share, f.beyond);
    if (!f.nearest_output.empty()) {
      std::string csv = "code_insee,nom,population,minutes\n";
      for (CommuneId c = 0; c < t.size(); ++c)
        csv += std::isnan(times[c]) ? fmt::format("{},\"{}\",{:.0f},\n", codes[c], t.name()[c], t.population()[c])
                                    : fmt::format("{},\"{}\",{:.0f},{:.2f}\n", codes[c], t.name()[c], t.population()[c], times[c]);
      write_file_atomic(f.nearest_output, csv, g.overwrite);
    }
  }
  bar.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  j["travel_seconds"] = std::round(result.seconds * 1000) / 1000;
  j["seconds"] = std::round(seconds * 1000) / 1000;
  j["peak_rss_mb"] = std::round(peak_rss_mb());
  j["warnings"] = warnings_json(diag);
  if (g.quiet && !f.json) return;
  if (f.json) {
    std::fputs((j.dump(2) + "\n").c_str(), stdout);
    return;
  }
  std::string text;
  text += fmt::format("model         {} (cutoff {} min, intra-commune {} min)\n", od.model, od.cutoff_min, settings.intra_min);
  text += fmt::format("communes      {}\n", thousands(static_cast<double>(t.size())));
  text += fmt::format("pairs         {} ({:.1f} destinations per commune, {:.1f} MB)\n", thousands(static_cast<double>(od.pairs())),
                      j["mean_destinations"].get<double>(), static_cast<double>(od.memory_bytes()) / 1e6);
  if (result.osm)
    text += fmt::format(
        "roads         {} ways, {} nodes kept of {}, {} communes snapped (max {:.0f} m), {} off the network; contraction hierarchy of {} "
        "shortcuts ({})\n",
        result.osm->ways, result.osm->nodes_kept, result.osm->nodes_read, result.osm->snapped, result.osm->max_snap_m,
        result.osm->off_network, result.osm->shortcuts, result.osm->hierarchy_from_cache ? "from the cache" : "built");
  if (result.table)
    text += fmt::format("table         {} pairs read, {} kept, {} above the cutoff, {} with unknown ids\n", result.table->records,
                        result.table->kept, result.table->above_cutoff, result.table->unmatched_records);
  text += nearest_text;
  text += warnings_text(diag);
  if (!g.output.empty()) text += fmt::format("written       {}\n", g.output);
  text += fmt::format("time          {:.2f} s (travel {:.2f} s), peak memory {:.0f} MB\n", seconds, result.seconds, peak_rss_mb());
  std::fputs(text.c_str(), stdout);
}

}  // namespace

void register_travel(CLI::App& app, GlobalFlags& g) {
  auto flags = std::make_shared<TravelCmdFlags>();
  auto* sub = app.add_subcommand("travel", "Build the commune-to-commune travel-time table (OD) of a territory");
  add_global_flags(*sub, g);
  add_data_flags(*sub, flags->data);
  add_travel_flags(*sub, flags->travel);
  sub->add_option("--nearest", flags->nearest, "Supply file (counts CSV, RPPS, points): report the time to the nearest facility");
  sub->add_option("--k", flags->k, "--nearest: rank of the facility (1 = nearest)")->check(at_least(1));
  sub->add_option("--beyond", flags->beyond, "--nearest: threshold in minutes for the share of population beyond it (default 30)");
  sub->add_option("--nearest-output", flags->nearest_output, "--nearest: write code_insee,nom,population,minutes to this CSV");
  sub->add_flag("--json", flags->json, "Print the summary as one JSON object");
  sub->add_flag("--no-cache", flags->no_cache,
                "Read every input file and build the road hierarchy again, keep nothing (default: the user's cache, docs/cache.md)");
  sub->callback([flags, &g] { run_travel(*flags, g); });
}

}  // namespace oasis::cli
