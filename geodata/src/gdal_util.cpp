#include "gdal_util.hpp"

#include <filesystem>
#include <map>
#include <mutex>

#include <cpl_error.h>
#include <ogrsf_frmts.h>
#include <fmt/format.h>

#include "oasis/core/atomic_file.hpp"
#include "oasis/core/error.hpp"

namespace oasis::geodata::detail {

void ensure_gdal() {
  static std::once_flag once;
  std::call_once(once, [] { GDALAllRegister(); });
}

namespace {

constexpr std::uint64_t kMB = 1024 * 1024;
// GDAL's estimate of the memory of one GeoJSON object, a vertex: 176 bytes measured (a limit of
// 20 MB stops at character 2,740,313 of 23-character vertices); with a margin.
constexpr std::uint64_t kGdalJsonBytesPerVertex = 200;

bool over_json_budget(const std::string& msg) { return msg.find("too complex/large") != std::string::npos; }
constexpr const char* kBudgetFix =
    "simplify the boundaries (e.g. ogr2ogr -simplify 5 simplified.gpkg FILE), or raise the budget: "
    "OASIS_MAX_VERTICES=<vertices a feature> (docs/reliability.md)";
thread_local bool json_budget_passed = false;  // GDAL said a GeoJSON object passed OGR_GEOJSON_MAX_OBJ_SIZE
void quiet_handler(CPLErr, CPLErrorNum, const char* msg) {
  if (msg && over_json_budget(msg)) json_budget_passed = true;  // later messages ("Failed to read") hide it
}

}  // namespace

std::uint64_t count_vertices(const OGRGeometry& g) {
  const auto t = wkbFlatten(g.getGeometryType());
  if (OGR_GT_IsCurve(t)) return static_cast<std::uint64_t>(g.toCurve()->getNumPoints());
  if (OGR_GT_IsSubClassOf(t, wkbCurvePolygon)) {
    std::uint64_t n = 0;
    for (const auto* ring : *g.toCurvePolygon()) n += static_cast<std::uint64_t>(ring->getNumPoints());
    return n;
  }
  if (OGR_GT_IsSubClassOf(t, wkbGeometryCollection)) {
    std::uint64_t n = 0;
    for (const auto* part : *g.toGeometryCollection()) n += count_vertices(*part);
    return n;
  }
  return t == wkbPoint ? 1 : 0;
}

bool is_geojson(GDALDataset& ds) { return std::string_view(ds.GetDriverName()) == "GeoJSON"; }

void throw_over_budget(const std::string& file, const std::string& record, std::uint64_t vertices, bool geojson, bool whole) {
  const auto budget = vertex_budget();
  const auto per_vertex = geojson ? kGeoJsonBytesPerVertex : kBinaryBytesPerVertex;
  const auto mb = (vertices * per_vertex + kMB - 1) / kMB;
  if (whole)
    throw Error(Errc::memory,
                fmt::format("the boundaries hold {} vertices, more than the geometry budget of {} ({} times {} a feature): "
                            "reading them would take about {} MB",
                            vertices, budget * kVerticesPerRead, kVerticesPerRead, budget, mb),
                file, record, fmt::format("select fewer départements, or {}", kBudgetFix));
  throw Error(Errc::memory,
              fmt::format("the feature holds {} vertices, more than the geometry budget of {} a feature: checking and "
                          "repairing it would take about {} MB",
                          vertices, budget, mb),
              file, record, kBudgetFix);
}

OGRFeature* next_feature(OGRLayer& layer) {
  CPLErrorReset();
  json_budget_passed = false;
  return layer.GetNextFeature();
}

void check_read_error(const std::string& file, std::uint64_t features_read) {
  if (CPLGetLastErrorType() < CE_Failure) return;
  const std::string msg = CPLGetLastErrorMsg();
  const auto record = fmt::format("after feature {}", features_read);
  if (json_budget_passed || over_json_budget(msg))
    throw Error(Errc::memory,
                fmt::format("a GeoJSON feature is larger than the geometry budget of {} vertices a feature: parsing it would "
                            "take more than {} MB",
                            vertex_budget(), (vertex_budget() * kGdalJsonBytesPerVertex + kMB - 1) / kMB),
                file, record, kBudgetFix);
  throw Error(Errc::format, "unreadable: " + msg, file, record, "check that the file is complete (not truncated): export it again");
}

QuietGdal::QuietGdal() {
  json_budget_passed = false;
  CPLPushErrorHandler(quiet_handler);
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
  // GDAL parses one GeoJSON feature at a time and refuses one whose objects would pass this many MB:
  // the geometry budget, checked before the allocation (set here: the budget may change within a
  // Python session).
  const auto json_mb = (vertex_budget() * kGdalJsonBytesPerVertex + kMB - 1) / kMB;
  CPLSetConfigOption("OGR_GEOJSON_MAX_OBJ_SIZE", std::to_string(json_mb).c_str());
  QuietGdal quiet;
  auto* ds = static_cast<GDALDataset*>(GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  if (!ds) {
    const auto msg = QuietGdal::last_message();
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size == 0) throw Error(Errc::empty_input, "the file is empty", path, {}, "download or export it again");
    if (json_budget_passed) check_read_error(path, 0);
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
