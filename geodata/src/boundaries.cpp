#include "oasis/geodata/boundaries.hpp"

#include <algorithm>
#include <limits>
#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <regex>
#include <set>

#include <fmt/format.h>
#include <ogr_api.h>
#include <ogr_geometry.h>
#include <ogrsf_frmts.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "gdal_util.hpp"
#include "shape_codec.hpp"
#include "oasis/core/atomic_file.hpp"
#include "oasis/core/binary.hpp"
#include "oasis/core/checksum.hpp"
#include "oasis/core/code_insee.hpp"
#include "oasis/core/error.hpp"

namespace oasis::geodata {
namespace fs = std::filesystem;
using detail::QuietGdal;

int target_epsg(std::string_view dep) {
  if (dep == "971" || dep == "972") return 5490;  // RGAF09 / UTM zone 20N
  if (dep == "973") return 2972;                  // RGFG95 / UTM zone 22N
  if (dep == "974") return 2975;                  // RGR92 / UTM zone 40S
  if (dep == "976") return 4471;                  // RGM04 / UTM zone 38S
  return 2154;                                    // RGF93 v1 / Lambert-93
}

std::vector<fs::path> vector_files(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw Error(Errc::io, "no such file or folder", path.string(), {},
                "check the path; the default is <data>/communes (set --data or OASIS_DATA)");
  if (!fs::is_directory(path, ec)) return {path};
  static const std::set<std::string> kExt{".geojson", ".json", ".gpkg", ".shp", ".fgb", ".gml", ".kml", ".sqlite", ".geojsonl"};
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(path)) {
    auto ext = e.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (e.is_regular_file() && kExt.count(ext)) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  if (out.empty()) throw Error(Errc::empty_input, "the folder holds no vector file (.geojson, .gpkg, .shp, .fgb...)", path.string());
  return out;
}

namespace {

struct Piece {
  std::uint32_t cog_index = 0;
  std::string source_code;
  std::string file;
  GIntBig fid = 0;
  int epsg = 2154;
  std::unique_ptr<OGRGeometry> geom;  // projected, valid, (multi)polygon
};

struct FileResult {
  std::vector<Piece> pieces;
  std::exception_ptr error;
  std::size_t features = 0, repaired = 0, rejected = 0, outside = 0;
  std::uint64_t vertices = 0;  // of the features kept
  bool geojson = false;        // reading a vertex costs more (kGeoJsonBytesPerVertex)
  std::set<std::string> crs;
};

/// The polygons of a geometry (MakeValid may return a collection with lines): a multipolygon.
std::unique_ptr<OGRMultiPolygon> polygonal(const OGRGeometry* g) {
  auto out = std::make_unique<OGRMultiPolygon>();
  if (!g) return out;
  const auto t = wkbFlatten(g->getGeometryType());
  if (t == wkbPolygon) {
    out->addGeometry(g);
  } else if (t == wkbMultiPolygon || t == wkbGeometryCollection) {
    for (const auto* part : *g->toGeometryCollection()) {
      auto sub = polygonal(part);
      for (const auto* p : *sub) out->addGeometry(p);
    }
  }
  return out;
}

bool plausible(int epsg, const OGREnvelope& e) {
  if (epsg == 2154) return e.MinX > -400000 && e.MaxX < 1600000 && e.MinY > 5800000 && e.MaxY < 7400000;
  return e.MinX > 0 && e.MaxX < 1000000 && e.MinY > 0 && e.MaxY < 10000000;  // UTM, north or south
}

int field_index(OGRFeatureDefn* defn, const std::string& wanted, std::initializer_list<const char*> candidates) {
  if (!wanted.empty()) return defn->GetFieldIndex(wanted.c_str());
  for (const char* c : candidates)
    if (int i = defn->GetFieldIndex(c); i >= 0) return i;  // OGR matches names case-insensitively
  return -1;
}

FileResult read_file(const fs::path& path, const BoundaryOptions& opt, const Cog& cog, Diagnostics& diag) {
  FileResult res;
  const std::string file = path.string();
  auto ds = detail::open_vector(file);
  QuietGdal quiet;
  res.geojson = detail::is_geojson(*ds);
  const auto budget = vertex_budget();
  if (ds->GetLayerCount() == 0) throw Error(Errc::empty_input, "no layer in the dataset", file);
  for (int li = 0; li < ds->GetLayerCount(); ++li) {
    OGRLayer* layer = ds->GetLayer(li);
    OGRSpatialReference src;
    if (const auto* srs = layer->GetSpatialRef()) {
      src = *srs;
    } else if (opt.assume_epsg) {
      src.importFromEPSG(*opt.assume_epsg);
    } else {
      throw Error(Errc::crs_missing, fmt::format("layer '{}' has no coordinate reference system", layer->GetName()), file, {},
                  "add the CRS to the file (a .prj beside a Shapefile) or pass --assume-crs EPSG:NNNN");
    }
    src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    res.crs.insert(detail::describe(src));
    if (layer->GetFeatureCount() == 0) continue;  // an empty layer adds nothing (no communes at all: E-EMPTY below)
    auto* defn = layer->GetLayerDefn();
    const int code_i = field_index(defn, opt.code_field, {"code", "INSEE_COM", "insee", "code_insee", "codgeo", "com"});
    if (code_i < 0)
      throw Error(Errc::field_missing, fmt::format("layer '{}' has no INSEE code attribute", layer->GetName()), file, {},
                  "name the attribute with --code-field (looked for code, INSEE_COM, insee, code_insee, codgeo)");
    if (defn->GetFieldDefn(code_i)->GetType() != OFTString)
      throw Error(Errc::format, fmt::format("the code attribute '{}' is stored as a number", defn->GetFieldDefn(code_i)->GetNameRef()),
                  file, {}, "store INSEE codes as text: numbers lose leading zeros (01001 becomes 1001)");
    std::map<int, std::unique_ptr<OGRCoordinateTransformation>> transforms;
    layer->ResetReading();
    for (std::unique_ptr<OGRFeature> f(detail::next_feature(*layer)); f; f.reset(detail::next_feature(*layer))) {
      ++res.features;
      const GIntBig fid = f->GetFID();
      const std::string raw = f->IsFieldSetAndNotNull(code_i) ? f->GetFieldAsString(code_i) : "";
      const std::string label = fmt::format("feature {} (code '{}')", fid, raw);
      const CodeInsee code = CodeInsee::from(raw, file, label);
      const auto m = cog.match(code.str());
      if (!m) {
        ++res.rejected;
        diag.add(Warn::code_unmatched, file, label,
                 fmt::format("{} is neither a current commune nor a former code in {}", code.str(), cog.version()));
        continue;
      }
      const auto& cc = cog.communes()[m->index];
      if ((!opt.regions.empty() || !opt.departements.empty()) && !opt.regions.count(cc.region) && !opt.departements.count(cc.departement)) {
        ++res.outside;
        continue;
      }
      std::unique_ptr<OGRGeometry> g(f->StealGeometry());
      if (!g || g->IsEmpty()) {
        ++res.rejected;
        diag.add(Warn::geometry_empty, file, label, "no geometry: the commune cannot be placed");
        continue;
      }
      // The geometry budget, before the geometry is reprojected, validated, repaired or copied.
      const auto vertices = detail::count_vertices(*g);
      if (vertices > budget) detail::throw_over_budget(file, label, vertices, res.geojson, false);
      res.vertices += vertices;
      if (res.vertices > budget * kVerticesPerRead) detail::throw_over_budget(file, label, res.vertices, res.geojson, true);
      OGREnvelope env;
      g->getEnvelope(&env);
      if (!std::isfinite(env.MinX) || !std::isfinite(env.MaxX) || !std::isfinite(env.MinY) || !std::isfinite(env.MaxY))
        throw Error(Errc::value_invalid, "coordinates are NaN or infinite", file, label, "repair or re-export the geometry");
      if (src.IsGeographic() && (env.MinX < -180 || env.MaxX > 180 || env.MinY < -90 || env.MaxY > 90))
        throw Error(Errc::crs_mismatch,
                    fmt::format("coordinates ({:.0f}, {:.0f}) are not longitudes/latitudes, but the layer declares {}", env.MinX, env.MinY,
                                detail::describe(src)),
                    file, label, "the data is probably projected (Lambert-93?): fix the CRS of the file or pass the right --assume-crs");
      const int epsg = target_epsg(cc.departement);
      auto& tr = transforms[epsg];
      if (!tr) {
        OGRSpatialReference dst;
        dst.importFromEPSG(epsg);
        dst.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        tr.reset(OGRCreateCoordinateTransformation(&src, &dst));
        if (!tr) throw Error(Errc::crs_mismatch, fmt::format("no transformation from {} to EPSG:{}", detail::describe(src), epsg), file);
      }
      if (g->transform(tr.get()) != OGRERR_NONE)
        throw Error(Errc::crs_mismatch, fmt::format("reprojection from {} to EPSG:{} failed", detail::describe(src), epsg), file, label,
                    "check the declared CRS of the file");
      g->getEnvelope(&env);
      if (!plausible(epsg, env))
        throw Error(Errc::crs_mismatch,
                    fmt::format("after reprojection from {} to EPSG:{} the commune lies at ({:.0f}, {:.0f}), outside its "
                                "département",
                                detail::describe(src), epsg, env.MinX, env.MinY),
                    file, label, "the declared CRS is probably wrong: fix the file's CRS or pass --assume-crs");
      std::unique_ptr<OGRGeometry> poly;
      if (!g->IsValid()) {
        std::unique_ptr<OGRGeometry> fixed(g->MakeValid());
        poly = polygonal(fixed.get());
        ++res.repaired;
        diag.add(Warn::geometry_repaired, file, label, "invalid polygon (self-intersection?) repaired with MakeValid");
      } else {
        poly = polygonal(g.get());
      }
      if (poly->IsEmpty()) {
        ++res.rejected;
        diag.add(Warn::geometry_empty, file, label, "the geometry holds no polygon");
        continue;
      }
      res.pieces.push_back(Piece{m->index, code.to_string(), file, fid, epsg, std::move(poly)});
    }
    detail::check_read_error(file, res.features);
  }
  return res;
}

Ring to_ring(const OGRLinearRing* r) {
  Ring out;
  out.reserve(static_cast<std::size_t>(r->getNumPoints()));
  for (int i = 0; i < r->getNumPoints(); ++i) out.push_back({r->getX(i), r->getY(i)});
  return out;
}

MultiPolygon to_model(const OGRGeometry* g) {
  MultiPolygon out;
  auto mp = polygonal(g);
  for (const auto* p : *mp) {
    Polygon poly;
    poly.outer = to_ring(p->getExteriorRing());
    for (int i = 0; i < p->getNumInteriorRings(); ++i) poly.holes.push_back(to_ring(p->getInteriorRing(i)));
    out.push_back(std::move(poly));
  }
  return out;
}

}  // namespace

std::vector<MultiPolygon> read_outlines(const fs::path& path, int epsg) {
  const std::string file = path.string();
  auto ds = detail::open_vector(file);
  QuietGdal quiet;
  OGRSpatialReference dst;
  dst.importFromEPSG(epsg);
  dst.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::vector<MultiPolygon> out;
  for (int li = 0; li < ds->GetLayerCount(); ++li) {
    OGRLayer* layer = ds->GetLayer(li);
    const auto* srs = layer->GetSpatialRef();
    if (!srs) throw Error(Errc::crs_missing, fmt::format("layer '{}' has no coordinate reference system", layer->GetName()), file);
    OGRSpatialReference src(*srs);
    src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> tr(OGRCreateCoordinateTransformation(&src, &dst));
    if (!tr) throw Error(Errc::format, "cannot reproject the layer", file);
    layer->ResetReading();
    const auto budget = vertex_budget();
    const bool geojson = detail::is_geojson(*ds);
    std::uint64_t n_read = 0;
    while (std::unique_ptr<OGRFeature> f{detail::next_feature(*layer)}) {
      ++n_read;
      const OGRGeometry* g = f->GetGeometryRef();
      if (!g) continue;
      if (const auto n = detail::count_vertices(*g); n > budget)
        detail::throw_over_budget(file, fmt::format("feature {}", f->GetFID()), n, geojson, false);
      std::unique_ptr<OGRGeometry> copy(g->clone());
      if (copy->transform(tr.get()) != OGRERR_NONE) throw Error(Errc::crs_mismatch, "coordinates outside the CRS", file);
      auto mp = to_model(copy.get());
      if (!mp.empty()) out.push_back(std::move(mp));
    }
    detail::check_read_error(file, n_read);
  }
  return out;
}

LayerColumn read_layer_column(const fs::path& path, const std::string& layer_name, const std::string& column, int epsg) {
  const std::string file = path.string();
  auto ds = detail::open_vector(file);
  QuietGdal quiet;
  OGRLayer* layer = layer_name.empty() ? ds->GetLayer(0) : ds->GetLayerByName(layer_name.c_str());
  if (!layer) throw Error(Errc::format, fmt::format("no layer '{}'", layer_name), file, {}, "is it a communes.gpkg written by oasis run?");
  const int fi = layer->GetLayerDefn()->GetFieldIndex(column.c_str());
  if (fi < 0) {
    std::vector<std::string> names;
    names.reserve(static_cast<std::size_t>(layer->GetLayerDefn()->GetFieldCount()));
    for (int i = 0; i < layer->GetLayerDefn()->GetFieldCount(); ++i)
      names.emplace_back(layer->GetLayerDefn()->GetFieldDefn(i)->GetNameRef());
    throw Error(Errc::field_missing, fmt::format("layer '{}' has no column '{}'", layer_name, column), file, {},
                fmt::format("columns: {}", fmt::join(names, ", ")));
  }
  const auto type = layer->GetLayerDefn()->GetFieldDefn(fi)->GetType();
  LayerColumn out;
  out.numeric = type == OFTReal || type == OFTInteger || type == OFTInteger64;
  const auto* srs = layer->GetSpatialRef();
  if (!srs) throw Error(Errc::crs_missing, fmt::format("layer '{}' has no coordinate reference system", layer_name), file);
  OGRSpatialReference src(*srs), dst;
  src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  dst.importFromEPSG(epsg);
  dst.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> tr(OGRCreateCoordinateTransformation(&src, &dst));
  layer->ResetReading();
  while (std::unique_ptr<OGRFeature> f{layer->GetNextFeature()}) {
    std::unique_ptr<OGRGeometry> g(f->GetGeometryRef() ? f->GetGeometryRef()->clone() : nullptr);
    if (g && tr && g->transform(tr.get()) != OGRERR_NONE) throw Error(Errc::crs_mismatch, "coordinates outside the CRS", file);
    out.shapes.push_back(g ? to_model(g.get()) : MultiPolygon{});
    const bool set = f->IsFieldSetAndNotNull(fi);
    out.text.emplace_back(set ? f->GetFieldAsString(fi) : "");
    out.number.push_back(set && out.numeric ? f->GetFieldAsDouble(fi) : std::numeric_limits<double>::quiet_NaN());
  }
  if (out.shapes.empty()) throw Error(Errc::empty_input, fmt::format("layer '{}' has no feature", layer_name), file);
  for (char** item = ds->GetMetadata(); item && *item; ++item) {
    const std::string_view kv(*item);
    if (const auto eq = kv.find('='); eq != std::string_view::npos) out.metadata.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return out;
}

std::map<std::string, std::vector<std::string>> read_layer_attributes(const fs::path& path, const std::string& layer_name,
                                                                      const std::vector<std::string>& columns) {
  const std::string file = path.string();
  auto ds = detail::open_vector(file);
  QuietGdal quiet;
  OGRLayer* layer = layer_name.empty() ? ds->GetLayer(0) : ds->GetLayerByName(layer_name.c_str());
  if (!layer) throw Error(Errc::format, fmt::format("no layer '{}'", layer_name), file, {}, "is it a communes.gpkg written by oasis run?");
  std::vector<std::pair<std::string, int>> wanted;
  for (const auto& c : columns)
    if (const int fi = layer->GetLayerDefn()->GetFieldIndex(c.c_str()); fi >= 0) wanted.emplace_back(c, fi);
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [c, fi] : wanted) out[c];
  const char* ignored[] = {"OGR_GEOMETRY", nullptr};
  layer->SetIgnoredFields(ignored);
  layer->ResetReading();
  while (std::unique_ptr<OGRFeature> f{layer->GetNextFeature()})
    for (const auto& [c, fi] : wanted) out[c].emplace_back(f->IsFieldSetAndNotNull(fi) ? f->GetFieldAsString(fi) : "");
  layer->SetIgnoredFields(nullptr);
  return out;
}

namespace {

std::vector<CommuneRecord> read_files(const std::vector<fs::path>& files, const BoundaryOptions& opt, const Cog& cog, Diagnostics& diag,
                                      BoundaryReport& report) {
  report.files = files.size();
  report.read.clear();
  for (const auto& f : files) report.read.push_back(f.string());
  std::vector<FileResult> results(files.size());
  std::atomic<std::size_t> done{0};
  std::atomic<bool> cancelled{false};
  std::mutex progress_mutex;
  tbb::task_arena arena(opt.threads > 0 ? opt.threads : tbb::task_arena::automatic);
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, files.size(), [&](std::size_t i) {
      if (cancelled) return;
      try {
        results[i] = read_file(files[i], opt, cog, diag);
      } catch (...) {
        results[i].error = std::current_exception();
      }
      const auto n = ++done;
      if (opt.progress) {
        std::lock_guard lock(progress_mutex);
        if (!opt.progress(0.9 * static_cast<double>(n) / static_cast<double>(files.size()), "reading boundaries")) cancelled = true;
      }
    });
  });
  if (cancelled) throw Error(Errc::cancelled, "cancelled while reading boundaries");
  for (auto& r : results)  // the first failing file, in file order: deterministic
    if (r.error) std::rethrow_exception(r.error);

  std::uint64_t vertices = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {  // the whole read, before the pieces are merged and copied
    vertices += results[i].vertices;
    if (vertices > vertex_budget() * kVerticesPerRead) detail::throw_over_budget(files[i].string(), {}, vertices, results[i].geojson, true);
  }
  std::map<std::uint32_t, std::vector<Piece*>> groups;
  for (auto& r : results) {
    report.features += r.features;
    report.repaired += r.repaired;
    report.rejected += r.rejected;
    report.outside_filter += r.outside;
    report.input_crs.insert(r.crs.begin(), r.crs.end());
    for (auto& p : r.pieces) groups[p.cog_index].push_back(&p);
  }

  std::vector<CommuneRecord> out;
  out.reserve(groups.size());
  for (auto& [idx, pieces] : groups) {
    const auto& cc = cog.communes()[idx];
    std::sort(pieces.begin(), pieces.end(), [](const Piece* a, const Piece* b) {
      return std::tie(a->source_code, a->file, a->fid) < std::tie(b->source_code, b->file, b->fid);
    });
    for (std::size_t i = 1; i < pieces.size(); ++i)
      if (pieces[i]->source_code == pieces[i - 1]->source_code)
        throw Error(Errc::code_duplicate,
                    fmt::format("commune {} appears twice: in {} (feature {}) and here", pieces[i]->source_code, pieces[i - 1]->file,
                                pieces[i - 1]->fid),
                    pieces[i]->file, fmt::format("feature {}", pieces[i]->fid),
                    "remove one of the two features, or give each file once (a folder must not hold the same data twice)");
    CommuneRecord rec{
        CodeInsee::from(cc.code), cc.name, cc.departement, cc.region, cc.epci, cc.population, pieces.front()->epsg, {}, {}, {}};
    std::unique_ptr<OGRGeometry> shape;
    if (pieces.size() == 1) {
      shape = std::move(pieces.front()->geom);
    } else {
      OGRMultiPolygon all;
      for (auto* p : pieces)
        for (const auto* poly : *p->geom->toMultiPolygon()) all.addGeometry(poly);
      QuietGdal quiet;
      shape.reset(all.UnionCascaded());
      if (!shape) shape.reset(all.clone());
    }
    for (auto* p : pieces) {
      if (p->source_code == cc.code) continue;
      rec.former_codes.push_back(p->source_code);
      ++report.merged_codes;
      diag.add(Warn::code_merged, p->file, fmt::format("feature {}", p->fid),
               fmt::format("former code {} folded into {} ({})", p->source_code, cc.code, cc.name));
    }
    std::unique_ptr<OGRGeometry> pos(OGRGeometry::FromHandle(OGR_G_PointOnSurface(OGRGeometry::ToHandle(shape.get()))));
    if (pos && wkbFlatten(pos->getGeometryType()) == wkbPoint) {
      rec.point = {pos->toPoint()->getX(), pos->toPoint()->getY()};
    } else {  // degenerate shapes: fall back on the envelope centre
      OGREnvelope e;
      shape->getEnvelope(&e);
      rec.point = {(e.MinX + e.MaxX) / 2, (e.MinY + e.MaxY) / 2};
    }
    rec.shape = to_model(shape.get());
    report.output_epsg.insert(rec.epsg);
    out.push_back(std::move(rec));
  }
  report.communes = out.size();
  if (opt.progress) opt.progress(1.0, "reading boundaries");
  return out;
}

/// A folder of one file per département named communes-DD-*.ext (the layout of the shared data
/// and of geodata/fetch): with a régions / départements filter, the files of the wanted
/// départements. Empty when the folder is not laid out so (then every file is read).
std::vector<fs::path> departement_files(const std::vector<fs::path>& files, const BoundaryOptions& opt, const Cog& cog) {
  if (opt.regions.empty() && opt.departements.empty()) return {};
  std::set<std::string> wanted = opt.departements;
  for (const auto& c : cog.communes())
    if (opt.regions.count(c.region)) wanted.insert(c.departement);
  static const std::regex kName(R"(^communes-([0-9]{2}|2[AaBb]|97[0-9])-.*)");
  std::vector<fs::path> out;
  for (const auto& f : files) {
    std::smatch m;
    const std::string name = f.filename().string();
    if (!std::regex_match(name, m, kName)) return {};
    std::string dep = m[1].str();
    std::transform(dep.begin(), dep.end(), dep.begin(), [](unsigned char c) { return std::toupper(c); });
    if (wanted.count(dep)) out.push_back(f);
  }
  return out;
}

/// Every commune of the filter's selection (outside the collectivités d'outre-mer) has a polygon.
bool covers(const std::vector<CommuneRecord>& records, const BoundaryOptions& opt, const Cog& cog) {
  std::set<std::string> have;
  for (const auto& r : records) have.insert(r.code.to_string());
  for (const auto& c : cog.communes())
    if (c.zone != "com" && (opt.regions.count(c.region) || opt.departements.count(c.departement)) && !have.count(c.code)) return false;
  return true;
}

/// Every finding of `from` into `to`, then the counts `from` kept without text.
void replay(const std::vector<Finding>& findings, const std::map<Warn, std::size_t>& counts, Diagnostics& to) {
  for (const auto& f : findings) to.add(f.kind, f.file, f.record, f.message);
  for (const auto& [kind, n] : counts) {
    std::size_t kept = 0;
    for (const auto& f : findings) kept += f.kind == kind;
    if (n > kept) to.count(kind, n - kept);
  }
}

// ---- the prepared-input cache ----

/// Bumped whenever read_files() or the encoding below changes what an entry holds.
constexpr int kBoundaryCacheFormat = 1;

std::string cache_key(const std::vector<fs::path>& files, const BoundaryOptions& opt, const Cog& cog) {
  std::string key = fmt::format("boundaries {}\ncog {}\nassume_epsg {}\ncode_field {}\nname_field {}\nregions {}\ndepartements {}",
                                kBoundaryCacheFormat, cog.fingerprint(), opt.assume_epsg.value_or(0), opt.code_field, opt.name_field,
                                fmt::join(opt.regions, ","), fmt::join(opt.departements, ","));
  for (const auto& f : files) key += fmt::format("\nfile {} {}", f.string(), sha256_file(f));
  return key;
}

void put_strings(BinaryWriter& w, const auto& v) {
  w.put(static_cast<std::uint64_t>(v.size()));
  for (const auto& x : v) w.put_str(x);
}
std::vector<std::string> get_strings(BinaryReader& r) {
  const auto n = r.get<std::uint64_t>();
  std::vector<std::string> v;
  for (std::uint64_t i = 0; i < n; ++i) v.push_back(r.get_str());
  return v;
}

std::string encode(const std::vector<CommuneRecord>& records, const BoundaryReport& rep, const Diagnostics& diag) {
  BinaryWriter w;
  w.put(static_cast<std::uint64_t>(records.size()));
  for (const auto& c : records) {
    w.put_str(c.code.str()), w.put_str(c.name), w.put_str(c.departement), w.put_str(c.region), w.put_str(c.epci);
    w.put(c.population), w.put(c.epsg), w.put(c.point.x), w.put(c.point.y);
    detail::put_shape(w, c.shape);
    put_strings(w, c.former_codes);
  }
  for (auto n : {rep.files, rep.features, rep.communes, rep.merged_codes, rep.repaired, rep.rejected, rep.outside_filter})
    w.put(static_cast<std::uint64_t>(n));
  put_strings(w, rep.read);
  put_strings(w, rep.input_crs);
  w.put_vec(std::vector<int>(rep.output_epsg.begin(), rep.output_epsg.end()));
  const auto findings = diag.findings();
  w.put(static_cast<std::uint64_t>(findings.size()));
  for (const auto& f : findings) w.put(static_cast<std::int32_t>(f.kind)), w.put_str(f.file), w.put_str(f.record), w.put_str(f.message);
  const auto counts = diag.counts();
  w.put(static_cast<std::uint64_t>(counts.size()));
  for (const auto& [k, n] : counts) w.put(static_cast<std::int32_t>(k)), w.put(static_cast<std::uint64_t>(n));
  return w.take();
}

struct Decoded {
  std::vector<CommuneRecord> records;
  BoundaryReport report;
  std::vector<Finding> findings;
  std::map<Warn, std::size_t> counts;
};

Warn get_warn(BinaryReader& r, std::size_t size) {
  const auto k = r.get<std::int32_t>();
  if (k < 0 || k > static_cast<int>(Warn::record_skipped)) r.need(size + 1);
  return static_cast<Warn>(k);
}

Decoded decode(std::string_view bytes) {
  BinaryReader r(bytes, "", "cached boundaries", "it is rebuilt");
  Decoded d;
  const auto n = r.get<std::uint64_t>();
  if (n > bytes.size()) r.need(bytes.size() + 1);
  d.records.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    CommuneRecord c{CodeInsee::from(r.get_str()), {}, {}, {}, {}, 0.0, 2154, {}, {}, {}};
    c.name = r.get_str(), c.departement = r.get_str(), c.region = r.get_str(), c.epci = r.get_str();
    c.population = r.get<double>(), c.epsg = r.get<int>(), c.point.x = r.get<double>(), c.point.y = r.get<double>();
    c.shape = detail::get_shape(r, bytes.size());
    c.former_codes = get_strings(r);
    d.records.push_back(std::move(c));
  }
  auto& rep = d.report;
  for (auto* f : {&rep.files, &rep.features, &rep.communes, &rep.merged_codes, &rep.repaired, &rep.rejected, &rep.outside_filter})
    *f = r.get<std::uint64_t>();
  rep.read = get_strings(r);
  for (auto& c : get_strings(r)) rep.input_crs.insert(std::move(c));
  for (int e : r.get_vec<int>()) rep.output_epsg.insert(e);
  const auto nf = r.get<std::uint64_t>();
  for (std::uint64_t i = 0; i < nf; ++i) {
    Finding f;
    f.kind = get_warn(r, bytes.size());
    f.file = r.get_str(), f.record = r.get_str(), f.message = r.get_str();
    d.findings.push_back(std::move(f));
  }
  const auto nc = r.get<std::uint64_t>();
  for (std::uint64_t i = 0; i < nc; ++i) {
    const auto k = get_warn(r, bytes.size());
    d.counts[k] = r.get<std::uint64_t>();
  }
  if (!r.at_end()) r.need(bytes.size() + 1);
  return d;
}

}  // namespace

std::vector<CommuneRecord> read_boundaries(const BoundaryOptions& opt, const Cog& cog, Diagnostics& diag, BoundaryReport& report) {
  detail::ensure_gdal();
  const auto files = vector_files(opt.path);
  // Only the wanted départements' files when the folder is laid out by département. Should a
  // wanted commune then lack a polygon (filed under another département), the whole folder is read:
  // the result is the same either way, only the time differs.
  const auto subset = departement_files(files, opt, cog);
  const bool by_departement = !subset.empty() && subset.size() < files.size();
  const auto& chosen = by_departement ? subset : files;
  std::string key;
  if (opt.cache.enabled()) {
    key = cache_key(chosen, opt, cog);
    if (const auto bytes = opt.cache.read("boundaries", key)) {
      try {
        auto d = decode(*bytes);
        replay(d.findings, d.counts, diag);
        report = std::move(d.report);
        report.files_skipped = files.size() - chosen.size();
        report.from_cache = true;
        if (opt.progress) opt.progress(1.0, "reading boundaries");
        return std::move(d.records);
      } catch (const Error&) {  // an entry this build cannot read: read again and rewritten
      }
    }
  }
  if (by_departement || opt.cache.enabled()) {
    // Every finding kept (not only the first of each kind), so that a cached read replays them all.
    Diagnostics first(opt.cache.enabled() ? std::numeric_limits<std::size_t>::max() : 20);
    BoundaryReport rep;
    auto out = read_files(chosen, opt, cog, first, rep);
    if (!by_departement || covers(out, opt, cog)) {
      if (opt.cache.enabled()) opt.cache.write("boundaries", key, encode(out, rep, first));
      replay(first.findings(), first.counts(), diag);
      report = std::move(rep);
      report.files_skipped = files.size() - chosen.size();
      return out;
    }
  }
  return read_files(files, opt, cog, diag, report);
}

std::set<std::string> departements_near(const fs::path& outlines, const std::set<std::string>& selected, double km) {
  const auto lc = read_layer_column(outlines, "", "code");
  const double cell = std::max(km, 1.0) * 1000.0, r2 = (km * 1000.0) * (km * 1000.0);
  auto key = [&](const PointXY& p) {
    return std::pair<long, long>{static_cast<long>(std::floor(p.x / cell)), static_cast<long>(std::floor(p.y / cell))};
  };
  std::map<std::pair<long, long>, std::vector<PointXY>> grid;
  auto for_vertices = [&](const MultiPolygon& mp, auto&& fn) {
    for (const auto& poly : mp)
      for (const auto& p : poly.outer)
        if (!fn(p)) return;
  };
  for (std::size_t i = 0; i < lc.shapes.size(); ++i)
    if (selected.count(lc.text[i])) for_vertices(lc.shapes[i], [&](const PointXY& p) { return grid[key(p)].push_back(p), true; });
  std::set<std::string> out;
  for (std::size_t i = 0; i < lc.shapes.size(); ++i) {
    if (selected.count(lc.text[i])) continue;
    bool near = false;
    for_vertices(lc.shapes[i], [&](const PointXY& p) {
      const auto [cx, cy] = key(p);
      for (long dx = -1; dx <= 1 && !near; ++dx)
        for (long dy = -1; dy <= 1 && !near; ++dy)
          if (const auto it = grid.find({cx + dx, cy + dy}); it != grid.end())
            for (const auto& q : it->second)
              if ((p.x - q.x) * (p.x - q.x) + (p.y - q.y) * (p.y - q.y) <= r2) {
                near = true;
                break;
              }
      return !near;
    });
    if (near) out.insert(lc.text[i]);
  }
  return out;
}

}  // namespace oasis::geodata
