#include "gdal_util.hpp"

#include <filesystem>
#include <map>
#include <mutex>

#include <cpl_error.h>
#include <fmt/format.h>

#include "oasis/core/atomic_file.hpp"
#include "oasis/core/error.hpp"

namespace oasis::geodata::detail {

void ensure_gdal() {
  static std::once_flag once;
  std::call_once(once, [] {
    GDALAllRegister();
    CPLSetConfigOption("OGR_GEOJSON_MAX_OBJ_SIZE", "0");  // no size limit on one GeoJSON object
  });
}

QuietGdal::QuietGdal() {
  CPLPushErrorHandler(CPLQuietErrorHandler);
  CPLErrorReset();
}
QuietGdal::~QuietGdal() { CPLPopErrorHandler(); }
std::string QuietGdal::last_message() { return CPLGetLastErrorMsg(); }

DatasetPtr open_vector(const std::string& path) {
  ensure_gdal();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw Error(Errc::io, "no such file or folder", path, {}, "check the path (and --data / OASIS_DATA)");
  if (!std::filesystem::is_directory(path, ec)) check_input_file(path, InputKind::geometry, "the geometry file");  // a folder: shapefiles
  QuietGdal quiet;
  auto* ds = static_cast<GDALDataset*>(GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  if (!ds) {
    const auto msg = QuietGdal::last_message();
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size == 0) throw Error(Errc::empty_input, "the file is empty", path, {}, "download or export it again");
    throw Error(Errc::format, msg.empty() ? std::string("not a vector format GDAL can read") : "unreadable: " + msg, path, {},
                "check that the file is complete (not truncated) and in a vector format (GeoJSON, GPKG, Shapefile, FlatGeobuf)");
  }
  return DatasetPtr(ds);
}

std::unique_ptr<OGRCoordinateTransformation> transformation(int from_epsg, int to_epsg) {
  static std::mutex mutex;
  // Never destroyed: a transformation destroyed after GDAL's own exit handlers would use a freed
  // PROJ context; the map stays reachable, so leak checkers do not report it.
  static auto* made = new std::map<std::pair<int, int>, std::unique_ptr<OGRCoordinateTransformation>>();
  const std::lock_guard lock(mutex);
  auto [it, fresh] = made->try_emplace({from_epsg, to_epsg});
  if (fresh) {
    OGRSpatialReference src, dst;
    if (src.importFromEPSG(from_epsg) == OGRERR_NONE && dst.importFromEPSG(to_epsg) == OGRERR_NONE) {
      src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
      dst.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
      it->second.reset(OGRCreateCoordinateTransformation(&src, &dst));
    }
  }
  return std::unique_ptr<OGRCoordinateTransformation>(it->second ? it->second->Clone() : nullptr);
}

std::string describe(const OGRSpatialReference& srs) {
  const char* auth = srs.GetAuthorityName(nullptr);
  const char* code = srs.GetAuthorityCode(nullptr);
  if (auth && code) return fmt::format("{}:{}", auth, code);
  const char* name = srs.GetName();
  return name ? name : "unnamed CRS";
}

}  // namespace oasis::geodata::detail
