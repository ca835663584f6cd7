#include "oasis/geodata/cog.hpp"

#include <algorithm>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oasis/core/binary.hpp"
#include "oasis/core/checksum.hpp"
#include "oasis/core/atomic_file.hpp"
#include "oasis/core/error.hpp"

namespace oasis::geodata {
namespace {
using nlohmann::json;

json read_json(const std::filesystem::path& p) {
  if (std::filesystem::exists(p)) check_input_file(p, InputKind::json, "a COG file");
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

namespace {
/// Bumped whenever parse() or the encoding changes what a cached Cog holds.
constexpr int kCogCacheFormat = 2;  // 2: the chefs-lieux of régions and départements
constexpr const char* kCogFiles[] = {"package.json", "data/communes.json", "data/epci.json", "data/regions.json", "data/departements.json"};

/// Sorted (key, value) pairs of a hash map: the same bytes whatever the map's order.
template <class V>
std::vector<std::pair<std::string, V>> sorted(const std::unordered_map<std::string, V>& m) {
  std::vector<std::pair<std::string, V>> v(m.begin(), m.end());
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return v;
}
void put_names(BinaryWriter& w, const std::unordered_map<std::string, std::string>& m) {
  const auto v = sorted(m);
  w.put(static_cast<std::uint64_t>(v.size()));
  for (const auto& [k, x] : v) w.put_str(k), w.put_str(x);
}
void get_names(BinaryReader& r, std::unordered_map<std::string, std::string>& m) {
  const auto n = r.get<std::uint64_t>();
  for (std::uint64_t i = 0; i < n; ++i) {
    auto k = r.get_str();
    m.emplace(std::move(k), r.get_str());
  }
}
}  // namespace

Cog Cog::load(const std::filesystem::path& dir, const FileCache& cache) {
  std::string key = fmt::format("cog {}", kCogCacheFormat);
  for (const char* f : kCogFiles) {
    const auto p = dir / f;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p, ec)) return parse(dir);  // parse() names what is missing
    key += fmt::format("\n{} {}", f, sha256_file(p));
  }
  if (const auto bytes = cache.read("cog", key)) {
    try {
      auto cog = decode(*bytes, dir);
      cog.from_cache_ = true;
      cog.fingerprint_ = sha256_text(key);
      return cog;
    } catch (const Error&) {  // an entry this build cannot read: parsed again and rewritten
    }
  }
  auto cog = parse(dir);
  cog.fingerprint_ = sha256_text(key);
  cache.write("cog", key, cog.encode());
  return cog;
}

std::string Cog::encode() const {
  BinaryWriter w;
  w.put_str(version_);
  w.put(static_cast<std::uint64_t>(communes_.size()));
  for (const auto& c : communes_) {
    w.put_str(c.code), w.put_str(c.name), w.put_str(c.departement), w.put_str(c.region), w.put_str(c.epci), w.put_str(c.zone);
    w.put(c.population);
  }
  const auto former = sorted(former_);
  w.put(static_cast<std::uint64_t>(former.size()));
  for (const auto& [k, m] : former) w.put_str(k), w.put(m.index), w.put(static_cast<std::int32_t>(m.how));
  const auto post = sorted(postcodes_);
  w.put(static_cast<std::uint64_t>(post.size()));
  for (const auto& [k, v] : post) w.put_str(k), w.put_vec(v);
  put_names(w, region_names_);
  put_names(w, dep_names_);
  put_names(w, epci_names_);
  put_names(w, region_seats_);
  put_names(w, dep_seats_);
  return w.take();
}

Cog Cog::decode(std::string_view bytes, const std::filesystem::path& dir) {
  BinaryReader r(bytes, dir.string(), "cached COG", "it is rebuilt");
  Cog cog;
  cog.dir_ = dir;
  cog.version_ = r.get_str();
  const auto n = r.get<std::uint64_t>();
  if (n > bytes.size()) r.need(bytes.size() + 1);
  cog.communes_.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    CogCommune c;
    c.code = r.get_str(), c.name = r.get_str(), c.departement = r.get_str(), c.region = r.get_str(), c.epci = r.get_str(),
    c.zone = r.get_str();
    c.population = r.get<double>();
    cog.current_.emplace(c.code, static_cast<std::uint32_t>(i));
    cog.communes_.push_back(std::move(c));
  }
  const auto nf = r.get<std::uint64_t>();
  for (std::uint64_t i = 0; i < nf; ++i) {
    auto k = r.get_str();
    const auto idx = r.get<std::uint32_t>();
    const auto how = r.get<std::int32_t>();
    if (idx >= n || how < 0 || how > static_cast<int>(CodeMatch::delegated)) r.need(bytes.size() + 1);
    cog.former_.emplace(std::move(k), CogMatch{idx, static_cast<CodeMatch>(how)});
  }
  const auto np = r.get<std::uint64_t>();
  for (std::uint64_t i = 0; i < np; ++i) {
    auto k = r.get_str();
    cog.postcodes_.emplace(std::move(k), r.get_vec<std::uint32_t>());
  }
  get_names(r, cog.region_names_);
  get_names(r, cog.dep_names_);
  get_names(r, cog.epci_names_);
  get_names(r, cog.region_seats_);
  get_names(r, cog.dep_seats_);
  if (!r.at_end()) r.need(bytes.size() + 1);
  return cog;
}

Cog Cog::parse(const std::filesystem::path& dir) {
  Cog cog;
  cog.fingerprint_ = "unhashed";
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
  for (const auto& r : read_json(dir / "data" / "regions.json")) {
    cog.region_names_[str(r, "code")] = str(r, "nom");
    cog.region_seats_[str(r, "code")] = str(r, "chefLieu");
  }
  for (const auto& d : read_json(dir / "data" / "departements.json")) {
    cog.dep_names_[str(d, "code")] = str(d, "nom");
    cog.dep_seats_[str(d, "code")] = str(d, "chefLieu");
  }
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

std::string Cog::seat(std::string_view commune) const {
  const auto it = current_.find(std::string(commune));
  if (it == current_.end()) return {};
  const auto& c = communes_[it->second];
  const auto r = region_seats_.find(c.region);
  if (r != region_seats_.end() && r->second == c.code) return "région";
  const auto d = dep_seats_.find(c.departement);
  if (d != dep_seats_.end() && d->second == c.code) return "département";
  return {};
}

std::string Cog::departement_name(std::string_view code) const {
  auto it = dep_names_.find(std::string(code));
  return it == dep_names_.end() ? std::string() : it->second;
}

}  // namespace oasis::geodata
