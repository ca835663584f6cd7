#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include "gdal_util.hpp"
#include "oasis/core/code_insee.hpp"
#include "oasis/core/error.hpp"
#include "oasis/io/csv.hpp"
#include "oasis/geodata/load.hpp"
#include "oasis/model/spatial_index.hpp"

namespace oasis::geodata {
namespace fs = std::filesystem;
using io::CsvFile;
using io::CsvRecord;
using io::parse_number;
using io::trim;

namespace {

// Above this, a supply amount for one commune or one point is a wrong column or separator, not data.
constexpr double kMaxAmount = 1e6;

constexpr std::string_view kRppsKey = "Identification nationale PP";

/// The current commune of the territory for a code, or why not.
std::string detect_format(const fs::path& p) {
  auto ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext != ".csv" && ext != ".txt" && ext != ".tsv") return "points";
  CsvFile csv(p);
  if (csv.column({kRppsKey})) return "rpps";
  if (csv.column({"lon", "longitude", "x", "lng", "coordx"}) && csv.column({"lat", "latitude", "y", "coordy"})) return "points";
  return "counts";
}

SupplyTable load_counts(const SupplyOptions& o, const Territory& t, const Cog& cog, Diagnostics& diag, SupplyReport& rep) {
  CsvFile csv(o.path);
  if (csv.was_latin1()) diag.add(Warn::encoding, rep.file, "", "not UTF-8: read as Latin-1");
  const auto c_code = o.code_column.empty()
                          ? csv.require({"code_insee", "codecommuneetablissement", "code", "codgeo", "depcom", "com"}, "the INSEE code")
                          : csv.require({o.code_column}, "the INSEE code (--supply-code-column)");
  const auto c_amount = o.column.empty() ? csv.require({"nb_generalistes_rpps2026", "generaliste", "count", "amount"},
                                                       "the supply amount (name it with --supply-column)")
                                         : csv.require({o.column}, "the supply amount (--supply-column)");
  SupplyTable s;
  s.kind = csv.header()[c_amount];
  s.unit = "count";
  s.source = rep.file;
  std::set<std::string> seen, unmatched;
  std::map<CommuneId, std::pair<double, std::string>> per;
  // COG commune -> {code given whole, its line, an arrondissement's code, its line}
  std::map<std::uint32_t, std::array<std::string, 4>> city;
  csv.for_each([&](const CsvRecord& r) {
    ++rep.records;
    const auto code = CodeInsee::from(r.fields[c_code], rep.file, csv.where(r));
    if (!seen.insert(code.to_string()).second)
      throw Error(Errc::code_duplicate, fmt::format("commune {} appears twice", code.str()), rep.file, csv.where(r),
                  "a count file has one line per commune: sum the duplicates first");
    const auto v = parse_number(r.fields[c_amount], csv.decimal_comma());
    if (!v || *v < 0) {
      if (trim(r.fields[c_amount]).empty())
        throw Error(Errc::value_invalid, fmt::format("commune {} has no {} (an empty or missing field)", code.str(), s.kind), rep.file,
                    csv.where(r), "write 0 for a commune without any, or remove the line");
      throw Error(Errc::value_invalid, fmt::format("{} '{}' is not a count >= 0", s.kind, r.fields[c_amount]), rep.file, csv.where(r),
                  "counts are numbers >= 0");
    }
    if (*v > kMaxAmount)
      throw Error(Errc::value_invalid, fmt::format("{} {} is not plausible for one commune (more than {:.0f})", s.kind, *v, kMaxAmount),
                  rep.file, csv.where(r), "check the column (--supply-column) and the decimal separator");
    // A city given whole and by municipal arrondissement would be counted twice (Paris, Lyon, Marseille).
    if (const auto m = cog.match(code.str())) {
      auto& seen_city = city[m->index];
      const std::size_t at = m->how == CodeMatch::arrondissement ? 2 : 0;
      seen_city[at] = code.to_string();
      seen_city[at + 1] = csv.where(r);
      if (!seen_city[0].empty() && !seen_city[2].empty())
        throw Error(Errc::code_duplicate,
                    fmt::format("{} is given whole ({}, {}) and by arrondissement ({}, {}): it would be counted twice",
                                cog.communes()[m->index].name, seen_city[0], seen_city[1], seen_city[2], seen_city[3]),
                    rep.file, csv.where(r), fmt::format("keep either the line of {} or those of its arrondissements", seen_city[0]));
    }
    CommuneId id = 0;
    switch (place(code.str(), t, cog, id)) {
      case Place::unmatched:
        unmatched.insert(code.to_string());
        diag.add(Warn::code_unmatched, rep.file, csv.where(r), fmt::format("{} matches no commune of {}", code.str(), cog.version()));
        return;
      case Place::outside: ++rep.outside; return;
      case Place::inside: break;
    }
    if (*v == 0) {
      ++rep.skipped;
      return;
    }
    auto& slot = per[id];  // former codes fold into their current commune
    slot.first += *v;
    if (slot.second.empty()) slot.second = t.code()[id].to_string();
  });
  for (const auto& [id, a] : per) s.add(id, a.first, a.second);
  rep.kept = s.size();
  rep.unmatched_codes.assign(unmatched.begin(), unmatched.end());
  return s;
}

SupplyTable load_rpps(const SupplyOptions& o, const Territory& t, const Cog& cog, Diagnostics& diag, SupplyReport& rep) {
  CsvFile csv(o.path, '|');
  if (csv.was_latin1()) diag.add(Warn::encoding, rep.file, "", "not UTF-8: read as Latin-1");
  const auto c_id = csv.require({kRppsKey}, "the practitioner identifier");
  const auto c_prof = csv.require({"Code profession"}, "the profession code");
  const auto c_sf = csv.require({"Code savoir-faire"}, "the savoir-faire (speciality) code");
  const auto c_mode = csv.require({"Code mode exercice"}, "the mode of practice");
  const auto c_com = csv.require({"Code commune (coord. structure)"}, "the commune of practice");
  const auto c_cp = csv.column({"Code postal (coord. structure)"});
  SupplyTable s;
  s.kind = "medecin generaliste (RPPS)";
  s.unit = "headcount";
  s.source = rep.file;
  std::set<std::pair<std::string, CommuneId>> pairs;  // a practitioner counts once per commune
  std::set<std::string> unmatched;
  csv.for_each([&](const CsvRecord& r) {
    ++rep.records;
    const auto ident = std::string(trim(r.fields[c_id]));
    if (ident.empty())
      throw Error(Errc::field_missing, "empty 'Identification nationale PP'", rep.file, csv.where(r),
                  "every activity line of the extraction names its practitioner");
    if (trim(r.fields[c_prof]) != o.profession || !o.savoir_faire.count(std::string(trim(r.fields[c_sf]))) ||
        !o.modes.count(std::string(trim(r.fields[c_mode])))) {
      ++rep.skipped;
      return;
    }
    std::string code(trim(r.fields[c_com]));
    const auto where = fmt::format("{} (practitioner {})", csv.where(r), ident);
    if (code.empty() && c_cp) {  // no commune code: a postal code served by exactly one commune
      const auto cp = std::string(trim(r.fields[*c_cp]));
      const auto cands = cog.by_postcode(cp);
      if (cands.size() == 1) {
        code = cog.communes()[cands.front()].code;
      } else {
        unmatched.insert(cp.empty() ? std::string("(no address)") : "CP " + cp);
        diag.add(Warn::code_unmatched, rep.file, where,
                 cands.empty() ? fmt::format("no commune code and postal code '{}' matches no commune", cp)
                               : fmt::format("no commune code and postal code {} is shared by {} communes", cp, cands.size()));
        return;
      }
    }
    if (code.empty()) {
      unmatched.insert("(no address)");
      diag.add(Warn::code_unmatched, rep.file, where, "no commune code nor postal code: the activity cannot be placed");
      return;
    }
    const auto c = CodeInsee::from(code, rep.file, where);
    CommuneId id = 0;
    switch (place(c.str(), t, cog, id)) {
      case Place::unmatched:
        unmatched.insert(c.to_string());
        diag.add(Warn::code_unmatched, rep.file, where, fmt::format("{} matches no commune of {}", c.str(), cog.version()));
        return;
      case Place::outside: ++rep.outside; return;
      case Place::inside: break;
    }
    pairs.emplace(ident, id);
  });
  for (const auto& [ident, id] : pairs) s.add(id, 1.0, ident);
  rep.kept = s.size();
  rep.unmatched_codes.assign(unmatched.begin(), unmatched.end());
  return s;
}

struct RawPoint {
  std::string id;
  double amount;
  double x, y;  // in the source CRS
  std::string where;
  double age = NAN;
};

SupplyTable place_points(const std::vector<RawPoint>& pts, const OGRSpatialReference& src_in, const Territory& t, const SupplyOptions& o,
                         Diagnostics& diag, SupplyReport& rep) {
  SupplyTable s;
  s.kind = "points";
  s.unit = "count";
  s.source = rep.file;
  SpatialIndex index(t);
  OGRSpatialReference src(src_in);
  src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::map<int, std::unique_ptr<OGRCoordinateTransformation>> tr;
  for (int epsg : std::set<int>(t.epsg().begin(), t.epsg().end())) {
    OGRSpatialReference dst;
    dst.importFromEPSG(epsg);
    dst.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    tr[epsg].reset(OGRCreateCoordinateTransformation(&src, &dst));
  }
  for (const auto& p : pts) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y))
      throw Error(Errc::value_invalid, "coordinates are NaN or infinite", rep.file, p.where, "fix or remove the record");
    std::optional<Located> best;
    PointXY at{};
    for (auto& [epsg, ct] : tr) {
      double x = p.x, y = p.y;
      if (!ct || !ct->Transform(1, &x, &y)) continue;
      if (auto l = index.locate(epsg, {x, y}, o.snap_tolerance_m); l && (!best || l->distance_m < best->distance_m)) {
        best = l;
        at = {x, y};
      }
    }
    if (!best) {
      ++rep.outside;
      diag.add(Warn::point_outside, rep.file, p.where,
               fmt::format("point ({}, {}) lies in no commune of the territory (nor within {} m)", p.x, p.y, o.snap_tolerance_m));
      continue;
    }
    if (best->distance_m > 0) ++rep.snapped;
    s.add(best->commune, p.amount, p.id, at.x, at.y);
    if (!o.age_column.empty()) {
      s.age.resize(s.size() - 1, NAN);
      s.age.push_back(p.age);
    }
  }
  rep.kept = s.size();
  return s;
}

SupplyTable load_points(const SupplyOptions& o, const Territory& t, Diagnostics& diag, SupplyReport& rep) {
  std::vector<RawPoint> pts;
  OGRSpatialReference src;
  auto ext = o.path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == ".csv" || ext == ".txt" || ext == ".tsv") {
    CsvFile csv(o.path);
    const auto cx = o.x_column.empty() ? csv.require({"lon", "longitude", "lng", "x", "coordx"}, "the x / longitude")
                                       : csv.require({o.x_column}, "the x / longitude (--x-column)");
    const auto cy = o.y_column.empty() ? csv.require({"lat", "latitude", "y", "coordy"}, "the y / latitude")
                                       : csv.require({o.y_column}, "the y / latitude (--y-column)");
    const auto cid = o.id_column.empty() ? csv.column({"id", "identifiant", "nofinesset", kRppsKey}) : csv.column({o.id_column});
    const auto camt = o.amount_column.empty() ? std::optional<std::size_t>{} : csv.column({o.amount_column});
    const auto cage =
        o.age_column.empty() ? std::optional<std::size_t>{} : csv.require({o.age_column}, "the age column (supply.age_column)");
    if (src.importFromEPSG(o.points_epsg) != OGRERR_NONE)
      throw Error(Errc::crs_missing, fmt::format("unknown CRS EPSG:{}", o.points_epsg), rep.file);
    csv.for_each([&](const CsvRecord& r) {
      ++rep.records;
      const auto where = csv.where(r);
      const auto x = parse_number(r.fields[cx], csv.decimal_comma()), y = parse_number(r.fields[cy], csv.decimal_comma());
      if (!x || !y) {
        ++rep.skipped;
        diag.add(Warn::value_invalid, rep.file, where, "missing or non-numeric coordinates: record rejected");
        return;
      }
      double amount = 1.0;
      if (camt) {
        const auto a = parse_number(r.fields[*camt], csv.decimal_comma());
        if (!a || *a < 0 || *a > kMaxAmount)
          throw Error(Errc::value_invalid, fmt::format("amount '{}' is not a number in 0..{:.0f}", r.fields[*camt], kMaxAmount), rep.file,
                      where);
        amount = *a;
      }
      if (o.points_epsg == 4326 && (std::abs(*x) > 180 || std::abs(*y) > 90))
        throw Error(Errc::crs_mismatch, fmt::format("({}, {}) is not a longitude/latitude", *x, *y), rep.file, where,
                    "projected coordinates need --points-crs (e.g. 2154 for Lambert-93)");
      double age = NAN;
      if (cage) {
        const auto a = parse_number(r.fields[*cage], csv.decimal_comma());
        if (!a || *a < 0 || *a > 120)
          throw Error(Errc::value_invalid, fmt::format("age '{}' is not a number of years in 0..120", r.fields[*cage]), rep.file, where,
                      "leave no blank ages, or drop supply.age_column");
        age = *a;
      }
      pts.push_back({cid ? std::string(trim(r.fields[*cid])) : fmt::format("{}", r.number), amount, *x, *y, where, age});
    });
  } else {
    auto ds = detail::open_vector(o.path.string());
    detail::QuietGdal quiet;
    for (int li = 0; li < ds->GetLayerCount(); ++li) {
      OGRLayer* layer = ds->GetLayer(li);
      if (!layer->GetSpatialRef())
        throw Error(Errc::crs_missing, fmt::format("layer '{}' has no CRS", layer->GetName()), rep.file, {},
                    "add the CRS to the file (a .prj beside a Shapefile)");
      src = *layer->GetSpatialRef();
      const int fid_amount = o.amount_column.empty() ? -1 : layer->GetLayerDefn()->GetFieldIndex(o.amount_column.c_str());
      const int fid_id = o.id_column.empty() ? -1 : layer->GetLayerDefn()->GetFieldIndex(o.id_column.c_str());
      const int fid_age = o.age_column.empty() ? -1 : layer->GetLayerDefn()->GetFieldIndex(o.age_column.c_str());
      if (!o.age_column.empty() && fid_age < 0)
        throw Error(Errc::field_missing, fmt::format("layer '{}' has no field '{}'", layer->GetName(), o.age_column), rep.file, {},
                    "check supply.age_column");
      for (std::unique_ptr<OGRFeature> f(layer->GetNextFeature()); f; f.reset(layer->GetNextFeature())) {
        ++rep.records;
        const auto where = fmt::format("feature {}", f->GetFID());
        const OGRGeometry* g = f->GetGeometryRef();
        if (!g || g->IsEmpty() || wkbFlatten(g->getGeometryType()) != wkbPoint) {
          ++rep.skipped;
          diag.add(Warn::geometry_empty, rep.file, where, "not a point: record rejected");
          continue;
        }
        const double amount = fid_amount >= 0 ? f->GetFieldAsDouble(fid_amount) : 1.0;
        pts.push_back({fid_id >= 0 ? f->GetFieldAsString(fid_id) : fmt::format("{}", f->GetFID()), amount, g->toPoint()->getX(),
                       g->toPoint()->getY(), where, fid_age >= 0 ? f->GetFieldAsDouble(fid_age) : NAN});
      }
    }
  }
  auto s = place_points(pts, src, t, o, diag, rep);
  return s;
}

}  // namespace

SupplyTable load_supply(const SupplyOptions& o, const Territory& t, const Cog& cog, Diagnostics& diag, SupplyReport& rep) {
  detail::ensure_gdal();
  rep.file = o.path.string();
  if (!fs::exists(o.path)) throw Error(Errc::io, "no such supply file", rep.file, {}, "check the path given to --supply");
  rep.format = o.format == "auto" ? detect_format(o.path) : o.format;
  if (rep.format == "counts") return load_counts(o, t, cog, diag, rep);
  if (rep.format == "rpps") return load_rpps(o, t, cog, diag, rep);
  if (rep.format == "points") return load_points(o, t, diag, rep);
  throw Error(Errc::usage, fmt::format("unknown supply format '{}'", o.format), {}, {}, "use auto, counts, rpps or points");
}

}  // namespace oasis::geodata
