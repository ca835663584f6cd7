#pragma once
// Options shared by the subcommands, registered once so every subcommand spells them the same.
#include <functional>
#include <optional>
#include <unordered_map>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "oasis/core/diagnostics.hpp"
#include "oasis/core/memory.hpp"

#include "oasis/geodata/load.hpp"
#include "oasis/travel/settings.hpp"
#include "progress_bar.hpp"

namespace oasis::cli {

struct GlobalFlags {
  bool quiet = false;
  bool progress = false;
  std::string output;  // -o
  bool overwrite = false;
  ProgressMode progress_mode() const { return quiet ? ProgressMode::never : progress ? ProgressMode::always : ProgressMode::automatic; }
};

struct DataFlags {
  std::string data;      // --data (else $OASIS_DATA, else the build default)
  std::string cog;       // --cog (else $OASIS_COG_DIR)
  std::string communes;  // --communes FILE|DIR (default <data>/communes)
  std::string apl;       // --apl FILE (default <data>/apl/drees_apl_mg_2022_communes.csv)
  bool no_apl = false;
  std::vector<std::string> regions, departements;
  std::string assume_crs;  // EPSG:NNNN
  std::string code_field;
  int threads = 0;
};

/// The travel flags bind straight into the one declaration of the travel options and their defaults.
using TravelFlags = travel::TravelOptions;

void add_global_flags(CLI::App& app, GlobalFlags& g);
/// A whole number >= `min` ("INT>=1"), refused with a message a reader can act on ("--p 0: give a
/// whole number of 1 or more") instead of the parser's range with its 309-digit bound.
CLI::Validator at_least(long min);
/// A finite number >= 0 (or > 0 with `strict`): "nan", "-5" and "inf" are refused with what to give.
CLI::Validator finite_number(bool strict);
/// `oasis completion` and `oasis man`, generated from `app` once every other subcommand is registered.
void register_shell(CLI::App& app);
/// After a parse with unknown arguments: {message, fix} naming the closest option of the command
/// to the first unknown --option, or {} when none was given.
std::vector<std::string> unknown_option_hint(const CLI::App& app);
void add_travel_flags(CLI::App& app, TravelFlags& t);
travel::TravelSettings travel_settings(const TravelFlags& t, int threads);
/// Territory options from the data flags (paths resolved: flag, environment, default).
geodata::TerritoryOptions territory_options(const DataFlags& d);
void add_data_flags(CLI::App& app, DataFlags& d);
/// "EPSG:2154" / "2154" -> 2154; throws Error(usage) otherwise.
std::optional<int> parse_epsg(const std::string& text);

void register_info(CLI::App& app, GlobalFlags& g);
void register_travel(CLI::App& app, GlobalFlags& g);
void register_access(CLI::App& app, GlobalFlags& g);
void register_run(CLI::App& app, GlobalFlags& g);
void register_site(CLI::App& app, GlobalFlags& g);
void register_grants(CLI::App& app, GlobalFlags& g);
void register_map(CLI::App& app, GlobalFlags& g);
void register_sweep(CLI::App& app, GlobalFlags& g);
void register_serve(CLI::App& app, GlobalFlags& g);

/// An id,value table of the matrix-mode commands (ids are strings, kept in file order).
struct IdTable {
  /// Searched by the field itself (no string built for a lookup).
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view v) const noexcept { return std::hash<std::string_view>{}(v); }
  };
  std::vector<std::string> ids;
  std::vector<double> values;
  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> index;
  std::optional<std::uint32_t> find(std::string_view id) const {
    const auto it = index.find(id);
    return it == index.end() ? std::nullopt : std::optional<std::uint32_t>(it->second);
  }
};
/// Reads `id[,value]` CSV: ids unique and non-empty; with `value_names`, values are numbers >= 0
/// (else every value is 1). Throws Error naming the file and the line; a file not in UTF-8 is read
/// as Latin-1 and counted in `diag` (W-ENCODING).
IdTable read_id_values(const std::string& path, std::initializer_list<std::string_view> value_names, const char* what, Diagnostics& diag);

/// Warning counts by name ({"W-CODE-MERGED": 22, ...}) and the same as summary lines.
nlohmann::ordered_json warnings_json(const Diagnostics& diag);
std::string warnings_text(const Diagnostics& diag);

/// 1234567 -> "1,234,567".
std::string thousands(double v);

}  // namespace oasis::cli
