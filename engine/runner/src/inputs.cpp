// Steps "inputs" and "travel": everything a run reads (territory, supply and its modifications,
// the other supplies, zoning units, the official list, siting candidates), with its provenance,
// and the OD table of the travel model. The only steps that call geodata/ (GDAL, PROJ, the COG).
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include <fmt/format.h>

#include "oasis/core/checksum.hpp"
#include "oasis/core/error.hpp"
#include "oasis/core/version.hpp"
#include "oasis/geodata/boundaries.hpp"
#include "oasis/geodata/load.hpp"
#include "oasis/geodata/sae.hpp"
#include "oasis/geodata/travel.hpp"
#include "oasis/io/csv.hpp"
#include "oasis/runner/inputs.hpp"
#include "steps/util.hpp"

namespace oasis::runner {

namespace fs = std::filesystem;

namespace {

/// The prepared-input cache of a run: RunOptions::cache_dir, else the user's (docs/cache.md).
FileCache cache_of(const RunOptions& opt) { return opt.cache_dir ? FileCache(*opt.cache_dir) : FileCache::user_default(); }

/// Scenario paths may start with "data:" to name a file inside the data directory.
fs::path data_path(const std::string& p, const fs::path& data_dir) { return p.starts_with("data:") ? data_dir / p.substr(5) : fs::path(p); }

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
  std::optional<Around> around;  // territory.buffer_km: the run's communes and the ring (supply filled later)
};

/// Ids of `t` whose point lies within `km` of a point of `inner` (a grid of `km` cells).
std::vector<char> within_km(const Territory& t, const std::vector<char>& inner, double km) {
  const double cell = km * 1000.0, r2 = cell * cell;
  auto key = [&](double x, double y) {
    return std::pair<long, long>{static_cast<long>(std::floor(x / cell)), static_cast<long>(std::floor(y / cell))};
  };
  std::map<std::pair<long, long>, std::vector<CommuneId>> grid;
  for (CommuneId c = 0; c < t.size(); ++c)
    if (inner[c]) grid[key(t.x()[c], t.y()[c])].push_back(c);
  std::vector<char> out(t.size(), 0);
  for (CommuneId c = 0; c < t.size(); ++c) {
    if (inner[c]) continue;
    const auto [cx, cy] = key(t.x()[c], t.y()[c]);
    for (long dx = -1; dx <= 1 && !out[c]; ++dx)
      for (long dy = -1; dy <= 1 && !out[c]; ++dy)
        if (const auto it = grid.find({cx + dx, cy + dy}); it != grid.end())
          for (auto q : it->second) {
            const double ex = t.x()[c] - t.x()[q], ey = t.y()[c] - t.y()[q];
            if (ex * ex + ey * ey <= r2) {
              out[c] = 1;
              break;
            }
          }
  }
  return out;
}

CommuneId require_commune(const Territory& t, const geodata::Cog& cog, const std::string& code, std::string_view key,
                          const std::string& where) {
  CommuneId id = 0;
  const auto p = geodata::place(code, t, cog, id);
  if (p != geodata::Place::inside)
    throw Error(Errc::code_unknown, fmt::format("{}: commune {} is not in the territory of the run", key, code), where, {},
                p == geodata::Place::outside ? "add its région / département to [territory], or drop it" : "use a code of the current COG");
  return id;
}

/// The [siting] candidates (docs/siting.md, "Candidates"): the communes listed (siting.candidates
/// and siting.candidates_file), else those of at least siting.min_population inhabitants; then
/// without siting.exclude and, with siting.msp = "exclude", without the communes that have an MSP.
void siting_candidates(const scenario::Scenario& s, const Territory& t, const geodata::Cog& cog, const std::filesystem::path& data_dir,
                       Inputs& in) {
  const auto& S = s.siting;
  std::set<CommuneId> listed;
  for (const auto& code : S.candidates) listed.insert(require_commune(t, cog, code, "siting.candidates", s.file.string()));
  std::size_t from_file = 0;
  std::string file;
  if (!S.candidates_file.empty()) {
    file = fs::absolute(data_path(S.candidates_file, data_dir)).lexically_normal().string();
    const io::CsvFile csv(file);
    const auto col = csv.require({"code_insee", "code", "codgeo", "insee"}, "the candidate communes");
    csv.for_each([&](const io::CsvRecord& r) {
      const auto code = std::string(io::trim(r.fields[col]));
      if (code.empty()) return;
      CommuneId id = 0;
      const auto where = geodata::place(code, t, cog, id);
      if (where != geodata::Place::inside)
        throw Error(Errc::code_unknown, fmt::format("siting.candidates_file: commune {} is not in the territory of the run", code), file,
                    csv.where(r),
                    where == geodata::Place::outside ? "add its région / département to [territory], or drop the row"
                                                     : "use a code of the current COG");
      listed.insert(id);
      ++from_file;
    });
    if (from_file == 0)
      throw Error(Errc::empty_input, "siting.candidates_file lists no commune", file, {}, "give one INSEE code a row under code_insee");
  }
  std::vector<CommuneId> c;
  std::size_t below = 0;
  if (!listed.empty()) {
    c.assign(listed.begin(), listed.end());
  } else {
    for (CommuneId i = 0; i < t.size(); ++i) {
      if (t.population()[i] >= S.min_population)
        c.push_back(i);
      else
        ++below;
    }
  }
  std::set<CommuneId> excluded;
  for (const auto& code : S.exclude) excluded.insert(require_commune(t, cog, code, "siting.exclude", s.file.string()));
  const auto n0 = c.size();
  std::erase_if(c, [&](CommuneId i) { return excluded.contains(i); });
  const auto n1 = c.size();
  if (in.msp && S.msp == "exclude") std::erase_if(c, [&](CommuneId i) { return in.msp->amounts[i] > 0; });
  in.candidates = std::move(c);
  in.candidate_rules = {{"rule", listed.empty() ? "min_population" : "listed"},
                        {"min_population", listed.empty() ? json(S.min_population) : json()},
                        {"below_min_population", below},
                        {"listed", listed.size()},
                        {"listed_from_file", from_file},
                        {"file", file.empty() ? json() : json{{"path", file}, {"sha256", sha256_file(file)}}},
                        {"excluded", n0 - n1},
                        {"msp", S.msp},
                        {"with_msp_excluded", n1 - in.candidates.size()},
                        {"candidates", in.candidates.size()}};
  if (in.candidates.empty())
    throw Error(Errc::scenario_value, "[siting]: no candidate commune is left", s.file.string(), "siting",
                "lower siting.min_population, list candidates, or shorten siting.exclude");
}

Selection select_territory(const scenario::Scenario& s, geodata::TerritoryOptions o, const geodata::Cog& cog, Diagnostics& diag) {
  std::set<std::string> single;
  for (const auto& code : s.territory.communes) {
    const auto m = cog.match(code);
    if (!m)
      throw Error(Errc::code_unknown, fmt::format("territory.communes: {} is not a commune of {}", code, cog.version()), s.file.string(),
                  {}, "use a code of the current COG");
    const auto& cc = cog.communes()[m->index];
    single.insert(cc.code);
    o.departements.insert(cc.departement);
  }
  o.regions.insert(s.territory.regions.begin(), s.territory.regions.end());
  const std::set<std::string> regions(s.territory.regions.begin(), s.territory.regions.end());
  const std::set<std::string> deps(s.territory.departements.begin(), s.territory.departements.end());
  o.departements.insert(deps.begin(), deps.end());
  Selection sel;
  // The ring: the départements whose outlines come near the selection's are read too (5 km more
  // than the buffer: the outlines are drawn through vertices, the test below is on communes).
  const bool whole_country = regions.empty() && deps.empty() && single.empty();
  const auto outline_file = o.data_dir / "admin" / "departements.geojson";
  std::vector<std::string> ring_deps;
  if (s.territory.buffer_km > 0 && !whole_country && fs::exists(outline_file)) {
    std::set<std::string> selected = o.departements;
    for (const auto& c : cog.communes())
      if (regions.count(c.region)) selected.insert(c.departement);
    for (const auto& d : geodata::departements_near(outline_file, selected, s.territory.buffer_km + 5)) {
      ring_deps.push_back(d);
      o.departements.insert(d);
    }
  }
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
  if (keep.empty())
    throw Error(Errc::territory_empty, "the scenario's territory holds no commune once exclusions are applied", s.file.string());
  if (!ring_deps.empty()) {
    std::vector<char> inner(t.size(), 0);
    for (auto c : keep) inner[c] = 1;
    const auto ring = within_km(t, inner, s.territory.buffer_km);
    std::vector<CommuneId> all;
    for (CommuneId c = 0; c < t.size(); ++c)
      if ((inner[c] || ring[c]) && !drop.count(c)) all.push_back(c);
    Around a;
    a.territory = t.subset(all);
    a.departements = ring_deps;
    sel.around = std::move(a);
  }
  sel.territory = keep.size() == t.size() ? std::move(sel.loaded.territory) : t.subset(keep);
  if (sel.around) {
    auto& a = *sel.around;
    a.of_inner.resize(sel.territory.size());
    for (CommuneId c = 0; c < sel.territory.size(); ++c) a.of_inner[c] = a.territory.at(sel.territory.code()[c]);
  }
  return sel;
}

// ---- modifications -----------------------------------------------------------------------------

/// Uniform in [0, 1) from 53 random bits: the same draw on every platform (unlike std distributions).
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

json apply_modifications(const scenario::Scenario& s, SupplyTable& table, const Territory& t, const geodata::Cog& cog, Diagnostics& diag) {
  json log = json::array();
  for (const auto& m : s.retire) {
    std::set<CommuneId> where;
    for (const auto& code : m.communes) where.insert(require_commune(t, cog, code, "modify.retire.communes", m.where));
    auto in_scope = [&](std::size_t i) { return where.empty() || where.count(table.commune[i]); };
    double removed = 0;
    std::size_t records = 0;
    json entry = {{"type", "retire"}, {"label", m.label}, {"where", m.where}};
    if (!where.empty()) {  // the communes named, by their current code (the report marks them)
      auto& codes = entry["communes"] = json::array();
      for (const auto c : where) codes.push_back(t.code()[c].to_string());
    }
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
    log.push_back({{"type", "add"},
                   {"label", a.label},
                   {"kind", a.kind},
                   {"commune", t.code()[c].to_string()},
                   {"nom", t.name()[c]},
                   {"supply_added", a.amount},
                   {"where", a.where}});
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
    throw Error(
        Errc::code_unknown,
        fmt::format("{} communes of the territory have no unit, e.g. {}", missing.size(),
                    fmt::join(missing.begin(), missing.begin() + static_cast<long>(std::min<std::size_t>(5, missing.size())), ", ")),
        s.zoning.units_file, {}, "add a line per commune (current COG codes; former codes are folded)");
  return zoning::UnitMapping::from_keys(keys, names, "file");
}

zoning::Official read_official(const scenario::Scenario& s, const Territory& t, const geodata::Cog& cog, const zoning::UnitMapping& units,
                               Diagnostics& diag, json& report) {
  zoning::Official o;
  o.zone.assign(t.size(), std::nullopt);
  o.missing_outside = s.zoning.official_missing == "outside";
  o.source = s.zoning.official;
  const io::CsvFile csv(s.zoning.official);
  const auto c_code =
      csv.require({"code_insee", "code", "codgeo", "code_commune", "unit_id", "tvs", "code_tvs"}, "the commune or unit code");
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
        throw Error(Errc::code_duplicate, fmt::format("commune {} is given two zones", t.code()[c].str()), s.zoning.official, csv.where(r),
                    "one zone per commune (or per unit)");
      o.zone[c] = zone;
    }
  });
  report = {{"file", s.zoning.official},
            {"sha256", sha256_file(s.zoning.official)},
            {"records", records},
            {"by_commune", by_commune},
            {"by_unit", by_unit},
            {"unmatched", unmatched},
            {"communes_absent", o.missing_outside ? "hors-zonage" : "simulated class kept"}};
  return o;
}

/// The provenance of a supply file: what was read, kept, left outside, unmatched.
/// supply.factors: a CSV departement,factor. Every département of `t` must have its factor (a
/// missing one would silently keep the raw activity); other départements are ignored.
std::map<std::string, double> read_departement_factors(const fs::path& file, const Territory& t) {
  const io::CsvFile csv(file);
  const auto c_dep = csv.require({"departement", "dep", "code_departement"}, "the département code");
  const auto c_f = csv.require({"factor", "facteur"}, "the activity factor");
  std::map<std::string, double> out;
  csv.for_each([&](const io::CsvRecord& r) {
    const std::string dep(io::trim(r.fields[c_dep]));
    const auto f = io::parse_number(r.fields[c_f], csv.decimal_comma());
    if (!f || *f < 0)
      throw Error(Errc::value_invalid, fmt::format("département {}: factor \"{}\" is not a number >= 0", dep, r.fields[c_f]), file.string(),
                  csv.where(r), "write the factor as a decimal number, e.g. 0.93");
    if (!out.emplace(dep, *f).second)
      throw Error(Errc::code_duplicate, fmt::format("département {} has two factors", dep), file.string(), csv.where(r),
                  "keep one line per département");
  });
  std::set<std::string> missing;
  for (const auto& d : t.departement())
    if (!out.contains(d)) missing.insert(d);
  if (!missing.empty())
    throw Error(Errc::code_unknown, fmt::format("no factor for the département(s) {}", fmt::join(missing, ", ")), file.string(), {},
                "add a line departement,factor for each (1 keeps the raw activity)");
  return out;
}

/// flags.urgences_format = "sae": the SAE établissements placed at their commune (of the run, and
/// of its ring for the times), with what was read.
/// The SAE as read (once per prepared inputs): every établissement with an emergency service.
struct SaeRead {
  std::vector<geodata::EmergencySite> all;
  geodata::SaeReport rep;
  fs::path dir;
};

UrgentCare read_urgent_care(const scenario::Scenario& s, const SaeRead& sae, const Territory& t, const Territory* around,
                            const geodata::Cog& cog, Diagnostics& diag) {
  const auto& all = sae.all;
  const auto& rep = sae.rep;
  const auto& dir = sae.dir;
  UrgentCare u;
  u.year = s.flags.urgences_year;
  u.su.assign(t.size(), 0.0);
  if (around) u.around_su.assign(around->size(), 0.0), u.around_sites.assign(around->size(), 0.0);
  std::set<std::string> closed(s.flags.urgences_closed.begin(), s.flags.urgences_closed.end());
  for (const auto& fi : closed)
    if (std::none_of(all.begin(), all.end(), [&](const geodata::EmergencySite& e) { return e.finess == fi; }))
      throw Error(
          Errc::code_unknown,
          fmt::format("flags.urgences_closed: {} is no établissement with an emergency service in the SAE {}", fi, s.flags.urgences_year),
          s.file.string(), "flags.urgences_closed", "use the FINESS (FI) of urgences.csv or of the SAE table URGENCES / SMURSAMU");
  std::size_t unmatched = 0, outside = 0;
  for (const auto& e : all) {
    if (!e.smur && !e.su()) continue;      // a SAMU alone is not a place of care
    if (closed.count(e.finess)) continue;  // closed by the scenario
    const auto m = cog.match(e.commune);
    if (!m) {
      ++unmatched;
      diag.add(Warn::code_unmatched, rep.files.front().string(), fmt::format("FINESS {}", e.finess),
               fmt::format("établissement {} ({}): commune {} (SAE {}) matches no commune of {}", e.finess, e.name, e.commune,
                           e.sae_commune, cog.version()));
      continue;
    }
    const auto code = cog.communes()[m->index].code;
    const auto parsed = CodeInsee::from(code);
    if (around)
      if (const auto a = around->find(parsed)) {
        u.around_su[*a] += e.su_general;
        u.around_sites[*a] += e.su_general || e.smur;
      }
    const auto id = t.find(parsed);
    if (!id) {
      ++outside;
      continue;
    }
    u.su[*id] += e.su_general;
    u.sites.push_back(
        {e.finess, e.name, code, *id, e.su_general, e.su_paediatric, e.su_seasonal, e.smur, e.smur_antenna, e.samu, e.visits});
  }
  json files = json::array();
  for (const auto& f : rep.files) files.push_back({{"file", f.string()}, {"sha256", sha256_file(f)}});
  u.report = {{"dir", dir.string()},
              {"year", rep.year},
              {"files", files},
              {"france",
               {{"su_sites", rep.su_sites},
                {"su_general", rep.su_general},
                {"su_paediatric", rep.su_paediatric},
                {"smur_sites", rep.smur_sites},
                {"smur_antennas", rep.smur_antennas},
                {"samu", rep.samu},
                {"visits", rep.visits}}},
              {"etablissements_in_territory", u.sites.size()},
              {"unmatched_communes", unmatched},
              {"closed", s.flags.urgences_closed},
              {"outside", outside}};
  return u;
}

json supply_report_json(const geodata::SupplyReport& r) {
  return {{"file", r.file},
          {"sha256", sha256_file(r.file)},
          {"format", r.format},
          {"records", r.records},
          {"kept", r.kept},
          {"outside", r.outside},
          {"unmatched_codes", r.unmatched_codes.size()}};
}

json files_json(const std::vector<fs::path>& files) {
  json out = json::array();
  for (const auto& f : files) out.push_back({{"file", f.string()}, {"sha256", sha256_file(f)}});
  return out;
}

/// The boundary files read, each with the files beside it that share its stem (a Shapefile's
/// .dbf, .prj, .shx...): what the territory came from.
std::vector<fs::path> boundary_files(const std::vector<std::string>& read) {
  std::set<fs::path> out;
  for (const auto& r : read) {
    const fs::path f(r);
    out.insert(f);
    std::error_code ec;
    if (f.extension() == ".shp" && fs::is_directory(f.parent_path(), ec))
      for (const auto& e : fs::directory_iterator(f.parent_path()))
        if (e.is_regular_file() && e.path().stem() == f.stem()) out.insert(e.path());
  }
  return {out.begin(), out.end()};
}

/// The sites besides the supply: [[indicators]] (default file: the supply's), the urgent-care
/// sites (flags.urgences: the SAE or a file of one's own) and the MSP (flags.msp, on the ring too).
void set_urgent_care(const scenario::Scenario& s, const SaeRead& sae, Inputs& in, const geodata::Cog& cog, Diagnostics& diag) {
  in.urgent_care = read_urgent_care(s, sae, in.territory, in.around ? &in.around->territory : nullptr, cog, diag);
  std::vector<double> sites(in.territory.size(), 0.0);
  for (const auto& e : in.urgent_care->sites) sites[e.commune] += e.su_general || e.smur;
  in.urgences = SupplyInput{std::move(sites), sae.dir.string(), "sae"};
}

void load_other_sites(const scenario::Scenario& s, const fs::path& data_dir, const fs::path& supply_file, Inputs& in,
                      const geodata::Cog& cog, Diagnostics& diag) {
  const Territory& t = in.territory;
  const auto n = t.size();
  for (const auto& ind : s.indicators) {
    geodata::SupplyOptions eo;
    eo.path = ind.file.empty() ? supply_file : data_path(ind.file, data_dir);
    eo.format = ind.format;
    eo.column = ind.column;
    geodata::SupplyReport erep;
    auto amounts = geodata::load_supply(eo, t, cog, diag, erep).per_commune(n);
    in.extra.push_back({std::move(amounts), erep.file, erep.format});
  }
  if (!s.flags.urgences.empty() && s.flags.urgences_format == "sae") {
    // Set by set_urgent_care (the scenario's closures): the SAE only is read here.
  } else if (!s.flags.urgences.empty()) {
    geodata::SupplyOptions uo;
    uo.path = data_path(s.flags.urgences, data_dir);
    uo.format = s.flags.urgences_format;
    uo.column = s.flags.urgences_column;
    geodata::SupplyReport urep;
    auto sites = geodata::load_supply(uo, t, cog, diag, urep).per_commune(n);
    in.urgences = SupplyInput{std::move(sites), urep.file, urep.format};
  }

  if (!s.flags.msp.empty()) {
    geodata::SupplyOptions mo;
    mo.path = data_path(s.flags.msp, data_dir);
    mo.format = "counts";
    mo.column = s.flags.msp_column;
    geodata::SupplyReport mrep;
    auto sites = geodata::load_supply(mo, t, cog, diag, mrep).per_commune(n);
    in.msp = SupplyInput{std::move(sites), mrep.file, "counts"};
    if (in.around) {
      Diagnostics ring_diag;
      geodata::SupplyReport rrep;
      in.around_msp = geodata::load_supply(mo, in.around->territory, cog, ring_diag, rrep).per_commune(in.around->territory.size());
    }
  }
}

}  // namespace

struct PreparedInputs::Impl {
  Inputs inputs;
  geodata::Cog cog;
  SupplyTable file_table;
  std::optional<SaeRead> sae;
};

PreparedInputs::PreparedInputs(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PreparedInputs::PreparedInputs(PreparedInputs&&) noexcept = default;
PreparedInputs& PreparedInputs::operator=(PreparedInputs&&) noexcept = default;
PreparedInputs::~PreparedInputs() = default;
Inputs& PreparedInputs::inputs() noexcept { return impl_->inputs; }
const Inputs& PreparedInputs::inputs() const noexcept { return impl_->inputs; }
const SupplyTable& PreparedInputs::file_table() const noexcept { return impl_->file_table; }
PreparedInputs PreparedInputs::clone() const { return PreparedInputs(std::make_unique<Impl>(*impl_)); }

void PreparedInputs::apply_changes(const scenario::Scenario& s, Diagnostics& diag) {
  auto& in = impl_->inputs;
  const auto n = in.territory.size();
  in.table = impl_->file_table;
  const auto records_before = in.table.size();
  in.modifications = apply_modifications(s, in.table, in.territory, impl_->cog, diag);
  in.supply = in.table.per_commune(n);
  in.supply_added.assign(n, 0.0);
  for (auto i = records_before; i < in.table.size(); ++i) in.supply_added[in.table.commune[i]] += in.table.amount[i];
  if (impl_->sae) set_urgent_care(s, *impl_->sae, in, impl_->cog, diag);
}

Inputs load_inputs(const scenario::Scenario& s, const RunOptions& opt, Diagnostics& diag) {
  auto p = prepare_inputs(s, opt, diag);
  p.apply_changes(s, diag);
  return std::move(p.inputs());
}

PreparedInputs prepare_inputs(const scenario::Scenario& s, const RunOptions& opt, Diagnostics& diag) {
  const SubProgress p_load(opt.progress, 0.0, 0.3);
  auto impl = std::make_unique<PreparedInputs::Impl>();
  Inputs& in = impl->inputs;
  geodata::TerritoryOptions o;
  o.data_dir = geodata::resolve_data_dir(!opt.data_dir.empty() ? opt.data_dir : s.data.dir);
  o.cog_dir = geodata::resolve_cog_dir(!opt.cog_dir.empty() ? opt.cog_dir : s.data.cog);
  if (!s.data.communes.empty()) o.communes = data_path(s.data.communes, o.data_dir);
  if (!s.data.apl.empty()) o.apl = data_path(s.data.apl, o.data_dir);
  o.threads = opt.threads.value_or(s.travel.threads);
  o.assume_epsg = opt.assume_epsg;
  o.code_field = opt.code_field;
  o.use_apl = opt.use_apl;
  o.progress = [&](double f, std::string_view st) { return p_load(f, st); };
  o.cache = cache_of(opt);
  impl->cog = geodata::Cog::load(o.cog_dir, o.cache);
  const auto& cog = impl->cog;
  auto sel = select_territory(s, o, cog, diag);
  in.cache = !o.cache.enabled() ? "off" : cog.from_cache() && sel.loaded.boundaries.from_cache ? "hit" : "miss";
  in.file_cache = o.cache;
  std::optional<geodata::AttributeReport> ages;
  if (!s.data.age_bands.empty())
    ages = geodata::attach_age_bands(sel.territory, data_path(s.data.age_bands, o.data_dir), cog, s.access.age_weights, diag);
  in.territory = std::move(sel.territory);
  const Territory& t = in.territory;
  const auto n = t.size();
  in.data_dir = o.data_dir;
  in.cog_version = sel.loaded.cog_version;
  in.excluded = std::move(sel.excluded);
  in.without_boundary = sel.loaded.without_boundary;
  in.seat.resize(n);
  for (CommuneId c = 0; c < n; ++c) in.seat[c] = cog.seat(t.code()[c].str());
  in.age_bands = ages.has_value();
  in.around = std::move(sel.around);

  // Supply and modifications.
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
  impl->file_table = geodata::load_supply(so, t, cog, diag, srep);
  in.table = impl->file_table;
  in.supply_before = in.table.per_commune(n);
  in.supply = in.supply_before;  // apply_changes sets the scenario's
  if (in.around) {
    Diagnostics ring_diag;
    geodata::SupplyReport rrep;
    in.around->supply = geodata::load_supply(so, in.around->territory, cog, ring_diag, rrep).per_commune(in.around->territory.size());
  }
  in.supply_added.assign(n, 0.0);
  if ((s.supply.calibrate != "none" || s.supply.combine != "first") && s.supply.calibrate_sites != "none") {
    const fs::path file = s.supply.calibrate_sites.empty() ? o.data_dir / "practitioners" / "sirene2019_ps_communes.csv"
                                                           : data_path(s.supply.calibrate_sites, o.data_dir);
    // The default second source counts the same GPs as the default supply file only.
    if (!s.supply.calibrate_sites.empty() || (s.supply.file.empty() && fs::exists(file))) {
      geodata::SupplyOptions co;
      co.path = file;
      co.format = "counts";
      co.column = s.supply.calibrate_sites_column;
      geodata::SupplyReport crep;
      in.recorded_sites = geodata::load_supply(co, t, cog, diag, crep).per_commune(n);
      if (in.around) {
        Diagnostics ring_diag;  // the run's warnings are about its own communes
        geodata::SupplyReport rrep;
        in.around->recorded_sites =
            geodata::load_supply(co, in.around->territory, cog, ring_diag, rrep).per_commune(in.around->territory.size());
      }
      in.recorded_sites_report = supply_report_json(crep);
      in.recorded_sites_report["column"] = co.column;
    }
  }

  if (!s.supply.factors.empty()) {
    if (s.supply.calibrate != "none")
      throw Error(Errc::scenario_value, fmt::format("supply.factors is set with supply.calibrate = \"{}\"", s.supply.calibrate),
                  s.file.string(), "supply.factors",
                  "the factors multiply the raw supply: set supply.calibrate = \"none\", or remove supply.factors to calibrate");
    const auto file = data_path(s.supply.factors, o.data_dir);
    in.departement_factors = read_departement_factors(file, in.around ? in.around->territory : t);
    in.departement_factors_file = file;
  }

  // The other supplies: [[indicators]], the urgent-care sites, the MSP.
  load_other_sites(s, o.data_dir, so.path, in, cog, diag);
  if (!s.flags.urgences.empty() && s.flags.urgences_format == "sae") {
    SaeRead sae;
    sae.dir = data_path(s.flags.urgences, o.data_dir);
    sae.all = geodata::read_sae(sae.dir, s.flags.urgences_year, diag, sae.rep);
    impl->sae = std::move(sae);
  }

  // Zoning units, the official list, the siting candidates.
  in.units = units_of(s, t, cog);
  if (!s.zoning.official.empty()) in.official = read_official(s, t, cog, in.units, diag, in.official_report);
  if (s.siting.sites > 0) siting_candidates(s, t, cog, o.data_dir, in);

  // Provenance.
  json data = {{"dir", o.data_dir.string()},
               {"cog", {{"package", "@etalab/decoupage-administratif"}, {"version", sel.loaded.cog_version}}}};
  // The boundary files read (a folder by département: those of the run and of its ring).
  data["boundaries"] = files_json(boundary_files(sel.loaded.boundaries.read));
  if (sel.loaded.apl) data["apl"] = files_json({sel.loaded.apl->file});
  if (ages)
    data["age_bands"] = {
        {"file", ages->file},       {"sha256", sha256_file(ages->file)},          {"weights", s.access.age_weights},
        {"records", ages->records}, {"communes_without", ages->communes_without}, {"unmatched_codes", ages->unmatched_codes.size()}};
  data["supply"] = supply_report_json(srep);
  if (!in.recorded_sites_report.is_null()) data["calibrate_sites"] = in.recorded_sites_report;
  if (!in.departement_factors_file.empty()) data["factors"] = files_json({in.departement_factors_file});
  if (in.around)
    data["buffer"] = {{"km", s.territory.buffer_km},
                      {"departements_read", in.around->departements},
                      {"communes_around", in.around->territory.size() - n},
                      {"population_around", in.around->territory.total_population() - t.total_population()}};
  in.data = std::move(data);

  // The wording of the maps, the styles and the report, from the files this run read.
  in.wording.place = place_name(s, cog);
  const std::string supply_source = !s.supply.source.empty()
                                        ? s.supply.source
                                        : source_of(so.path, "rpps2026_gp_counts_communes.csv", "ANS RPPS / Annuaire santé, mars 2026");
  in.wording.sources =
      fmt::format("Sources : contours {}, INSEE COG ({})",
                  o.communes ? o.communes->filename().string() : std::string("IGN ADMIN EXPRESS (COG 2018)"), sel.loaded.cog_version);
  if (sel.loaded.apl) in.wording.sources += ", " + source_of(sel.loaded.apl->file, "drees_apl_mg_2022_communes.csv", "DREES APL 2022");
  if (impl->sae) in.wording.sources += fmt::format(", DREES SAE {}", s.flags.urgences_year);
  in.wording.sources += fmt::format(" — oasis {}", kVersion);
  in.wording.data_line = fmt::format("Offre : {} ; populations légales du COG", supply_source);
  const auto dep_file = o.data_dir / "admin" / "departements.geojson";
  if (fs::exists(dep_file)) in.outlines = dep_file;
  return PreparedInputs(std::move(impl));
}

Travel build_travel(const scenario::Scenario& s, const Inputs& in, const RunOptions& opt, Diagnostics& diag) {
  const SubProgress p_travel(opt.progress, 0.32, 0.85);
  Travel tr;
  tr.settings = travel_settings(s, opt.threads);
  const auto cache = cache_of(opt);
  auto inner = geodata::build_travel(
      in.territory, tr.settings, diag, [&](double f, std::string_view st) { return p_travel(f, st); }, cache);
  tr.od = std::move(inner.od);
  tr.graph = std::move(inner.graph);
  if (in.around) {
    Diagnostics ring_diag;  // warnings about the ring's communes are not the run's
    auto around = geodata::build_travel(in.around->territory, tr.settings, ring_diag, {}, cache);
    tr.od_around = std::move(around.od);
    tr.graph_around = std::move(around.graph);
  }
  return tr;
}

}  // namespace oasis::runner
