#include "oasis/geodata/gpkg.hpp"

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <map>
#include <memory>

#include <cpl_conv.h>
#include <fmt/format.h>
#include <ogr_api.h>
#include <ogrsf_frmts.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "gdal_util.hpp"
#include "ogr_columns.hpp"
#include "shape_codec.hpp"
#include "oasis/core/checksum.hpp"
#include "oasis/core/error.hpp"

namespace fs = std::filesystem;

namespace oasis::geodata {
namespace {

std::unique_ptr<OGRMultiPolygon> to_ogr(const MultiPolygon& mp) {
  auto out = std::make_unique<OGRMultiPolygon>();
  auto ring = [](const Ring& r) {
    auto lr = std::make_unique<OGRLinearRing>();
    lr->setNumPoints(static_cast<int>(r.size()), FALSE);
    for (std::size_t i = 0; i < r.size(); ++i) lr->setPoint(static_cast<int>(i), r[i].x, r[i].y);
    return lr;
  };
  for (const auto& p : mp) {
    OGRPolygon poly;
    poly.addRingDirectly(ring(p.outer).release());
    for (const auto& h : p.holes) poly.addRingDirectly(ring(h).release());
    out->addGeometry(&poly);
  }
  return out;
}

MultiPolygon from_ogr(const OGRGeometry* g) {
  MultiPolygon out;
  if (!g) return out;
  auto ring = [](const OGRLinearRing* r) {
    Ring o;
    o.reserve(static_cast<std::size_t>(r->getNumPoints()));
    for (int i = 0; i < r->getNumPoints(); ++i) o.push_back({r->getX(i), r->getY(i)});
    return o;
  };
  auto add = [&](const OGRPolygon* p) {
    if (!p || p->IsEmpty()) return;
    Polygon poly;
    poly.outer = ring(p->getExteriorRing());
    for (int i = 0; i < p->getNumInteriorRings(); ++i) poly.holes.push_back(ring(p->getInteriorRing(i)));
    out.push_back(std::move(poly));
  };
  const auto t = wkbFlatten(g->getGeometryType());
  if (t == wkbPolygon)
    add(g->toPolygon());
  else if (t == wkbMultiPolygon)
    for (const auto* p : *g->toMultiPolygon()) add(p);
  else if (t == wkbGeometryCollection)
    for (const auto* part : *g->toGeometryCollection())
      if (wkbFlatten(part->getGeometryType()) == wkbPolygon) add(part->toPolygon());
  return out;
}

/// The `layer_styles` table as QGIS creates it (an attributes table: no geometry).
void write_styles(GDALDataset& ds, std::span<const LayerStyle> styles, const fs::path& file) {
  OGRLayer* layer = ds.CreateLayer("layer_styles", nullptr, wkbNone, nullptr);
  if (!layer)
    throw Error(Errc::io, fmt::format("cannot create the layer_styles table: {}", detail::QuietGdal::last_message()), file.string());
  struct Field {
    const char* name;
    OGRFieldType type;
    int width;
  };
  constexpr Field fields[] = {{"f_table_catalog", OFTString, 256},
                              {"f_table_schema", OFTString, 256},
                              {"f_table_name", OFTString, 256},
                              {"f_geometry_column", OFTString, 256},
                              {"styleName", OFTString, 30},
                              {"styleQML", OFTString, 0},
                              {"styleSLD", OFTString, 0},
                              {"useAsDefault", OFTInteger, 0},
                              {"description", OFTString, 0},
                              {"owner", OFTString, 30},
                              {"ui", OFTString, 0},
                              {"update_time", OFTDateTime, 0}};
  for (const auto& f : fields) {
    OGRFieldDefn fd(f.name, f.type);
    fd.SetWidth(f.width);
    if (std::string_view(f.name) == "useAsDefault") fd.SetSubType(OFSTBoolean);
    if (layer->CreateField(&fd) != OGRERR_NONE)
      throw Error(Errc::io, fmt::format("cannot create field layer_styles.{}", f.name), file.string());
  }
  for (const auto& st : styles) {
    OGRFeature f(layer->GetLayerDefn());
    f.SetField("f_table_catalog", "");
    f.SetField("f_table_schema", "");
    f.SetField("f_table_name", st.layer.c_str());
    f.SetField("f_geometry_column", "geom");
    f.SetField("styleName", st.name.c_str());
    f.SetField("styleQML", st.qml.c_str());
    f.SetField("styleSLD", st.sld.c_str());
    f.SetField("useAsDefault", st.use_as_default ? 1 : 0);
    f.SetField("description", st.description.c_str());
    f.SetField("owner", "");
    f.SetField("ui", "");
    f.SetField("update_time", 2000, 1, 1, 0, 0, 0.0f, 100);
    if (layer->CreateFeature(&f) != OGRERR_NONE)
      throw Error(Errc::io, fmt::format("cannot write style {} of layer {}: {}", st.name, st.layer, detail::QuietGdal::last_message()),
                  file.string());
  }
}

std::string sql_text(std::string_view v) {
  std::string out = "'";
  for (char ch : v) out += ch == '\'' ? std::string("''") : std::string(1, ch);
  return out + "'";
}

/// The GeoPackage schema extension (spec 1.2 F.9): `gpkg_data_columns` with a title and a
/// description per column, its (empty) constraints table, both registered in gpkg_extensions.
void write_data_columns(GDALDataset& ds, std::span<const Layer> layers, const fs::path& file) {
  std::vector<std::string> rows;
  for (const auto& l : layers)
    for (const auto& c : l.columns)
      if (!c.title.empty() || !c.description.empty())
        rows.push_back(fmt::format("({},{},{},{},{},NULL,NULL)", sql_text(l.name), sql_text(c.name), sql_text(c.title), sql_text(c.title),
                                   sql_text(c.description)));
  if (rows.empty()) return;
  const std::string statements[] = {
      "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT "
      "NULL, scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))",
      "CREATE TABLE gpkg_data_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, title TEXT, description TEXT, "
      "mime_type TEXT, constraint_name TEXT, CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name), "
      "CONSTRAINT gdc_tn UNIQUE (table_name, name))",
      "CREATE TABLE gpkg_data_column_constraints (constraint_name TEXT NOT NULL, constraint_type TEXT NOT NULL, value TEXT, min NUMERIC, "
      "min_is_inclusive BOOLEAN, max NUMERIC, max_is_inclusive BOOLEAN, description TEXT, "
      "CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value))",
      "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) VALUES "
      "('gpkg_data_columns', NULL, 'gpkg_schema', 'http://www.geopackage.org/spec/#extension_schema', 'read-write'), "
      "('gpkg_data_column_constraints', NULL, 'gpkg_schema', 'http://www.geopackage.org/spec/#extension_schema', 'read-write')",
      fmt::format("INSERT INTO gpkg_data_columns VALUES {}", fmt::join(rows, ","))};
  for (const auto& sql : statements) {
    CPLErrorReset();
    ds.ExecuteSQL(sql.c_str(), nullptr, nullptr);
    if (CPLGetLastErrorType() == CE_Failure)
      throw Error(Errc::io, fmt::format("cannot write the column titles (gpkg_data_columns): {}", detail::QuietGdal::last_message()),
                  file.string());
  }
}

}  // namespace

std::size_t Column::size() const noexcept {
  switch (type) {
    case Type::integer: return integers.size();
    case Type::real: return reals.size();
    case Type::text: return texts.size();
  }
  return 0;
}

void write_geopackage(const fs::path& path, std::span<const Layer> layers, const std::vector<std::pair<std::string, std::string>>& metadata,
                      bool overwrite, std::span<const LayerStyle> styles) {
  detail::ensure_gdal();
  if (fs::exists(path) && !overwrite)
    throw Error(Errc::exists, "the GeoPackage already exists", path.string(), {}, "pass --overwrite or choose another folder");
  for (const auto& l : layers)
    for (const auto& c : l.columns)
      if (c.size() != l.shapes.size())
        throw Error(Errc::internal,
                    fmt::format("layer {}: column {} has {} values for {} features", l.name, c.name, c.size(), l.shapes.size()));
  auto* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
  if (!driver) throw Error(Errc::internal, "GDAL was built without the GPKG driver");
  const fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  const fs::path tmp = dir / fmt::format(".{}.tmp-{}.gpkg", path.stem().string(), ::getpid());
  std::error_code ec;
  fs::remove(tmp, ec);
  // Fixed timestamps (gpkg_contents.last_change, metadata): same inputs, same bytes.
  CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z");
  struct Reset {
    ~Reset() { CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", nullptr); }
  } reset;
  try {
    detail::QuietGdal quiet;
    detail::DatasetPtr ds(driver->Create(tmp.string().c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!ds) throw Error(Errc::io, fmt::format("cannot create the GeoPackage: {}", detail::QuietGdal::last_message()), tmp.string());
    for (const auto& l : layers) {
      OGRSpatialReference srs;
      srs.importFromEPSG(l.epsg);
      srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
      char** opts = nullptr;
      opts = CSLSetNameValue(opts, "FID", "fid");
      opts = CSLSetNameValue(opts, "GEOMETRY_NAME", "geom");
      if (!l.description.empty()) opts = CSLSetNameValue(opts, "DESCRIPTION", l.description.c_str());
      OGRLayer* layer = ds->CreateLayer(l.name.c_str(), &srs, wkbMultiPolygon, opts);
      CSLDestroy(opts);
      if (!layer) throw Error(Errc::io, fmt::format("cannot create layer {}: {}", l.name, detail::QuietGdal::last_message()), tmp.string());
      for (const auto& c : l.columns) {
        OGRFieldDefn fd(c.name.c_str(), detail::ogr_type(c.type));
        if (layer->CreateField(&fd) != OGRERR_NONE)
          throw Error(Errc::io, fmt::format("cannot create field {}.{}", l.name, c.name), tmp.string());
      }
      if (layer->StartTransaction() != OGRERR_NONE) throw Error(Errc::io, "cannot start a transaction", tmp.string());
      for (std::size_t i = 0; i < l.shapes.size(); ++i) {
        OGRFeature f(layer->GetLayerDefn());
        detail::set_row(f, l.columns, i, false);
        if (l.shapes[i]) f.SetGeometryDirectly(to_ogr(*l.shapes[i]).release());
        if (layer->CreateFeature(&f) != OGRERR_NONE)
          throw Error(Errc::io, fmt::format("cannot write feature {} of layer {}: {}", i, l.name, detail::QuietGdal::last_message()),
                      tmp.string(), {}, "check the free disk space");
      }
      if (layer->CommitTransaction() != OGRERR_NONE)
        throw Error(Errc::io, "cannot commit the layer", tmp.string(), {}, "check the free disk space");
    }
    if (!styles.empty()) write_styles(*ds, styles, tmp);
    write_data_columns(*ds, layers, tmp);
    for (const auto& [k, v] : metadata) ds->SetMetadataItem(k.c_str(), v.c_str());
    ds.reset();  // flush and close before the rename
    if (CPLGetLastErrorType() == CE_Failure && !detail::QuietGdal::last_message().empty())
      throw Error(Errc::io, fmt::format("writing the GeoPackage failed: {}", detail::QuietGdal::last_message()), tmp.string());
    fs::rename(tmp, path);
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
}

std::vector<MultiPolygon> reproject(std::span<const MultiPolygon* const> shapes, std::span<const int> epsg, int target, double tolerance_m,
                                    double grid, int threads) {
  detail::ensure_gdal();
  if (epsg.empty() || (epsg.size() != 1 && epsg.size() != shapes.size()))
    throw Error(Errc::internal, fmt::format("reproject: {} CRS codes for {} shapes", epsg.size(), shapes.size()));
  const auto snap = [grid](double v) { return grid > 0 ? std::round(v / grid) * grid : v; };
  std::vector<MultiPolygon> out(shapes.size());
  // A coordinate transformation is not shared between threads: one set per block of shapes, each
  // a clone of the process's own (detail::transformation).
  const auto block = [&](std::size_t from, std::size_t to) {
    std::map<int, std::unique_ptr<OGRCoordinateTransformation>> transforms;
    detail::QuietGdal quiet;
    for (std::size_t i = from; i < to; ++i) {
      if (!shapes[i] || shapes[i]->empty()) continue;
      const int code = epsg.size() == 1 ? epsg[0] : epsg[i];
      auto& tr = transforms[code];
      if (!tr) {
        tr = detail::transformation(code, target);
        if (!tr) {
          OGRSpatialReference src;
          if (src.importFromEPSG(code) != OGRERR_NONE) throw Error(Errc::crs_mismatch, fmt::format("unknown CRS EPSG:{}", code));
          throw Error(Errc::crs_mismatch, fmt::format("no transformation from EPSG:{} to EPSG:{}", code, target));
        }
      }
      auto g = to_ogr(*shapes[i]);
      std::unique_ptr<OGRGeometry> simple(tolerance_m > 0 ? g->SimplifyPreserveTopology(tolerance_m) : nullptr);
      OGRGeometry* use = simple && !simple->IsEmpty() ? simple.get() : g.get();
      if (code != target && use->transform(tr.get()) != OGRERR_NONE)
        throw Error(Errc::crs_mismatch, fmt::format("shape {}: reprojection from EPSG:{} to EPSG:{} failed", i, code, target));
      out[i] = from_ogr(use);
      if (grid > 0)
        for (auto& p : out[i]) {
          for (auto& pt : p.outer) pt = {snap(pt.x), snap(pt.y)};
          for (auto& h : p.holes)
            for (auto& pt : h) pt = {snap(pt.x), snap(pt.y)};
        }
    }
  };
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, shapes.size(), 512),
                      [&](const tbb::blocked_range<std::size_t>& r) { block(r.begin(), r.end()); });
  });
  return out;
}

std::vector<MultiPolygon> to_lonlat(std::span<const MultiPolygon* const> shapes, std::span<const int> epsg, double tolerance_m,
                                    int threads) {
  return reproject(shapes, epsg, 4326, tolerance_m, 1e-5, threads);
}

namespace {

/// Bumped whenever dissolve() or the encoding of its entries changes.
constexpr int kDissolveCacheFormat = 1;

}  // namespace

std::vector<MultiPolygon> dissolve(const Territory& t, std::span<const std::uint32_t> group_of, std::size_t groups, int threads,
                                   const ProgressFn& progress, const FileCache& cache) {
  detail::ensure_gdal();
  if (group_of.size() != t.size())
    throw Error(Errc::internal, fmt::format("dissolve: {} groups for {} communes", group_of.size(), t.size()));
  // The key: every commune's shape and group, and the GEOS that computes the unions (the answer of
  // another version may differ in its last bits).
  std::string key;
  if (cache.enabled()) {
    BinaryWriter w;
    w.put(static_cast<std::uint64_t>(groups));
    for (CommuneId c = 0; c < t.size(); ++c) w.put(group_of[c]), detail::put_shape(w, t.shape(c));
    int major = 0, minor = 0, patch = 0;
    OGRGetGEOSVersion(&major, &minor, &patch);
    key = fmt::format("dissolve {}\ngdal {}\ngeos {}.{}.{}\nshapes {}", kDissolveCacheFormat, GDALVersionInfo("RELEASE_NAME"), major, minor,
                      patch, sha256_text(w.take()));
    if (const auto bytes = cache.read("dissolve", key)) {
      try {
        BinaryReader r(*bytes, "", "cached dissolved units", "they are dissolved again");
        if (r.get<std::uint64_t>() == groups) {
          std::vector<MultiPolygon> out(groups);
          for (auto& mp : out) mp = detail::get_shape(r, bytes->size());
          if (r.at_end()) return out;
        }
      } catch (const Error&) {
        // a damaged entry: dissolved again and rewritten below
      }
    }
  }
  std::vector<std::vector<CommuneId>> members(groups);
  for (CommuneId c = 0; c < t.size(); ++c) members.at(group_of[c]).push_back(c);
  std::vector<MultiPolygon> out(groups);
  std::atomic<std::size_t> done{0};
  std::atomic<bool> cancelled{false};
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, groups, [&](std::size_t g) {
      if (cancelled) return;
      if (members[g].size() == 1) {
        out[g] = t.shape(members[g][0]);
      } else if (!members[g].empty()) {
        OGRMultiPolygon all;
        for (auto c : members[g]) {
          auto mp = to_ogr(t.shape(c));
          for (const auto* p : *mp) all.addGeometry(p);
        }
        detail::QuietGdal quiet;
        std::unique_ptr<OGRGeometry> u(all.UnionCascaded());
        out[g] = u ? from_ogr(u.get()) : from_ogr(&all);
      }
      const auto d = ++done;
      if (progress && (d % 64 == 0 || d == groups) && !progress(static_cast<double>(d) / static_cast<double>(groups), "dissolving units"))
        cancelled = true;
    });
  });
  if (cancelled) throw Error(Errc::cancelled, "dissolving cancelled");
  if (cache.enabled()) {
    BinaryWriter w;
    w.put(static_cast<std::uint64_t>(groups));
    for (const auto& mp : out) detail::put_shape(w, mp);
    cache.write("dissolve", key, w.take());
  }
  return out;
}

}  // namespace oasis::geodata
