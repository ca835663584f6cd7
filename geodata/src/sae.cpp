#include "oasis/geodata/sae.hpp"

#include <cctype>
#include <map>

#include <fmt/format.h>

#include "oasis/core/error.hpp"
#include "oasis/io/csv.hpp"

namespace oasis::geodata {

namespace fs = std::filesystem;

std::optional<std::string> sae_commune_to_insee(std::string_view code) {
  const std::string c(io::trim(code));
  if (c.size() != 5) return std::nullopt;
  if (c[0] == '9' && c[1] >= 'A' && c[1] <= 'F') {
    // 9A105: letter A..F = overseas département 971..976, and the third character repeats its digit.
    if (c[2] != static_cast<char>('1' + (c[1] - 'A'))) return std::nullopt;
    for (int i = 2; i < 5; ++i)
      if (!std::isdigit(static_cast<unsigned char>(c[i]))) return std::nullopt;
    return "97" + c.substr(2);
  }
  const bool corsica = c[0] == '2' && (c[1] == 'A' || c[1] == 'B');
  for (int i = corsica ? 2 : 0; i < 5; ++i)
    if (!std::isdigit(static_cast<unsigned char>(c[i]))) return std::nullopt;
  return c;
}

namespace {

fs::path table(const fs::path& dir, const char* name, int year) {
  const auto p = dir / fmt::format("{}_{}r.csv", name, year);
  if (!fs::exists(p))
    throw Error(Errc::io, fmt::format("the SAE table {} of {} is missing", name, year), p.string(), {},
                fmt::format("put the four SAE tables ID, URGENCES, URGENCES2, SMURSAMU of {} in {} (geodata/fetch), or choose another year",
                            year, dir.string()));
  return p;
}

bool flag(const io::CsvFile& csv, const io::CsvRecord& r, std::size_t col, const char* what) {
  const auto v = io::trim(r.fields[col]);
  if (v.empty() || v == "0") return false;
  if (v == "1") return true;
  throw Error(Errc::value_invalid, fmt::format("{} is \"{}\": the SAE writes 1, 0 or nothing", what, v), csv.path().string(), csv.where(r),
              "correct the field (1 = yes, 0 or empty = no)");
}

}  // namespace

std::vector<EmergencySite> read_sae(const fs::path& dir, int year, Diagnostics& diag, SaeReport& rep) {
  rep.dir = dir;
  rep.year = year;
  std::map<std::string, EmergencySite> sites;  // by FINESS
  auto site = [&](const io::CsvFile& csv, const io::CsvRecord& r, std::size_t c_fi, std::size_t c_rs) -> EmergencySite& {
    const std::string fi(io::trim(r.fields[c_fi]));
    if (fi.empty())
      throw Error(Errc::field_missing, "a service without its FINESS number (FI)", csv.path().string(), csv.where(r),
                  "give the FINESS géographique of the établissement");
    auto& s = sites[fi];
    s.finess = fi;
    if (s.name.empty()) s.name = std::string(io::trim(r.fields[c_rs]));
    return s;
  };

  const io::CsvFile urg(table(dir, "URGENCES", year));
  {
    const auto c_fi = urg.require({"FI"}, "the FINESS number"), c_rs = urg.require({"RS"}, "the name");
    const auto c_su = urg.require({"AUTSU"}, "the authorised emergency service flag");
    const auto c_gen = urg.require({"AUTGEN"}, "the general SU flag"), c_ped = urg.require({"AUTPED"}, "the paediatric SU flag");
    const auto c_sais = urg.require({"AUTSAIS"}, "the seasonal SU flag");
    urg.for_each([&](const io::CsvRecord& r) {
      if (!flag(urg, r, c_su, "AUTSU")) return;
      auto& s = site(urg, r, c_fi, c_rs);
      s.su_general = flag(urg, r, c_gen, "AUTGEN");
      s.su_paediatric = flag(urg, r, c_ped, "AUTPED");
      s.su_seasonal = flag(urg, r, c_sais, "AUTSAIS");
      if (!s.su()) {  // authorised without its kind: counted as a general SU, and said
        s.su_general = true;
        diag.add(
            Warn::no_value, urg.path().string(), urg.where(r),
            fmt::format("établissement {} ({}): authorised SU (AUTSU = 1) of no kind (AUTGEN, AUTPED, AUTSAIS all 0): counted as general",
                        s.finess, s.name));
      }
    });
  }
  const io::CsvFile smur(table(dir, "SMURSAMU", year));
  {
    const auto c_fi = smur.require({"FI"}, "the FINESS number"), c_rs = smur.require({"RS"}, "the name");
    const auto c_smur = smur.require({"SMUR"}, "the SMUR flag"), c_ant = smur.require({"ANT"}, "the SMUR antenna flag");
    const auto c_samu = smur.require({"SAMU"}, "the SAMU flag");
    smur.for_each([&](const io::CsvRecord& r) {
      const bool is_smur = flag(smur, r, c_smur, "SMUR"), is_samu = flag(smur, r, c_samu, "SAMU");
      if (!is_smur && !is_samu) return;
      auto& s = site(smur, r, c_fi, c_rs);
      s.smur = is_smur;
      s.smur_antenna = is_smur && flag(smur, r, c_ant, "ANT");
      s.samu = is_samu;
    });
  }
  const io::CsvFile urg2(table(dir, "URGENCES2", year));
  {
    const auto c_fi = urg2.require({"FI"}, "the FINESS number"), c_pass = urg2.require({"PASSU"}, "the annual visits");
    urg2.for_each([&](const io::CsvRecord& r) {
      const auto it = sites.find(std::string(io::trim(r.fields[c_fi])));
      if (it == sites.end()) return;  // visits of a unit without an authorised service this year
      if (const auto v = io::parse_number(r.fields[c_pass])) it->second.visits += *v;
    });
  }
  const io::CsvFile id(table(dir, "ID", year));
  {
    const auto c_fi = id.require({"fi", "FI"}, "the FINESS number"), c_com = id.require({"COMINSEE"}, "the commune code");
    const auto c_rs = id.require({"rs", "RS"}, "the name");
    id.for_each([&](const io::CsvRecord& r) {
      const auto it = sites.find(std::string(io::trim(r.fields[c_fi])));
      if (it == sites.end()) return;
      auto& s = it->second;
      s.sae_commune = std::string(io::trim(r.fields[c_com]));
      const auto insee = sae_commune_to_insee(s.sae_commune);
      if (!insee)
        throw Error(Errc::code_malformed,
                    fmt::format("établissement {} ({}): commune \"{}\" is neither an INSEE code nor an SAE overseas code (9A105)", s.finess,
                                s.name, s.sae_commune),
                    id.path().string(), id.where(r), "correct COMINSEE (5 characters: 37261, 2A004 or 9D411)");
      s.commune = *insee;
      if (const auto rs = io::trim(r.fields[c_rs]); !rs.empty()) s.name = std::string(rs);
    });
  }
  rep.files = {id.path(), urg.path(), urg2.path(), smur.path()};
  std::vector<EmergencySite> out;
  for (auto& [fi, s] : sites) {
    if (s.commune.empty())
      throw Error(Errc::code_unknown, fmt::format("établissement {} ({}) has a service but no line in ID", fi, s.name), id.path().string(),
                  {}, "use the four tables of the same SAE year");
    rep.su_sites += s.su();
    rep.su_general += s.su_general;
    rep.su_paediatric += s.su_paediatric;
    rep.smur_sites += s.smur;
    rep.smur_antennas += s.smur_antenna;
    rep.samu += s.samu;
    rep.visits += s.visits;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace oasis::geodata
