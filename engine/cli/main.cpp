// oasis: command-line front end. Each subcommand is a thin layer over the engine modules.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "common.hpp"
#include "oasis/core/error.hpp"
#include "oasis/core/version.hpp"

namespace oasis::cli {

void add_global_flags(CLI::App& app, GlobalFlags& g) {
  app.add_flag("-q,--quiet", g.quiet, "Print nothing but errors (no summary, no progress)");
  app.add_flag("--progress", g.progress, "Always report progress (also when stderr is not a terminal)");
  app.add_option("-o,--output", g.output, "Write the result to this file (atomically: temporary name, then rename)");
  app.add_flag("--overwrite", g.overwrite, "Replace the output if it exists");
}

void add_data_flags(CLI::App& app, DataFlags& d) {
  app.add_option("--data", d.data, "Data directory (default: $OASIS_DATA, else ../shared/geodata)");
  app.add_option("--cog", d.cog, "@etalab/decoupage-administratif package folder (default: $OASIS_COG_DIR, else geodata/node_modules/...)");
  app.add_option("--communes", d.communes, "Commune boundaries: a vector file or a folder of files (default: <data>/communes)");
  app.add_option("--apl", d.apl, "DREES APL CSV (default: <data>/apl/drees_apl_mg_2022_communes.csv)");
  app.add_flag("--no-apl", d.no_apl, "Do not read the DREES APL file");
  app.add_option("--region", d.regions, "Keep the communes of this région (COG code, e.g. 24); repeatable");
  app.add_option("--departement", d.departements, "Keep the communes of this département (e.g. 37, 2A, 974); repeatable");
  app.add_option("--assume-crs", d.assume_crs, "CRS of boundary layers that declare none (e.g. EPSG:2154)");
  app.add_option("--code-field", d.code_field, "Attribute holding the INSEE code (default: code, INSEE_COM, insee...)");
  app.add_option("--threads", d.threads, "Worker threads (default: all cores)")->check(CLI::NonNegativeNumber);
}

std::optional<int> parse_epsg(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::string t = text;
  if (t.rfind("EPSG:", 0) == 0 || t.rfind("epsg:", 0) == 0) t = t.substr(5);
  try {
    std::size_t used = 0;
    const int v = std::stoi(t, &used);
    if (used == t.size() && v > 0) return v;
  } catch (const std::exception&) {
  }
  throw Error(Errc::usage, fmt::format("'{}' is not a CRS code", text), {}, {}, "write it as EPSG:2154 or 2154");
}

}  // namespace oasis::cli

int main(int argc, char** argv) {
  using namespace oasis;
  CLI::App app{"Oasis: accessibility, zoning and siting for medical-desert planning", "oasis"};
  app.set_version_flag("--version", std::string("oasis ") + kVersion);
  app.require_subcommand(1);
  app.fallthrough();
  cli::GlobalFlags global;
  cli::register_info(app, global);
  cli::install_interrupt_handler();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return static_cast<int>(Errc::usage);
  } catch (const Error& e) {
    std::fflush(stdout);
    fmt::print(stderr, "oasis: {}\n", format_error(e));
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    fmt::print(stderr, "oasis: {} ({}): {}\n", errc_name(Errc::internal), static_cast<int>(Errc::internal), e.what());
    return static_cast<int>(Errc::internal);
  }
  return 0;
}
