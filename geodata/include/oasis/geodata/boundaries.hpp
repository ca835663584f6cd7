#pragma once
// Commune boundaries from any OGR vector format (GeoJSON, GPKG, Shapefile, FlatGeobuf...), in any
// CRS, one file or a folder of files; reprojected to Lambert-93 (mainland, Corsica) or to the
// official projected CRS of each overseas département; codes mapped to the current COG.
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "oasis/core/cache.hpp"
#include "oasis/core/diagnostics.hpp"
#include "oasis/core/progress.hpp"
#include "oasis/geodata/cog.hpp"
#include "oasis/model/territory.hpp"

namespace oasis::geodata {

/// Projected CRS used for a département: 2154 (Lambert-93), 5490 (971, 972), 2972 (973),
/// 2975 (974), 4471 (976).
int target_epsg(std::string_view departement);

struct BoundaryOptions {
  std::filesystem::path path;          // a file or a folder of files
  std::optional<int> assume_epsg;      // CRS for layers that declare none
  std::string code_field;              // empty: first of code, INSEE_COM, insee, code_insee, codgeo
  std::string name_field;              // empty: first of nom, NOM, NOM_COM, name, libgeo
  std::set<std::string> regions;       // keep communes of these régions (current COG); empty = all
  std::set<std::string> departements;  // and/or of these départements
  int threads = 0;                     // 0 = all hardware threads
  ProgressFn progress;
  /// The prepared-input cache (docs/cache.md): the communes read, their report and findings are
  /// kept under a key naming each file read (path and SHA-256), the COG and the options above.
  FileCache cache;
};

struct BoundaryReport {
  std::size_t files = 0;           // files read
  std::size_t files_skipped = 0;   // files of a folder by département left unread (other départements)
  std::vector<std::string> read;   // the files read, in order
  std::size_t features = 0;        // features read
  std::size_t communes = 0;        // communes produced (after merging)
  std::size_t merged_codes = 0;    // former codes folded into a current commune
  std::size_t repaired = 0;        // polygons repaired with MakeValid
  std::size_t rejected = 0;        // features rejected (unknown code, empty geometry)
  std::size_t outside_filter = 0;  // features outside the selected régions / départements
  std::set<std::string> input_crs;
  std::set<int> output_epsg;
  bool from_cache = false;  // served by the prepared-input cache (the same records and findings)
};

/// Reads, validates, reprojects and merges. Throws Error on hard failures (unreadable or corrupt
/// file, missing CRS, coordinates outside the declared CRS, malformed or duplicate codes).
std::vector<CommuneRecord> read_boundaries(const BoundaryOptions& options, const Cog& cog, Diagnostics& diagnostics,
                                           BoundaryReport& report);

/// Every polygon of a vector file (e.g. the département outlines of admin/), reprojected to `epsg`
/// (metres), for drawing. Throws Error(io / format / crs_missing).
std::vector<MultiPolygon> read_outlines(const std::filesystem::path& file, int epsg = 2154);

/// The features of one layer with one of its attributes (e.g. communes.gpkg, layer communes,
/// column apl), geometries reprojected to `epsg`. `number` is NaN where the value is null or not
/// numeric. Throws Error(io / format / field_missing).
struct LayerColumn {
  std::vector<MultiPolygon> shapes;
  std::vector<std::string> text;
  std::vector<double> number;
  bool numeric = false;                         // the attribute is an integer or real field
  std::map<std::string, std::string> metadata;  // the dataset's metadata items (OASIS_PLACE, OASIS_SOURCES...)
};
LayerColumn read_layer_column(const std::filesystem::path& file, const std::string& layer, const std::string& column, int epsg = 2154);
/// The attributes `columns` of a layer as text, one value per feature in read_layer_column's
/// order ("" = null), without the geometry; a column the layer lacks is absent from the result.
/// Throws Error(io / format).
std::map<std::string, std::vector<std::string>> read_layer_attributes(const std::filesystem::path& file, const std::string& layer,
                                                                      const std::vector<std::string>& columns);

/// The départements of an outline file (attribute `code`, e.g. admin/departements.geojson) that come
/// within `km` of the outlines of `selected` (vertex to vertex), `selected` left out: the
/// départements a buffer of that width around them may reach.
std::set<std::string> departements_near(const std::filesystem::path& outlines, const std::set<std::string>& selected, double km);

/// The vector files of a folder (sorted), or the file itself.
std::vector<std::filesystem::path> vector_files(const std::filesystem::path& path);

}  // namespace oasis::geodata
