#pragma once
// Writing results as a GeoPackage (OGR), and dissolving communes into units (GEOS through OGR).
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "oasis/core/progress.hpp"
#include "oasis/core/cache.hpp"
#include "oasis/model/geometry.hpp"
#include "oasis/model/territory.hpp"

namespace oasis::geodata {

/// One attribute column; NaN reals and empty optional texts are written as NULL. `title` and
/// `description` (optional) go to the GeoPackage schema extension (`gpkg_data_columns`: its
/// `name` and `title` hold the title, read as the field alias by GDAL >= 3.7 and by QGIS).
struct Column {
  enum class Type { integer, real, text };
  std::string name;
  Type type = Type::real;
  std::vector<std::int64_t> integers;
  std::vector<double> reals;
  std::vector<std::string> texts;
  std::string title, description;

  static Column integer(std::string name, std::vector<std::int64_t> v) {
    return {std::move(name), Type::integer, std::move(v), {}, {}, {}, {}};
  }
  static Column real(std::string name, std::vector<double> v) { return {std::move(name), Type::real, {}, std::move(v), {}, {}, {}}; }
  static Column text(std::string name, std::vector<std::string> v) { return {std::move(name), Type::text, {}, {}, std::move(v), {}, {}}; }
  std::size_t size() const noexcept;
};

struct Layer {
  std::string name;
  std::string description;
  int epsg = 2154;
  std::vector<const MultiPolygon*> shapes;  // one per feature (nullptr = no geometry)
  std::vector<Column> columns;
};

/// A style stored in the GeoPackage's `layer_styles` table (the QGIS convention: QGIS applies the
/// layer's default style when it opens the layer, and lists the others in Styles > Load style).
struct LayerStyle {
  std::string layer;  // table name, e.g. "communes"
  std::string name, description, qml, sld;
  bool use_as_default = false;
};

/// Writes `layers` to a GeoPackage at `path`: written under a temporary name in the same folder,
/// then renamed, so a reader never sees a half-written file. `metadata` goes into the dataset's
/// metadata (gpkg_metadata). Feature and file timestamps are fixed so that the same inputs give the
/// same file. `styles` fill the `layer_styles` table (update_time fixed at 2000-01-01T00:00:00Z for
/// the same reason). Throws Error(exists) when `path` exists and !overwrite, Error(io) on write failure.
void write_geopackage(const std::filesystem::path& path, std::span<const Layer> layers,
                      const std::vector<std::pair<std::string, std::string>>& metadata, bool overwrite,
                      std::span<const LayerStyle> styles = {});

/// Each shape from its CRS (`epsg[i]`, or epsg[0] for all) to EPSG:`target` (x = easting or
/// longitude), first simplified in its own CRS when tolerance_m > 0 (Douglas–Peucker keeping each
/// shape's topology, GEOS), coordinates snapped to multiples of `grid` when grid > 0. Parallel.
std::vector<MultiPolygon> reproject(std::span<const MultiPolygon* const> shapes, std::span<const int> epsg, int target,
                                    double tolerance_m = 0, double grid = 0, int threads = 0);

/// Each shape in WGS 84 longitude / latitude (degrees, rounded to 1e-5, about a metre), for web
/// maps: simplified first in its own projected CRS (`epsg[i]`, or epsg[0] for all when it holds
/// one value) with a tolerance in metres, each shape's topology kept (Douglas–Peucker, GEOS).
/// A shape that would vanish keeps its original outline.
std::vector<MultiPolygon> to_lonlat(std::span<const MultiPolygon* const> shapes, std::span<const int> epsg, double tolerance_m,
                                    int threads = 0);

/// The union of the communes of each group (group_of[c] < groups), e.g. EPCI outlines. With a
/// cache (docs/cache.md, kind `dissolve`) the unions are kept keyed on the SHA-256 of every
/// commune's shape and group and on the GDAL and GEOS versions: the same territory and units are
/// dissolved once.
std::vector<MultiPolygon> dissolve(const Territory& territory, std::span<const std::uint32_t> group_of, std::size_t groups, int threads = 0,
                                   const ProgressFn& progress = {}, const FileCache& cache = {});

}  // namespace oasis::geodata
