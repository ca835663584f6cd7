#include "oasis/geodata/gpkg.hpp"

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <memory>

#include <cpl_conv.h>
#include <fmt/format.h>
#include <ogrsf_frmts.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "gdal_util.hpp"
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
  if (t == wkbPolygon) add(g->toPolygon());
  else if (t == wkbMultiPolygon)
    for (const auto* p : *g->toMultiPolygon()) add(p);
  else if (t == wkbGeometryCollection)
    for (const auto* part : *g->toGeometryCollection())
      if (wkbFlatten(part->getGeometryType()) == wkbPolygon) add(part->toPolygon());
  return out;
}

OGRFieldType ogr_type(Column::Type t) {
  switch (t) {
    case Column::Type::integer: return OFTInteger64;
    case Column::Type::real: return OFTReal;
    case Column::Type::text: return OFTString;
  }
  return OFTString;
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

void write_geopackage(const fs::path& path, std::span<const Layer> layers,
                      const std::vector<std::pair<std::string, std::string>>& metadata, bool overwrite) {
  detail::ensure_gdal();
  if (fs::exists(path) && !overwrite)
    throw Error(Errc::exists, "the GeoPackage already exists", path.string(), {}, "pass --overwrite or choose another folder");
  for (const auto& l : layers)
    for (const auto& c : l.columns)
      if (c.size() != l.shapes.size())
        throw Error(Errc::internal, fmt::format("layer {}: column {} has {} values for {} features", l.name, c.name, c.size(), l.shapes.size()));
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
        OGRFieldDefn fd(c.name.c_str(), ogr_type(c.type));
        if (layer->CreateField(&fd) != OGRERR_NONE)
          throw Error(Errc::io, fmt::format("cannot create field {}.{}", l.name, c.name), tmp.string());
      }
      if (layer->StartTransaction() != OGRERR_NONE) throw Error(Errc::io, "cannot start a transaction", tmp.string());
      for (std::size_t i = 0; i < l.shapes.size(); ++i) {
        OGRFeature f(layer->GetLayerDefn());
        for (std::size_t k = 0; k < l.columns.size(); ++k) {
          const auto& c = l.columns[k];
          const int fi = static_cast<int>(k);
          switch (c.type) {
            case Column::Type::integer: f.SetField(fi, static_cast<GIntBig>(c.integers[i])); break;
            case Column::Type::real:
              if (std::isfinite(c.reals[i])) f.SetField(fi, c.reals[i]);
              else f.SetFieldNull(fi);
              break;
            case Column::Type::text: f.SetField(fi, c.texts[i].c_str()); break;
          }
        }
        if (l.shapes[i]) f.SetGeometryDirectly(to_ogr(*l.shapes[i]).release());
        if (layer->CreateFeature(&f) != OGRERR_NONE)
          throw Error(Errc::io, fmt::format("cannot write feature {} of layer {}: {}", i, l.name, detail::QuietGdal::last_message()),
                      tmp.string(), {}, "check the free disk space");
      }
      if (layer->CommitTransaction() != OGRERR_NONE) throw Error(Errc::io, "cannot commit the layer", tmp.string(), {}, "check the free disk space");
    }
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

std::vector<MultiPolygon> dissolve(const Territory& t, std::span<const std::uint32_t> group_of, std::size_t groups, int threads,
                                   const ProgressFn& progress) {
  detail::ensure_gdal();
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
  return out;
}

}  // namespace oasis::geodata
