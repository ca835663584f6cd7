#include "oasis/geodata/cog.hpp"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oasis/core/error.hpp"

namespace oasis::geodata {
namespace {
using nlohmann::json;

json read_json(const std::filesystem::path& p) {
  std::ifstream in(p);
  if (!in)
    throw Error(Errc::io, "cannot read the decoupage-administratif data", p.string(), {},
                "install it with `npm ci --prefix geodata` (the set-up command does it), or point "
                "--cog / OASIS_COG_DIR at an installed @etalab/decoupage-administratif package");
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw Error(Errc::format, fmt::format("invalid JSON: {}", e.what()), p.string(), {},
                "reinstall the package (`npm ci --prefix geodata`)");
  }
}

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
}  // namespace

Cog Cog::load(const std::filesystem::path& dir) {
  Cog cog;
  cog.dir_ = dir;
  const auto pkg = read_json(dir / "package.json");
  cog.version_ = fmt::format("{}@{}", str(pkg, "name"), str(pkg, "version"));
  const auto communes = read_json(dir / "data" / "communes.json");
  if (!communes.is_array() || communes.empty())
    throw Error(Errc::empty_input, "no commune in the COG file", (dir / "data" / "communes.json").string());

  for (const auto& c : communes) {
    if (str(c, "type") != "commune-actuelle") continue;
    CogCommune cc;
    cc.code = str(c, "code");
    cc.name = str(c, "nom");
    cc.departement = str(c, "departement");
    cc.region = str(c, "region");
    cc.zone = str(c, "zone");
    cc.population = c.value("population", 0.0);
    const auto idx = static_cast<std::uint32_t>(cog.communes_.size());
    cog.current_.emplace(cc.code, idx);
    if (auto it = c.find("codesPostaux"); it != c.end())
      for (const auto& cp : *it) cog.postcodes_[cp.get<std::string>()].push_back(idx);
    cog.communes_.push_back(std::move(cc));
  }
  // Former codes, in order of authority: anciensCodes of current communes, then municipal
  // arrondissements (their parent commune), then communes déléguées / associées (chef-lieu).
  for (const auto& c : communes) {
    if (str(c, "type") != "commune-actuelle") continue;
    const auto idx = cog.current_.at(str(c, "code"));
    if (auto it = c.find("anciensCodes"); it != c.end())
      for (const auto& old : *it) cog.former_.emplace(old.get<std::string>(), CogMatch{idx, CodeMatch::former});
  }
  for (const auto& c : communes) {
    const auto type = str(c, "type");
    const auto parent = type == "arrondissement-municipal"                           ? str(c, "commune")
                        : (type == "commune-deleguee" || type == "commune-associee") ? str(c, "chefLieu")
                                                                                     : std::string();
    if (parent.empty()) continue;
    auto it = cog.current_.find(parent);
    if (it == cog.current_.end()) continue;
    cog.former_.emplace(str(c, "code"),
                        CogMatch{it->second, type == "arrondissement-municipal" ? CodeMatch::arrondissement : CodeMatch::delegated});
  }
  const auto epci = read_json(dir / "data" / "epci.json");
  for (const auto& e : epci) {
    cog.epci_names_[str(e, "code")] = str(e, "nom");
    for (const auto& m : e.at("membres"))
      if (auto it = cog.current_.find(str(m, "code")); it != cog.current_.end()) cog.communes_[it->second].epci = str(e, "code");
  }
  for (const auto& r : read_json(dir / "data" / "regions.json")) cog.region_names_[str(r, "code")] = str(r, "nom");
  for (const auto& d : read_json(dir / "data" / "departements.json")) cog.dep_names_[str(d, "code")] = str(d, "nom");
  for (auto& [cp, v] : cog.postcodes_) std::sort(v.begin(), v.end());
  return cog;
}

std::optional<CogMatch> Cog::match(std::string_view code) const {
  const std::string k(code);
  if (auto it = current_.find(k); it != current_.end()) return CogMatch{it->second, CodeMatch::current};
  if (auto it = former_.find(k); it != former_.end()) return it->second;
  return std::nullopt;
}

std::vector<std::uint32_t> Cog::by_postcode(std::string_view postcode) const {
  auto it = postcodes_.find(std::string(postcode));
  return it == postcodes_.end() ? std::vector<std::uint32_t>{} : it->second;
}

std::string Cog::epci_name(std::string_view code) const {
  auto it = epci_names_.find(std::string(code));
  return it == epci_names_.end() ? std::string() : it->second;
}

std::string Cog::region_name(std::string_view code) const {
  auto it = region_names_.find(std::string(code));
  return it == region_names_.end() ? std::string() : it->second;
}

std::string Cog::departement_name(std::string_view code) const {
  auto it = dep_names_.find(std::string(code));
  return it == dep_names_.end() ? std::string() : it->second;
}

}  // namespace oasis::geodata
