#pragma once
// One call that loads a territory from a data directory: boundaries + COG population and
// hierarchy + DREES standardised population and official APL; and the supply loaders.
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "oasis/core/diagnostics.hpp"
#include "oasis/core/progress.hpp"
#include "oasis/geodata/boundaries.hpp"
#include "oasis/geodata/cog.hpp"
#include "oasis/model/supply.hpp"
#include "oasis/model/territory.hpp"

namespace oasis::geodata {

/// The data directory: --data, else $OASIS_DATA, else the build's default (../shared/geodata).
std::filesystem::path resolve_data_dir(const std::string& flag);
/// The decoupage-administratif package: --cog, else $OASIS_COG_DIR, else geodata/node_modules/...
std::filesystem::path resolve_cog_dir(const std::string& flag);

/// Where an INSEE code of any vintage (current, former, arrondissement, commune déléguée) lands in
/// a territory: `inside` (then `id`, and `how` when given, are set), `outside` the territory, or
/// `unmatched` by the COG.
enum class Place { inside, outside, unmatched };
Place place(std::string_view code, const Territory& territory, const Cog& cog, CommuneId& id, CodeMatch* how = nullptr);

struct TerritoryOptions {
  std::filesystem::path data_dir;
  std::filesystem::path cog_dir;
  std::optional<std::filesystem::path> communes;  // default <data>/communes
  std::optional<std::filesystem::path> apl;       // default <data>/apl/drees_apl_mg_2022_communes.csv
  bool use_apl = true;
  std::set<std::string> regions, departements;
  std::optional<int> assume_epsg;
  std::string code_field, name_field;
  int threads = 0;
  ProgressFn progress;
  FileCache cache;  // the prepared-input cache for the boundaries (docs/cache.md); off by default
};

struct AttributeReport {
  std::string file;
  std::size_t records = 0;
  std::size_t matched = 0;           // records attached to a commune of the territory
  std::size_t merged = 0;            // records folded into a current commune (former codes, arrondissements)
  std::size_t outside = 0;           // valid communes outside the territory
  std::size_t communes_without = 0;  // communes of the territory with no record
  std::vector<std::string> unmatched_codes;
};

struct LoadedTerritory {
  Territory territory;
  std::string cog_version;
  BoundaryReport boundaries;
  std::optional<AttributeReport> apl;
  std::vector<std::string> without_boundary;  // COG communes of the selection with no polygon
  double seconds = 0.0;
};

/// Throws Error on hard failures; counted warnings go to `diagnostics`.
LoadedTerritory load_territory(const TerritoryOptions& options, const Cog& cog, Diagnostics& diagnostics);

/// Attaches the DREES APL file's columns: population_std (pop_standardisee), apl_official
/// (apl_mg), apl_official_u65 (apl_mg_moins65), population_apl (pop_totale). Arrondissements and
/// former codes are folded into the current commune: populations summed, APL population-weighted.
AttributeReport attach_drees_apl(Territory& territory, const std::filesystem::path& file, const Cog& cog, Diagnostics& diagnostics);

/// INSEE population by single year of age (long format, e.g. the census table BTT_TD_POP1A:
/// NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB; sexes and former codes are summed): sets population_std =
/// sum over the 19 APL bands (0-4, ..., 85-89, 90+) of population x the DREES weight of `millesime`
/// (2022 or 2023), and population_age_total. Replaces the DREES file's population_std.
AttributeReport attach_age_bands(Territory& territory, const std::filesystem::path& file, const Cog& cog, int millesime,
                                 Diagnostics& diagnostics);

// ---- supply -------------------------------------------------------------------------------

struct SupplyOptions {
  std::filesystem::path path;
  /// auto | counts (code + count column) | rpps (ANS Annuaire santé extraction) | points
  std::string format = "auto";
  std::string column;       // counts: the amount column (default: nb_generalistes_rpps2026 or generaliste)
  std::string code_column;  // counts: the code column (default: first of code_insee, codecommuneetablissement, code, codgeo)
  // rpps: which activities count as supply
  std::string profession = "10";                   // Code profession: 10 = médecin
  std::set<std::string> savoir_faire{"SM54", ""};  // SM54 = médecine générale; "" = none declared
  std::set<std::string> modes{"L", "S", "B"};      // libéral, salarié, bénévole
  // points: coordinate columns (CSV) and their CRS
  std::string x_column, y_column, id_column, amount_column;
  std::string age_column;  // points: practitioner's age in years (fills SupplyTable::age)
  int points_epsg = 4326;
  double snap_tolerance_m = 1000.0;  // points outside every (simplified) polygon but this close are kept
};

struct SupplyReport {
  std::string file;
  std::string format;
  std::size_t records = 0;                   // data records read
  std::size_t kept = 0;                      // supply records kept
  std::size_t skipped = 0;                   // filtered out by rule (not a GP, zero count)
  std::size_t outside = 0;                   // valid communes / points outside the territory
  std::size_t snapped = 0;                   // points placed in the nearest commune within the tolerance
  std::vector<std::string> unmatched_codes;  // codes matching no commune (sorted, unique)
};

SupplyTable load_supply(const SupplyOptions& options, const Territory& territory, const Cog& cog, Diagnostics& diagnostics,
                        SupplyReport& report);

}  // namespace oasis::geodata
