#pragma once
// Private helpers of geodata/: GDAL initialisation, error capture, smart handles.
#include <cstdint>
#include <memory>
#include <string>

#include <gdal_priv.h>
#include <ogr_spatialref.h>

namespace oasis::geodata::detail {

/// Registers GDAL drivers once, process-wide.
void ensure_gdal();

/// Silences GDAL's error printing on this thread for its lifetime; last_message() keeps the text.
class QuietGdal {
 public:
  QuietGdal();
  ~QuietGdal();
  QuietGdal(const QuietGdal&) = delete;
  QuietGdal& operator=(const QuietGdal&) = delete;
  static std::string last_message();
};

struct DatasetCloser {
  void operator()(GDALDataset* d) const { GDALClose(d); }
};
using DatasetPtr = std::unique_ptr<GDALDataset, DatasetCloser>;

/// The vertices of a geometry (every ring and part).
std::uint64_t count_vertices(const OGRGeometry& g);

/// Whether GDAL reads the dataset as GeoJSON (a vertex costs more to read: kGeoJsonBytesPerVertex).
bool is_geojson(GDALDataset& ds);

/// Error(memory) for a feature of `vertices` beyond the geometry budget (vertex_budget()), or
/// for a file or read whose features together pass kVerticesPerRead times it (`whole`).
[[noreturn]] void throw_over_budget(const std::string& file, const std::string& record, std::uint64_t vertices, bool geojson, bool whole);

/// The layer's next feature, GDAL's error state cleared first: when it returns nullptr,
/// check_read_error tells the end of the layer from a failure.
OGRFeature* next_feature(OGRLayer& layer);

/// After a feature loop ended: a GDAL failure met while reading (a GeoJSON feature over the budget,
/// a truncated file) becomes an Error naming the file and the last feature read; the loop does not
/// end silently with part of the file.
void check_read_error(const std::string& file, std::uint64_t features_read);

/// Opens a vector dataset read-only. Throws Error(io) if missing, Error(format) if unreadable.
DatasetPtr open_vector(const std::string& path);

/// A transformation between two EPSG codes (traditional GIS axis order: x = easting or longitude),
/// or nullptr when PROJ has none. Creating one between two datums looks the operations up in
/// proj.db (0.1-0.25 s each); this one is created once a process and cloned for each caller (a
/// clone is not shared between threads; cloning takes about 0.05 ms).
std::unique_ptr<OGRCoordinateTransformation> transformation(int from_epsg, int to_epsg);

/// "EPSG:4326" or the CRS name.
std::string describe(const OGRSpatialReference& srs);

}  // namespace oasis::geodata::detail
