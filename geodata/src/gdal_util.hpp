#pragma once
// Private helpers of geodata/: GDAL initialisation, error capture, smart handles.
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
