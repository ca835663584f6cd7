#pragma once
// Options shared by the subcommands, registered once so every subcommand spells them the same.
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "progress_bar.hpp"

namespace oasis::cli {

struct GlobalFlags {
  bool quiet = false;
  bool progress = false;
  std::string output;  // -o
  bool overwrite = false;
  ProgressMode progress_mode() const {
    return quiet ? ProgressMode::never : progress ? ProgressMode::always : ProgressMode::automatic;
  }
};

struct DataFlags {
  std::string data;     // --data (else $OASIS_DATA, else the build default)
  std::string cog;      // --cog (else $OASIS_COG_DIR)
  std::string communes;  // --communes FILE|DIR (default <data>/communes)
  std::string apl;      // --apl FILE (default <data>/apl/drees_apl_mg_2022_communes.csv)
  bool no_apl = false;
  std::vector<std::string> regions, departements;
  std::string assume_crs;  // EPSG:NNNN
  std::string code_field;
  int threads = 0;
};

void add_global_flags(CLI::App& app, GlobalFlags& g);
void add_data_flags(CLI::App& app, DataFlags& d);
/// "EPSG:2154" / "2154" -> 2154; throws Error(usage) otherwise.
std::optional<int> parse_epsg(const std::string& text);

void register_info(CLI::App& app, GlobalFlags& g);

}  // namespace oasis::cli
