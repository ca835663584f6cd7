#include "oasis/geodata/load.hpp"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>

#include <fmt/format.h>

#include "oasis/access/methods.hpp"
#include "oasis/core/code_insee.hpp"
#include "oasis/core/error.hpp"
#include "oasis/core/version.hpp"
#include "oasis/io/csv.hpp"

namespace oasis::geodata {
namespace fs = std::filesystem;
using io::CsvFile;
using io::CsvRecord;
using io::parse_number;
using io::trim;

fs::path resolve_data_dir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("OASIS_DATA"); env && *env) return env;
  return kDefaultDataDir;
}

Place place(std::string_view code, const Territory& t, const Cog& cog, CommuneId& id, CodeMatch* how) {
  const auto m = cog.match(code);
  if (!m) return Place::unmatched;
  const auto found = t.find(CodeInsee::from(cog.communes()[m->index].code));
  if (!found) return Place::outside;
  id = *found;
  if (how) *how = m->how;
  return Place::inside;
}

fs::path resolve_cog_dir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("OASIS_COG_DIR"); env && *env) return env;
  return kDefaultCogDir;
}

namespace {
void check_filters(const TerritoryOptions& o, const Cog& cog) {
  for (const auto& r : o.regions)
    if (!cog.has_region(r))
      throw Error(Errc::code_unknown, fmt::format("région '{}' does not exist in {}", r, cog.version()), {}, {},
                  "use a région code of the COG: 11, 24, 27, 28, 32, 44, 52, 53, 75, 76, 84, 93, 94, 01-06");
  for (const auto& d : o.departements)
    if (!cog.has_departement(d))
      throw Error(Errc::code_unknown, fmt::format("département '{}' does not exist in {}", d, cog.version()), {}, {},
                  "use a département code of the COG: 01..95, 2A, 2B, 971..976");
}
}  // namespace

LoadedTerritory load_territory(const TerritoryOptions& o, const Cog& cog, Diagnostics& diag) {
  const auto t0 = std::chrono::steady_clock::now();
  check_filters(o, cog);
  LoadedTerritory out;
  out.cog_version = cog.version();
  BoundaryOptions bo;
  bo.path = o.communes ? *o.communes : o.data_dir / "communes";
  bo.assume_epsg = o.assume_epsg;
  bo.code_field = o.code_field;
  bo.name_field = o.name_field;
  bo.regions = o.regions;
  bo.departements = o.departements;
  bo.threads = o.threads;
  bo.progress = o.progress;
  bo.cache = o.cache;
  auto records = read_boundaries(bo, cog, diag, out.boundaries);

  // Communes of the selection (COG) that received no polygon. Collectivités d'outre-mer (zone
  // "com") are outside the scope of the boundary files and of the APL, so they are not expected.
  std::set<std::string> have;
  for (const auto& r : records) have.insert(r.code.to_string());
  const bool filtered = !o.regions.empty() || !o.departements.empty();
  for (const auto& c : cog.communes()) {
    if (c.zone == "com" || have.count(c.code)) continue;
    if (filtered && !o.regions.count(c.region) && !o.departements.count(c.departement)) continue;
    out.without_boundary.push_back(c.code);
    diag.add(Warn::no_boundary, bo.path.string(), fmt::format("commune {}", c.code),
             fmt::format("{} ({}) has no polygon in the boundary files: it is left out of the territory", c.code, c.name));
  }
  if (records.empty())
    throw Error(Errc::territory_empty, "no commune of the selection has a boundary", bo.path.string(), {},
                "check --region / --departement and the boundary files");
  out.territory = Territory::from_records(std::move(records));

  if (o.use_apl) {
    const fs::path apl = o.apl ? *o.apl : o.data_dir / "apl" / "drees_apl_mg_2022_communes.csv";
    if (o.apl || fs::exists(apl)) out.apl = attach_drees_apl(out.territory, apl, cog, diag);
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

AttributeReport attach_drees_apl(Territory& t, const fs::path& file, const Cog& cog, Diagnostics& diag) {
  CsvFile csv(file);
  AttributeReport rep;
  rep.file = file.string();
  if (csv.was_latin1()) diag.add(Warn::encoding, rep.file, "", "not UTF-8: read as Latin-1");
  const auto c_code = csv.require({"code_insee", "Code commune INSEE", "codgeo", "code"}, "the INSEE code");
  const auto c_pstd = csv.column({"pop_standardisee", "Population standardisée"});
  const auto c_ptot = csv.column({"pop_totale", "Population totale"});
  const auto c_apl = csv.column({"apl_mg", "APL aux médecins généralistes"});
  const auto c_u65 = csv.column({"apl_mg_moins65", "APL aux médecins généralistes de moins de 65 ans"});
  const auto n = t.size();
  std::vector<double> pstd(n, 0.0), ptot(n, 0.0), apl_w(n, 0.0), u65_w(n, 0.0), w(n, 0.0);
  std::vector<char> seen(n, 0);
  std::set<std::string> codes_seen, unmatched;
  csv.for_each([&](const CsvRecord& r) {
    ++rep.records;
    const auto raw = r.fields[c_code];
    const auto code = CodeInsee::from(raw, rep.file, csv.where(r));
    if (!codes_seen.insert(code.to_string()).second)
      throw Error(Errc::code_duplicate, fmt::format("commune {} appears twice", code.str()), rep.file, csv.where(r),
                  "keep one line per commune");
    CommuneId id = 0;
    CodeMatch how = CodeMatch::current;
    switch (place(code.str(), t, cog, id, &how)) {
      case Place::unmatched:
        unmatched.insert(code.to_string());
        diag.add(Warn::code_unmatched, rep.file, csv.where(r), fmt::format("{} matches no commune of {}", code.str(), cog.version()));
        return;
      case Place::outside: ++rep.outside; return;
      case Place::inside: break;
    }
    auto num = [&](std::optional<std::size_t> c, const char* what) -> double {
      if (!c) return NAN;
      const auto v = parse_number(r.fields[*c], csv.decimal_comma());
      if (!v) {
        if (!trim(r.fields[*c]).empty())
          throw Error(Errc::value_invalid, fmt::format("{} '{}' is not a number", what, r.fields[*c]), rep.file, csv.where(r),
                      "write numbers with a '.' decimal point (or ',' in a ';'-separated file)");
        return NAN;
      }
      if (*v < 0)
        throw Error(Errc::value_invalid, fmt::format("{} {} is negative", what, *v), rep.file, csv.where(r),
                    "populations and APL values are >= 0");
      if (*v > 1e8)  // more than the population of France: a wrong column or separator
        throw Error(Errc::value_invalid, fmt::format("{} {} is not plausible for one commune", what, *v), rep.file, csv.where(r),
                    "check the file's columns and decimal separator");
      return *v;
    };
    const double ps = num(c_pstd, "pop_standardisee"), pt = num(c_ptot, "pop_totale");
    const double a = num(c_apl, "apl_mg"), a65 = num(c_u65, "apl_mg_moins65");
    ++rep.matched;
    if (how != CodeMatch::current) ++rep.merged;
    if (std::isfinite(ps)) pstd[id] += ps;
    const double weight = std::isfinite(pt) ? pt : 1.0;
    if (std::isfinite(pt)) ptot[id] += pt;
    if (std::isfinite(a)) apl_w[id] += a * weight;
    if (std::isfinite(a65)) u65_w[id] += a65 * weight;
    w[id] += weight;
    seen[id] = 1;
  });
  std::vector<double> apl(n, NAN), u65(n, NAN);
  for (std::size_t i = 0; i < n; ++i) {
    if (!seen[i]) {
      pstd[i] = ptot[i] = NAN;
      ++rep.communes_without;
      diag.add(Warn::no_value, rep.file, fmt::format("commune {}", t.code()[i].str()),
               fmt::format("{} ({}) has no line in the APL file: its APL columns are missing", t.code()[i].str(), t.name()[i]));
      continue;
    }
    if (w[i] > 0) {
      apl[i] = c_apl ? apl_w[i] / w[i] : NAN;
      u65[i] = c_u65 ? u65_w[i] / w[i] : NAN;
    } else {
      apl[i] = c_apl ? 0.0 : NAN;
      u65[i] = c_u65 ? 0.0 : NAN;
    }
  }
  if (c_pstd) t.set_column("population_std", std::move(pstd));
  if (c_ptot) t.set_column("population_apl", std::move(ptot));
  if (c_apl) t.set_column("apl_official", std::move(apl));
  if (c_u65) t.set_column("apl_official_u65", std::move(u65));
  rep.unmatched_codes.assign(unmatched.begin(), unmatched.end());
  return rep;
}

AttributeReport attach_age_bands(Territory& t, const fs::path& file, const Cog& cog, int millesime, Diagnostics& diag) {
  const auto weights = access::apl_age_weights(millesime);  // throws on an unknown millésime
  const std::size_t bands = weights.size();
  CsvFile csv(file);
  AttributeReport rep;
  rep.file = file.string();
  if (csv.was_latin1()) diag.add(Warn::encoding, rep.file, "", "not UTF-8: read as Latin-1");
  const auto c_code = csv.require({"CODGEO", "code_insee", "code"}, "the INSEE code (CODGEO)");
  const auto c_age = csv.require({"AGED100", "AGED", "AGE", "AGEQ", "age"}, "the age (AGED100: age in years, or the first year of a band)");
  const auto c_nb = csv.require({"NB", "population", "pop"}, "the number of inhabitants (NB)");
  const auto c_level = csv.column({"NIVGEO"});
  const auto n = t.size();
  std::vector<std::vector<double>> by_band(n, std::vector<double>(bands, 0.0));
  std::vector<char> seen(n, 0);
  std::set<std::string> unmatched;
  double max_age = -1;
  csv.for_each([&](const CsvRecord& r) {
    if (c_level && trim(r.fields[*c_level]) != "COM" && trim(r.fields[*c_level]) != "ARM") return;  // other levels: not communes
    ++rep.records;
    const auto code = CodeInsee::from(r.fields[c_code], rep.file, csv.where(r));
    const auto age = parse_number(r.fields[c_age], csv.decimal_comma());
    const auto nb = parse_number(r.fields[c_nb], csv.decimal_comma());
    if (!age || *age < 0 || *age > 130 || *age != std::floor(*age))
      throw Error(Errc::value_invalid, fmt::format("age '{}' is not a whole number of years", r.fields[c_age]), rep.file, csv.where(r),
                  "AGED100 holds the age in years (000 to 100)");
    if (!nb || *nb < 0)
      throw Error(Errc::value_invalid, fmt::format("NB '{}' is not a number of inhabitants >= 0", r.fields[c_nb]), rep.file, csv.where(r),
                  "populations are >= 0 (INSEE writes fractional counts: they are kept)");
    max_age = std::max(max_age, *age);
    CommuneId id = 0;
    CodeMatch how = CodeMatch::current;
    switch (place(code.str(), t, cog, id, &how)) {
      case Place::unmatched:
        if (unmatched.insert(code.to_string()).second)
          diag.add(Warn::code_unmatched, rep.file, csv.where(r), fmt::format("{} matches no commune of {}", code.str(), cog.version()));
        return;
      case Place::outside: ++rep.outside; return;
      case Place::inside: break;
    }
    ++rep.matched;
    if (how != CodeMatch::current) ++rep.merged;
    seen[id] = 1;
    by_band[id][std::min<std::size_t>(static_cast<std::size_t>(*age) / 5, bands - 1)] += *nb;
  });
  if (max_age < 5.0 * static_cast<double>(bands - 1))
    throw Error(Errc::value_invalid, fmt::format("the oldest age in the file is {}: the APL needs the band {}+", max_age, 5 * (bands - 1)),
                rep.file, {}, "use the file by single year of age (AGED100) or with a 90+ band");
  std::vector<double> pstd(n, NAN), total(n, NAN);
  for (std::size_t i = 0; i < n; ++i) {
    if (!seen[i]) {
      ++rep.communes_without;
      diag.add(Warn::no_value, rep.file, fmt::format("commune {}", t.code()[i].str()),
               fmt::format("{} ({}) has no line in the age file: its standardised population is missing", t.code()[i].str(), t.name()[i]));
      continue;
    }
    pstd[i] = access::standardised_population(by_band[i], millesime);
    total[i] = 0;
    for (double b : by_band[i]) total[i] += b;
  }
  t.set_column("population_std", std::move(pstd));
  t.set_column("population_age_total", std::move(total));
  rep.unmatched_codes.assign(unmatched.begin(), unmatched.end());
  return rep;
}

}  // namespace oasis::geodata
