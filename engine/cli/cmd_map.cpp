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

namespace oasis::cli {
namespace {

namespace fs = std::filesystem;

struct MapFlags {
  std::string dir, column = "apl", breaks = "fixed:1.5,2.5,4", title, data;
  int decimals = 1;
};

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
  report::Classification cls;
  if (col.numeric) {
    cls = report::graduated(col.number, parse_breaks(f.breaks, col.number), f.column, f.decimals);
  } else if (f.column == "zone") {
    cls = report::by_zone(col.text);
  } else {
    throw Error(Errc::usage, fmt::format("column '{}' is text: maps draw numeric columns and 'zone'", f.column));
  }
  std::vector<const MultiPolygon*> shapes;
  for (const auto& s : col.shapes) shapes.push_back(&s);
  // Overseas communes go to insets, named from the départements column (read once more).
  std::vector<std::string> inset(shapes.size());
  const auto dep = geodata::read_layer_column(gpkg, "communes", "departement");
  if (dep.text.size() == inset.size())
    for (std::size_t i = 0; i < inset.size(); ++i) inset[i] = report::overseas_name(dep.text[i]);
  const fs::path stem = g.output.empty() ? gpkg.parent_path() / "maps" / f.column : fs::path(g.output);
  if (!stem.parent_path().empty()) fs::create_directories(stem.parent_path());
  // The run recorded its place and sources in the GeoPackage's metadata (older files: generic text).
  const auto meta = [&](const char* key, const std::string& fallback) -> std::string {
    const auto it = col.metadata.find(key);
    return it == col.metadata.end() || it->second.empty() ? fallback : it->second;
  };
  const auto place = meta("OASIS_PLACE", gpkg.parent_path().filename().string());
  report::draw_map({shapes, &cls, outlines, inset},
                   {f.title.empty() ? fmt::format("{} — {}", f.column, place) : f.title,
                    col.numeric ? fmt::format("classes : {}", f.breaks) : std::string("zonage simulé ou officiel du run"),
                    meta("OASIS_SOURCES", fmt::format("Sources : IGN ADMIN EXPRESS, INSEE COG, DREES, ANS RPPS — oasis {}", kVersion)),
                    meta("OASIS_DATA_LINE", fmt::format("Carte de {}", gpkg.string()))},
                   stem, g.overwrite);
  if (!g.quiet)
    fmt::print("{} communes, {} classes; written {}.png and {}.svg\n", shapes.size(), cls.classes.size(), stem.string(), stem.string());
}

}  // namespace

void register_map(CLI::App& app, GlobalFlags& g) {
  auto f = std::make_shared<MapFlags>();
  auto* sub = app.add_subcommand("map", "A static map (PNG + SVG, A4) of a column of a run's communes.gpkg (docs/maps.md)");
  add_global_flags(*sub, g);
  sub->add_option("dir", f->dir, "Output folder of oasis run (or its communes.gpkg)")->required();
  sub->add_option("--column", f->column, "Column of the layer communes: apl, apl_official, density_gp_100k, zone... (default apl)");
  sub->add_option("--breaks", f->breaks, "fixed:1.5,2.5,4 (default) | quantile:K | jenks:K (numeric columns)");
  sub->add_option("--decimals", f->decimals, "Decimals of the legend labels (default 1)");
  sub->add_option("--title", f->title, "Map title (default: COLUMN — the place of the run, from the GeoPackage)");
  sub->add_option("--data", f->data, "Data directory, for the département outlines (default: $OASIS_DATA, else ../shared/geodata)");
  sub->callback([f, &g] { run_map(*f, g); });
}

}  // namespace oasis::cli
