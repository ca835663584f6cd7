// The output writers (writers.hpp): zones.csv, the GeoPackage with its QGIS styles, the maps, the
// report, diff.csv, sites.csv, the awards, the resolved scenario and summary.json.
#include "writers.hpp"

#include <chrono>
#include <cmath>
#include <deque>
#include <mutex>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "oasis/core/atomic_file.hpp"
#include "oasis/core/error.hpp"
#include "oasis/core/task_graph.hpp"
#include "oasis/core/version.hpp"
#include "oasis/geodata/boundaries.hpp"
#include "oasis/geodata/gpkg.hpp"
#include "oasis/geodata/xlsx.hpp"
#include "oasis/report/html.hpp"
#include "oasis/report/map.hpp"
#include "oasis/report/style.hpp"
#include "oasis/runner/columns.hpp"
#include "steps/util.hpp"

namespace oasis::runner {

namespace fs = std::filesystem;

void WriteContext::step(double fraction, std::string_view what) const {
  if (progress && !progress(fraction, what)) throw Error(Errc::cancelled, "run cancelled");
}

void WriteContext::file(const std::string& name, std::string_view content) {
  write_file_atomic(dir / name, content, true);
  written.push_back(name);
}

namespace {

/// Where each column of the zone list (zone_list_columns(), in file order) is held in a ZoneRow, and
/// how many digits the CSV gives it.
struct ZoneField {
  std::string_view name;
  std::string ZoneRow::*text = nullptr;
  double ZoneRow::*number = nullptr;
  const char* spec = "{:.6g}";
};
constexpr ZoneField kZoneFields[] = {{"code_insee", &ZoneRow::code},
                                     {"name", &ZoneRow::name},
                                     {"unit_id", &ZoneRow::unit},
                                     {"population", nullptr, &ZoneRow::population, "{:.0f}"},
                                     {"apl", nullptr, &ZoneRow::apl},
                                     {"indicator", nullptr, &ZoneRow::indicator},
                                     {"zone", &ZoneRow::zone},
                                     {"rule", &ZoneRow::rule},
                                     {"unit_indicator", nullptr, &ZoneRow::unit_indicator},
                                     {"class", &ZoneRow::cls},
                                     {"density_100k", nullptr, &ZoneRow::density_100k},
                                     {"time_nearest_gp_min", nullptr, &ZoneRow::time_gp_min, "{:.2f}"},
                                     {"time_nearest_urgences_min", nullptr, &ZoneRow::time_urgences_min, "{:.2f}"},
                                     {"time_nearest_su_min", nullptr, &ZoneRow::time_su_min, "{:.2f}"},
                                     {"x_l93", nullptr, &ZoneRow::x, "{:.1f}"},
                                     {"y_l93", nullptr, &ZoneRow::y, "{:.1f}"}};

const ZoneField& zone_field(std::string_view name) {
  for (const auto& f : kZoneFields)
    if (f.name == name) return f;
  throw Error(Errc::internal, fmt::format("zone-list column {} has no field in ZoneRow", name));
}

}  // namespace

std::string zones_csv(const std::vector<ZoneRow>& rows, bool fr) {
  const char sep = fr ? ';' : ',';
  std::string out = fr ? "\xEF\xBB\xBF" : "";
  out += fmt::format("{}\n", fmt::join(zone_list_columns(), std::string(1, sep)));
  std::vector<const ZoneField*> fields;
  for (const auto name : zone_list_columns()) fields.push_back(&zone_field(name));
  std::vector<std::string> cells(fields.size());
  for (const auto& r : rows) {
    for (std::size_t k = 0; k < fields.size(); ++k)
      cells[k] = quote(fields[k]->text ? r.*(fields[k]->text) : num_csv(r.*(fields[k]->number), fr, fields[k]->spec), sep);
    out += fmt::format("{}\n", fmt::join(cells, std::string(1, sep)));
  }
  return out;
}

std::string csvt(std::string_view layer, std::span<const std::string_view> names) {
  std::vector<std::string> types;
  for (const auto name : names) {
    const auto t = output_column(layer, name).type;
    types.emplace_back(t == ColumnType::text ? "\"String\"" : t == ColumnType::integer ? "\"Integer\"" : "\"Real\"");
  }
  return fmt::format("{}\n", fmt::join(types, ","));
}

namespace {

/// The title and description of a GeoPackage column from its declaration (a templated name such
/// as {indicators.name} gets the actual name in its title).
geodata::Column described(geodata::Column c, const ColumnDecl& d) {
  c.title = d.name.starts_with('{') ? fmt::format("{} : {}", d.title_fr, c.name) : std::string(d.title_fr);
  c.description = d.unit.empty() ? std::string(d.doc) : fmt::format("{} ({})", d.doc, d.unit);
  return c;
}
const ColumnDecl& typed(std::string_view layer, std::string_view declared, ColumnType type) {
  const auto& d = output_column(layer, declared);
  if (d.type != type)
    throw Error(Errc::internal,
                fmt::format("output column {}.{} is {}, not {}", layer, declared, column_type_name(d.type), column_type_name(type)));
  return d;
}

/// A GeoPackage column from the output schema (a name that is not declared is a bug).
geodata::Column column(std::string_view layer, std::string_view name, std::string_view declared, std::vector<double> v) {
  return described(geodata::Column::real(std::string(name), std::move(v)), typed(layer, declared, ColumnType::real));
}
geodata::Column real(std::string_view layer, std::string_view name, std::vector<double> v) {
  return column(layer, name, name, std::move(v));
}
geodata::Column text(std::string_view layer, std::string_view name, std::vector<std::string> v) {
  return described(geodata::Column::text(std::string(name), std::move(v)), typed(layer, name, ColumnType::text));
}
geodata::Column integer(std::string_view layer, std::string_view name, std::vector<std::int64_t> v) {
  return described(geodata::Column::integer(std::string(name), std::move(v)), typed(layer, name, ColumnType::integer));
}
/// A count held as doubles (populations), written as an integer column.
geodata::Column count(std::string_view layer, std::string_view name, const std::vector<double>& v) {
  std::vector<std::int64_t> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = std::isfinite(v[i]) ? std::llround(v[i]) : 0;
  return integer(layer, name, std::move(out));
}

/// The wording and classes shared by the maps, the styles and the report.
struct Looks {
  std::string who, zip_fr, vivier_fr;
  report::Classification zones, values;
  std::vector<const MultiPolygon*> shapes;
  std::vector<int> epsg;
  explicit Looks(const Products& p) {
    const auto& t = p.inputs.territory;
    const auto n = t.size();
    who = report::profession_label(p.scenario.supply.kind);
    zip_fr = report::number_fr(p.zoning.rules.zip_below);
    vivier_fr = report::number_fr(p.zoning.rules.vivier_below);
    zones = report::by_zone(p.zoning.zone_label);
    values = report::apl_classes(p.zoning.indicator, p.zoning.rules.zip_below, p.zoning.rules.vivier_below);
    shapes.resize(n);
    for (CommuneId c = 0; c < n; ++c) shapes[c] = &t.shape(c);
    epsg = t.epsg().size() == n ? t.epsg() : std::vector<int>(n, 2154);
  }
};

/// The communes the scenario's modifications name, in increasing order: the commune of each
/// [[modify.add]] and the communes of each [[modify.retire]] (one that names none changes supply
/// everywhere and marks no commune).
std::vector<std::size_t> modified_communes(const Products& p) {
  std::unordered_map<std::string_view, std::size_t> index;
  for (std::size_t c = 0; c < p.rows.size(); ++c) index.emplace(p.rows[c].code, c);
  std::set<std::size_t> out;
  const auto mark = [&](const json& code) {
    if (!code.is_string()) return;
    if (const auto it = index.find(code.get_ref<const std::string&>()); it != index.end()) out.insert(it->second);
  };
  for (const auto& m : p.inputs.modifications) {
    if (m.contains("commune")) mark(m["commune"]);
    if (m.contains("communes"))
      for (const auto& c : m["communes"]) mark(c);
  }
  return {out.begin(), out.end()};
}

std::vector<MultiPolygon> outlines_of(const Products& p) {
  return p.inputs.outlines.empty() ? std::vector<MultiPolygon>{} : geodata::read_outlines(p.inputs.outlines);
}

class ZonesCsv final : public Writer {
 public:
  std::string_view name() const override { return "zones.csv"; }
  bool wanted(const Products&) const override { return true; }
  void write(const Products& p, WriteContext& ctx) const override {
    ctx.file("zones.csv", zones_csv(p.rows, p.csv_fr));
    ctx.file("zones.csvt", csvt("communes", zone_list_columns()));  // the column types, for GDAL / QGIS
  }
};

/// The columns of the units (the GeoPackage layer and the spreadsheet's sheet).
std::vector<geodata::Column> units_columns(const Products& p) {
  const auto& s = p.scenario;
  const auto& units = p.inputs.units;
  const auto& zr = p.zoning.result;
  const auto m = units.size();
  const std::string_view U = "units";
  std::vector<geodata::Column> cols;
  std::vector<std::string> ucls(m), urule(m);
  std::vector<double> udens(m);
  std::vector<std::int64_t> ucount(m);
  for (std::size_t u = 0; u < m; ++u) {
    ucls[u] = std::string(zoning::class_name(zr.unit_class[u]));
    urule[u] = zr.unit_rule[u];
    udens[u] = zr.unit_population[u] > 0 ? p.flags.unit_supply[u] / zr.unit_population[u] * 1e5 : NAN;
    ucount[u] = static_cast<std::int64_t>(p.flags.unit_communes[u]);
  }
  cols = {text(U, "unit_id", units.code),
          text(U, "name", units.name),
          text(U, "region", zr.unit_region),
          integer(U, "communes", ucount),
          count(U, "population", zr.unit_population),
          real(U, "indicator", zr.unit_value),
          real(U, "density_100k", udens),
          text(U, "class", ucls),
          text(U, "zone", p.zoning.unit_zone_label),
          text(U, "rule", urule)};
  {  // the share of each unit's population below the access line (access.line), on the run's indicator
    const auto& t = p.inputs.territory;
    const auto& v = p.indicators.access.value;
    std::vector<double> below(m, 0.0), known(m, 0.0), share(m, NAN);
    for (CommuneId c = 0; c < t.size(); ++c)
      if (std::isfinite(v[c])) {
        known[units.unit_of[c]] += t.population()[c];
        if (v[c] < s.access.line) below[units.unit_of[c]] += t.population()[c];
      }
    for (std::size_t u = 0; u < m; ++u)
      if (known[u] > 0) share[u] = below[u] / known[u];
    cols.push_back(real(U, "share_below_line", share));
  }
  if (s.flags.deficit_2003) cols.push_back(text(U, "deficit_2003", p.flags.deficit_2003));
  if (const auto& tu = p.flags.time_urgences; !tu.empty()) {  // the population beyond the urgent-care line, per unit
    const auto& t = p.inputs.territory;
    std::vector<double> beyond(m, 0.0), share(m, NAN);
    for (CommuneId c = 0; c < t.size(); ++c)
      if (!(tu[c] <= s.flags.urgences_max_min)) beyond[units.unit_of[c]] += t.population()[c];
    for (std::size_t u = 0; u < m; ++u)
      if (zr.unit_population[u] > 0) share[u] = beyond[u] / zr.unit_population[u];
    cols.push_back(count(U, "population_beyond_urgences", beyond));
    cols.push_back(real(U, "share_beyond_urgences", share));
  }
  if (p.siting && s.siting.level == "unit") cols.push_back(real(U, "value_after_siting", p.siting->solution.after));
  return cols;
}

/// The columns of the siting's openings (the GeoPackage layer and the spreadsheet's sheet).
std::vector<geodata::Column> sites_columns(const Products& p) {
  const std::string_view S = "sites";
  std::vector<std::string> sc, sn;
  std::vector<std::int64_t> so;
  std::vector<double> sp, sa, sm;
  for (const auto& e : p.siting->sites) {
    sc.push_back(e.code);
    sn.push_back(e.name);
    sp.push_back(e.population);
    so.push_back(e.openings);
    sa.push_back(e.supply_added);
    sm.push_back(e.marginal);
  }
  return {text(S, "code_insee", sc),  text(S, "name", sn),         count(S, "population", sp),
          integer(S, "openings", so), real(S, "supply_added", sa), real(S, "marginal", sm)};
}

/// The zone list (zones.csv) as columns of the output schema, for the spreadsheet.
std::vector<geodata::Column> zone_list_columns_of(const std::vector<ZoneRow>& rows) {
  std::vector<geodata::Column> cols;
  for (const auto name : zone_list_columns()) {
    const auto& f = zone_field(name);
    if (f.text) {
      std::vector<std::string> v;
      for (const auto& r : rows) v.push_back(r.*(f.text));
      cols.push_back(text("communes", name, std::move(v)));
    } else {
      std::vector<double> v;
      for (const auto& r : rows) v.push_back(r.*(f.number));
      cols.push_back(output_column("communes", name).type == ColumnType::integer ? count("communes", name, v)
                                                                                 : real("communes", name, std::move(v)));
    }
  }
  return cols;
}

/// zones.xlsx: the zone list and the units (and the openings of a siting) with French headers, the
/// codes as text, and a sheet recording the run's inputs and versions.
class ZonesXlsx final : public Writer {
 public:
  std::string_view name() const override { return "zones.xlsx"; }
  bool wanted(const Products&) const override { return true; }
  void write(const Products& p, WriteContext& ctx) const override {
    const auto& in = p.inputs;
    std::vector<geodata::Sheet> sheets{{"Communes", zone_list_columns_of(p.rows)}, {unit_sheet_name(in.units.kind), units_columns(p)}};
    if (p.siting) sheets.push_back({"Implantations", sites_columns(p)});
    std::vector<std::string> keys{"Moteur", "Scénario", "Description", "COG", "Simulation", "Territoire", "Sources", "Données", "Offre"},
        values{std::string("oasis ") + kVersion,
               p.scenario.name,
               p.scenario.description,
               in.cog_version,
               p.summary["simulation"].get<std::string>(),
               in.wording.place,
               in.wording.sources,
               in.wording.data_line,
               p.summary["supply"]["description"].get<std::string>()};
    auto k = geodata::Column::text("key", std::move(keys)), v = geodata::Column::text("value", std::move(values));
    k.title = "Information", v.title = "Valeur";
    sheets.push_back({"Informations", {std::move(k), std::move(v)}});
    ctx.step(0.5, "writing zones.xlsx");
    geodata::write_xlsx(ctx.dir / "zones.xlsx", sheets, true);
    ctx.written.emplace_back("zones.xlsx");
  }

 private:
  static std::string unit_sheet_name(std::string_view kind) {
    if (kind == "epci") return "EPCI";
    if (kind == "tvs") return "TVS";
    if (kind == "departement") return "Départements";
    if (kind == "commune") return "Unités (communes)";
    std::string out = "Unités " + std::string(kind);
    return out.size() > 31 ? "Unités" : out;
  }
};

/// The layers of communes.gpkg (one function each) and its QGIS styles.
class GeoPackage final : public Writer {
 public:
  std::string_view name() const override { return "communes.gpkg"; }
  bool wanted(const Products& p) const override { return p.scenario.outputs.gpkg; }
  void write(const Products& p, WriteContext& ctx) const override {
    const auto& s = p.scenario;
    const auto& in = p.inputs;
    const auto& units = in.units;
    const int threads = p.travel.settings.threads;
    const Looks looks(p);
    ctx.step(0.2, "dissolving units");
    const auto shapes = geodata::dissolve(
        in.territory, units.unit_of, units.size(), threads,
        [&](double f, std::string_view st) { return !ctx.progress || ctx.progress(0.2 + 0.6 * f, st); }, in.file_cache);
    // Overseas communes and units are held in their own projections: each feature is written in
    // its layer's CRS, so that GIS software puts it in its place (QGIS reprojects on the fly).
    std::deque<std::vector<MultiPolygon>> moved;
    const auto to_layer_crs = [&](geodata::Layer& L, const std::vector<int>& epsg_of) {
      std::vector<std::size_t> idx;
      std::vector<const MultiPolygon*> src;
      std::vector<int> from;
      for (std::size_t i = 0; i < L.shapes.size(); ++i)
        if (L.shapes[i] && epsg_of[i] != L.epsg) idx.push_back(i), src.push_back(L.shapes[i]), from.push_back(epsg_of[i]);
      if (idx.empty()) return;
      moved.push_back(geodata::reproject(src, from, L.epsg, 0, 0, threads));
      for (std::size_t k = 0; k < idx.size(); ++k) L.shapes[idx[k]] = &moved.back()[k];
    };
    std::vector<int> unit_epsg(units.size(), 2154);
    for (CommuneId c = 0; c < in.territory.size(); ++c) unit_epsg[units.unit_of[c]] = looks.epsg[c];
    auto lc = communes_layer(p);
    auto lu = units_layer(p, shapes, lc.epsg);
    to_layer_crs(lc, looks.epsg);
    to_layer_crs(lu, unit_epsg);
    std::vector<geodata::Layer> layers{std::move(lc), std::move(lu)};
    if (p.siting) {
      auto [ls, site_epsg] = sites_layer(p, looks, layers[0].epsg);
      to_layer_crs(ls, site_epsg);
      layers.push_back(std::move(ls));
    }
    if (in.urgent_care) {
      auto [l, e] = urgences_layer(p, looks, layers[0].epsg);
      to_layer_crs(l, e);
      layers.push_back(std::move(l));
    }
    if (in.msp) {
      auto [l, e] = msp_layer(p, looks, layers[0].epsg);
      to_layer_crs(l, e);
      layers.push_back(std::move(l));
    }
    const auto st = styles(p, looks, layers);
    geodata::write_geopackage(ctx.dir / "communes.gpkg", layers,
                              {{"OASIS_ENGINE", std::string("oasis ") + kVersion},
                               {"OASIS_SCENARIO", s.name},
                               {"OASIS_SCENARIO_RESOLVED", s.resolved_toml},
                               {"OASIS_COG", in.cog_version},
                               {"OASIS_SIMULATION", p.summary["simulation"].get<std::string>()},
                               {"OASIS_PLACE", in.wording.place},
                               {"OASIS_SOURCES", in.wording.sources},
                               {"OASIS_DATA_LINE", in.wording.data_line},
                               {"OASIS_SUPPLY_MODEL", p.summary["supply"]["description"].get<std::string>()}},
                              true, st.rows);
    ctx.written.push_back("communes.gpkg");
    for (const auto& [file, style] :
         {std::pair{"communes-zones.qml", &st.zones}, std::pair{"communes-apl.qml", &st.apl}, std::pair{"units-zones.qml", &st.units}})
      ctx.file(file, style->qml);
    if (st.sites) ctx.file("sites.qml", st.sites->qml);
  }

 private:
  static geodata::Layer communes_layer(const Products& p) {
    const auto& s = p.scenario;
    const auto& in = p.inputs;
    const auto& t = in.territory;
    const auto& units = in.units;
    const auto n = t.size();
    geodata::Layer lc{
        "communes", "Communes of the run: indicators, unit, zone and the rule that fired", t.epsg().empty() ? 2154 : t.epsg()[0], {}, {}};
    std::vector<std::string> codes(n), unit_code(n), unit_name(n), rule(n);
    for (CommuneId c = 0; c < n; ++c) {
      lc.shapes.push_back(&t.shape(c));
      codes[c] = t.code()[c].to_string();
      unit_code[c] = units.code[units.unit_of[c]];
      unit_name[c] = units.name[units.unit_of[c]];
      rule[c] = p.rows[c].rule;
    }
    auto col_or_nan = [&](const char* name) {
      const auto* v = t.column(name);
      return v ? *v : std::vector<double>(n, NAN);
    };
    const std::string_view C = "communes";
    lc.columns = {text(C, "code_insee", codes),
                  text(C, "name", t.name()),
                  text(C, "departement", t.departement()),
                  text(C, "region", t.region()),
                  text(C, "chef_lieu", in.seat),
                  count(C, "population", t.population()),
                  real(C, "population_std", col_or_nan("population_std")),
                  text(C, "unit_id", unit_code),
                  text(C, "unit_name", unit_name),
                  real(C, "supply", in.supply),
                  real(C, "supply_before", in.supply_before),
                  real(C, "apl", p.indicators.access.value)};
    if (p.indicators.access_u65) lc.columns.push_back(real(C, "apl_u65", p.indicators.access_u65->value));
    lc.columns.push_back(real(C, "apl_official", col_or_nan("apl_official")));
    lc.columns.push_back(real(C, "apl_official_u65", col_or_nan("apl_official_u65")));
    lc.columns.push_back(real(C, "indicator", p.zoning.indicator));
    lc.columns.push_back(real(C, "unit_indicator", p.zoning.unit_indicator));
    lc.columns.push_back(real(C, "density_100k", p.indicators.density));
    for (const auto& e : p.indicators.extras) {
      lc.columns.push_back(column(C, e.name, "{indicators.name}", e.value));
      lc.columns.push_back(column(C, e.name + "_density_100k", "{indicators.name}_density_100k", e.density));
    }
    lc.columns.push_back(real(C, "time_nearest_gp_min", p.indicators.time_gp));
    const auto& time_urg = p.flags.time_urgences;
    if (!time_urg.empty()) {
      lc.columns.push_back(real(C, "time_nearest_urgences_min", time_urg));
      std::vector<std::int64_t> f(n);
      for (CommuneId c = 0; c < n; ++c) f[c] = !(time_urg[c] <= s.flags.urgences_max_min);
      lc.columns.push_back(integer(C, "flag_urgences", f));
    }
    if (!p.flags.time_su.empty()) lc.columns.push_back(real(C, "time_nearest_su_min", p.flags.time_su));
    if (!p.flags.time_msp.empty()) {
      lc.columns.push_back(real(C, "time_nearest_msp_min", p.flags.time_msp));
      std::vector<std::int64_t> m(n);
      for (CommuneId c = 0; c < n; ++c) m[c] = in.msp->amounts[c] > 0;
      lc.columns.push_back(integer(C, "msp", m));
    }
    if (s.flags.density_below > 0) {
      std::vector<std::int64_t> f(n);
      for (CommuneId c = 0; c < n; ++c) f[c] = p.indicators.density[c] < s.flags.density_below;
      lc.columns.push_back(integer(C, "flag_density", f));
    }
    if (s.flags.deficit_2003) {
      std::vector<std::string> d(n);
      for (CommuneId c = 0; c < n; ++c) d[c] = p.flags.deficit_2003[units.unit_of[c]];
      lc.columns.push_back(text(C, "deficit_2003", d));
    }
    lc.columns.push_back(text(C, "class", p.zoning.cls));
    lc.columns.push_back(text(C, "zone", p.zoning.zone_label));
    lc.columns.push_back(text(C, "rule", rule));

    if (p.siting && s.siting.level == "commune") lc.columns.push_back(real(C, "value_after_siting", p.siting->solution.after));
    return lc;
  }

  static geodata::Layer units_layer(const Products& p, const std::vector<MultiPolygon>& shapes, int epsg) {
    geodata::Layer lu{
        "units", fmt::format("Zoning units ({}): population-weighted APL, class and zone", p.inputs.units.kind), epsg, {}, {}};
    for (const auto& mp : shapes) lu.shapes.push_back(&mp);
    lu.columns = units_columns(p);
    return lu;
  }

  static std::pair<geodata::Layer, std::vector<int>> sites_layer(const Products& p, const Looks& looks, int epsg) {
    geodata::Layer ls{"sites", fmt::format("Openings chosen by the siting step ({})", p.scenario.siting.objective), epsg, {}, {}};
    std::vector<int> site_epsg;
    for (const auto& e : p.siting->sites) {
      ls.shapes.push_back(&p.inputs.territory.shape(e.commune));
      site_epsg.push_back(looks.epsg[e.commune]);
    }
    ls.columns = sites_columns(p);
    return {std::move(ls), std::move(site_epsg)};
  }

  /// The établissements of urgences.csv, each drawn as its commune (the SAE has no coordinates).
  static std::pair<geodata::Layer, std::vector<int>> urgences_layer(const Products& p, const Looks& looks, int epsg) {
    const auto& t = p.inputs.territory;
    const std::string_view S = "urgences";
    geodata::Layer l{
        "urgences", fmt::format("Emergency services of the SAE {}, at their commune", p.inputs.urgent_care->year), epsg, {}, {}};
    std::vector<std::string> fi, nm, code, cname, h24, zone;
    std::vector<std::int64_t> gen, ped, sais, smur, ant, samu;
    std::vector<double> visits;
    std::vector<int> e_epsg;
    for (const auto& e : p.inputs.urgent_care->sites) {
      l.shapes.push_back(&t.shape(e.commune));
      e_epsg.push_back(looks.epsg[e.commune]);
      fi.push_back(e.finess), nm.push_back(e.name), code.push_back(e.code), cname.push_back(t.name()[e.commune]);
      gen.push_back(e.su_general), ped.push_back(e.su_paediatric), sais.push_back(e.su_seasonal);
      smur.push_back(e.smur), ant.push_back(e.smur_antenna), samu.push_back(e.samu), visits.push_back(e.visits);
      h24.push_back(e.urgences_24h() ? "oui" : "non");
      zone.push_back(p.zoning.zone_label[e.commune]);
    }
    l.columns = {text(S, "finess", fi),
                 text(S, "etablissement", nm),
                 text(S, "commune", code),
                 text(S, "commune_name", cname),
                 integer(S, "su_general", gen),
                 integer(S, "su_paediatric", ped),
                 integer(S, "su_seasonal", sais),
                 integer(S, "smur", smur),
                 integer(S, "smur_antenna", ant),
                 integer(S, "samu", samu),
                 real(S, "visits", visits),
                 text(S, "urgences_24h", h24),
                 text(S, "zone", zone)};
    return {std::move(l), std::move(e_epsg)};
  }

  /// The communes with an MSP (flags.msp).
  static std::pair<geodata::Layer, std::vector<int>> msp_layer(const Products& p, const Looks& looks, int epsg) {
    const auto& t = p.inputs.territory;
    const std::string_view S = "msp";
    geodata::Layer l{"msp", "Communes with a maison de santé pluriprofessionnelle (flags.msp)", epsg, {}, {}};
    std::vector<std::string> code, name;
    std::vector<double> count;
    std::vector<int> e_epsg;
    for (CommuneId c = 0; c < t.size(); ++c)
      if (p.inputs.msp->amounts[c] > 0) {
        l.shapes.push_back(&t.shape(c));
        e_epsg.push_back(looks.epsg[c]);
        code.push_back(t.code()[c].to_string());
        name.push_back(t.name()[c]);
        count.push_back(p.inputs.msp->amounts[c]);
      }
    l.columns = {text(S, "code_insee", code), text(S, "name", name), real(S, "msp", count)};
    return {std::move(l), std::move(e_epsg)};
  }

  struct Styles {
    report::Style zones, apl, units;
    std::vector<geodata::LayerStyle> rows;
    std::optional<report::Style> sites;  // with [siting]
  };
  static Styles styles(const Products& p, const Looks& looks, const std::vector<geodata::Layer>& layers) {
    // Each style carries the French titles of its layer's fields (QGIS shows them as aliases).
    const auto aliased = [&](report::Style st, std::string_view layer) {
      std::vector<std::pair<std::string, std::string>> aliases;
      for (const auto& l : layers)
        if (l.name == layer)
          for (const auto& c : l.columns) aliases.emplace_back(c.name, c.title);
      report::add_field_aliases(st, aliases);
      return st;
    };
    const auto zones_style =
        aliased(report::categorized_style("communes", "zone", looks.zones, "zones", "Zonage : ZIP, ZAC, hors zonage (couleurs des cartes)"),
                "communes");
    const auto apl_style =
        aliased(report::graduated_style("communes", "indicator", looks.values, "apl",
                                        fmt::format("APL en classes 1,5 / {} / {} (couleurs des cartes)", looks.zip_fr, looks.vivier_fr)),
                "communes");
    const auto units_style = aliased(
        report::categorized_style("units", "zone", report::by_zone(p.zoning.unit_zone_label), "zones", "Zonage des unités"), "units");
    const auto row = [](std::string layer, const report::Style& st, bool def) {
      return geodata::LayerStyle{std::move(layer), st.name, st.description, st.qml, st.sld, def};
    };
    Styles out{zones_style, apl_style, units_style, {}, {}};
    out.rows = {row("communes", zones_style, true), row("communes", apl_style, false), row("units", units_style, true)};
    if (p.siting) {
      out.sites =
          aliased(report::sites_style("sites", "name", "sites", "Implantations proposées : communes cerclées de noir, nommées"), "sites");
      out.rows.push_back(row("sites", *out.sites, true));
    }
    return out;
  }
};

class Maps final : public Writer {
 public:
  std::string_view name() const override { return "maps"; }
  bool wanted(const Products& p) const override { return p.scenario.outputs.maps; }
  void write(const Products& p, WriteContext& ctx) const override {
    const auto& t = p.inputs.territory;
    const auto& w = p.inputs.wording;
    const Looks looks(p);
    ctx.step(0.85, "drawing maps");
    const auto outlines = outlines_of(p);
    std::vector<std::string> inset(t.size());
    for (CommuneId c = 0; c < t.size(); ++c) inset[c] = report::overseas_name(t.departement()[c]);
    std::error_code ec;
    fs::create_directories(ctx.dir / "maps", ec);
    if (ec) throw Error(Errc::io, fmt::format("cannot create the maps folder: {}", ec.message()), (ctx.dir / "maps").string());
    const bool official = p.inputs.official.has_value();
    const auto labels = report::seat_labels(t.name(), p.inputs.seat, t.population());
    // One after the other: cairo numbers its surfaces process-wide (the SVG's ids), so maps drawn
    // at the same time would not be byte-identical from run to run.
    const auto zones_map = [&] {
      // With [siting], the zoning map marks the proposed sites; else the communes the scenario's
      // modifications name (the new sites of [[modify.add]], the communes of [[modify.retire]]).
      std::vector<std::size_t> sites;
      if (p.siting)
        for (const auto& e : p.siting->sites) sites.push_back(e.commune);
      else
        sites = modified_communes(p);
      ctx.map_zones_png = report::draw_map({looks.shapes, &looks.zones, outlines, inset, sites,
                                            p.siting ? "implantation proposée" : "commune modifiée par le scénario", labels},
                                           {fmt::format("Zonage des {} — {}", looks.who, w.place),
                                            fmt::format("{} : unités {}, ZIP si APL < {}, vivier jusqu'à {}",
                                                        official ? "Liste officielle, simulation ailleurs" : "Simulation ARS",
                                                        p.inputs.units.kind, looks.zip_fr, looks.vivier_fr),
                                            w.sources, w.data_line},
                                           ctx.dir / "maps" / "zones", true);
    };
    const auto apl_map = [&] {
      ctx.map_apl_png = report::draw_map(
          {looks.shapes, &looks.values, outlines, inset, {}, {}, labels},
          {fmt::format("APL aux {} — {}", looks.who, w.place),
           fmt::format("Indicateur {} ; seuils 1,5 / {} (ZIP) / {} (vivier)", p.scenario.zoning.indicator, looks.zip_fr, looks.vivier_fr),
           w.sources, w.data_line},
          ctx.dir / "maps" / "apl", true);
    };
    const auto urgences_map = [&] {
      const auto& tu = p.flags.time_urgences;  // urgent care: short times blue, long red
      if (tu.empty()) return;
      auto cl = report::graduated(tu, {10, 20, 30, 45}, "Temps aux soins urgents (min)", 0);
      std::vector<report::Rgb> colours;
      for (const auto& c : cl.classes) colours.push_back(c.colour);
      for (std::size_t i = 0; i < cl.classes.size(); ++i) cl.classes[i].colour = colours[colours.size() - 1 - i];
      const auto& u = p.flags.summary.at("urgences");
      report::draw_map(
          {looks.shapes, &cl, outlines, inset, {}, {}, labels},
          {fmt::format("Temps aux soins urgents — {}", w.place),
           fmt::format("{} ; {} habitants à plus de {} minutes",
                       u.contains("sae") ? "SU générale ou SMUR (SAE " + std::to_string(p.scenario.flags.urgences_year) + ")"
                                         : "sites de flags.urgences",
                       report::number_fr(u.at("population_beyond").get<double>(), 0), report::number_fr(p.scenario.flags.urgences_max_min)),
           w.sources, w.data_line},
          ctx.dir / "maps" / "urgences", true);
    };
    // With a baseline: its zoning on the same page layout, for the report's before / after pair.
    const auto baseline_map = [&] {
      if (!p.comparison) return;
      std::unordered_map<std::string_view, std::string_view> bz;
      for (const auto& r : p.baseline) bz.emplace(r.code, r.zone);
      std::vector<std::string> zone(t.size());
      for (CommuneId c = 0; c < t.size(); ++c)
        if (const auto it = bz.find(p.rows[c].code); it != bz.end()) zone[c] = it->second;
      const auto cl = report::by_zone(zone);
      ctx.map_zones_baseline_png = report::draw_map(
          {looks.shapes, &cl, outlines, inset, {}, {}, labels},
          {fmt::format("Zonage de référence — {}", w.place),
           fmt::format("Référence : {}", p.summary.value("/comparison/baseline"_json_pointer, std::string())), w.sources, w.data_line},
          ctx.dir / "maps" / "zones-baseline", true);
    };
    zones_map();
    apl_map();
    urgences_map();
    baseline_map();
    if (p.comparison)
      for (const char* f : {"maps/zones-baseline.png", "maps/zones-baseline.svg"}) ctx.written.emplace_back(f);
    for (const char* f : {"maps/zones.png", "maps/zones.svg", "maps/apl.png", "maps/apl.svg"}) ctx.written.emplace_back(f);
    if (!p.flags.time_urgences.empty())
      for (const char* f : {"maps/urgences.png", "maps/urgences.svg"}) ctx.written.emplace_back(f);
  }
};

class Report final : public Writer {
 public:
  std::string_view name() const override { return "report.html"; }
  bool wanted(const Products& p) const override { return p.scenario.outputs.report; }
  std::vector<std::string_view> needs() const override { return {"maps"}; }
  void write(const Products& p, WriteContext& ctx) const override {
    const auto& s = p.scenario;
    const auto& t = p.inputs.territory;
    const auto& w = p.inputs.wording;
    const auto n = t.size();
    const Looks looks(p);
    ctx.step(0.88, "writing the report");
    const auto outlines = outlines_of(p);
    const bool official = p.inputs.official.has_value();
    report::ReportInput in;
    in.title = fmt::format("Accès aux {} — {}", looks.who, w.place);
    in.profession = looks.who;
    in.notice = official ? "Zonage officiel importé : les zones des communes de la liste sont celles de l'ARS."
                         : "Zonage simulé : ce n'est pas la liste officielle de l'ARS.";
    in.subtitle =
        fmt::format("Unités {}, ZIP si APL < {}, vivier jusqu'à {}. {}", p.inputs.units.kind, looks.zip_fr, looks.vivier_fr, s.description);
    in.sources = w.sources;
    in.data_line = w.data_line;
    in.engine = std::string("oasis ") + kVersion;
    in.summary = p.summary;
    {  // the page names files relative to the data folder and the working folder, never the local paths
      std::error_code ec;
      auto data = fs::weakly_canonical(p.inputs.data_dir, ec).string();
      auto cwd = fs::current_path(ec).string();
      in.private_prefixes = data.size() > cwd.size() ? std::vector<std::string>{data, cwd} : std::vector<std::string>{cwd, data};
      if (p.inputs.data_dir.is_relative() || data != p.inputs.data_dir.string()) in.private_prefixes.push_back(p.inputs.data_dir.string());
    }
    auto& rc = in.communes;
    for (CommuneId c = 0; c < n; ++c) {
      const auto& r = p.rows[c];
      rc.code.push_back(r.code);
      rc.name.push_back(r.name);
      rc.unit.push_back(p.inputs.units.name[p.inputs.units.unit_of[c]]);
      rc.zone.push_back(r.zone);
      rc.rule.push_back(r.rule);
      rc.cls.push_back(r.cls);
      rc.population.push_back(r.population);
      rc.density.push_back(p.indicators.density[c]);
      rc.time_gp.push_back(p.indicators.time_gp[c]);
    }
    rc.value = p.zoning.indicator;
    if (p.comparison) {
      std::unordered_map<std::string_view, const ZoneRow*> bz;
      for (const auto& r : p.baseline) bz.emplace(r.code, &r);
      auto& zb = rc.zone_baseline.emplace();
      auto& cb = rc.cls_baseline.emplace();
      auto& vb = rc.value_baseline.emplace();
      for (const auto& code : rc.code) {
        const auto it = bz.find(code);
        zb.push_back(it == bz.end() ? std::string() : it->second->zone);
        cb.push_back(it == bz.end() ? std::string() : it->second->cls);
        vb.push_back(it == bz.end() ? NAN : it->second->indicator);
      }
    }
    // Simplified for the page: 25 m at 1,000 communes, growing with the square root of their number
    // (33 m for a région of 1,750, 148 m for France), far below a pixel at the zoom that shows them all.
    const double tolerance = 25.0 * std::sqrt(std::max<double>(1.0, static_cast<double>(n) / 1000.0));
    const int threads = p.travel.settings.threads;
    rc.lonlat = geodata::to_lonlat(looks.shapes, looks.epsg, tolerance, threads);
    std::vector<const MultiPolygon*> outline_ptrs;
    outline_ptrs.reserve(outlines.size());
    for (const auto& o2 : outlines) outline_ptrs.push_back(&o2);
    in.outlines = geodata::to_lonlat(outline_ptrs, std::vector<int>{2154}, tolerance, threads);
    in.zones = looks.zones;
    in.values = looks.values;
    in.map_zones_png = ctx.map_zones_png;
    in.map_apl_png = ctx.map_apl_png;
    in.map_zones_baseline_png = ctx.map_zones_baseline_png;
    ctx.file("report.html", report::html_report(in));
  }
};

class DiffCsv final : public Writer {
 public:
  std::string_view name() const override { return "diff.csv"; }
  bool wanted(const Products& p) const override { return p.comparison.has_value(); }
  void write(const Products& p, WriteContext& ctx) const override {
    ctx.step(0.9, "writing");
    ctx.file("diff.csv", p.comparison->csv);
  }
};

class SitesCsv final : public Writer {
 public:
  std::string_view name() const override { return "sites.csv"; }
  bool wanted(const Products& p) const override { return p.siting.has_value(); }
  void write(const Products& p, WriteContext& ctx) const override {
    std::string csv = "code_insee,name,population,openings,supply_added,marginal\n";
    for (const auto& e : p.siting->sites)
      csv += fmt::format("{},{},{},{},{},{}\n", e.code, quote(e.name, ','), num_csv(e.population, false), e.openings,
                         num_csv(e.supply_added, false), num_csv(e.marginal, false, "{:.10g}"));
    ctx.file("sites.csv", csv);
  }
};

class SupplyCsv final : public Writer {
 public:
  std::string_view name() const override { return "supply.csv"; }
  bool wanted(const Products& p) const override { return p.indicators.calibration.has_value(); }
  void write(const Products& p, WriteContext& ctx) const override {
    const auto& cal = *p.indicators.calibration;
    const auto& in = p.inputs;
    const auto& t = in.territory;
    const auto* published = t.column("apl_official");
    std::vector<std::string_view> names;
    for (const auto& c : output_columns())
      if (c.layer == "supply") names.push_back(c.name);
    std::string csv = fmt::format("{}\n", fmt::join(names, ","));
    const double unit = p.scenario.supply.activity;
    for (CommuneId c = 0; c < t.size(); ++c) {
      const double recorded = in.recorded_sites.empty() ? NAN : in.recorded_sites[c];
      if (!(cal.headcount[c] > 0) && !(recorded > 0) && !(cal.supply[c] > 0)) continue;
      csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", t.code()[c].to_string(), quote(t.name()[c], ','), t.departement()[c],
                         num_csv(cal.headcount[c], false), num_csv(recorded, false), num_csv(cal.prior[c] * unit, false, "{:.10g}"),
                         num_csv(cal.supply[c], false, "{:.10g}"), num_csv(cal.per_gp[c], false, "{:.10g}"),
                         num_csv(published ? (*published)[c] : NAN, false), num_csv(cal.value[c], false, "{:.10g}"),
                         num_csv(cal.cv_value[c], false, "{:.10g}"));
    }
    ctx.file("supply.csv", csv);
  }
};

class UrgencesCsv final : public Writer {
 public:
  std::string_view name() const override { return "urgences.csv"; }
  bool wanted(const Products& p) const override { return p.inputs.urgent_care.has_value(); }
  void write(const Products& p, WriteContext& ctx) const override {
    const auto& t = p.inputs.territory;
    std::vector<std::string_view> names;
    for (const auto& c : output_columns())
      if (c.layer == "urgences") names.push_back(c.name);
    std::string csv = fmt::format("{}\n", fmt::join(names, ","));
    for (const auto& e : p.inputs.urgent_care->sites) {
      csv += fmt::format("{},{},{},{},{:d},{:d},{:d},{:d},{:d},{:d},{},{},{}\n", e.finess, quote(e.name, ','), e.code,
                         quote(t.name()[e.commune], ','), e.su_general, e.su_paediatric, e.su_seasonal, e.smur, e.smur_antenna, e.samu,
                         num_csv(e.visits, false, "{:.0f}"), e.urgences_24h() ? "oui" : "non", p.zoning.zone_label[e.commune]);
    }
    ctx.file("urgences.csv", csv);
  }
};

class Awards final : public Writer {
 public:
  std::string_view name() const override { return "awards"; }
  bool wanted(const Products& p) const override { return !p.grants.awards.empty(); }
  void write(const Products& p, WriteContext& ctx) const override {
    for (const auto& [file, csv] : p.grants.awards) ctx.file(file, csv);
  }
};

class ResolvedScenario final : public Writer {
 public:
  std::string_view name() const override { return "scenario.toml"; }
  bool wanted(const Products&) const override { return true; }
  void write(const Products& p, WriteContext& ctx) const override { ctx.file("scenario.toml", p.scenario.resolved_toml); }
};

}  // namespace

void run_writers(const Products& products, WriteContext& ctx, int threads) {
  std::vector<const Writer*> list;
  for (const auto& w : writers())
    if (w->wanted(products)) list.push_back(w.get());
  const auto n = list.size();
  std::vector<std::vector<std::size_t>> needs(n);
  for (std::size_t i = 0; i < n; ++i)
    for (const auto need : list[i]->needs())
      for (std::size_t k = 0; k < i; ++k)
        if (list[k]->name() == need) needs[i].push_back(k);
  std::vector<WriteContext> own(n);
  std::vector<double> seconds(n, 0);
  std::mutex progress_mutex;
  run_task_graph(
      needs,
      [&](std::size_t i, TaskControl& control) {
        own[i].dir = ctx.dir;
        own[i].progress = [&](double f, std::string_view what) {
          if (control.stop_requested()) return false;
          const std::lock_guard lock(progress_mutex);
          return !ctx.progress || ctx.progress(f, what);
        };
        for (const auto k : needs[i]) {  // what the writers it needs handed on
          if (!own[k].map_zones_png.empty()) own[i].map_zones_png = own[k].map_zones_png;
          if (!own[k].map_apl_png.empty()) own[i].map_apl_png = own[k].map_apl_png;
          if (!own[k].map_zones_baseline_png.empty()) own[i].map_zones_baseline_png = own[k].map_zones_baseline_png;
        }
        const auto t0 = std::chrono::steady_clock::now();
        list[i]->write(products, own[i]);
        seconds[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      },
      threads);
  for (std::size_t i = 0; i < n; ++i) {
    ctx.written.insert(ctx.written.end(), own[i].written.begin(), own[i].written.end());
    ctx.timings[std::string(list[i]->name())] = seconds[i];
  }
}

const std::vector<std::unique_ptr<Writer>>& writers() {
  static const auto list = [] {
    std::vector<std::unique_ptr<Writer>> w;
    w.push_back(std::make_unique<ZonesCsv>());
    w.push_back(std::make_unique<ZonesXlsx>());
    w.push_back(std::make_unique<GeoPackage>());
    w.push_back(std::make_unique<Maps>());
    w.push_back(std::make_unique<Report>());
    w.push_back(std::make_unique<DiffCsv>());
    w.push_back(std::make_unique<SitesCsv>());
    w.push_back(std::make_unique<SupplyCsv>());
    w.push_back(std::make_unique<UrgencesCsv>());
    w.push_back(std::make_unique<Awards>());
    w.push_back(std::make_unique<ResolvedScenario>());
    return w;
  }();
  return list;
}

}  // namespace oasis::runner
