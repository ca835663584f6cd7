#pragma once
// The Code officiel géographique as shipped by the npm package @etalab/decoupage-administratif:
// current communes with legal population, EPCI, département, région, postal codes, and the
// mapping of former codes (anciensCodes, communes déléguées/associées, municipal arrondissements)
// to the current commune.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "oasis/core/cache.hpp"

namespace oasis::geodata {

struct CogCommune {
  std::string code;
  std::string name;
  std::string departement;
  std::string region;
  std::string epci;         // SIREN, empty when the commune belongs to none
  std::string zone;         // "metro", "drom", "com"
  double population = 0.0;  // population municipale (legal population of the COG year)
};

enum class CodeMatch { current, former, arrondissement, delegated };

struct CogMatch {
  std::uint32_t index;  // into communes()
  CodeMatch how;
};

class Cog {
 public:
  /// Reads `package_dir`/data/{communes,epci,departements,regions}.json and package.json.
  /// Throws Error(io) with the install command when the package is missing. With `cache` on, a
  /// binary copy keyed on the SHA-256 of those five files is read instead when it is there
  /// (docs/cache.md), and written when it is not: the same Cog either way.
  static Cog load(const std::filesystem::path& package_dir, const FileCache& cache = {});
  /// Whether load() was served by the cache.
  bool from_cache() const noexcept { return from_cache_; }
  /// SHA-256 over the five files' SHA-256: what the boundary cache's key names.
  const std::string& fingerprint() const noexcept { return fingerprint_; }

  const std::string& version() const noexcept { return version_; }
  const std::filesystem::path& directory() const noexcept { return dir_; }
  const std::vector<CogCommune>& communes() const noexcept { return communes_; }
  std::optional<CogMatch> match(std::string_view code) const;
  /// Current communes served by a postal code (several communes may share one).
  std::vector<std::uint32_t> by_postcode(std::string_view postcode) const;
  bool has_region(std::string_view code) const { return region_names_.count(std::string(code)) > 0; }
  bool has_departement(std::string_view code) const { return dep_names_.count(std::string(code)) > 0; }
  std::string region_name(std::string_view code) const;
  std::string epci_name(std::string_view siren) const;
  std::string departement_name(std::string_view code) const;
  /// "région" when the commune is the chef-lieu (prefecture) of its région, "département" when it
  /// is that of its département only, "" otherwise (chefLieu of regions.json / departements.json).
  std::string seat(std::string_view commune) const;

 private:
  static Cog parse(const std::filesystem::path& package_dir);
  std::string encode() const;
  static Cog decode(std::string_view bytes, const std::filesystem::path& package_dir);

  bool from_cache_ = false;
  std::string fingerprint_;
  std::filesystem::path dir_;
  std::string version_;
  std::vector<CogCommune> communes_;
  std::unordered_map<std::string, std::uint32_t> current_;
  std::unordered_map<std::string, CogMatch> former_;
  std::unordered_map<std::string, std::vector<std::uint32_t>> postcodes_;
  std::unordered_map<std::string, std::string> region_names_, dep_names_, epci_names_;
  std::unordered_map<std::string, std::string> region_seats_, dep_seats_;  // code -> chef-lieu commune
};

}  // namespace oasis::geodata
