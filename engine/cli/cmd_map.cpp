// oasis map OUTDIR --column apl: a static map (PNG + SVG) of any column of a run's communes.gpkg
// (docs/maps.md): zone classes for zone / class-like text columns, classes of a numeric column by
// fixed breaks, quantiles or Jenks.
#include <cmath>
#include <filesystem>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "common.hpp"
#include "oasis/core/error.hpp"
#include "oasis/core/version.hpp"
#include "oasis/geodata/boundaries.hpp"
#include "oasis/report/map.hpp"
#include "oasis/runner/columns.hpp"

namespace oasis::cli {
namespace {

namespace fs = std::filesystem;

struct MapFlags {
  std::string dir, column = "apl", breaks, palette = "auto", title, data;
  int decimals = 1;
  bool no_labels = false;
};

/// An indicator read against the ZIP line (the APL family): diverging classes at 1.5 / 2.5 / 4.
bool read_against_line(const runner::ColumnDecl* decl) { return decl && decl->unit == "consultations/year/inhabitant"; }

/// The legend title: the schema's French title and its unit ("Temps au plus proche (min)").
std::string legend_title(const runner::ColumnDecl* decl, const std::string& column) {
  if (!decl || decl->name.starts_with("{")) return column;
  std::string t(decl->title_fr);
  const auto unit = runner::unit_fr(decl->unit);
  if (!unit.empty() && t.find(unit) == std::string::npos) t += fmt::format(" ({})", unit);  // "Temps (min)" has it
  return t;
}

std::vector<double> parse_breaks(const std::string& spec, std::span<const double> values) {
  const auto colon = spec.find(':');
  const auto kind = spec.substr(0, colon);
  const auto arg = colon == std::string::npos ? std::string() : spec.substr(colon + 1);
  const auto count = [&] {
    try {
      return std::stoi(arg);
    } catch (const std::exception&) {
      throw Error(Errc::usage, fmt::format("--breaks {}: give the number of classes, e.g. {}:5", spec, kind));
    }
  };
  if (kind == "quantile") return report::quantile_breaks(values, count());
  if (kind == "jenks") return report::jenks_breaks(values, count());
  if (kind == "fixed") {
    std::vector<double> b;
    std::stringstream ss(arg);
    for (std::string x; std::getline(ss, x, ',');) {
      try {
        b.push_back(std::stod(x));
      } catch (const std::exception&) {
        throw Error(Errc::usage, fmt::format("--breaks {}: '{}' is not a number", spec, x));
      }
    }
    if (b.empty()) throw Error(Errc::usage, "--breaks fixed: needs values, e.g. fixed:1.5,2.5,4");
    return b;
  }
  throw Error(Errc::usage, fmt::format("--breaks {}: fixed:B1,B2,... | quantile:K | jenks:K", spec));
}

void run_map(const MapFlags& f, const GlobalFlags& g) {
  const fs::path gpkg = fs::is_directory(f.dir) ? fs::path(f.dir) / "communes.gpkg" : fs::path(f.dir);
  const auto col = geodata::read_layer_column(gpkg, "communes", f.column);
  const auto dep_file = geodata::resolve_data_dir(f.data) / "admin" / "departements.geojson";
  const auto outlines = fs::exists(dep_file) ? geodata::read_outlines(dep_file) : std::vector<MultiPolygon>{};
  const auto* decl = runner::find_output_column("communes", f.column);
  const auto legend = legend_title(decl, f.column);
  report::Classification cls;
  const auto palette = [&](report::Palette fallback) {
    if (f.palette == "auto") return fallback;
    return f.palette == "sequential"  ? report::Palette::sequential
           : f.palette == "diverging" ? report::Palette::diverging
                                      : report::Palette::qualitative;
  };
  const bool line = read_against_line(decl);
  const auto breaks = f.breaks.empty() ? std::string(line ? "fixed:1.5,2.5,4" : "quantile:5") : f.breaks;
  const auto chosen = col.numeric ? palette(line ? report::Palette::diverging : report::Palette::sequential) : report::Palette::qualitative;
  if (col.numeric) {
    cls = report::graduated(col.number, parse_breaks(breaks, col.number), legend, f.decimals, chosen);
  } else if (f.palette != "auto" && f.palette != "qualitative") {
    throw Error(Errc::usage, fmt::format("--palette {}: column '{}' is text, its values have no order", f.palette, f.column), {}, {},
                "--palette qualitative (or auto)");
  } else if (f.column == "zone") {
    cls = report::by_zone(col.text);
  } else {
    try {
      cls = report::categories(col.text, legend);
    } catch (const Error& e) {
      throw Error(Errc::usage, fmt::format("column '{}': {}", f.column, e.what()), gpkg.string(), {},
                  "map a text column with 2 to 7 values (zone, class, rule, chef_lieu...) or a numeric column");
    }
  }
  std::vector<const MultiPolygon*> shapes;
  for (const auto& s : col.shapes) shapes.push_back(&s);
  // Overseas communes go to insets, named from the départements column; the prefectures are named
  // (chef_lieu, written by runs since the column was added).
  auto attr = geodata::read_layer_attributes(gpkg, "communes", {"departement", "name", "chef_lieu", "population"});
  std::vector<std::string> inset(shapes.size());
  if (attr["departement"].size() == inset.size())
    for (std::size_t i = 0; i < inset.size(); ++i) inset[i] = report::overseas_name(attr["departement"][i]);
  std::vector<report::MapLabel> labels;
  if (!f.no_labels && attr["name"].size() == shapes.size() && attr["chef_lieu"].size() == shapes.size()) {
    std::vector<double> pop(shapes.size(), 0.0);
    for (std::size_t i = 0; i < pop.size() && i < attr["population"].size(); ++i)
      pop[i] = attr["population"][i].empty() ? 0.0 : std::strtod(attr["population"][i].c_str(), nullptr);
    labels = report::seat_labels(attr["name"], attr["chef_lieu"], pop);
  }
  const fs::path stem = g.output.empty() ? gpkg.parent_path() / "maps" / f.column : fs::path(g.output);
  if (!stem.parent_path().empty()) fs::create_directories(stem.parent_path());
  // The run recorded its place and sources in the GeoPackage's metadata (older files: generic text).
  const auto meta = [&](const char* key, const std::string& fallback) -> std::string {
    const auto it = col.metadata.find(key);
    return it == col.metadata.end() || it->second.empty() ? fallback : it->second;
  };
  const auto place = meta("OASIS_PLACE", gpkg.parent_path().filename().string());
  report::draw_map(
      {shapes, &cls, outlines, inset, {}, {}, labels},
      {f.title.empty() ? fmt::format("{} — {}", decl && !decl->name.starts_with("{") ? std::string(decl->title_fr) : f.column, place)
                       : f.title,
       col.numeric          ? fmt::format("{} ; classes {} ; palette {}", f.column, breaks,
                                 chosen == report::Palette::sequential  ? "séquentielle"
                                          : chosen == report::Palette::diverging ? "divergente"
                                                                                 : "qualitative")
       : f.column == "zone" ? std::string("zonage simulé ou officiel du run")
                            : fmt::format("{} : une couleur par valeur", f.column),
       meta("OASIS_SOURCES", fmt::format("Sources : IGN ADMIN EXPRESS, INSEE COG, DREES, ANS RPPS — oasis {}", kVersion)),
       meta("OASIS_DATA_LINE", fmt::format("Carte de {}", gpkg.string()))},
      stem, g.overwrite);
  if (!g.quiet)
    fmt::print("{}: {} communes, {} classes{}, {} place names; written {}.png and {}.svg\n", cls.legend_title, shapes.size(),
               cls.classes.size(), col.numeric ? fmt::format(" ({}, palette {})", breaks, report::palette_name(chosen)) : std::string(),
               labels.size(), stem.string(), stem.string());
}

}  // namespace

void register_map(CLI::App& app, GlobalFlags& g) {
  auto f = std::make_shared<MapFlags>();
  auto* sub = app.add_subcommand("map", "A static map (PNG + SVG, A4) of a column of a run's communes.gpkg (docs/maps.md)");
  add_global_flags(*sub, g);
  sub->add_option("dir", f->dir, "Output folder of oasis run (or its communes.gpkg)")->required();
  sub->add_option("--column", f->column, "Column of the layer communes: apl, apl_official, density_gp_100k, zone... (default apl)");
  sub->add_option("--breaks", f->breaks,
                  "fixed:B1,B2,... | quantile:K | jenks:K (numeric columns; default fixed:1.5,2.5,4 for the APL family, else quantile:5)");
  sub->add_option("--palette", f->palette,
                  "auto (default: diverging for the APL family, sequential for other numbers, qualitative for text) | sequential | "
                  "diverging | qualitative; all colour-blind safe")
      ->check(CLI::IsMember({"auto", "sequential", "diverging", "qualitative"}));
  sub->add_flag("--no-labels", f->no_labels, "Do not name the prefectures");
  sub->add_option("--decimals", f->decimals, "Decimals of the legend labels, 0 to 6 (default 1)")->check(CLI::Range(0, 6));
  sub->add_option("--title", f->title, "Map title (default: the column's French title — the place of the run)");
  sub->add_option("--data", f->data, "Data directory, for the département outlines (default: $OASIS_DATA, else ../shared/geodata)");
  sub->callback([f, &g] { run_map(*f, g); });
}

}  // namespace oasis::cli
