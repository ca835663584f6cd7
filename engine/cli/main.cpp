// oasis: command-line front end. Each subcommand is a thin layer over the engine modules.
#include <charconv>
#include <cmath>
#include <filesystem>
#include <cstdio>
#include <new>
#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "common.hpp"
#include "oasis/io/csv.hpp"
#include "oasis/core/atomic_file.hpp"
#include "oasis/core/error.hpp"
#include "oasis/core/suggest.hpp"
#include "oasis/core/version.hpp"

namespace oasis::cli {

CLI::Validator at_least(long min) {
  return CLI::Validator(
      [min](std::string& s) -> std::string {
        long v = 0;
        const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || p != s.data() + s.size() || v < min) return fmt::format("'{}': give a whole number of {} or more", s, min);
        return {};
      },
      fmt::format("INT>={}", min));
}

CLI::Validator finite_number(bool strict) {
  return CLI::Validator(
      [strict](std::string& s) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(s.c_str(), &end);
        if (s.empty() || *end != '\0' || !std::isfinite(v) || v < 0 || (strict && v == 0))
          return fmt::format("'{}': give a number {} 0 (minutes, kilometres...)", s, strict ? "above" : "of at least");
        return {};
      },
      strict ? "NUMBER>0" : "NUMBER>=0");
}

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
  app.add_option("--threads", d.threads, "Worker threads (default: all cores)")->check(at_least(0));
}

void add_travel_flags(CLI::App& app, TravelFlags& t) {
  const travel::TravelOptions d;  // the defaults shown are the ones used
  app.add_option("--travel", t.model, fmt::format("Travel model: crowfly | commune-graph | osm | table (default {})", d.model))
      ->check(CLI::IsMember({"crowfly", "commune-graph", "osm", "table"}));
  app.add_option("--cutoff", t.cutoff_min, fmt::format("Longest travel time kept, in minutes (default {})", d.cutoff_min));
  app.add_option("--intra", t.intra_min,
                 fmt::format("Travel time inside a commune, in minutes (default {}, as DREES / Metric)", d.intra_min));
  app.add_option("--detour", t.detour,
                 fmt::format("Road length / straight line; 0 = the model's default ({} crowfly, {} commune-graph)",
                             travel::default_detour(travel::Model::crowfly), travel::default_detour(travel::Model::commune_graph)));
  app.add_option("--speed", t.speed_kmh,
                 fmt::format("Speed in km/h (crowfly; commune-graph outside dense communes) (default {})", d.speed_kmh));
  app.add_option("--urban-speed", t.urban_speed_kmh,
                 fmt::format("commune-graph: speed in dense communes, km/h (default {})", d.urban_speed_kmh));
  app.add_option("--urban-density", t.urban_density,
                 fmt::format("commune-graph: density from which a commune is dense, inhabitants/km2 (default {})", d.urban_density));
  app.add_option("--osm", t.osm, "osm: OpenStreetMap extract (.osm.pbf)");
  app.add_option("--od-table", t.table, "table: OD file, CSV from_id,to_id,minutes (INSEE codes) or .odb");
}

travel::TravelSettings travel_settings(const TravelFlags& f, int threads) {
  auto o = f;
  o.threads = threads;
  return travel::settings_from(o);
}

geodata::TerritoryOptions territory_options(const DataFlags& d) {
  geodata::TerritoryOptions o;
  o.data_dir = geodata::resolve_data_dir(d.data);
  o.cog_dir = geodata::resolve_cog_dir(d.cog);
  if (!d.communes.empty()) o.communes = d.communes;
  if (!d.apl.empty()) o.apl = d.apl;
  o.use_apl = !d.no_apl;
  o.regions = {d.regions.begin(), d.regions.end()};
  o.departements = {d.departements.begin(), d.departements.end()};
  o.assume_epsg = parse_epsg(d.assume_crs);
  o.code_field = d.code_field;
  o.threads = d.threads;
  return o;
}

nlohmann::ordered_json warnings_json(const Diagnostics& diag) {
  nlohmann::ordered_json w = nlohmann::ordered_json::object();
  for (const auto& [k, n] : diag.counts()) w[std::string(warn_name(k))] = n;
  return w;
}

std::string warnings_text(const Diagnostics& diag) {
  std::string text;
  for (const auto& [k, n] : diag.counts()) text += fmt::format("warning       {} x{}\n", warn_name(k), n);
  return text;
}

IdTable read_id_values(const std::string& path, std::initializer_list<std::string_view> value_names, const char* what, Diagnostics& diag) {
  const io::CsvFile csv(path);
  if (csv.was_latin1()) diag.add(Warn::encoding, path, "", "not UTF-8: read as Latin-1");
  const auto c_id = csv.require({"id", "geoid", "code", "code_insee"}, fmt::format("the {} id column", what).c_str());
  std::optional<std::size_t> c_v;
  if (value_names.size()) c_v = csv.require(value_names, fmt::format("the {} value column", what).c_str());
  IdTable t;
  csv.for_each([&](const io::CsvRecord& r) {
    const std::string id(io::trim(r.fields[c_id]));
    if (id.empty()) throw Error(Errc::value_invalid, fmt::format("empty {} id", what), path, csv.where(r), "give every line an id");
    double v = 1.0;
    if (c_v) {
      const auto x = io::parse_number(r.fields[*c_v], csv.decimal_comma());
      if (!x || *x < 0)
        throw Error(Errc::value_invalid, fmt::format("{} '{}' of id '{}' is not a number >= 0", what, r.fields[*c_v], id), path,
                    csv.where(r), "values are finite numbers >= 0");
      v = *x;
    }
    if (!t.index.emplace(id, static_cast<std::uint32_t>(t.ids.size())).second)
      throw Error(Errc::code_duplicate, fmt::format("id '{}' appears twice", id), path, csv.where(r), "keep one line per id");
    t.ids.push_back(id);
    t.values.push_back(v);
  });
  if (t.ids.empty()) throw Error(Errc::empty_input, fmt::format("no {} record", what), path);
  return t;
}

std::string thousands(double v) {
  const std::string digits = fmt::format("{:.0f}", v);
  const std::size_t lead = (!digits.empty() && digits[0] == '-') ? 1 : 0;
  std::string out(digits, 0, lead);
  for (std::size_t i = lead; i < digits.size(); ++i) {
    if (i > lead && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::vector<std::string> unknown_option_hint(const CLI::App& app) {
  const CLI::App* cmd = &app;
  for (const auto* sub : app.get_subcommands()) cmd = sub;  // the subcommand given
  std::vector<std::string> known;
  for (const auto* opt : cmd->get_options({}))
    for (const auto& n : opt->get_lnames()) known.push_back("--" + n);
  auto extras = cmd->remaining();
  if (cmd != &app)
    for (const auto& a : app.remaining()) extras.push_back(a);
  for (const auto& arg : extras) {
    if (!arg.starts_with("--")) continue;
    const auto name = arg.substr(0, arg.find('='));
    const auto near = closest(name, known);
    const auto help = cmd == &app ? std::string("oasis --help") : fmt::format("oasis {} --help", cmd->get_name());
    return {fmt::format("unknown option {}", name),
            near.empty() ? fmt::format("{} lists the options", help) : fmt::format("did you mean {}? ({} lists the options)", near, help)};
  }
  return {};
}

std::optional<int> parse_epsg(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::string t = text;
  if (t.rfind("EPSG:", 0) == 0 || t.rfind("epsg:", 0) == 0) t = t.substr(5);
  try {
    std::size_t used = 0;
    const int v = std::stoi(t, &used);
    if (used == t.size() && v > 0) return v;
  } catch (const std::exception&) {}
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
  cli::register_travel(app, global);
  cli::register_access(app, global);
  cli::register_run(app, global);
  cli::register_site(app, global);
  cli::register_grants(app, global);
  cli::register_map(app, global);
  cli::register_sweep(app, global);
  cli::register_serve(app, global);
  cli::register_shell(app);
  cli::install_interrupt_handler();
  const InputScope inputs;  // no output of this command may replace one of its inputs
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError& e) {
    // An unknown option: name the closest one of that command ("did you mean --output?").
    if (const auto hint = cli::unknown_option_hint(app); !hint.empty()) {
      fmt::print(stderr, "oasis: {}\n", format_error(Error(Errc::usage, hint.front(), {}, {}, hint.back())));
      return static_cast<int>(Errc::usage);
    }
    app.exit(e);
    return static_cast<int>(Errc::usage);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return static_cast<int>(Errc::usage);
  } catch (const Error& e) {
    std::fflush(stdout);
    fmt::print(stderr, "oasis: {}\n", format_error(e));
    return static_cast<int>(e.code());
  } catch (const std::filesystem::filesystem_error& e) {
    // A file-system call without its own message (permissions, a full disk, a path that vanished).
    std::fflush(stdout);
    const auto err = Error(Errc::io, e.code().message(), e.path1().string(), {}, "check the path, its permissions and the free space");
    fmt::print(stderr, "oasis: {}\n", format_error(err));
    return static_cast<int>(Errc::io);
  } catch (const std::bad_alloc&) {
    std::fflush(stdout);
    fmt::print(stderr, "oasis: {}\n",
               format_error(Error(Errc::memory, "out of memory", {}, {},
                                  "select fewer communes, lower travel.cutoff_min, or give the process more memory "
                                  "(all of France needs about 0.5 GB)")));
    return static_cast<int>(Errc::memory);
  } catch (const std::exception& e) {
    fmt::print(stderr, "oasis: {} ({}): {}\n", errc_name(Errc::internal), static_cast<int>(Errc::internal), e.what());
    return static_cast<int>(Errc::internal);
  }
  return 0;
}
