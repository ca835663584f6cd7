// oasis grants: a scheme's rule file + applications + the zone lists in effect -> awards.csv and a
// summary against quotas, envelopes, targets and published totals (docs/grants.md).
#include <cstdio>
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common.hpp"
#include "oasis/core/atomic_file.hpp"
#include "oasis/core/checksum.hpp"
#include "oasis/core/error.hpp"
#include "oasis/core/version.hpp"
#include "oasis/grants/grants.hpp"

namespace oasis::cli {
namespace {

namespace fs = std::filesystem;

struct GrantFlags {
  std::vector<std::string> zones, params;
  std::string facts, scheme, applications, faculties, road_minutes, road_km, summary;
  bool csv_fr = false, json = false, describe = false;
};

fs::path zone_file(const std::string& spec) {
  fs::path p(spec);
  if (fs::is_directory(p)) p /= "zones.csv";
  return p;
}

/// One fact with its value, confidence, quote (« … ») and reading / origin, wrapped for a terminal.
void print_fact(const grants::Fact& f, const std::string& value) {
  const auto& p = f.prov;
  fmt::print("  {:<34} {:<12} {}\n", f.key, p.confidence, value);
  if (!p.quote.empty()) fmt::print("      « {} »{}\n", p.quote, p.source.empty() ? "" : " (" + p.source + ")");
  if (!p.reading.empty()) fmt::print("      reading: {}\n", p.reading);
  if (!p.origin.empty()) fmt::print("      origin: {}\n", p.origin);
  if (!p.note.empty()) fmt::print("      note: {}\n", p.note);
}

void describe(const grants::SchemeInfo& I) {
  fmt::print("{} — {} (version {}, {}{}, rule format {})\n", I.id, I.name, I.version, I.kind,
             I.region.empty() ? "" : ", région " + I.region, I.format);
  fmt::print("source: {}{}{}{}\n", I.source_title, I.source_date.empty() ? "" : " (" + I.source_date + ")",
             I.source_url.empty() ? "" : ", " + I.source_url, I.source_file.empty() ? "" : ", " + I.source_file);
  for (const auto& f : I.sources)
    fmt::print("  {}: {}\n", f.written,
               f.found ? fmt::format("{} quotes found in the page (sha256 {})", f.quotes, f.sha256.substr(0, 12))
                       : std::string("NOT FOUND beside the rule file: quotes not verified"));
  if (!I.valid_from.empty() || !I.valid_to.empty())
    fmt::print("valid: {} .. {}\n", I.valid_from.empty() ? "-" : I.valid_from, I.valid_to.empty() ? "-" : I.valid_to);
  fmt::print(
      "application columns read: {}\nfacts (confidence: confirmed = the quote states it, derived = read into the quote, "
      "unconfirmed = not from the source):\n",
      fmt::join(I.fields, ", "));
  for (const auto& p : I.parameters) {
    std::string v = "UNPUBLISHED";
    if (p.number)
      v = fmt::format("{}", *p.number);
    else if (p.text)
      v = *p.text;
    else if (p.flag)
      v = *p.flag ? "true" : "false";
    else if (p.list)
      v = fmt::format("[{}]", fmt::join(*p.list, ", "));
    else if (p.bands) {
      std::vector<std::string> b;
      for (const auto& [lo, am] : *p.bands) b.push_back(fmt::format("{}+:{}", lo, am));
      v = fmt::format("bands {}", fmt::join(b, " "));
    }
    print_fact({"parameter." + p.name, p.unit, p.prov, p.where}, v + (p.unit.empty() ? "" : " " + p.unit));
  }
  for (const auto& f : I.facts) print_fact(f, f.text);
  if (!I.open_points.empty()) fmt::print("open points (in the source, not computed):\n");
  for (const auto& f : I.open_points) print_fact(f, f.text);
}

void run_grants(const GrantFlags& f, const GlobalFlags& g) {
  if (f.scheme.empty()) throw Error(Errc::usage, "oasis grants needs --scheme RULES.toml");
  auto scheme = grants::load_scheme(f.scheme);
  std::vector<std::pair<std::string, std::string>> overrides;
  for (const auto& p : f.params) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) throw Error(Errc::usage, fmt::format("--param '{}' is not NAME=VALUE", p));
    overrides.emplace_back(p.substr(0, eq), p.substr(eq + 1));
  }
  if (!overrides.empty()) scheme = grants::with_parameters(scheme, overrides);
  const auto& I = grants::info(*scheme);
  if (f.describe) {
    describe(I);
    return;
  }
  if (f.applications.empty()) throw Error(Errc::usage, "oasis grants needs --applications APPS.csv (or --describe)");
  if (g.output.empty()) throw Error(Errc::usage, "oasis grants needs -o AWARDS.csv");
  grants::ZoneHistory zh;
  nlohmann::ordered_json inputs = nlohmann::ordered_json::array();
  const auto record = [&](const std::string& role, const fs::path& p, const std::string& extra = {}) {
    nlohmann::ordered_json j{{"role", role}, {"file", p.string()}, {"sha256", sha256_file(p)}};
    if (!extra.empty()) j["effective_from"] = extra;
    inputs.push_back(j);
  };
  record("scheme", f.scheme);
  for (const auto& src : I.sources)
    if (src.found) record("source", src.path);
  for (const auto& spec : f.zones) {
    std::string date;
    std::string path = spec;
    if (spec.size() > 11 && spec[10] == '=') date = spec.substr(0, 10), path = spec.substr(11);
    const auto file = zone_file(path);
    zh.add(date, grants::CommuneTable::read(file));
    record("zones", file, date);
  }
  if (!f.facts.empty()) {
    zh.facts = grants::CommuneTable::read(f.facts);
    record("facts", f.facts);
  }
  grants::RoadTables roads;
  if (!f.road_minutes.empty()) roads.minutes = grants::RoadTables::read(f.road_minutes, "minutes"), record("road_minutes", f.road_minutes);
  if (!f.road_km.empty()) roads.km = grants::RoadTables::read(f.road_km, "km"), record("road_km", f.road_km);
  std::vector<grants::Faculty> fac;
  grants::EvalContext ctx{&zh, nullptr, &roads};
  if (!f.faculties.empty()) {
    fac = grants::read_faculties(f.faculties);
    ctx.faculties = &fac;
    record("faculties", f.faculties);
  } else if (!I.faculties_file.empty()) {
    record("faculties", I.faculties_file);
  }
  const auto apps = grants::read_applications(f.applications, *scheme);
  record("applications", f.applications);
  const auto res = grants::evaluate(*scheme, apps, ctx);
  nlohmann::ordered_json S{{"engine", std::string("oasis ") + kVersion}, {"inputs", inputs}};
  for (const auto& [k, v] : res.summary.items()) S[k] = v;
  // Write both or neither: the summary goes first under its temporary name, the awards last.
  if (!f.summary.empty()) write_file_atomic(f.summary, S.dump(2) + "\n", g.overwrite);
  write_file_atomic(g.output, grants::awards_csv(res, f.csv_fr), g.overwrite);
  if (g.quiet) return;
  if (f.json) {
    std::fputs((S.dump(2) + "\n").c_str(), stdout);
    return;
  }
  const auto& R = res.summary;
  fmt::print("{} (version {}): {} applications; eligible: {}; awarded {} for {:.2f} {}\n", I.id, I.version, apps.size(),
             R["eligible"].dump(), R["awarded_count"].get<std::size_t>(), R["awarded_total"].get<double>(), I.currency);
  if (!R["unknown_parameters"].empty())
    fmt::print("not computable where these unpublished parameters are needed: {} (set them with --param NAME=VALUE)\n",
               fmt::join(R["unknown_parameters"].get<std::vector<std::string>>(), ", "));
  for (const char* k : {"quota", "envelope"})
    if (!R[k].empty()) fmt::print("{}: {}\n", k, R[k].dump());
  for (const auto& t : R["targets"]) fmt::print("target {}: {}\n", t["id"].get<std::string>(), t.dump());
  for (const auto& c : R["checks"]) fmt::print("check {}: {}\n", c["id"].get<std::string>(), c["result"].get<std::string>());
  for (const auto& u : R["unconfirmed_facts"])
    fmt::print("unconfirmed fact {} ({}): used by {} decisions, {} awards for {:.2f} {}\n", u["fact"].get<std::string>(),
               u["confidence"].get<std::string>(), u["decisions"].get<std::size_t>(), u["awarded_count"].get<std::size_t>(),
               u["awarded_total"].get<double>(), I.currency);
  fmt::print("written {}\n", g.output);
}

}  // namespace

void register_grants(CLI::App& app, GlobalFlags& g) {
  auto f = std::make_shared<GrantFlags>();
  auto* sub =
      app.add_subcommand("grants", "Grant calculators: a scheme's rule file applied to applications and zone lists (docs/grants.md)");
  add_global_flags(*sub, g);
  sub->add_option("--scheme", f->scheme, "Rule file (scenarios/grants/*.toml)")->required();
  sub->add_option("--applications", f->applications, "APPS.csv: one application per row (id + the columns the scheme reads)");
  sub->add_option("--zones", f->zones,
                  "Zone list: OUTDIR of `oasis run`, its zones.csv, or an official list (code_insee, zone); "
                  "DATE=FILE for the list in effect from DATE (repeat for several dates)");
  sub->add_option("--facts", f->facts, "FACTS.csv code_insee + commune facts the rules read (urgences_24h...)");
  sub->add_option("--param", f->params, "NAME=VALUE: set a parameter (TOML value, e.g. distance_bands=[[0,600],[50,1200]])");
  sub->add_option("--faculties", f->faculties, "Faculties file (default: the scheme's, scenarios/grants/facultes-medecine.csv)");
  sub->add_option("--road-minutes", f->road_minutes, "OD CSV from_id,to_id,minutes for metric = road_min (oasis travel -o)");
  sub->add_option("--road-km", f->road_km, "OD CSV from_id,to_id,km for metric = road_km");
  sub->add_option("--summary", f->summary, "Write the summary (totals, quotas, envelopes, targets, checks, inputs) as JSON");
  sub->add_flag("--csv-fr", f->csv_fr, "awards.csv with ';', decimal commas and a BOM (French spreadsheets)");
  sub->add_flag("--json", f->json, "Print the summary as JSON");
  sub->add_flag("--describe", f->describe, "Print the scheme: source, validity, every fact with its confidence and quote, open points");
  sub->callback([f, &g] { run_grants(*f, g); });
}

}  // namespace oasis::cli
