// The aggregates of a sweep, computed from the task results in task order (so that they do not
// depend on the workers nor on the order tasks finished), and the outputs.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "oasis/core/atomic_file.hpp"
#include "oasis/core/checksum.hpp"
#include "oasis/core/error.hpp"
#include "oasis/core/version.hpp"
#include "oasis/geodata/gpkg.hpp"
#include "oasis/report/map.hpp"
#include "oasis/report/style.hpp"
#include "oasis/sweep/sweep.hpp"

namespace fs = std::filesystem;

namespace oasis::sweep {

double quantile(std::vector<double> v, double q) {
  std::erase_if(v, [](double x) { return !std::isfinite(x); });
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const double h = (static_cast<double>(v.size()) - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

namespace {

std::string num(double v) { return std::isfinite(v) ? fmt::format("{}", v) : std::string(); }
std::string csv_text(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}
double mean(const std::vector<double>& v) {
  double s = 0;
  std::size_t n = 0;
  for (double x : v)
    if (std::isfinite(x)) s += x, ++n;
  return n ? s / static_cast<double>(n) : NAN;
}
/// mean, then the quantiles of kQuantiles, as CSV cells.
std::string distribution(const std::vector<double>& v) {
  std::string out = num(mean(v));
  for (double q : kQuantiles) out += fmt::format(",{}", num(quantile(v, q)));
  return out;
}
std::string distribution_header(const std::string& what) {
  std::string out = what + "_mean";
  for (double q : kQuantiles) out += fmt::format(",{}_q{:02.0f}", what, q * 100);
  return out;
}

/// What the outputs are made of: the CSV files by name and the per-point commune shares.
struct Aggregates {
  std::map<std::string, std::string> files;                           // name -> bytes, in name order
  std::vector<std::vector<double>> share_zip, share_zac, apl_median;  // [point][commune]
  json points = json::array();
};

void check_results(const Spec& spec, const Frame& frame, std::vector<TaskResult>& results) {
  const auto n_tasks = spec.tasks();
  std::sort(results.begin(), results.end(), [](const TaskResult& a, const TaskResult& b) { return a.index < b.index; });
  if (results.size() != n_tasks)
    throw Error(Errc::value_invalid, fmt::format("the sweep has {} tasks and {} results", n_tasks, results.size()), spec.file.string());
  for (std::size_t i = 0; i < n_tasks; ++i)
    if (results[i].index != i || results[i].zone.size() != frame.code.size())
      throw Error(Errc::value_invalid, fmt::format("task {} is missing, duplicated or of another territory", i), spec.file.string());
}

/// communes.csv: the share of runs in ZIP / ZAC, the distribution of the APL.
void aggregate_communes(const Spec& spec, const Frame& frame, const std::vector<TaskResult>& results, Aggregates& A) {
  const auto points = spec.points();
  const auto draws = spec.mc.draws;
  const auto nc = frame.code.size();
  std::string communes = "point,code_insee,nom,population,share_zip,share_zac," + distribution_header("apl") + "\n";
  A.share_zip.assign(points, std::vector<double>(nc));
  A.share_zac = A.apl_median = A.share_zip;
  for (std::size_t p = 0; p < points; ++p)
    for (std::size_t c = 0; c < nc; ++c) {
      std::size_t zip = 0, zac = 0;
      std::vector<double> apl(draws);
      for (std::size_t d = 0; d < draws; ++d) {
        const auto& r = results[p * draws + d];
        zip += r.zone[c] == 2;
        zac += r.zone[c] == 1;
        apl[d] = r.apl[c];
      }
      A.share_zip[p][c] = static_cast<double>(zip) / static_cast<double>(draws);
      A.share_zac[p][c] = static_cast<double>(zac) / static_cast<double>(draws);
      A.apl_median[p][c] = quantile(apl, 0.5);
      communes += fmt::format("{},{},{},{},{},{},{}\n", p, frame.code[c], csv_text(frame.name[c]), num(frame.population[c]),
                              num(A.share_zip[p][c]), num(A.share_zac[p][c]), distribution(apl));
    }
  A.files["communes.csv"] = communes;
}

/// units.csv, regions.csv, grants.csv, siting.csv: the distribution of one figure per entity.
void aggregate_entities(const Spec& spec, const Frame& frame, const std::vector<TaskResult>& results, Aggregates& A) {
  const auto points = spec.points();
  const auto draws = spec.mc.draws;
  const auto per = [&](const char* file, const char* id_col, const std::vector<std::string>& ids, const std::vector<std::string>* names,
                       const std::string& what, auto&& value) {
    std::string out = fmt::format("point,{}{},{},share_of_runs_above_zero\n", id_col, names ? ",nom" : "", distribution_header(what));
    for (std::size_t p = 0; p < points; ++p)
      for (std::size_t k = 0; k < ids.size(); ++k) {
        std::vector<double> v(draws);
        std::size_t above = 0;
        for (std::size_t d = 0; d < draws; ++d) above += (v[d] = value(results[p * draws + d], k)) > 0;
        const std::string name = names ? fmt::format(",{}", csv_text(k < names->size() ? (*names)[k] : std::string())) : std::string();
        out += fmt::format("{},{}{},{},{}\n", p, csv_text(ids[k]), name, distribution(v),
                           num(static_cast<double>(above) / static_cast<double>(draws)));
      }
    A.files[file] = out;
  };
  per("units.csv", "unit", frame.unit_code, &frame.unit_name, "zip_population",
      [](const TaskResult& r, std::size_t k) { return r.unit_zip_population.at(k); });
  per("regions.csv", "region", frame.region_code, nullptr, "zip_population",
      [](const TaskResult& r, std::size_t k) { return r.region_zip_population.at(k); });
  if (!frame.grant_scheme.empty())
    per("grants.csv", "scheme", frame.grant_scheme, nullptr, "awarded_eur",
        [](const TaskResult& r, std::size_t k) { return r.grant_awarded.at(k); });
  if (!frame.siting_objective.empty())
    per("siting.csv", "objective", std::vector<std::string>{frame.siting_objective}, nullptr, "objective",
        [](const TaskResult& r, std::size_t) { return r.siting_objective; });
}

/// points.csv: the grid points, their values and the supply the draws moved.
void aggregate_points(const Spec& spec, const std::vector<TaskResult>& results, Aggregates& A) {
  const auto draws = spec.mc.draws;
  std::string pts = "point";
  for (const auto& a : spec.grid) pts += fmt::format(",{}", csv_text(a.key));
  pts += ",tasks,supply_removed_mean,supply_opened_mean,zip_population_mean\n";
  for (std::size_t p = 0; p < spec.points(); ++p) {
    const auto values = point_values(spec, p);
    pts += std::to_string(p);
    for (const auto& a : spec.grid)
      pts += fmt::format(",{}", values[a.key].is_string() ? csv_text(values[a.key].get<std::string>()) : values[a.key].dump());
    std::vector<double> removed(draws), opened(draws), zip(draws);
    for (std::size_t d = 0; d < draws; ++d) {
      const auto& r = results[p * draws + d];
      removed[d] = r.supply_removed, opened[d] = r.supply_opened;
      for (double x : r.region_zip_population) zip[d] += x;
    }
    pts += fmt::format(",{},{},{},{}\n", draws, num(mean(removed)), num(mean(opened)), num(mean(zip)));
    A.points.push_back({{"point", p},
                        {"values", values},
                        {"zip_population_mean", mean(zip)},
                        {"zip_population_q05", quantile(zip, 0.05)},
                        {"zip_population_q95", quantile(zip, 0.95)}});
  }
  A.files["points.csv"] = pts;
  if (spec.task_outputs)
    for (const auto& r : results) A.files[fmt::format("tasks/{:06d}-zones.csv", r.index)] = r.zones_csv;
}

void check_output_dir(const WriteOptions& opt) {
  std::error_code ec;
  if (fs::exists(opt.dir, ec) && !fs::is_directory(opt.dir, ec))
    throw Error(Errc::exists, "the output path exists and is not a folder", opt.dir.string(), {}, "choose an output folder");
  if (fs::exists(opt.dir, ec) && !fs::is_empty(opt.dir, ec) && !opt.overwrite)
    throw Error(Errc::exists, fmt::format("{} is not empty (a previous sweep?)", opt.dir.string()), opt.dir.string(), {},
                "pass --overwrite to replace it whole, or choose another folder");
}

/// communes.gpkg (a layer per grid point) and the maps of the share of draws in ZIP (12 points at
/// most), on the base territory's shapes. Returns the maps' PNG bytes for the report.
std::vector<std::string> write_geography(const Spec& spec, const Frame& frame, const Aggregates& A, const fs::path& dir) {
  std::vector<std::string> maps_png;
  if (!frame.territory) return maps_png;
  const auto points = spec.points();
  const auto& t = *frame.territory;
  std::vector<const MultiPolygon*> shapes;
  for (CommuneId c = 0; c < t.size(); ++c) shapes.push_back(&t.shape(c));
  std::vector<geodata::Layer> layers;
  for (std::size_t p = 0; p < points; ++p) {
    geodata::Layer L;
    L.name = points == 1 ? "sweep_communes" : fmt::format("sweep_communes_{}", p);
    L.description = fmt::format("Sweep {}, grid point {} ({}): share of {} runs in ZIP / ZAC, median APL", spec.name, p,
                                point_values(spec, p).dump(), spec.mc.draws);
    L.shapes = shapes;
    L.columns.push_back(geodata::Column::text("code_insee", frame.code));
    L.columns.push_back(geodata::Column::text("nom", frame.name));
    L.columns.push_back(geodata::Column::real("population", frame.population));
    L.columns.push_back(geodata::Column::real("share_zip", A.share_zip[p]));
    L.columns.push_back(geodata::Column::real("share_zac", A.share_zac[p]));
    L.columns.push_back(geodata::Column::real("apl_median", A.apl_median[p]));
    layers.push_back(std::move(L));
  }
  geodata::write_geopackage(dir / "communes.gpkg", layers,
                            {{"OASIS_ENGINE", std::string("oasis ") + kVersion},
                             {"OASIS_SWEEP", spec.file.string()},
                             {"OASIS_SWEEP_SHA256", sha256_text(spec.text)}},
                            true);
  const std::size_t drawn = std::min<std::size_t>(points, 12);
  for (std::size_t p = 0; p < drawn; ++p) {
    const auto cl = report::graduated(A.share_zip[p], {0.1, 0.5, 0.9}, "Part des tirages en ZIP", 1, report::Palette::sequential);
    maps_png.push_back(report::draw_map({shapes, &cl, {}, {}, {}, {}, {}},
                                        {fmt::format("Probabilité d'être en ZIP — {}", spec.name),
                                         fmt::format("point {} {} ; {} tirages", p, point_values(spec, p).dump(), spec.mc.draws),
                                         "Sources : voir summary.json (fichiers et SHA-256)", ""},
                                        dir / "maps" / fmt::format("zip-share-{}", p), true));
  }
  return maps_png;
}

std::string report_html(const Spec& spec, const Aggregates& A, const std::vector<std::string>& maps_png) {
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{0}</title><style>body{{font-family:sans-serif;"
      "max-width:70em;margin:auto}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}"
      "img{{max-width:100%}}</style></head><body>\n<h1>Balayage {0}</h1>\n<p>{1}</p>\n",
      report::escape_xml(spec.name), report::escape_xml(spec.description));
  html += fmt::format("<p>{} points de grille × {} tirages = {} tâches ; graine {} ; scénario de base {}.</p>\n", spec.points(),
                      spec.mc.draws, spec.tasks(), spec.mc.seed, report::escape_xml(spec.scenario.filename().string()));
  html += "<table><tr><th>point</th><th>valeurs</th><th>population en ZIP (moyenne)</th><th>q05</th><th>q95</th></tr>\n";
  for (const auto& pj : A.points)
    html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", pj["point"].get<std::size_t>(),
                        report::escape_xml(pj["values"].dump()), report::number_fr(pj["zip_population_mean"].get<double>(), 0),
                        report::number_fr(pj["zip_population_q05"].get<double>(), 0),
                        report::number_fr(pj["zip_population_q95"].get<double>(), 0));
  html += "</table>\n";
  for (std::size_t p = 0; p < maps_png.size(); ++p)
    html += fmt::format("<h2>Point {}</h2><img alt=\"probabilité d'être en ZIP, point {}\" src=\"data:image/png;base64,{}\">\n", p, p,
                        base64(maps_png[p]));
  html += "<p>Simulation : ce ne sont pas des zonages officiels. Détail par commune : communes.csv, communes.gpkg.</p></body></html>\n";
  return html;
}

json summary_json(const Spec& spec, const Frame& frame, const Aggregates& A) {
  json S;
  S["engine"] = std::string("oasis ") + kVersion;
  S["sweep"] = {{"name", spec.name},
                {"description", spec.description},
                {"file", spec.file.filename().string()},
                {"sha256", sha256_text(spec.text)},
                {"text", spec.text},
                {"base_scenario", spec.scenario.filename().string()},
                {"base_scenario_sha256", sha256_text(spec.resolved_base)},
                {"seed", spec.mc.seed},
                {"draws", spec.mc.draws},
                {"points", spec.points()},
                {"tasks", spec.tasks()}};
  json grid = json::array();
  for (const auto& a : spec.grid) grid.push_back({{"key", a.key}, {"values", a.values.size()}});
  S["sweep"]["grid"] = grid;
  S["points"] = A.points;
  S["data"] = frame.data;
  S["cog_version"] = frame.cog_version;
  json outputs = json::object();
  for (const auto& [name, bytes] : A.files)
    if (!name.starts_with("tasks/")) outputs[name] = sha256_text(bytes);
  S["outputs_sha256"] = outputs;
  return S;
}

}  // namespace

json write_outputs(const Spec& spec, const Frame& frame, std::vector<TaskResult> results, const WriteOptions& opt) {
  check_results(spec, frame, results);
  Aggregates A;
  aggregate_communes(spec, frame, results, A);
  aggregate_entities(spec, frame, results, A);
  aggregate_points(spec, results, A);

  check_output_dir(opt);
  StagedFolder folder(opt.dir);
  fs::create_directories(folder.dir() / "maps");
  if (spec.task_outputs) fs::create_directories(folder.dir() / "tasks");
  for (const auto& [name, bytes] : A.files) write_file_atomic(folder.dir() / name, bytes, true);
  const auto maps_png = write_geography(spec, frame, A, folder.dir());
  write_file_atomic(folder.dir() / "report.html", report_html(spec, A, maps_png), true);
  const auto S = summary_json(spec, frame, A);
  write_file_atomic(folder.dir() / "summary.json", S.dump(2) + "\n", true);
  // How the tasks ran (workers, scheduler, seconds) changes from run to run: beside the summary.
  write_file_atomic(folder.dir() / "timings.json", opt.scheduler.dump(2) + "\n", true);
  folder.commit();
  return S;
}

}  // namespace oasis::sweep
