// `oasis run`: the steps of a scenario (steps.hpp), then the output writers into a staging folder
// that is swapped in whole (docs/pipeline.md).
#include "oasis/runner/run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "oasis/core/atomic_file.hpp"
#include "oasis/core/error.hpp"
#include "oasis/core/memory.hpp"
#include "oasis/runner/inputs.hpp"
#include "writers.hpp"

namespace fs = std::filesystem;

namespace oasis::runner {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// An entry of a previous output folder that a run may replace: its outputs, the awards files, maps/.
bool is_output(const std::string& name) {
  const auto names = output_names();
  if (std::find(names.begin(), names.end(), name) != names.end()) return true;
  return name == "maps" || (name.starts_with("awards-") && name.ends_with(".csv"));
}

/// Refuses a folder that holds a previous run without --overwrite, or files a run did not write
/// (the folder is replaced whole: they would be lost).
void check_target(const fs::path& dir, bool overwrite) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return;
  if (!fs::is_directory(dir, ec))
    throw Error(Errc::exists, "the output path exists and is not a folder", dir.string(), {}, "choose an output folder");
  std::set<std::string> names;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) names.insert(it->path().filename().string());
  if (ec) throw Error(Errc::io, fmt::format("cannot list the output folder: {}", ec.message()), dir.string());
  for (const auto& name : names)
    if (!is_output(name))
      throw Error(Errc::exists,
                  fmt::format("{} holds '{}', which is not an output of a run; a run replaces the folder whole", dir.string(), name),
                  (dir / name).string(), {}, "choose a new or empty folder, or move that file elsewhere");
  if (!names.empty() && !overwrite)
    throw Error(Errc::exists, fmt::format("{} holds the outputs of a previous run ({})", dir.string(), *names.begin()),
                (dir / *names.begin()).string(), {}, "pass --overwrite to replace them, or choose another folder");
}

/// The baseline's zone list: a previous output folder, or a scenario file run first.
std::vector<ZoneRow> baseline_rows(const scenario::Scenario& s, const RunOptions& opt) {
  if (fs::is_directory(s.outputs.baseline)) return read_zones(fs::path(s.outputs.baseline) / "zones.csv");
  const auto bs = scenario::load(s.outputs.baseline);
  if (!bs.outputs.baseline.empty() && fs::weakly_canonical(bs.outputs.baseline) == fs::weakly_canonical(s.file))
    throw Error(Errc::scenario_extend, "the baseline scenario names this scenario as its own baseline", s.outputs.baseline);
  RunOptions bo = opt;
  bo.out_dir.clear();
  bo.progress = {};
  Diagnostics bdiag;
  auto bscen = bs;
  bscen.outputs.baseline.clear();
  return run(bscen, bo, bdiag).zones;
}

}  // namespace

std::vector<std::string> output_names() {
  return {"zones.csv",
          "zones.csvt",
          "zones.xlsx",
          "communes.gpkg",
          "communes-zones.qml",
          "communes-apl.qml",
          "units-zones.qml",
          "report.html",
          "maps/zones.png",
          "maps/zones.svg",
          "maps/apl.png",
          "maps/apl.svg",
          "maps/urgences.png",
          "maps/urgences.svg",
          "maps/zones-baseline.png",
          "maps/zones-baseline.svg",
          "diff.csv",
          "sites.csv",
          "supply.csv",
          "urgences.csv",
          "scenario.toml",
          "timings.json",
          "summary.json"};
}

RunResult run(const scenario::Scenario& s, const RunOptions& opt, Diagnostics& diag) {
  const auto t0 = Clock::now();
  const bool write = !opt.out_dir.empty();
  if (write) check_target(opt.out_dir, opt.overwrite);
  json timings = json::object();
  auto timed = [&](const char* name, auto&& f) {
    const auto ts = Clock::now();
    auto r = f();
    timings[name] = since(ts);
    return r;
  };

  const auto inputs = timed("inputs", [&] { return load_inputs(s, opt, diag); });
  timings["inputs_cache"] = inputs.cache;
  const auto travel = timed("travel", [&] { return build_travel(s, inputs, opt, diag); });
  bool cache_hit = false;
  const CalibrationCache cache = opt.cache_dir ? CalibrationCache{*opt.cache_dir} : CalibrationCache::user_default();
  const auto* around_od = travel.od_around ? &*travel.od_around : nullptr;
  auto calibration = timed("calibration", [&] { return calibrate_supply(s, inputs, travel.od, cache, &cache_hit, around_od); });
  if (calibration) timings["calibration_cache"] = cache_hit ? "hit" : cache.dir.empty() ? "off" : "miss";
  const auto indicators = timed("access", [&] { return compute_indicators(s, inputs, travel.od, std::move(calibration), around_od); });
  const auto zoning = timed("zoning", [&] { return compute_zoning(s, inputs, indicators); });
  const SubProgress p_out(opt.progress, 0.87, 0.95);
  if (!p_out(0.1, "zoning")) throw Error(Errc::cancelled, "run cancelled");
  const auto flags = timed("flags", [&] { return compute_flags(s, inputs, travel, indicators, zoning); });
  const auto siting = timed("siting", [&] { return compute_siting(s, inputs, travel, indicators, zoning); });

  RunResult out;
  out.zones = zone_rows(inputs, indicators, zoning, flags);
  out.summary = build_summary(s, inputs, travel, indicators, zoning, flags, siting, diag);
  std::optional<Comparison> cmp;
  std::vector<ZoneRow> base;
  if (!s.outputs.baseline.empty()) {
    base = timed("baseline", [&] { return baseline_rows(s, opt); });
    cmp = compare(base, out.zones, s.outputs.baseline, s.flags.urgences_max_min);
    out.summary["comparison"] = cmp->summary;
  }
  const bool csv_fr = opt.csv_fr.value_or(s.outputs.csv_fr);
  const auto grants = timed("grants", [&] { return evaluate_grants(s, out.zones, cmp ? &base : nullptr, siting, csv_fr); });
  if (!s.grants.empty()) out.summary["grants"] = grants.summary;

  if (write) {
    const auto ts = Clock::now();
    StagedFolder folder(opt.out_dir);
    WriteContext ctx;
    ctx.dir = folder.dir();
    ctx.progress = [&p_out](double f, std::string_view st) { return p_out(f, st); };
    const Products products{s, inputs, travel, indicators, zoning, flags, siting, out.zones, cmp, base, grants, out.summary, csv_fr};
    run_writers(products, ctx, travel.settings.threads);
    timings["write"] = since(ts);
    timings["writers"] = ctx.timings;
    timings["total"] = since(t0);
    timings["peak_rss_mb"] = std::round(peak_rss_mb());
    ctx.file("timings.json", timings.dump(2) + "\n");
    ctx.file("summary.json", out.summary.dump(2) + "\n");
    folder.commit();
    for (const auto& name : ctx.written) out.written.push_back(opt.out_dir / name);
  } else {
    timings["total"] = since(t0);
    timings["peak_rss_mb"] = std::round(peak_rss_mb());
  }
  out.timings = timings;
  if (opt.progress) (void)opt.progress(1.0, "done");
  return out;
}

}  // namespace oasis::runner
