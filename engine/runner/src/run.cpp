// The scenario runner: the steps of one run, each a plain function of its inputs, then the outputs
// written under temporary names and renamed into place.
#include "oasis/runner/run.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "oasis/access/methods.hpp"
#include "oasis/core/atomic_file.hpp"
#include "oasis/core/checksum.hpp"
#include "oasis/core/error.hpp"
#include "oasis/core/memory.hpp"
#include "oasis/core/version.hpp"
#include "oasis/grants/grants.hpp"
#include "oasis/report/map.hpp"
#include "oasis/geodata/boundaries.hpp"
#include "oasis/geodata/gpkg.hpp"
#include "oasis/report/html.hpp"
#include "oasis/report/style.hpp"
#include "oasis/geodata/load.hpp"
#include "oasis/geodata/travel.hpp"
#include "oasis/io/csv.hpp"
#include "oasis/siting/siting.hpp"
#include "oasis/travel/models.hpp"
#include "oasis/zoning/zoning.hpp"

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace oasis::runner {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// Numbers in JSON: finite values as they are, NaN / infinity as null.
json jnum(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string num_csv(double v, bool fr, const char* spec = "{:.6g}") {
  if (!std::isfinite(v)) return {};
  auto s = fmt::format(fmt::runtime(spec), v);
  if (fr) std::replace(s.begin(), s.end(), '.', ',');
  return s;
}

std::string quote(std::string_view s, char sep) {
  if (s.find_first_of(std::string("\"\n\r") + sep) == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

/// Scenario paths may start with "data:" to name a file inside the data directory.
fs::path data_path(const std::string& p, const fs::path& data_dir) {
  return p.starts_with("data:") ? data_dir / p.substr(5) : fs::path(p);
}

// ---- wording of the maps and the report --------------------------------------------------------

/// The place named in the titles: the scenario's `title`, else the régions and départements
/// selected, by their COG names ("France" for the whole country). Single communes are named when
/// they are the whole selection (up to three), counted otherwise.
std::string place_name(const scenario::Scenario& s, const geodata::Cog& cog) {
  if (!s.title.empty()) return s.title;
  const auto& sel = s.territory;
  if (sel.regions.empty() && sel.departements.empty() && sel.communes.empty()) return "France";
  std::vector<std::string> parts;
  for (const auto& r : sel.regions) parts.push_back(cog.region_name(r));
  for (const auto& d : sel.departements) parts.push_back(cog.departement_name(d));
  const auto n = sel.communes.size();
  if (parts.empty() && n <= 3) {
    for (const auto& code : sel.communes)
      if (const auto m = cog.match(code)) parts.push_back(cog.communes()[m->index].name);
    return fmt::format("{}", fmt::join(parts, ", "));
  }
  if (parts.size() > 3) return s.name;  // a long list reads badly in a title: `title` names it
  auto out = fmt::format("{}", fmt::join(parts, ", "));
  if (n) out += fmt::format(" et {} commune{}", n, n > 1 ? "s" : "");
  return out;
}

/// A data file for the sources line: `known` when it is the published file of that name (the
/// data directory's default), else the file's own name.
std::string source_of(const fs::path& file, std::string_view published_name, std::string_view known) {
  return file.filename() == published_name ? std::string(known) : file.filename().string();
}

// ---- territory -------------------------------------------------------------------------------

struct Selection {
  Territory territory;
  geodata::LoadedTerritory loaded;  // territory moved out; reports kept
  std::vector<std::string> excluded;
};

CommuneId require_commune(const Territory& t, const geodata::Cog& cog, const std::string& code, std::string_view key,
                          const std::string& where) {
  CommuneId id = 0;
  const auto p = geodata::place(code, t, cog, id);
  if (p != geodata::Place::inside)
    throw Error(Errc::code_unknown, fmt::format("{}: commune {} is not in the territory of the run", key, code), where, {},
                p == geodata::Place::outside ? "add its région / département to [territory], or drop it" : "use a code of the current COG");
  return id;
}

Selection select_territory(const scenario::Scenario& s, geodata::TerritoryOptions o, const geodata::Cog& cog, Diagnostics& diag) {
  std::set<std::string> single;
  for (const auto& code : s.territory.communes) {
    const auto m = cog.match(code);
    if (!m)
      throw Error(Errc::code_unknown, fmt::format("territory.communes: {} is not a commune of {}", code, cog.version()),
                  s.file.string(), {}, "use a code of the current COG");
    const auto& cc = cog.communes()[m->index];
    single.insert(cc.code);
    o.departements.insert(cc.departement);
  }
  o.regions.insert(s.territory.regions.begin(), s.territory.regions.end());
  const std::set<std::string> regions(s.territory.regions.begin(), s.territory.regions.end());
  const std::set<std::string> deps(s.territory.departements.begin(), s.territory.departements.end());
  o.departements.insert(deps.begin(), deps.end());
  Selection sel;
  sel.loaded = geodata::load_territory(o, cog, diag);
  const auto& t = sel.loaded.territory;
  std::set<CommuneId> drop;
  for (const auto& code : s.territory.exclude) {
    const auto id = require_commune(t, cog, code, "territory.exclude", s.file.string());
    drop.insert(id);
    sel.excluded.push_back(t.code()[id].to_string());
  }
  std::vector<CommuneId> keep;
  for (CommuneId c = 0; c < t.size(); ++c) {
    if (drop.count(c)) continue;
    const bool wanted = (regions.empty() && deps.empty() && single.empty()) || regions.count(t.region()[c]) ||
                        deps.count(t.departement()[c]) || single.count(t.code()[c].to_string());
    if (wanted) keep.push_back(c);
  }
  if (keep.empty()) throw Error(Errc::territory_empty, "the scenario's territory holds no commune once exclusions are applied", s.file.string());
  sel.territory = keep.size() == t.size() ? std::move(sel.loaded.territory) : t.subset(keep);
  return sel;
}

// ---- modifications -----------------------------------------------------------------------------

/// Uniform in [0, 1) from 53 random bits: the same draw on every platform (unlike std distributions).
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

json apply_modifications(const scenario::Scenario& s, SupplyTable& table, const Territory& t, const geodata::Cog& cog,
                         Diagnostics& diag) {
  json log = json::array();
  for (const auto& m : s.retire) {
    std::set<CommuneId> where;
    for (const auto& code : m.communes) where.insert(require_commune(t, cog, code, "modify.retire.communes", m.where));
    auto in_scope = [&](std::size_t i) { return where.empty() || where.count(table.commune[i]); };
    double removed = 0;
    std::size_t records = 0;
    json entry = {{"type", "retire"}, {"label", m.label}, {"where", m.where}};
    if (m.age_min) {
      if (!table.has_age())
        throw Error(Errc::field_missing, "[[modify.retire]] age_min needs the practitioners' ages, and the supply has none", m.where, {},
                    "use a points supply file with an age column and set supply.age_column (the RPPS counts have no age)");
      entry["age_min"] = *m.age_min;
      for (std::size_t i = 0; i < table.size(); ++i)
        if (in_scope(i) && table.age[i] >= *m.age_min && table.amount[i] > 0) removed += table.amount[i], table.amount[i] = 0, ++records;
    } else if (!m.ids.empty()) {
      std::set<std::string> ids(m.ids.begin(), m.ids.end()), found;
      for (std::size_t i = 0; i < table.size(); ++i)
        if (in_scope(i) && ids.count(table.id[i])) {
          found.insert(table.id[i]);
          removed += table.amount[i], table.amount[i] = 0, ++records;
        }
      std::size_t unmatched = 0;
      for (const auto& id : ids)
        if (!found.count(id)) {
          ++unmatched;
          diag.add(Warn::code_unmatched, m.where, "modify.retire.ids", fmt::format("'{}' matches no supply record of the territory", id));
        }
      entry["ids"] = ids.size();
      entry["ids_unmatched"] = unmatched;
    } else {
      // Each whole unit of supply (one GP; the last, fractional one counts for what it is) leaves
      // with probability `share`, drawn in the supply file's order.
      std::mt19937_64 rng(m.seed);
      for (std::size_t i = 0; i < table.size(); ++i) {
        if (!in_scope(i)) continue;
        double gone = 0;
        for (double k = 0; k < table.amount[i]; k += 1.0)
          if (uniform01(rng) < *m.share) gone += std::min(1.0, table.amount[i] - k);
        if (gone > 0) table.amount[i] -= gone, removed += gone, ++records;
      }
      entry["share"] = *m.share;
      entry["seed"] = m.seed;
    }
    entry["supply_removed"] = removed;
    entry["records_changed"] = records;
    log.push_back(std::move(entry));
  }
  for (std::size_t k = 0; k < s.add.size(); ++k) {
    const auto& a = s.add[k];
    const auto c = require_commune(t, cog, a.commune, "modify.add.commune", a.where);
    table.add(c, a.amount, a.label.empty() ? fmt::format("added-{}", k + 1) : a.label);
    if (!table.age.empty()) table.age.push_back(NAN);  // age unknown: counted in the under-65 variant
    log.push_back({{"type", "add"}, {"label", a.label}, {"kind", a.kind}, {"commune", t.code()[c].to_string()},
                   {"nom", t.name()[c]}, {"supply_added", a.amount}, {"where", a.where}});
  }
  return log;
}

// ---- units and official lists ------------------------------------------------------------------

zoning::UnitMapping units_of(const scenario::Scenario& s, const Territory& t, const geodata::Cog& cog) {
  const auto n = t.size();
  std::vector<std::string> keys(n), names(n);
  const auto& kind = s.zoning.units;
  if (kind == "commune" || kind == "epci" || kind == "departement") {
    for (CommuneId c = 0; c < n; ++c) {
      if (kind == "epci" && !t.epci()[c].empty()) {
        keys[c] = t.epci()[c];
        names[c] = cog.epci_name(keys[c]);
      } else if (kind == "departement") {
        keys[c] = t.departement()[c];
        names[c] = cog.departement_name(keys[c]);
      } else {  // the commune itself (also communes of no EPCI: the islands without one)
        keys[c] = t.code()[c].to_string();
        names[c] = t.name()[c];
      }
    }
    return zoning::UnitMapping::from_keys(keys, names, kind);
  }
  const io::CsvFile csv(s.zoning.units_file);
  const auto c_code = csv.require({"code_insee", "code_commune", "codgeo", "commune", "code"}, "the commune code");
  const auto c_unit = csv.require({"unit_id", "unit", "tvs", "code_tvs", "unite"}, "the unit code");
  const auto c_name = csv.column({"unit_name", "nom_unit", "libelle_tvs", "nom_tvs", "nom"});
  std::vector<char> seen(n, 0);
  csv.for_each([&](const io::CsvRecord& r) {
    const auto code = CodeInsee::from(r.fields[c_code], s.zoning.units_file, csv.where(r));
    CommuneId id = 0;
    if (geodata::place(code.str(), t, cog, id) != geodata::Place::inside) return;  // outside the run, or unknown to the COG
    const std::string unit(io::trim(r.fields[c_unit]));
    if (unit.empty())
      throw Error(Errc::value_invalid, fmt::format("commune {} has an empty unit code", code.str()), s.zoning.units_file, csv.where(r),
                  "give every commune its unit");
    if (seen[id] && keys[id] != unit)
      throw Error(Errc::code_duplicate, fmt::format("commune {} is given two units: {} and {}", code.str(), keys[id], unit),
                  s.zoning.units_file, csv.where(r), "each commune belongs to exactly one unit");
    seen[id] = 1;
    keys[id] = unit;
    if (c_name) names[id] = std::string(io::trim(r.fields[*c_name]));
  });
  std::vector<std::string> missing;
  for (CommuneId c = 0; c < n; ++c)
    if (!seen[c]) missing.push_back(t.code()[c].to_string());
  if (!missing.empty())
    throw Error(Errc::code_unknown,
                fmt::format("{} communes of the territory have no unit, e.g. {}", missing.size(),
                            fmt::join(missing.begin(), missing.begin() + static_cast<long>(std::min<std::size_t>(5, missing.size())), ", ")),
                s.zoning.units_file, {}, "add a line per commune (current COG codes; former codes are folded)");
  return zoning::UnitMapping::from_keys(keys, names, "file");
}

zoning::Official read_official(const scenario::Scenario& s, const Territory& t, const geodata::Cog& cog,
                               const zoning::UnitMapping& units, Diagnostics& diag, json& report) {
  zoning::Official o;
  o.zone.assign(t.size(), std::nullopt);
  o.missing_outside = s.zoning.official_missing == "outside";
  o.source = s.zoning.official;
  const io::CsvFile csv(s.zoning.official);
  const auto c_code = csv.require({"code_insee", "code", "codgeo", "code_commune", "unit_id", "tvs", "code_tvs"}, "the commune or unit code");
  const auto c_zone = csv.require({"zone", "zonage", "classement", "zone_medecins", "zonage_medecins"}, "the zone (ZIP, ZAC, HZ)");
  std::map<std::string, std::uint32_t> unit_index;
  for (std::uint32_t u = 0; u < units.size(); ++u) unit_index.emplace(units.code[u], u);
  std::vector<std::vector<CommuneId>> members(units.size());
  for (CommuneId c = 0; c < t.size(); ++c) members[units.unit_of[c]].push_back(c);
  std::size_t records = 0, by_commune = 0, by_unit = 0, unmatched = 0;
  csv.for_each([&](const io::CsvRecord& r) {
    ++records;
    const std::string code(io::trim(r.fields[c_code]));
    const auto zone = zoning::parse_zone(r.fields[c_zone]);
    if (!zone)
      throw Error(Errc::value_invalid, fmt::format("zone '{}' of {} is not ZIP, ZAC or hors-zonage", r.fields[c_zone], code),
                  s.zoning.official, csv.where(r), "write ZIP, ZAC or HZ");
    std::vector<CommuneId> targets;
    CommuneId id = 0;
    const auto where = code.size() == 5 ? geodata::place(code, t, cog, id) : geodata::Place::unmatched;
    if (where == geodata::Place::inside) {
      targets.push_back(id), ++by_commune;
    } else if (where == geodata::Place::outside) {
      return;  // a commune outside the territory
    } else if (const auto it = unit_index.find(code); it != unit_index.end()) {
      targets = members[it->second];
      ++by_unit;
    } else {
      ++unmatched;
      diag.add(Warn::code_unmatched, s.zoning.official, csv.where(r), fmt::format("'{}' is neither a commune nor a unit of the run", code));
      return;
    }
    for (auto c : targets) {
      if (o.zone[c] && *o.zone[c] != *zone)
        throw Error(Errc::code_duplicate, fmt::format("commune {} is given two zones", t.code()[c].str()), s.zoning.official,
                    csv.where(r), "one zone per commune (or per unit)");
      o.zone[c] = zone;
    }
  });
  report = {{"file", s.zoning.official}, {"sha256", sha256_file(s.zoning.official)}, {"records", records},
            {"by_commune", by_commune}, {"by_unit", by_unit}, {"unmatched", unmatched},
            {"communes_absent", o.missing_outside ? "hors-zonage" : "simulated class kept"}};
  return o;
}

// ---- summaries ---------------------------------------------------------------------------------

json files_json(const std::vector<fs::path>& files) {
  json out = json::array();
  for (const auto& f : files) out.push_back({{"file", f.string()}, {"sha256", sha256_file(f)}});
  return out;
}

std::vector<fs::path> data_files(const fs::path& p) {
  std::vector<fs::path> out;
  if (fs::is_directory(p)) {
    for (const auto& e : fs::directory_iterator(p))
      if (e.is_regular_file()) out.push_back(e.path());
    std::sort(out.begin(), out.end());
  } else if (fs::exists(p)) {
    out.push_back(p);
  }
  return out;
}

json population_by(std::span<const std::string> labels, std::span<const double> population) {
  std::map<std::string, std::pair<std::size_t, double>> acc;
  double total = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    auto& a = acc[labels[i]];
    ++a.first;
    a.second += population[i];
    total += population[i];
  }
  json out = json::object();
  for (const auto& [k, v] : acc)
    out[k] = {{"communes", v.first}, {"population", v.second}, {"share", total > 0 ? v.second / total : 0.0}};
  return out;
}

// The columns of zones.csv, which are also what the grant calculators read from a run.
const std::vector<std::string> kZoneColumns{"code_insee", "nom", "unit_id", "population", "apl", "zone", "rule", "unit_apl", "class",
                                            "density_100k", "time_nearest_gp_min", "time_nearest_urgences_min", "x_l93", "y_l93"};

std::vector<std::string> zone_cells(const ZoneRow& r, bool fr) {
  return {r.code, r.name, r.unit, num_csv(r.population, fr, "{:.0f}"), num_csv(r.apl, fr), r.zone, r.rule, num_csv(r.unit_apl, fr), r.cls,
          num_csv(r.density_100k, fr), num_csv(r.time_gp_min, fr, "{:.2f}"), num_csv(r.time_urgences_min, fr, "{:.2f}"),
          num_csv(r.x, fr, "{:.1f}"), num_csv(r.y, fr, "{:.1f}")};
}

std::string zones_csv(const std::vector<ZoneRow>& rows, bool fr) {
  const char sep = fr ? ';' : ',';
  std::string out = fr ? "\xEF\xBB\xBF" : "";
  out += fmt::format("{}\n", fmt::join(kZoneColumns, std::string(1, sep)));
  for (const auto& r : rows) {
    auto cells = zone_cells(r, fr);
    for (auto& c : cells) c = quote(c, sep);
    out += fmt::format("{}\n", fmt::join(cells, std::string(1, sep)));
  }
  return out;
}

/// The zone list as the grant calculators read it.
grants::CommuneTable zone_table(const std::vector<ZoneRow>& rows, std::string source) {
  std::vector<std::pair<std::string, std::vector<std::string>>> cells;
  cells.reserve(rows.size());
  for (const auto& r : rows) cells.emplace_back(r.code, zone_cells(r, false));
  return grants::CommuneTable::from_rows(std::move(source), kZoneColumns, std::move(cells));
}

}  // namespace

std::vector<std::string> output_names() {
  return {"zones.csv",      "communes.gpkg",  "communes-zones.qml", "communes-apl.qml", "units-zones.qml", "report.html",
          "maps/zones.png", "maps/zones.svg", "maps/apl.png",       "maps/apl.svg",     "diff.csv",        "sites.csv",
          "scenario.toml",  "timings.json",   "summary.json"};
}

namespace {
RunResult run_impl(const scenario::Scenario& s, const RunOptions& opt, Diagnostics& diag);
}

RunResult run(const scenario::Scenario& s, const RunOptions& opt, Diagnostics& diag) {
  // A run that fails leaves no trace: an output folder it created is removed if still empty.
  const bool fresh = !opt.out_dir.empty() && !fs::exists(opt.out_dir);
  try {
    return run_impl(s, opt, diag);
  } catch (...) {
    std::error_code ec;
    if (fresh && fs::is_directory(opt.out_dir, ec) && fs::is_empty(opt.out_dir, ec)) fs::remove(opt.out_dir, ec);
    throw;
  }
}

namespace {
RunResult run_impl(const scenario::Scenario& s, const RunOptions& opt, Diagnostics& diag) {
  const auto t0 = Clock::now();
  RunResult out;
  const bool write = !opt.out_dir.empty();
  const bool csv_fr = opt.csv_fr.value_or(s.outputs.csv_fr);
  if (write) {
    for (const auto& name : output_names())
      if (fs::exists(opt.out_dir / name) && !opt.overwrite)
        throw Error(Errc::exists, fmt::format("{} holds the outputs of a previous run ({})", opt.out_dir.string(), name),
                    (opt.out_dir / name).string(), {}, "pass --overwrite to replace them, or choose another folder");
    std::error_code ec;
    fs::create_directories(opt.out_dir, ec);
    if (ec) throw Error(Errc::io, fmt::format("cannot create the output folder: {}", ec.message()), opt.out_dir.string());
  }
  const SubProgress p_load(opt.progress, 0.0, 0.3), p_travel(opt.progress, 0.32, 0.85), p_units(opt.progress, 0.87, 0.95);
  auto step = [&](const SubProgress& sp, double f, std::string_view what) {
    if (!sp(f, what)) throw Error(Errc::cancelled, "run cancelled");
  };
  json timings = json::object();

  // 1. Territory.
  auto ts = Clock::now();
  geodata::TerritoryOptions o;
  o.data_dir = geodata::resolve_data_dir(!opt.data_dir.empty() ? opt.data_dir : s.data.dir);
  o.cog_dir = geodata::resolve_cog_dir(!opt.cog_dir.empty() ? opt.cog_dir : s.data.cog);
  if (!s.data.communes.empty()) o.communes = data_path(s.data.communes, o.data_dir);
  if (!s.data.apl.empty()) o.apl = data_path(s.data.apl, o.data_dir);
  o.threads = opt.threads.value_or(s.travel.threads);
  o.progress = [&](double f, std::string_view st) { return p_load(f, st); };
  const auto cog = geodata::Cog::load(o.cog_dir);
  auto sel = select_territory(s, o, cog, diag);
  std::optional<geodata::AttributeReport> ages;
  if (!s.data.age_bands.empty()) ages = geodata::attach_age_bands(sel.territory, data_path(s.data.age_bands, o.data_dir), cog, s.access.age_weights, diag);
  const Territory& t = sel.territory;
  const auto n = t.size();
  timings["territory"] = since(ts);

  // 2. Supply and modifications.
  ts = Clock::now();
  geodata::SupplyOptions so;
  so.path = s.supply.file.empty() ? o.data_dir / "practitioners" / "rpps2026_gp_counts_communes.csv" : data_path(s.supply.file, o.data_dir);
  so.format = s.supply.format;
  so.column = s.supply.column;
  so.x_column = s.supply.x_column;
  so.y_column = s.supply.y_column;
  so.id_column = s.supply.id_column;
  so.amount_column = s.supply.amount_column;
  so.age_column = s.supply.age_column;
  so.points_epsg = s.supply.epsg;
  geodata::SupplyReport srep;
  auto table = geodata::load_supply(so, t, cog, diag, srep);
  const auto supply_before = table.per_commune(n);
  const auto modifications = apply_modifications(s, table, t, cog, diag);
  const auto supply = table.per_commune(n);
  timings["supply"] = since(ts);

  // 3. Travel: the cutoff covers what the flags need (urgent care, the 2003 rule's 40 minutes).
  ts = Clock::now();
  travel::TravelSettings tset;
  tset = travel::settings_from({s.travel.model, s.travel.cutoff_min, s.travel.intra_min, s.travel.detour, s.travel.speed_kmh,
                                 s.travel.urban_speed_kmh, s.travel.urban_density, s.travel.osm, s.travel.table,
                                 opt.threads.value_or(s.travel.threads)});
  if (!s.flags.urgences.empty()) tset.cutoff_min = std::max(tset.cutoff_min, s.flags.urgences_max_min);
  if (s.flags.deficit_2003) tset.cutoff_min = std::max(tset.cutoff_min, 40.0);
  const auto tr = geodata::build_travel(t, tset, diag, [&](double f, std::string_view st) { return p_travel(f, st); });
  timings["travel"] = since(ts);

  // 4. Accessibility.
  ts = Clock::now();
  access::AccessParams ap;
  ap.method = access::parse_method(s.access.method);
  ap.max_cost = s.access.max_cost > 0 ? s.access.max_cost : std::numeric_limits<double>::infinity();
  ap.decay = s.access.decay.empty() ? access::default_decay(ap.method, ap.max_cost) : access::Decay::parse(s.access.decay);
  ap.n = s.access.n;
  const bool apl = ap.method == access::Method::apl;
  const double activity = apl ? s.supply.activity : 1.0;
  auto scaled = [&](std::vector<double> v) {
    for (auto& x : v) x *= activity;
    return v;
  };
  std::vector<double> demand = t.population();
  std::string demand_field = "population (legal, COG)";
  if (apl)
    if (const auto* std_pop = t.column("population_std")) {
      for (CommuneId c = 0; c < n; ++c)
        if (std::isfinite((*std_pop)[c])) demand[c] = (*std_pop)[c];
      demand_field = ages ? fmt::format("population_std (INSEE population by age x DREES {} weights; legal population where missing)",
                                        s.access.age_weights)
                          : "population_std (DREES pop_standardisee; legal population where missing)";
    }
  const auto res = access::compute_access(ap, tr.od, demand, scaled(supply), t.population());
  std::optional<access::AccessResult> res_u65;
  if (table.has_age()) {
    SupplyTable young = table;
    for (std::size_t i = 0; i < young.size(); ++i)
      if (young.age[i] >= 65) young.amount[i] = 0;
    res_u65 = access::compute_access(ap, tr.od, demand, scaled(young.per_commune(n)), t.population());
  }
  const auto density = access::density_per_100k(supply, t.population());
  const auto time_gp = travel::time_to_nearest(tr.od, supply, 1);

  // 4b. More indicators on other supply types, over the same OD.
  struct Extra {
    std::string name;
    std::vector<double> value, density;
    json summary;
  };
  std::vector<Extra> extras;
  for (const auto& ind : s.indicators) {
    geodata::SupplyOptions eo;
    eo.path = ind.file.empty() ? so.path : data_path(ind.file, o.data_dir);
    eo.format = ind.format;
    eo.column = ind.column;
    geodata::SupplyReport erep;
    const auto amounts = geodata::load_supply(eo, t, cog, diag, erep).per_commune(n);
    access::AccessParams ep;
    ep.method = access::parse_method(ind.method);
    ep.max_cost = ind.max_cost > 0 ? ind.max_cost : std::numeric_limits<double>::infinity();
    ep.decay = ind.decay.empty() ? access::default_decay(ep.method, ep.max_cost) : access::Decay::parse(ind.decay);
    ep.n = 1;
    std::vector<double> edemand = ind.demand == "population_std" ? demand : t.population();
    std::vector<double> esupply = amounts;
    for (auto& x : esupply) x *= ind.activity;
    const auto er = access::compute_access(ep, tr.od, edemand, esupply, t.population());
    const auto eq = access::inequality(er.value, edemand, s.access.line);
    Extra e{ind.name, er.value, access::density_per_100k(amounts, t.population()), {}};
    e.summary = {{"method", access::method_name(ep.method)}, {"decay", ep.decay.spec()}, {"file", erep.file},
                 {"sha256", sha256_file(erep.file)}, {"format", erep.format}, {"column", ind.column},
                 {"supply_total", std::accumulate(amounts.begin(), amounts.end(), 0.0)}, {"activity", ind.activity},
                 {"demand", ind.demand}, {"weighted_mean", eq.weighted_mean}, {"gini", eq.gini}, {"palma", jnum(eq.palma)},
                 {"supply_without_demand", er.supply_without_demand}};
    extras.push_back(std::move(e));
  }
  timings["access"] = since(ts);

  // 5. Zoning.
  ts = Clock::now();
  std::vector<double> indicator;
  const auto& ind = s.zoning.indicator;
  if (ind == "apl") indicator = res.value;
  else if (ind == "apl_u65") {
    if (!res_u65)
      throw Error(Errc::field_missing, "zoning.indicator = \"apl_u65\" needs the practitioners' ages", s.file.string(), {},
                  "set supply.age_column on a points supply, or zone on \"apl\" / \"apl_official_u65\"");
    indicator = res_u65->value;
  } else {
    const auto* col = t.column(ind == "apl_official" ? "apl_official" : "apl_official_u65");
    if (!col)
      throw Error(Errc::field_missing, fmt::format("zoning.indicator = \"{}\" needs the DREES APL file", ind), s.file.string(), {},
                  "check data.apl (default <data>/apl/drees_apl_mg_2022_communes.csv)");
    indicator = *col;
  }
  const auto units = units_of(s, t, cog);
  zoning::Rules rules;
  rules.zip_below = s.zoning.zip_below;
  rules.vivier_below = s.zoning.vivier_below;
  rules.skip_too_large = s.zoning.fill == "skip";
  for (const auto& [k, c] : s.zoning.caps) rules.caps[k] = {c.zip, c.zac};
  json official_report;
  std::optional<zoning::Official> official;
  if (!s.zoning.official.empty()) official = read_official(s, t, cog, units, diag, official_report);
  const auto zr = zoning::classify(indicator, t.population(), t.region(), units, rules, official ? &*official : nullptr);
  step(p_units, 0.1, "zoning");

  // 6. Flags.
  std::vector<double> time_urg;
  std::size_t flagged_urg = 0, flagged_density = 0;
  json flags = json::object();
  if (!s.flags.urgences.empty()) {
    geodata::SupplyOptions uo;
    uo.path = data_path(s.flags.urgences, o.data_dir);
    uo.format = s.flags.urgences_format;
    uo.column = s.flags.urgences_column;
    geodata::SupplyReport urep;
    const auto sites = geodata::load_supply(uo, t, cog, diag, urep).per_commune(n);
    time_urg = travel::time_to_nearest(tr.od, sites, 1);
    const auto beyond = travel::population_beyond(time_urg, t.population(), s.flags.urgences_max_min);
    for (CommuneId c = 0; c < n; ++c) flagged_urg += !(time_urg[c] <= s.flags.urgences_max_min);
    flags["urgences"] = {{"file", urep.file}, {"sha256", sha256_file(urep.file)}, {"sites", std::accumulate(sites.begin(), sites.end(), 0.0)},
                         {"max_min", s.flags.urgences_max_min}, {"communes_beyond", flagged_urg},
                         {"population_beyond", beyond.population}, {"share_beyond", beyond.share}};
  }
  if (s.flags.density_below > 0) {
    double pop = 0;
    for (CommuneId c = 0; c < n; ++c)
      if (density[c] < s.flags.density_below) ++flagged_density, pop += t.population()[c];
    flags["density"] = {{"below", s.flags.density_below}, {"field", fmt::format("{} per 100,000 inhabitants", s.supply.kind)},
                        {"communes", flagged_density}, {"population", pop}};
  }
  const auto m = units.size();
  std::vector<double> unit_supply(m, 0.0), unit_time_w(m, 0.0);
  std::vector<std::size_t> unit_communes(m, 0);
  for (CommuneId c = 0; c < n; ++c) {
    const auto u = units.unit_of[c];
    unit_supply[u] += supply[c];
    ++unit_communes[u];
    // Unreachable within the cutoff (>= 40 minutes when the rule is on) counts at the cutoff.
    unit_time_w[u] += t.population()[c] * (std::isfinite(time_gp[c]) ? time_gp[c] : tr.od.cutoff_min);
  }
  std::vector<std::string> deficit(m);
  if (s.flags.deficit_2003) {
    std::map<std::string, std::size_t> counts;
    for (std::size_t u = 0; u < m; ++u) {
      zoning::Deficit2003Input in;
      in.population = zr.unit_population[u];
      if (in.population > 0) {
        in.far_from_gp = unit_time_w[u] / in.population >= 40.0;
        in.few_gps = unit_supply[u] / in.population * 5000.0 < 3.0;
      }
      deficit[u] = std::string(zoning::tri_name(zoning::deficit_2003(in)));
      ++counts[deficit[u]];
    }
    json c = json::object();
    for (const auto& [k, v] : counts) c[k] = v;
    flags["deficit_2003"] = {{"units", c},
                             {"known_conditions", "1 (population-weighted mean time to the nearest GP >= 40 min) and 2 "
                                                  "(< 3 GPs per 5,000 inhabitants, headcount as full-time)"},
                             {"unknown_conditions", "3 (GP activity) and 4 (age, social criteria): no public data in the run"}};
  }
  timings["zoning"] = since(ts);

  // 6b. Siting: where k openings of supply_per_site help the zones most. Opening ΔS at commune j
  // raises A_i by ΔS·W(t_ij) / D_j, D_j = Σ_k P̃_k W(t_kj) (floating-catchment methods).
  struct SitingOut {
    siting::AccessSolution sol;
    std::vector<CommuneId> cand;
    json summary;
  };
  std::optional<SitingOut> sit;
  if (s.siting.sites > 0) {
    ts = Clock::now();
    if (ap.method != access::Method::apl && ap.method != access::Method::two_sfca && ap.method != access::Method::e2sfca)
      throw Error(Errc::scenario_value, fmt::format("[siting] needs access.method = apl, 2sfca or e2sfca (not {})", access::method_name(ap.method)),
                  s.file.string(), {}, "the effect of an opening is additive only for these methods");
    SitingOut so_;
    if (s.siting.candidates.empty()) {
      so_.cand.resize(n);
      std::iota(so_.cand.begin(), so_.cand.end(), CommuneId{0});
    } else {
      for (const auto& code : s.siting.candidates) so_.cand.push_back(require_commune(t, cog, code, "siting.candidates", s.file.string()));
    }
    const bool by_unit = s.siting.level == "unit";
    const auto cols = tr.od.transposed();
    const double delta_s = s.siting.supply_per_site * activity;
    siting::AccessInstance ai;
    ai.line = s.zoning.zip_below;
    if (by_unit) {
      ai.base = zr.unit_value;
      ai.population = zr.unit_population;
    } else {
      ai.base = indicator;
      ai.population = t.population();
    }
    for (auto& b : ai.base)
      if (!std::isfinite(b)) b = 0;  // a zone without a value counts as 0
    ai.effect.resize(so_.cand.size());
    std::vector<double> acc(by_unit ? m : n, 0.0);
    std::vector<std::uint32_t> touched;
    for (std::size_t q = 0; q < so_.cand.size(); ++q) {
      const auto j = so_.cand[q];
      const auto is = cols.destinations(j);
      const auto ts_ = cols.times(j);
      double dj = 0;
      for (std::size_t k = 0; k < is.size(); ++k)
        if (ts_[k] <= ap.max_cost) dj += demand[is[k]] * ap.decay(ts_[k]);
      if (!(dj > 0)) continue;
      touched.clear();
      for (std::size_t k = 0; k < is.size(); ++k) {
        if (ts_[k] > ap.max_cost) continue;
        const double da = delta_s * ap.decay(ts_[k]) / dj;
        if (da <= 0) continue;
        const auto z = by_unit ? units.unit_of[is[k]] : is[k];
        const double add = by_unit ? (zr.unit_population[z] > 0 ? t.population()[is[k]] * da / zr.unit_population[z] : 0.0) : da;
        if (acc[z] == 0) touched.push_back(z);
        acc[z] += add;
      }
      std::sort(touched.begin(), touched.end());
      for (auto z : touched) {
        if (acc[z] > 0) ai.effect[q].emplace_back(z, acc[z]);
        acc[z] = 0;
      }
    }
    siting::AccessOptions sopt;
    sopt.objective = siting::parse_access_objective(s.siting.objective);
    sopt.k = s.siting.sites;
    sopt.repeat = s.siting.repeat;
    sopt.seed = s.siting.seed;
    so_.sol = siting::solve_access(ai, sopt);
    json sites = json::array();
    std::map<std::uint32_t, std::pair<int, double>> per;  // candidate -> openings, marginal
    for (std::size_t q = 0; q < so_.sol.open.size(); ++q) {
      auto& e = per[so_.sol.open[q]];
      ++e.first;
      e.second += so_.sol.marginal[q];
    }
    for (const auto& [q, e] : per) {
      const auto c = so_.cand[q];
      sites.push_back({{"code_insee", t.code()[c].to_string()}, {"nom", t.name()[c]}, {"openings", e.first},
                       {"supply_added", e.first * s.siting.supply_per_site}, {"marginal", e.second}});
    }
    so_.summary = {{"objective_kind", s.siting.objective}, {"level", s.siting.level}, {"openings", s.siting.sites},
                   {"supply_per_site", s.siting.supply_per_site}, {"line", ai.line}, {"candidates", so_.cand.size()},
                   {"before", so_.sol.before}, {"objective", so_.sol.objective}, {"bound", so_.sol.bound}, {"gap", so_.sol.gap},
                   {"improvements", so_.sol.improvements}, {"sites", sites},
                   {"note", "marginal = objective lost if that commune's openings alone were removed; zones.csv keeps the scenario's zoning without the openings"}};
    sit = std::move(so_);
    timings["siting"] = since(ts);
  }

  // 7. Rows, summaries.
  out.zones.reserve(n);
  std::vector<double> unit_apl(n);
  std::vector<std::string> cls(n);
  for (CommuneId c = 0; c < n; ++c) {
    const auto u = units.unit_of[c];
    unit_apl[c] = zr.unit_value[u];
    cls[c] = std::string(zoning::class_name(zr.unit_class[u]));
    ZoneRow row{t.code()[c].to_string(), t.name()[c], units.code[u], t.population()[c], indicator[c],
                std::string(zoning::zone_name(zr.zone[c])), zr.rule[c], unit_apl[c], cls[c]};
    row.density_100k = density[c];
    row.time_gp_min = time_gp[c];
    if (!time_urg.empty()) row.time_urgences_min = time_urg[c];
    row.x = t.x()[c];
    row.y = t.y()[c];
    out.zones.push_back(std::move(row));
  }
  std::vector<std::string> zone_labels(n), unit_zone_labels(m);
  for (CommuneId c = 0; c < n; ++c) zone_labels[c] = out.zones[c].zone;
  for (std::size_t u = 0; u < m; ++u) unit_zone_labels[u] = std::string(zoning::zone_name(zr.unit_zone[u]));

  json& S = out.summary;
  S["engine"] = std::string("oasis ") + kVersion;
  S["scenario"] = {{"name", s.name}, {"description", s.description}, {"files", files_json(s.chain)},
                   {"resolved_sha256", sha256_text(s.resolved_toml)}, {"resolved", s.resolved_toml}};
  S["simulation"] = official ? "official zoning list imported: zones of the listed communes are the official ones"
                             : "simulated zoning: not the ARS's official list";
  json data = {{"dir", o.data_dir.string()}, {"cog", {{"package", "@etalab/decoupage-administratif"}, {"version", sel.loaded.cog_version}}}};
  data["boundaries"] = files_json(data_files(o.communes ? *o.communes : o.data_dir / "communes"));
  if (sel.loaded.apl) data["apl"] = files_json({sel.loaded.apl->file});
  if (ages)
    data["age_bands"] = {{"file", ages->file}, {"sha256", sha256_file(ages->file)}, {"weights", s.access.age_weights},
                         {"records", ages->records}, {"communes_without", ages->communes_without},
                         {"unmatched_codes", ages->unmatched_codes.size()}};
  data["supply"] = {{"file", srep.file}, {"sha256", sha256_file(srep.file)}, {"format", srep.format}, {"records", srep.records},
                    {"kept", srep.kept}, {"outside", srep.outside}, {"unmatched_codes", srep.unmatched_codes.size()}};
  S["data"] = std::move(data);
  S["territory"] = {{"communes", n},
                    {"population", t.total_population()},
                    {"regions", s.territory.regions},
                    {"departements", s.territory.departements},
                    {"communes_listed", s.territory.communes.size()},
                    {"excluded", sel.excluded},
                    {"without_boundary", sel.loaded.without_boundary}};
  S["modifications"] = modifications;
  S["supply"] = {{"kind", s.supply.kind}, {"total_before", std::accumulate(supply_before.begin(), supply_before.end(), 0.0)},
                 {"total", std::accumulate(supply.begin(), supply.end(), 0.0)}, {"ages_known", table.has_age()},
                 {"apl_unit", apl ? fmt::format("consultations/year = amount x {}", activity) : "amount"}};
  S["travel"] = {{"model", tr.od.model}, {"cutoff_min", tr.od.cutoff_min}, {"pairs", tr.od.pairs()}};
  const auto ineq = access::inequality(res.value, demand, s.access.line);
  std::size_t flagged = 0;
  for (auto f : res.flag) flagged += f != 0;
  S["access"] = {{"method", access::method_name(ap.method)},
                 {"decay", ap.decay.spec()},
                 {"demand", demand_field},
                 {"weighted_mean", ineq.weighted_mean},
                 {"gini", ineq.gini},
                 {"palma", jnum(ineq.palma)},
                 {"line", s.access.line},
                 {"share_below", ineq.share_below},
                 {"population_below", ineq.population_below},
                 {"communes_flagged", flagged},
                 {"supply_without_demand", res.supply_without_demand}};
  if (res_u65) S["access"]["weighted_mean_u65"] = access::inequality(res_u65->value, demand, s.access.line).weighted_mean;
  if (const auto* off = t.column("apl_official"); off && apl)
    if (const auto fid = access::fidelity(res.value, *off, s.access.line))
      S["access"]["fidelity"] = {{"communes_compared", fid->compared}, {"spearman", fid->spearman},
                                 {"mean_absolute_error", fid->mean_absolute_error},
                                 {"agreement_below_line", fid->agreement_below_line}};
  json regions = json::array();
  for (const auto& r : zr.regions)
    regions.push_back({{"region", r.region},
                       {"population", r.population},
                       {"caps", r.has_caps ? json{{"zip", r.caps.zip}, {"zac", r.caps.zac}} : json(nullptr)},
                       {"zip_mandatory_population", r.zip_mandatory_population},
                       {"zip_population", r.zip_population},
                       {"zac_population", r.zac_population},
                       {"zip_share", r.population > 0 ? r.zip_population / r.population : 0.0},
                       {"zac_share", r.population > 0 ? r.zac_population / r.population : 0.0},
                       {"vivier_units", r.vivier_units},
                       {"vivier_picked_zip", r.vivier_picked_zip},
                       {"vivier_picked_zac", r.vivier_picked_zac}});
  if (!extras.empty()) {
    S["indicators"] = json::object();
    for (const auto& e : extras) S["indicators"][e.name] = e.summary;
  }
  S["zoning"] = {{"indicator", ind},
                 {"units", units.kind},
                 {"unit_count", m},
                 {"zip_below", rules.zip_below},
                 {"vivier_below", rules.vivier_below},
                 {"fill", s.zoning.fill},
                 {"by_zone", population_by(zone_labels, t.population())},
                 {"by_class", population_by(cls, t.population())},
                 {"units_by_zone", population_by(unit_zone_labels, zr.unit_population)},
                 {"regions", regions},
                 {"official", official ? official_report : json(nullptr)},
                 {"official_overrides", zr.official_overrides}};
  S["flags"] = flags;
  if (sit) S["siting"] = sit->summary;
  S["warnings"] = json::object();
  for (const auto& [kind, count] : diag.counts()) S["warnings"][std::string(warn_name(kind))] = count;

  // 8. Baseline comparison.
  std::optional<Comparison> cmp;
  std::vector<ZoneRow> base;
  if (!s.outputs.baseline.empty()) {
    ts = Clock::now();
    if (fs::is_directory(s.outputs.baseline)) {
      base = read_zones(fs::path(s.outputs.baseline) / "zones.csv");
    } else {
      const auto bs = scenario::load(s.outputs.baseline);
      if (!bs.outputs.baseline.empty() && fs::weakly_canonical(bs.outputs.baseline) == fs::weakly_canonical(s.file))
        throw Error(Errc::scenario_extend, "the baseline scenario names this scenario as its own baseline", s.outputs.baseline);
      RunOptions bo = opt;
      bo.out_dir.clear();
      bo.progress = {};
      Diagnostics bdiag;
      auto bscen = bs;
      bscen.outputs.baseline.clear();
      base = run(bscen, bo, bdiag).zones;
    }
    cmp = compare(base, out.zones, s.outputs.baseline);
    S["comparison"] = cmp->summary;
    timings["baseline"] = since(ts);
  }

  // 8b. Grant schemes on the zone list (and on the baseline's: the budget impact of the change).
  std::vector<std::pair<std::string, std::string>> awards;  // file name, CSV
  if (!s.grants.empty()) {
    ts = Clock::now();
    json G = json::array();
    std::set<std::string> ids;
    for (const auto& g : s.grants) {
      auto scheme = grants::load_scheme(g.scheme);
      if (!g.parameters.empty()) {
        std::vector<std::pair<std::string, std::string>> ov;
        for (const auto& p : g.parameters) ov.emplace_back(p.substr(0, p.find('=')), p.substr(p.find('=') + 1));
        scheme = grants::with_parameters(scheme, ov);
      }
      const auto& I = grants::info(*scheme);
      if (!ids.insert(I.id).second)
        throw Error(Errc::scenario_value, fmt::format("the scheme '{}' is listed twice under [[grants]]", I.id), g.where);
      auto apps = g.applications.empty() ? std::vector<grants::Application>{} : grants::read_applications(g.applications, *scheme);
      std::size_t from_sites = 0;
      if (g.from_sites) {
        if (!sit)
          throw Error(Errc::scenario_value, "[[grants]] from_sites = true, but the scenario places no site", g.where,
                      {}, "set [siting] sites = N");
        std::map<std::string, std::string> fields;
        for (const auto& f : g.site_fields) fields[f.substr(0, f.find('='))] = f.substr(f.find('=') + 1);
        for (const auto& e : sit->summary["sites"]) {
          const auto code = e["code_insee"].get<std::string>();
          for (int k = 1; k <= e["openings"].get<int>(); ++k) {
            fields[g.site_commune] = code;
            apps.push_back(grants::make_application(*scheme, fmt::format("site-{}-{}", code, k), fields, "[siting] opening at " + code));
            ++from_sites;
          }
        }
      }
      const auto eval_on = [&](const std::vector<ZoneRow>& rows, const std::string& label) {
        grants::ZoneHistory zh;
        zh.add("", zone_table(rows, label));
        if (!g.facts.empty()) zh.facts = grants::CommuneTable::read(g.facts);
        return grants::evaluate(*scheme, apps, {&zh, nullptr, nullptr});
      };
      const auto res = eval_on(out.zones, "zone list of the run");
      const auto file = "awards-" + I.id + ".csv";
      awards.emplace_back(file, grants::awards_csv(res, csv_fr));
      json e{{"scheme", I.id},
             {"version", I.version},
             {"file", g.scheme},
             {"scheme_sha256", sha256_file(g.scheme)},
             {"applications", g.applications},
             {"applications_sha256", g.applications.empty() ? std::string() : sha256_file(g.applications)},
             {"parameters", g.parameters},
             {"applications_from_sites", from_sites},
             {"awards", file},
             {"result", res.summary}};
      e["result"].erase("scheme");
      if (cmp) {
        const auto b = eval_on(base, "zone list of the baseline");
        std::size_t changed = 0;
        for (std::size_t i = 0; i < apps.size(); ++i)
          changed += b.decisions[i].eligible != res.decisions[i].eligible || b.decisions[i].awarded != res.decisions[i].awarded;
        const double tb = b.summary["awarded_total"].get<double>(), tr = res.summary["awarded_total"].get<double>();
        e["baseline"] = {{"awarded_count", b.summary["awarded_count"]}, {"awarded_total", tb}, {"eligible", b.summary["eligible"]},
                         {"applications_changed", changed}, {"awarded_total_difference", tr - tb}};
      }
      G.push_back(std::move(e));
    }
    S["grants"] = std::move(G);
    timings["grants"] = since(ts);
  }

  // 9. Outputs: everything is computed; write each file under a temporary name, then rename.
  if (write) {
    ts = Clock::now();
    const auto zcsv = zones_csv(out.zones, csv_fr);
    write_file_atomic(opt.out_dir / "zones.csv", zcsv, opt.overwrite);
    out.written.push_back(opt.out_dir / "zones.csv");
    // The wording of the maps, the styles and the report, from the files this run read.
    const std::string place = place_name(s, cog), who = report::profession_label(s.supply.kind);
    const std::string zip_fr = report::number_fr(rules.zip_below), vivier_fr = report::number_fr(rules.vivier_below);
    const std::string supply_source = !s.supply.source.empty() ? s.supply.source
                                      : source_of(so.path, "rpps2026_gp_counts_communes.csv", "ANS RPPS / Annuaire santé, mars 2026");
    std::string sources = fmt::format("Sources : contours {}, INSEE COG ({})",
                                      o.communes ? o.communes->filename().string() : std::string("IGN ADMIN EXPRESS (COG 2018)"),
                                      sel.loaded.cog_version);
    if (sel.loaded.apl) sources += ", " + source_of(sel.loaded.apl->file, "drees_apl_mg_2022_communes.csv", "DREES APL 2022");
    sources += fmt::format(" — oasis {}", kVersion);
    const std::string date = fmt::format("Offre : {} ; populations légales du COG", supply_source);  // the second footer line
    // The classes of the maps, the QGIS styles and the report: the same colours everywhere.
    const auto zc = report::by_zone(zone_labels);
    const auto ac = report::graduated(indicator, {1.5, rules.zip_below, rules.vivier_below}, "APL (consultations / an / hab.)", 1);
    const auto dep_file = o.data_dir / "admin" / "departements.geojson";
    const auto outlines = (s.outputs.maps || s.outputs.report) && fs::exists(dep_file) ? geodata::read_outlines(dep_file)
                                                                                        : std::vector<MultiPolygon>{};
    std::vector<const MultiPolygon*> commune_shapes(n);
    for (CommuneId c = 0; c < n; ++c) commune_shapes[c] = &t.shape(c);
    const std::vector<int> commune_epsg = t.epsg().size() == n ? t.epsg() : std::vector<int>(n, 2154);
    if (s.outputs.gpkg) {
      step(p_units, 0.2, "dissolving units");
      const auto shapes = geodata::dissolve(t, units.unit_of, m, tset.threads, [&](double f, std::string_view st) {
        return p_units(0.2 + 0.6 * f, st);
      });
      using geodata::Column;
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
        moved.push_back(geodata::reproject(src, from, L.epsg, 0, 0, tset.threads));
        for (std::size_t k = 0; k < idx.size(); ++k) L.shapes[idx[k]] = &moved.back()[k];
      };
      std::vector<int> unit_epsg(m, 2154);
      for (CommuneId c = 0; c < n; ++c) unit_epsg[units.unit_of[c]] = commune_epsg[c];
      geodata::Layer lc{"communes", "Communes of the run: indicators, unit, zone and the rule that fired", t.epsg().empty() ? 2154 : t.epsg()[0], {}, {}};
      std::vector<std::string> codes(n), dep(n), reg(n), unit_code(n), unit_name(n), zone(n), rule(n);
      for (CommuneId c = 0; c < n; ++c) {
        lc.shapes.push_back(&t.shape(c));
        codes[c] = t.code()[c].to_string();
        unit_code[c] = units.code[units.unit_of[c]];
        unit_name[c] = units.name[units.unit_of[c]];
        zone[c] = out.zones[c].zone;
        rule[c] = out.zones[c].rule;
      }
      auto col_or_nan = [&](const char* name) {
        const auto* v = t.column(name);
        return v ? *v : std::vector<double>(n, NAN);
      };
      lc.columns = {Column::text("code_insee", codes), Column::text("nom", t.name()), Column::text("departement", t.departement()),
                    Column::text("region", t.region()), Column::real("population", t.population()),
                    Column::real("population_std", col_or_nan("population_std")), Column::text("unit_id", unit_code),
                    Column::text("unit_nom", unit_name), Column::real("supply_gp", supply), Column::real("supply_gp_before", supply_before),
                    Column::real("apl", res.value)};
      if (res_u65) lc.columns.push_back(Column::real("apl_u65", res_u65->value));
      lc.columns.push_back(Column::real("apl_official", col_or_nan("apl_official")));
      lc.columns.push_back(Column::real("apl_official_u65", col_or_nan("apl_official_u65")));
      lc.columns.push_back(Column::real("indicator", indicator));
      lc.columns.push_back(Column::real("unit_apl", unit_apl));
      lc.columns.push_back(Column::real("density_gp_100k", density));
      for (const auto& e : extras) {
        lc.columns.push_back(Column::real(e.name, e.value));
        lc.columns.push_back(Column::real(e.name + "_density_100k", e.density));
      }
      lc.columns.push_back(Column::real("time_nearest_gp_min", time_gp));
      if (!time_urg.empty()) {
        lc.columns.push_back(Column::real("time_nearest_urgences_min", time_urg));
        std::vector<std::int64_t> f(n);
        for (CommuneId c = 0; c < n; ++c) f[c] = !(time_urg[c] <= s.flags.urgences_max_min);
        lc.columns.push_back(Column::integer("flag_urgences", f));
      }
      if (s.flags.density_below > 0) {
        std::vector<std::int64_t> f(n);
        for (CommuneId c = 0; c < n; ++c) f[c] = density[c] < s.flags.density_below;
        lc.columns.push_back(Column::integer("flag_density", f));
      }
      if (s.flags.deficit_2003) {
        std::vector<std::string> d(n);
        for (CommuneId c = 0; c < n; ++c) d[c] = deficit[units.unit_of[c]];
        lc.columns.push_back(Column::text("deficit_2003", d));
      }
      lc.columns.push_back(Column::text("class", cls));
      lc.columns.push_back(Column::text("zone", zone));
      lc.columns.push_back(Column::text("rule", rule));

      geodata::Layer lu{"units", fmt::format("Zoning units ({}): population-weighted APL, class and zone", units.kind), lc.epsg, {}, {}};
      std::vector<std::string> ucls(m), urule(m);
      std::vector<double> udens(m);
      std::vector<std::int64_t> ucount(m);
      for (std::size_t u = 0; u < m; ++u) {
        lu.shapes.push_back(&shapes[u]);
        ucls[u] = std::string(zoning::class_name(zr.unit_class[u]));
        urule[u] = zr.unit_rule[u];
        udens[u] = zr.unit_population[u] > 0 ? unit_supply[u] / zr.unit_population[u] * 1e5 : NAN;
        ucount[u] = static_cast<std::int64_t>(unit_communes[u]);
      }
      lu.columns = {Column::text("unit_id", units.code), Column::text("nom", units.name), Column::text("region", zr.unit_region),
                    Column::integer("communes", ucount), Column::real("population", zr.unit_population),
                    Column::real("apl", zr.unit_value), Column::real("density_gp_100k", udens), Column::text("class", ucls),
                    Column::text("zone", unit_zone_labels), Column::text("rule", urule)};
      if (s.flags.deficit_2003) lu.columns.push_back(Column::text("deficit_2003", deficit));
      if (sit && s.siting.level == "unit") lu.columns.push_back(Column::real("value_after_siting", sit->sol.after));
      if (sit && s.siting.level == "commune") lc.columns.push_back(Column::real("value_after_siting", sit->sol.after));
      to_layer_crs(lc, commune_epsg);
      to_layer_crs(lu, unit_epsg);
      std::vector<geodata::Layer> layers{lc, lu};
      if (sit) {
        geodata::Layer ls{"sites", fmt::format("Openings chosen by the siting step ({})", s.siting.objective), lc.epsg, {}, {}};
        std::vector<std::string> sc, sn;
        std::vector<std::int64_t> so;
        std::vector<double> sa, sm;
        for (const auto& e : sit->summary["sites"]) {
          const auto c = t.at(CodeInsee::from(e["code_insee"].get<std::string>()));
          ls.shapes.push_back(&t.shape(c));
          sc.push_back(e["code_insee"].get<std::string>());
          sn.push_back(e["nom"].get<std::string>());
          so.push_back(e["openings"].get<std::int64_t>());
          sa.push_back(e["supply_added"].get<double>());
          sm.push_back(e["marginal"].get<double>());
        }
        std::vector<int> site_epsg;
        for (const auto& code : sc) site_epsg.push_back(commune_epsg[t.at(CodeInsee::from(code))]);
        to_layer_crs(ls, site_epsg);
        ls.columns = {Column::text("code_insee", sc), Column::text("nom", sn), Column::integer("openings", so),
                      Column::real("supply_added", sa), Column::real("marginal", sm)};
        layers.push_back(std::move(ls));
      }
      // QGIS styles: the classes and colours of the maps, default = zones (docs/maps.md#qgis).
      double lo = INFINITY, hi = -INFINITY;
      for (double v : indicator)
        if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
      if (!(lo <= hi)) lo = hi = 0;
      const auto zones_style = report::categorized_style("communes", "zone", zc, "zones", "Zonage : ZIP, ZAC, hors zonage (couleurs des cartes)");
      const auto apl_style = report::graduated_style("communes", "indicator", ac, lo, hi, "apl",
                                                     fmt::format("APL en classes 1,5 / {} / {} (couleurs des cartes)", zip_fr, vivier_fr));
      const auto units_style = report::categorized_style("units", "zone", report::by_zone(unit_zone_labels), "zones", "Zonage des unités");
      const auto row = [](std::string layer, const report::Style& st, bool def) {
        return geodata::LayerStyle{std::move(layer), st.name, st.description, st.qml, st.sld, def};
      };
      const std::vector<geodata::LayerStyle> styles{row("communes", zones_style, true), row("communes", apl_style, false),
                                                    row("units", units_style, true)};
      geodata::write_geopackage(opt.out_dir / "communes.gpkg", layers,
                                {{"OASIS_ENGINE", std::string("oasis ") + kVersion},
                                 {"OASIS_SCENARIO", s.name},
                                 {"OASIS_SCENARIO_RESOLVED", s.resolved_toml},
                                 {"OASIS_COG", sel.loaded.cog_version},
                                 {"OASIS_SIMULATION", S["simulation"].get<std::string>()},
                                 {"OASIS_PLACE", place},
                                 {"OASIS_SOURCES", sources},
                                 {"OASIS_DATA_LINE", date}},
                                opt.overwrite, styles);
      out.written.push_back(opt.out_dir / "communes.gpkg");
      for (const auto& [file, st] : {std::pair{"communes-zones.qml", &zones_style}, std::pair{"communes-apl.qml", &apl_style},
                                     std::pair{"units-zones.qml", &units_style}}) {
        write_file_atomic(opt.out_dir / file, st->qml, opt.overwrite);
        out.written.push_back(opt.out_dir / file);
      }
    }
    std::string map_zones_png, map_apl_png;  // kept for the report
    if (s.outputs.maps) {
      step(p_units, 0.85, "drawing maps");
      std::vector<std::string> inset(n);
      for (CommuneId c = 0; c < n; ++c) inset[c] = report::overseas_name(t.departement()[c]);
      fs::create_directories(opt.out_dir / "maps");
      map_zones_png = report::draw_map({commune_shapes, &zc, outlines, inset},
                       {fmt::format("Zonage des {} — {}", who, place),
                        fmt::format("{} : unités {}, ZIP si APL < {}, vivier jusqu'à {}", official ? "Liste officielle, simulation ailleurs" : "Simulation ARS",
                                    units.kind, zip_fr, vivier_fr),
                        sources, date},
                       opt.out_dir / "maps" / "zones", opt.overwrite);
      map_apl_png = report::draw_map({commune_shapes, &ac, outlines, inset},
                       {fmt::format("APL aux {} — {}", who, place),
                        fmt::format("Indicateur {} ; seuils 1,5 / {} (ZIP) / {} (vivier)", ind, zip_fr, vivier_fr), sources, date},
                       opt.out_dir / "maps" / "apl", opt.overwrite);
      for (const char* f : {"maps/zones.png", "maps/zones.svg", "maps/apl.png", "maps/apl.svg"}) out.written.push_back(opt.out_dir / f);
    }
    if (s.outputs.report) {
      step(p_units, 0.88, "writing the report");
      const auto tr0 = Clock::now();
      report::ReportInput in;
      in.title = fmt::format("Accès aux {} — {}", who, place);
      in.profession = who;
      in.notice = official ? "Zonage officiel importé : les zones des communes de la liste sont celles de l'ARS."
                           : "Zonage simulé : ce n'est pas la liste officielle de l'ARS.";
      in.subtitle = fmt::format("Unités {}, ZIP si APL < {}, vivier jusqu'à {}. {}", units.kind, zip_fr, vivier_fr,
                                s.description);
      in.sources = sources;
      in.data_line = date;
      in.engine = std::string("oasis ") + kVersion;
      in.summary = S;
      auto& rc = in.communes;
      for (CommuneId c = 0; c < n; ++c) {
        const auto& r = out.zones[c];
        rc.code.push_back(r.code);
        rc.name.push_back(r.name);
        rc.unit.push_back(units.name[units.unit_of[c]]);
        rc.zone.push_back(r.zone);
        rc.rule.push_back(r.rule);
        rc.population.push_back(r.population);
        rc.density.push_back(density[c]);
        rc.time_gp.push_back(time_gp[c]);
      }
      rc.value = indicator;
      if (cmp) {
        std::unordered_map<std::string, std::string> bz;
        for (const auto& r : base) bz.emplace(r.code, r.zone);
        auto& zb = rc.zone_baseline.emplace();
        for (const auto& code : rc.code) {
          const auto it = bz.find(code);
          zb.push_back(it == bz.end() ? std::string() : it->second);
        }
      }
      // Simplified for the page: 25 m at 1,000 communes, growing with the square root of their number
      // (33 m for a région of 1,750, 148 m for France), far below a pixel at the zoom that shows them all.
      const double tolerance = 25.0 * std::sqrt(std::max<double>(1.0, static_cast<double>(n) / 1000.0));
      rc.lonlat = geodata::to_lonlat(commune_shapes, commune_epsg, tolerance, tset.threads);
      std::vector<const MultiPolygon*> outline_ptrs;
      for (const auto& o2 : outlines) outline_ptrs.push_back(&o2);
      in.outlines = geodata::to_lonlat(outline_ptrs, std::vector<int>{2154}, tolerance, tset.threads);
      in.zones = zc;
      in.values = ac;
      in.map_zones_png = std::move(map_zones_png);
      in.map_apl_png = std::move(map_apl_png);
      write_file_atomic(opt.out_dir / "report.html", report::html_report(in), opt.overwrite);
      out.written.push_back(opt.out_dir / "report.html");
      timings["report"] = since(tr0);
    }
    step(p_units, 0.9, "writing");
    if (cmp) {
      write_file_atomic(opt.out_dir / "diff.csv", cmp->csv, opt.overwrite);
      out.written.push_back(opt.out_dir / "diff.csv");
    }
    if (sit) {
      std::string csv = "code_insee,nom,openings,supply_added,marginal\n";
      for (const auto& e : sit->summary["sites"])
        csv += fmt::format("{},{},{},{},{}\n", e["code_insee"].get<std::string>(), quote(e["nom"].get<std::string>(), ','),
                           e["openings"].get<int>(), num_csv(e["supply_added"].get<double>(), false),
                           num_csv(e["marginal"].get<double>(), false, "{:.10g}"));
      write_file_atomic(opt.out_dir / "sites.csv", csv, opt.overwrite);
      out.written.push_back(opt.out_dir / "sites.csv");
    }
    for (const auto& [name, csv] : awards) {
      write_file_atomic(opt.out_dir / name, csv, opt.overwrite);
      out.written.push_back(opt.out_dir / name);
    }
    write_file_atomic(opt.out_dir / "scenario.toml", s.resolved_toml, opt.overwrite);
    out.written.push_back(opt.out_dir / "scenario.toml");
    timings["write"] = since(ts);
  }
  timings["total"] = since(t0);
  timings["peak_rss_mb"] = std::round(peak_rss_mb());
  out.timings = timings;
  if (write) {
    write_file_atomic(opt.out_dir / "timings.json", out.timings.dump(2) + "\n", opt.overwrite);
    write_file_atomic(opt.out_dir / "summary.json", out.summary.dump(2) + "\n", opt.overwrite);
    out.written.push_back(opt.out_dir / "timings.json");
    out.written.push_back(opt.out_dir / "summary.json");
  }
  if (opt.progress) (void)opt.progress(1.0, "done");
  return out;
}
}  // namespace

std::vector<ZoneRow> read_zones(const fs::path& file) {
  const io::CsvFile csv(file);
  const auto c_code = csv.require({"code_insee"}, "code_insee");
  const auto c_name = csv.require({"nom"}, "nom");
  const auto c_unit = csv.require({"unit_id"}, "unit_id");
  const auto c_pop = csv.require({"population"}, "population");
  const auto c_apl = csv.require({"apl"}, "apl");
  const auto c_zone = csv.require({"zone"}, "zone");
  const auto c_rule = csv.require({"rule"}, "rule");
  const auto c_uapl = csv.column({"unit_apl"});
  const auto c_cls = csv.column({"class"});
  const auto c_dens = csv.column({"density_100k"});
  const auto c_tgp = csv.column({"time_nearest_gp_min"});
  const auto c_turg = csv.column({"time_nearest_urgences_min"});
  const auto c_x = csv.column({"x_l93"});
  const auto c_y = csv.column({"y_l93"});
  std::vector<ZoneRow> rows;
  std::set<std::string> seen;
  csv.for_each([&](const io::CsvRecord& r) {
    ZoneRow z;
    z.code = CodeInsee::from(r.fields[c_code], file.string(), csv.where(r)).to_string();
    if (!seen.insert(z.code).second)
      throw Error(Errc::code_duplicate, fmt::format("commune {} appears twice", z.code), file.string(), csv.where(r));
    z.name = std::string(r.fields[c_name]);
    z.unit = std::string(r.fields[c_unit]);
    z.population = io::parse_number(r.fields[c_pop], csv.decimal_comma()).value_or(0.0);
    z.apl = io::parse_number(r.fields[c_apl], csv.decimal_comma()).value_or(NAN);
    z.zone = std::string(io::trim(r.fields[c_zone]));
    z.rule = std::string(io::trim(r.fields[c_rule]));
    z.unit_apl = c_uapl ? io::parse_number(r.fields[*c_uapl], csv.decimal_comma()).value_or(NAN) : NAN;
    z.cls = c_cls ? std::string(io::trim(r.fields[*c_cls])) : std::string();
    auto opt = [&](const std::optional<std::size_t>& col) {
      return col ? io::parse_number(r.fields[*col], csv.decimal_comma()).value_or(NAN) : NAN;
    };
    z.density_100k = opt(c_dens);
    z.time_gp_min = opt(c_tgp);
    z.time_urgences_min = opt(c_turg);
    z.x = opt(c_x);
    z.y = opt(c_y);
    rows.push_back(std::move(z));
  });
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.code < b.code; });
  return rows;
}

Comparison compare(const std::vector<ZoneRow>& base, const std::vector<ZoneRow>& scen, const std::string& baseline_name) {
  Comparison c;
  std::map<std::string, const ZoneRow*> b;
  for (const auto& r : base) b.emplace(r.code, &r);
  using Moves = std::map<std::pair<std::string, std::string>, std::pair<std::size_t, double>>;
  Moves zone_moves, class_moves;
  double moved = 0;
  std::size_t matched = 0;
  c.csv = "code_insee,nom,population,zone_baseline,zone,class_baseline,class,unit_apl_baseline,unit_apl,apl_baseline,apl\n";
  for (const auto& r : scen) {
    const auto it = b.find(r.code);
    if (it == b.end()) {
      ++c.only_scenario;
      continue;
    }
    ++matched;
    const auto& old = *it->second;
    if (old.zone == r.zone && old.cls == r.cls) continue;
    c.changed.emplace_back(old, r);
    if (old.zone != r.zone) {
      auto& mv = zone_moves[{old.zone, r.zone}];
      ++mv.first;
      mv.second += r.population;
      moved += r.population;
    }
    if (old.cls != r.cls) {
      auto& mv = class_moves[{old.cls, r.cls}];
      ++mv.first;
      mv.second += r.population;
    }
    c.csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", r.code, quote(r.name, ','), num_csv(r.population, false, "{:.0f}"),
                         old.zone, r.zone, old.cls, r.cls, num_csv(old.unit_apl, false), num_csv(r.unit_apl, false),
                         num_csv(old.apl, false), num_csv(r.apl, false));
  }
  c.only_baseline = base.size() - matched;
  auto moves_json = [](const Moves& moves) {
    json tr = json::array();
    for (const auto& [k, v] : moves) tr.push_back({{"from", k.first}, {"to", k.second}, {"communes", v.first}, {"population", v.second}});
    return tr;
  };
  auto pop_in = [](const std::vector<ZoneRow>& rows, std::string_view zone, bool by_class) {
    double p = 0;
    for (const auto& r : rows)
      if ((by_class ? r.cls : r.zone) == zone) p += r.population;
    return p;
  };
  std::size_t zone_changed = 0;
  for (const auto& [k, v] : zone_moves) zone_changed += v.first;
  c.summary = {{"baseline", baseline_name},
               {"communes_compared", matched},
               {"communes_changed", zone_changed},
               {"population_moved", moved},
               {"communes_class_changed", [&] {
                  std::size_t n = 0;
                  for (const auto& [k, v] : class_moves) n += v.first;
                  return n;
                }()},
               {"only_in_baseline", c.only_baseline},
               {"only_in_scenario", c.only_scenario},
               {"transitions", moves_json(zone_moves)},
               {"class_transitions", moves_json(class_moves)},
               {"zip_population", {{"baseline", pop_in(base, "ZIP", false)}, {"scenario", pop_in(scen, "ZIP", false)}}},
               {"zac_population", {{"baseline", pop_in(base, "ZAC", false)}, {"scenario", pop_in(scen, "ZAC", false)}}},
               {"mandatory_zip_population", {{"baseline", pop_in(base, "ZIP", true)}, {"scenario", pop_in(scen, "ZIP", true)}}}};
  return c;
}

}  // namespace oasis::runner
