// Scenario loading: parse each file of the `extend` chain, validate it against the declared schema
// (key, type, range, choices, with the line), then read every key from the last file that sets it.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <vector>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "oasis/access/decay.hpp"
#include "oasis/core/code_insee.hpp"
#include "oasis/core/atomic_file.hpp"
#include "oasis/core/error.hpp"
#include "oasis/core/suggest.hpp"
#include "oasis/scenario/check.hpp"
#include "oasis/scenario/scenario.hpp"
#include "oasis/travel/settings.hpp"

namespace fs = std::filesystem;

namespace oasis::scenario {
namespace {

/// One parsed file of the chain.
struct Layer {
  std::string name;  // file name for messages
  fs::path dir;      // base of its relative paths
  toml::table doc;
};

const OptionDecl* find_decl(std::string_view path) {
  for (const auto& d : schema())
    if (d.path == path) return &d;
  return nullptr;
}

std::string join(std::string_view prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : fmt::format("{}.{}", prefix, key);
}

/// A path written in a scenario file, resolved against that file's folder ("" stays ""; "data:..."
/// = inside the data directory, resolved by the runner).
std::string resolve_path(const std::string& value, const fs::path& dir) {
  if (value.empty() || value.starts_with("data:")) return value;
  fs::path p(value);
  if (p.is_relative()) p = dir / p;
  return p.lexically_normal().string();
}

std::string line_of(const toml::source_region& s) { return s.begin.line ? fmt::format("line {}", s.begin.line) : std::string(); }

/// What a planner who wrote a value that is not a choice most likely meant.
std::string choice_hint(std::string_view key, std::string_view value) {
  std::string v(value);
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (key == "zoning.units" && (v == "tvs" || v == "territoire-de-vie-sante" || v == "bv" || v == "bassin-de-vie"))
    return fmt::format(
        "{} units come from a table: units = \"file\" with units_file = a CSV code_insee,unit_id[,unit_name]; "
        "docs/zoning.md",
        v == "tvs" || v.starts_with("terr") ? "TVS" : "bassin de vie");
  return {};
}

/// The declared key closest to an unknown one: a sibling in the same section first, then anywhere.
std::string suggestion(std::string_view pattern) {
  const auto dot = pattern.rfind('.');
  const std::string_view leaf = dot == std::string_view::npos ? pattern : pattern.substr(dot + 1);
  const std::string_view parent = dot == std::string_view::npos ? std::string_view() : pattern.substr(0, dot);
  for (const bool siblings : {true, false}) {
    std::string best;
    std::size_t best_d = 1000;
    for (const auto& d : schema()) {
      if (d.path.find('*') != std::string_view::npos && pattern.find('*') == std::string_view::npos) continue;
      const auto ddot = d.path.rfind('.');
      const std::string_view dleaf = ddot == std::string_view::npos ? d.path : d.path.substr(ddot + 1);
      const std::string_view dparent = ddot == std::string_view::npos ? std::string_view() : d.path.substr(0, ddot);
      if (siblings && dparent != parent) continue;
      const auto dist = edit_distance(leaf, dleaf);
      if (dist < best_d && dist <= std::max<std::size_t>(2, std::max(leaf.size(), dleaf.size()) / 2))
        best_d = dist, best = std::string(d.path);
    }
    if (!best.empty()) return best;
  }
  return {};
}

std::string sections_list() {
  std::string out;
  for (const auto& d : schema())
    if (d.kind == Kind::table && d.path.find('.') == std::string_view::npos) out += fmt::format("{}[{}]", out.empty() ? "" : ", ", d.path);
  return out;
}

[[noreturn]] void fail(Errc code, const Layer& L, const toml::source_region& where, const std::string& message, const std::string& fix) {
  throw Error(code, message, L.name, line_of(where), fix);
}

/// Whether `value` (a number as fmt prints it, or a string) is the schema's default of `path`: a
/// setting that only matters for one method is refused elsewhere unless it is left at its default
/// (a resolved scenario writes every key).
bool is_declared_default(std::string_view path, std::string_view value) {
  for (const auto& d : schema())
    if (d.path == path) {
      std::string def(d.default_toml);
      if (d.kind == Kind::string) return def == fmt::format("\"{}\"", value);
      return std::stod(def) == std::stod(std::string(value));
    }
  return false;
}

std::string show(const toml::node& v) {
  std::ostringstream os;
  if (v.is_table()) return "a table";
  if (v.is_array()) return "a list";
  v.visit([&](auto&& x) { os << toml::toml_formatter(x); });
  auto s = os.str();
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

void check_value(const OptionDecl& d, const std::string& shown, const toml::node& v, const Layer& L);
void check_scalar_value(const OptionDecl& d, const std::string& shown, const toml::node& v, const std::string& file);

void check_table(const toml::table& t, const std::string& pattern, const std::string& shown, const Layer& L) {
  const OptionDecl* parent = pattern.empty() ? nullptr : find_decl(pattern);
  for (auto&& [k, v] : t) {
    const std::string key(k.str());
    std::string child = parent && parent->kind == Kind::map ? join(pattern, "*") : join(pattern, key);
    const OptionDecl* d = find_decl(child);
    if (!d) {
      const auto s = suggestion(child);
      fail(Errc::scenario_key, L, k.source(), fmt::format("unknown key '{}'", join(shown, key)),
           s.empty() ? fmt::format("the sections are {}; every key is listed in docs/scenarios.md", sections_list())
                     : fmt::format("did you mean '{}'? (every key is listed in docs/scenarios.md)", s));
    }
    check_value(*d, join(shown, key), v, L);
  }
}

void check_value(const OptionDecl& d, const std::string& shown, const toml::node& v, const Layer& L) {
  auto type_error = [&](std::string_view expected) {
    fail(Errc::scenario_type, L, v.source(), fmt::format("'{}' = {} is not {}", shown, show(v), expected),
         fmt::format("write {} ({})", expected, d.doc));
  };
  switch (d.kind) {
    case Kind::table:
    case Kind::map:
      if (!v.is_table()) type_error(d.kind == Kind::map ? "a table of tables" : fmt::format("a table [{}]", shown));
      check_table(*v.as_table(), std::string(d.path), shown, L);
      return;
    case Kind::table_array: {
      if (!v.is_array_of_tables()) type_error(fmt::format("an array of tables [[{}]]", shown));
      std::size_t i = 0;
      for (const auto& e : *v.as_array()) {
        const auto& et = *e.as_table();
        const auto element = fmt::format("{}[{}]", shown, i++);
        check_table(et, std::string(d.path), element, L);
        for (const auto& c : schema())
          if (c.required && c.path.starts_with(d.path) && c.path.size() > d.path.size() && c.path[d.path.size()] == '.') {
            const auto leaf = c.path.substr(d.path.size() + 1);
            if (!et.contains(leaf))
              fail(Errc::scenario_key, L, et.source(), fmt::format("'{}' has no '{}'", element, leaf),
                   fmt::format("add {} = ... ({})", leaf, c.doc));
          }
      }
      return;
    }
    default: check_scalar_value(d, shown, v, L.name);
  }
}

void check_scalar_value(const OptionDecl& d, const std::string& shown, const toml::node& v, const std::string& file) {
  const auto fail = [&](Errc code, const std::string& message, const std::string& fix) {
    throw Error(code, message, file, line_of(v.source()), fix);
  };
  const auto type_error = [&](std::string_view expected) {
    fail(Errc::scenario_type, fmt::format("'{}' = {} is not {}", shown, show(v), expected), fmt::format("write {} ({})", expected, d.doc));
  };
  switch (d.kind) {
    case Kind::string: {
      if (!v.is_string()) type_error("text in quotes");
      if (!d.choices.empty()) {
        const auto s = v.as_string()->get();
        std::string_view rest = d.choices;
        bool ok = false;
        while (!rest.empty()) {
          const auto bar = rest.find('|');
          ok = ok || rest.substr(0, bar) == s;
          rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
        }
        if (!ok) {
          std::string choices(d.choices);
          std::replace(choices.begin(), choices.end(), '|', ' ');
          std::vector<std::string> list;
          for (std::istringstream in(choices); in >> choices;) list.push_back(choices);
          std::string fix = fmt::format("use one of: {}", fmt::join(list, " "));
          if (const auto hint = choice_hint(d.path, s); !hint.empty())
            fix = fmt::format("{} ({})", fix, hint);
          else if (const auto near = closest(s, list); !near.empty())
            fix = fmt::format("did you mean \"{}\"? {}", near, fix);
          fail(Errc::scenario_value, fmt::format("'{}' = \"{}\" is not one of the choices", shown, s), fix);
        }
      }
      return;
    }
    case Kind::boolean:
      if (!v.is_boolean()) type_error("true or false");
      return;
    case Kind::strings:
      if (!v.is_array()) type_error("a list of texts [\"...\"]");
      for (const auto& e : *v.as_array())
        if (!e.is_string()) type_error("a list of texts in quotes (codes keep their leading zero: \"01001\")");
      return;
    case Kind::integer:
    case Kind::number: {
      if (d.kind == Kind::integer && !v.is_integer()) type_error("a whole number");
      if (!v.is_number()) type_error("a number");
      const double x = v.is_integer() ? static_cast<double>(v.as_integer()->get()) : v.as_floating_point()->get();
      const bool low = d.min_open ? !(x > d.min) : !(x >= d.min);
      if (!std::isfinite(x) || low || !(x <= d.max))
        fail(Errc::scenario_value, fmt::format("'{}' = {} is out of range", shown, show(v)),
             fmt::format("{} must be {} {} and <= {}{}", d.path, d.min_open ? ">" : ">=", d.min, d.max,
                         d.unit.empty() ? "" : fmt::format(" ({})", d.unit)));
      return;
    }
    case Kind::table:
    case Kind::table_array:
    case Kind::map: return;
  }
}

Layer parse_layer(std::string_view text, const std::string& name, const fs::path& dir) {
  Layer L{name, dir, {}};
  if (std::size_t bad = 0; !valid_utf8(text, &bad)) {
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n');
    throw Error(Errc::format,
                fmt::format("not UTF-8: byte 0x{:02X} is not a UTF-8 character (a Latin-1 or Windows-1252 accent?)",
                            static_cast<unsigned char>(text[bad])),
                name, fmt::format("line {}", line),
                "save the file as UTF-8 (in the editor: Save as, encoding UTF-8; or iconv -f latin1 -t utf-8 FILE)");
  }
  try {
    L.doc = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    throw Error(Errc::format, fmt::format("not valid TOML: {}", e.description()), name, line_of(e.source()),
                "check quotes, brackets and '=' on that line (https://toml.io)");
  }
  check_table(L.doc, "", "", L);
  return L;
}

/// Loads `file` and, first, its bases; `seen` detects cycles.
void load_chain(const fs::path& file, std::vector<Layer>& out, std::vector<fs::path>& chain, std::vector<fs::path>& seen) {
  std::error_code ec;
  const auto canon = fs::weakly_canonical(file, ec);
  if (std::find(seen.begin(), seen.end(), canon) != seen.end()) {
    std::string cycle;
    for (const auto& s : seen) cycle += s.filename().string() + " -> ";
    throw Error(Errc::scenario_extend, fmt::format("'extend' makes a cycle: {}{}", cycle, canon.filename().string()), seen.back().string(),
                {}, "a scenario cannot extend itself, directly or through its bases");
  }
  if (!fs::exists(file))
    throw Error(Errc::io, "scenario file not found", file.string(), {},
                "check the path (extend paths are relative to the file that holds them)");
  seen.push_back(canon);
  auto layer = parse_layer(read_file(file, "the scenario file"), file.string(), file.parent_path());
  if (const auto* ext = layer.doc.get("extend")) {
    const fs::path base = layer.dir / ext->as_string()->get();
    if (!fs::is_regular_file(base))
      fail(Errc::scenario_extend, layer, ext->source(), fmt::format("'extend' names '{}', which does not exist", base.string()),
           "extend paths are relative to the folder of the file that holds them");
    load_chain(base, out, chain, seen);
  }
  seen.pop_back();
  chain.push_back(canon);
  out.push_back(std::move(layer));
}

/// Reads keys through the chain: the last file that sets a key wins; else the declared default.
class Reader {
 public:
  explicit Reader(const std::vector<Layer>& layers) : layers_(layers) {
    for (const auto& d : schema())
      if (!d.default_toml.empty()) defaults_.emplace(std::string(d.path), toml::parse(fmt::format("v = {}", d.default_toml)));
  }

  struct Found {
    const toml::node* node = nullptr;
    const Layer* layer = nullptr;
  };
  Found find(std::string_view path) const {
    for (auto it = layers_.rbegin(); it != layers_.rend(); ++it)
      if (const auto* n = it->doc.at_path(path).node()) return {n, &*it};
    return {};
  }
  const toml::node& value(std::string_view path, std::string_view decl_path = {}) const {
    if (const auto f = find(path); f.node) return *f.node;
    const auto it = defaults_.find(std::string(decl_path.empty() ? path : decl_path));
    if (it == defaults_.end()) throw Error(Errc::internal, fmt::format("scenario key {} has no default", path));
    return *it->second.get("v");
  }
  std::string str(std::string_view path) const { return value(path).as_string()->get(); }
  double num(std::string_view path, std::string_view decl = {}) const {
    const auto& v = value(path, decl);
    return v.is_integer() ? static_cast<double>(v.as_integer()->get()) : v.as_floating_point()->get();
  }
  bool boolean(std::string_view path) const { return value(path).as_boolean()->get(); }
  std::vector<std::string> strings(std::string_view path) const {
    std::vector<std::string> out;
    for (const auto& e : *value(path).as_array()) out.push_back(e.as_string()->get());
    return out;
  }
  /// A path key, resolved against the folder of the file that set it ("" stays "").
  std::string path(std::string_view key) const {
    const auto f = find(key);
    if (!f.node) return {};
    return resolve_path(f.node->as_string()->get(), f.layer->dir);
  }
  std::string where(std::string_view path) const {
    const auto f = find(path);
    if (!f.node) return "default";
    return fmt::format("{}, {}", f.layer->name, line_of(f.node->source()));
  }
  [[noreturn]] void fail(Errc code, std::string_view key, std::string message, std::string fix) const {
    const auto f = find(key);
    if (f.node) throw Error(code, std::move(message), f.layer->name, line_of(f.node->source()), std::move(fix));
    throw Error(code, std::move(message), layers_.back().name, {}, std::move(fix));
  }

 private:
  const std::vector<Layer>& layers_;
  std::map<std::string, toml::table> defaults_;
};

void check_codes(const std::vector<std::string>& codes, const Reader& r, std::string_view key) {
  std::set<std::string> seen;
  for (const auto& c : codes) {
    try {
      (void)CodeInsee::from(c);
    } catch (const Error& e) {
      r.fail(Errc::code_malformed, key, fmt::format("'{}' holds '{}': {}", key, c, e.message()), e.fix());
    }
    if (!seen.insert(c).second) r.fail(Errc::code_duplicate, key, fmt::format("'{}' lists {} twice", key, c), "list each code once");
  }
}

/// [[modify.retire]], [[modify.add]], [[indicators]], [[grants]]: the last file that sets an array
/// of tables replaces it whole.
/// [siting]: where to open sites and under which rules (docs/siting.md).
void read_siting(const Reader& r, Scenario& s) {
  s.siting.sites = static_cast<int>(r.num("siting.sites"));
  s.siting.objective = r.str("siting.objective");
  s.siting.supply_per_site = r.num("siting.supply_per_site");
  s.siting.level = r.str("siting.level");
  s.siting.candidates = r.strings("siting.candidates");
  s.siting.msp = r.str("siting.msp");
  s.siting.repeat = r.boolean("siting.repeat");
  s.siting.max_per_commune = static_cast<int>(r.num("siting.max_per_commune"));
  s.siting.min_population = r.num("siting.min_population");
  s.siting.candidates_file = r.path("siting.candidates_file");
  s.siting.exclude = r.strings("siting.exclude");
  s.siting.min_distance_km = r.num("siting.min_distance_km");
  s.siting.time_limit = r.num("siting.time_limit");
  s.siting.seed = static_cast<std::uint64_t>(r.num("siting.seed"));
  check_codes(s.siting.candidates, r, "siting.candidates");
  check_codes(s.siting.exclude, r, "siting.exclude");
}

void read_arrays(const Reader& r, Scenario& s) {
  if (const auto f = r.find("modify.retire"); f.node) {
    for (const auto& e : *f.node->as_array()) {
      const auto& t = *e.as_table();
      Retire m;
      m.where = fmt::format("{}, {}", f.layer->name, line_of(t.source()));
      m.label = t["label"].value_or(std::string());
      int selectors = 0;
      if (const auto* a = t.get("age_min")) m.age_min = a->value<double>(), ++selectors;
      if (const auto* ids = t.get_as<toml::array>("ids")) {
        for (const auto& x : *ids) m.ids.push_back(x.as_string()->get());
        ++selectors;
      }
      if (const auto* sh = t.get("share")) m.share = sh->value<double>(), ++selectors;
      m.seed = static_cast<std::uint64_t>(t["seed"].value_or<std::int64_t>(1));
      if (const auto* cs = t.get_as<toml::array>("communes"))
        for (const auto& x : *cs) m.communes.push_back(x.as_string()->get());
      if (selectors != 1)
        throw Error(Errc::scenario_value, fmt::format("[[modify.retire]] needs exactly one of age_min, ids, share ({} given)", selectors),
                    f.layer->name, line_of(t.source()), "split it into several [[modify.retire]] entries");
      s.retire.push_back(std::move(m));
    }
  }
  if (const auto f = r.find("modify.add"); f.node) {
    for (const auto& e : *f.node->as_array()) {
      const auto& t = *e.as_table();
      AddSupply a;
      a.where = fmt::format("{}, {}", f.layer->name, line_of(t.source()));
      a.commune = t["commune"].value_or(std::string());
      try {
        (void)CodeInsee::from(a.commune);
      } catch (const Error& err) {
        throw Error(Errc::code_malformed, fmt::format("[[modify.add]] commune '{}': {}", a.commune, err.message()), f.layer->name,
                    line_of(t.get("commune")->source()), err.fix());
      }
      a.amount = *t.get("amount")->value<double>();
      a.label = t["label"].value_or(std::string());
      a.kind = t["kind"].value_or(std::string("msp"));
      s.add.push_back(std::move(a));
    }
  }

  if (const auto f = r.find("indicators"); f.node) {
    std::set<std::string> names;
    static const std::set<std::string> reserved{"apl",  "apl_u65", "apl_official", "apl_official_u65", "indicator", "unit_apl",  "zone",
                                                "rule", "class",   "population",   "population_std",   "nom",       "code_insee"};
    for (const auto& e : *f.node->as_array()) {
      const auto& t = *e.as_table();
      Indicator ind;
      ind.where = fmt::format("{}, {}", f.layer->name, line_of(t.source()));
      ind.name = t["name"].value_or(std::string());
      const bool ok = !ind.name.empty() && std::islower(static_cast<unsigned char>(ind.name[0])) &&
                      std::all_of(ind.name.begin(), ind.name.end(), [](char c) {
                        return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_';
                      });
      if (!ok || reserved.count(ind.name) || !names.insert(ind.name).second)
        throw Error(Errc::scenario_value, fmt::format("[[indicators]] name \"{}\" is not a new column name", ind.name), f.layer->name,
                    line_of(t.get("name")->source()),
                    "use lower-case letters, digits and _, starting with a letter, once per run, not a column of the outputs");
      ind.file = resolve_path(t["file"].value_or(std::string()), f.layer->dir);
      ind.format = t["format"].value_or(std::string("auto"));
      ind.column = t["column"].value_or(std::string());
      ind.method = t["method"].value_or(std::string("2sfca"));
      ind.decay = t["decay"].value_or(std::string());
      if (!ind.decay.empty()) {
        try {
          (void)access::Decay::parse(ind.decay);
        } catch (const Error& err) {
          throw Error(Errc::scenario_value, fmt::format("[[indicators]] decay \"{}\": {}", ind.decay, err.message()), f.layer->name,
                      line_of(t.get("decay")->source()), err.fix());
        }
      }
      ind.max_cost = t["max_cost"].value_or(0.0);
      ind.sa_alpha = t["sa_alpha"].value_or(1.0);
      ind.sa_output = t["sa_output"].value_or(std::string("total"));
      if (ind.method != "spatial-availability")
        for (const char* key : {"sa_alpha", "sa_output"})
          if (t.contains(key) &&
              !is_declared_default(fmt::format("indicators.{}", key),
                                   std::string_view(key).ends_with("alpha") ? fmt::format("{}", ind.sa_alpha) : ind.sa_output))
            throw Error(Errc::scenario_value,
                        fmt::format("[[indicators]] {}: applies to method = \"spatial-availability\" only, and the method is \"{}\"", key,
                                    ind.method),
                        f.layer->name, line_of(t.get(key)->source()),
                        fmt::format("remove {} or set method = \"spatial-availability\"", key));
      ind.activity = t["activity"].value_or(1.0);
      ind.demand = t["demand"].value_or(std::string("population"));
      s.indicators.push_back(std::move(ind));
    }
  }

  if (const auto f = r.find("grants"); f.node) {
    for (const auto& e : *f.node->as_array()) {
      const auto& t = *e.as_table();
      Grant g;
      g.where = fmt::format("{}, {}", f.layer->name, line_of(t.source()));
      const auto abs = [&](const char* key) { return resolve_path(t[key].value_or(std::string()), f.layer->dir); };
      g.scheme = abs("scheme");
      g.applications = abs("applications");
      g.facts = abs("facts");
      const auto pairs = [&](const char* key, std::vector<std::string>& out, const char* example) {
        if (const auto* ps = t.get_as<toml::array>(key))
          for (const auto& x : *ps) {
            const auto v = x.value_or(std::string());
            if (v.find('=') == std::string::npos || v.front() == '=')
              throw Error(Errc::scenario_value, fmt::format("[[grants]] {}: '{}' is not NAME=VALUE", key, v), f.layer->name,
                          line_of(x.source()), fmt::format("write \"{}\"", example));
            out.push_back(v);
          }
      };
      pairs("parameters", g.parameters, "aid_rate=0.4");
      pairs("site_fields", g.site_fields, "type=poste_salarie");
      g.from_sites = t["from_sites"].value_or(false);
      g.site_commune = t["site_commune"].value_or(std::string("commune"));
      if (g.applications.empty() && !g.from_sites)
        throw Error(Errc::scenario_value, "[[grants]] needs applications (a CSV) or from_sites = true", f.layer->name, line_of(t.source()),
                    "name the applications file");
      s.grants.push_back(std::move(g));
    }
  }
}

/// The resolved scenario: every scalar key with its value or default, paths absolute.
toml::table resolved_table(const Reader& r, const Scenario& s) {
  toml::table out;
  out.insert("name", s.name);
  for (const auto& d : schema()) {
    const std::string path(d.path);
    const auto last_dot = path.rfind('.');
    const OptionDecl* parent = last_dot == std::string::npos ? nullptr : find_decl(path.substr(0, last_dot));
    if (d.kind == Kind::table || d.kind == Kind::map || d.kind == Kind::table_array || path == "extend" || path == "name" ||
        path.find('*') != std::string::npos || (parent && parent->kind == Kind::table_array))
      continue;
    const auto dot = path.find('.');
    if (dot == std::string::npos) {
      out.insert(path, r.value(path));
      continue;
    }
    const auto section = path.substr(0, dot), leaf = path.substr(dot + 1);
    if (!out.contains(section)) out.insert(section, toml::table{});
    auto& sec = *out.get_as<toml::table>(section);
    if (d.unit == "path")
      sec.insert(leaf, r.path(path));
    else if (path == "travel.detour")
      sec.insert(leaf, s.travel.detour);
    else
      sec.insert(leaf, r.value(path));
  }
  if (!s.zoning.caps.empty()) {
    toml::table caps;
    for (const auto& [k, c] : s.zoning.caps) caps.insert(k, toml::table{{"zip", c.zip}, {"zac", c.zac}});
    out.get_as<toml::table>("zoning")->insert("caps", std::move(caps));
  }
  toml::table modify;
  if (!s.retire.empty()) {
    toml::array arr;
    for (const auto& m : s.retire) {
      toml::table t{{"label", m.label}, {"seed", static_cast<std::int64_t>(m.seed)}};
      if (m.age_min) t.insert("age_min", *m.age_min);
      if (m.share) t.insert("share", *m.share);
      if (!m.ids.empty()) {
        toml::array ids;
        for (const auto& x : m.ids) ids.push_back(x);
        t.insert("ids", std::move(ids));
      }
      toml::array cs;
      for (const auto& x : m.communes) cs.push_back(x);
      t.insert("communes", std::move(cs));
      arr.push_back(std::move(t));
    }
    modify.insert("retire", std::move(arr));
  }
  if (!s.add.empty()) {
    toml::array arr;
    for (const auto& a : s.add)
      arr.push_back(toml::table{{"commune", a.commune}, {"amount", a.amount}, {"label", a.label}, {"kind", a.kind}});
    modify.insert("add", std::move(arr));
  }
  if (!modify.empty()) out.insert("modify", std::move(modify));
  if (!s.indicators.empty()) {
    toml::array arr;
    for (const auto& i : s.indicators)
      arr.push_back(toml::table{{"name", i.name},
                                {"file", i.file},
                                {"format", i.format},
                                {"column", i.column},
                                {"method", i.method},
                                {"decay", i.decay},
                                {"max_cost", i.max_cost},
                                {"sa_alpha", i.sa_alpha},
                                {"sa_output", i.sa_output},
                                {"activity", i.activity},
                                {"demand", i.demand}});
    out.insert("indicators", std::move(arr));
  }
  if (!s.grants.empty()) {
    toml::array arr;
    for (const auto& g : s.grants) {
      toml::array ps;
      for (const auto& x : g.parameters) ps.push_back(x);
      toml::array sf;
      for (const auto& x : g.site_fields) sf.push_back(x);
      arr.push_back(toml::table{{"scheme", g.scheme},
                                {"applications", g.applications},
                                {"facts", g.facts},
                                {"parameters", std::move(ps)},
                                {"from_sites", g.from_sites},
                                {"site_commune", g.site_commune},
                                {"site_fields", std::move(sf)}});
    }
    out.insert("grants", std::move(arr));
  }
  return out;
}

Scenario build(const std::vector<Layer>& layers, const std::string& default_name) {
  const Reader r(layers);
  Scenario s;
  s.name = r.find("name").node ? r.str("name") : default_name;
  s.description = r.str("description");
  s.title = r.str("title");
  s.territory.regions = r.strings("territory.regions");
  s.territory.departements = r.strings("territory.departements");
  s.territory.communes = r.strings("territory.communes");
  s.territory.exclude = r.strings("territory.exclude");
  s.territory.buffer_km = r.num("territory.buffer_km");
  check_codes(s.territory.communes, r, "territory.communes");
  check_codes(s.territory.exclude, r, "territory.exclude");
  s.data = {r.path("data.dir"), r.path("data.cog"), r.path("data.communes"), r.path("data.apl"), r.path("data.age_bands")};
  s.supply.file = r.path("supply.file");
  s.supply.format = r.str("supply.format");
  s.supply.column = r.str("supply.column");
  s.supply.kind = r.str("supply.kind");
  s.supply.source = r.str("supply.source");
  s.supply.activity = r.num("supply.activity");
  s.supply.age_column = r.str("supply.age_column");
  s.supply.x_column = r.str("supply.x_column");
  s.supply.y_column = r.str("supply.y_column");
  s.supply.id_column = r.str("supply.id_column");
  s.supply.amount_column = r.str("supply.amount_column");
  s.supply.epsg = static_cast<int>(r.num("supply.epsg"));
  s.supply.calibrate = r.str("supply.calibrate");
  s.supply.calibrate_lambda = r.num("supply.calibrate_lambda");
  s.supply.combine = r.str("supply.combine");
  s.supply.factors = r.path("supply.factors");
  s.supply.calibrate_sites = r.str("supply.calibrate_sites") == "none" ? "none" : r.path("supply.calibrate_sites");
  s.supply.calibrate_sites_column = r.str("supply.calibrate_sites_column");
  s.supply.calibrate_cv = r.boolean("supply.calibrate_cv");

  s.travel.model = r.str("travel.model");
  s.travel.cutoff_min = r.num("travel.cutoff_min");
  s.travel.intra_min = r.num("travel.intra_min");
  s.travel.detour = r.num("travel.detour");
  s.travel.speed_kmh = r.num("travel.speed_kmh");
  s.travel.urban_speed_kmh = r.num("travel.urban_speed_kmh");
  s.travel.urban_density = r.num("travel.urban_density");
  s.travel.osm = r.path("travel.osm");
  s.travel.table = r.path("travel.table");
  s.travel.threads = static_cast<int>(r.num("travel.threads"));
  if (s.travel.detour == 0)
    s.travel.detour = travel::default_detour(s.travel.model == "crowfly" ? travel::Model::crowfly : travel::Model::commune_graph);
  if (s.travel.detour < 1)
    r.fail(Errc::scenario_value, "travel.detour", "'travel.detour' is below 1: roads are never shorter than a straight line",
           "use a ratio >= 1 (1.2-1.4 is usual) or 0 for the model's default");
  if (s.travel.model == "osm" && s.travel.osm.empty())
    r.fail(Errc::scenario_value, "travel.model", "travel.model = \"osm\" needs travel.osm = \"extract.osm.pbf\"", "add travel.osm");
  if (s.travel.model == "table" && s.travel.table.empty())
    r.fail(Errc::scenario_value, "travel.model", "travel.model = \"table\" needs travel.table = \"od.csv\"", "add travel.table");

  s.access.method = r.str("access.method");
  s.access.decay = r.str("access.decay");
  if (!s.access.decay.empty()) {
    try {
      (void)access::Decay::parse(s.access.decay);
    } catch (const Error& e) {
      r.fail(Errc::scenario_value, "access.decay", fmt::format("'access.decay' = \"{}\": {}", s.access.decay, e.message()), e.fix());
    }
  }
  s.access.max_cost = r.num("access.max_cost");
  s.access.n = static_cast<int>(r.num("access.n"));
  s.access.sa_alpha = r.num("access.sa_alpha");
  s.access.sa_output = r.str("access.sa_output");
  if (s.access.method != "spatial-availability")
    for (const char* key : {"access.sa_alpha", "access.sa_output"})
      if (!is_declared_default(key, std::string_view(key).ends_with("alpha") ? fmt::format("{}", s.access.sa_alpha) : s.access.sa_output))
        r.fail(Errc::scenario_value, key,
               fmt::format("'{}' applies to access.method = \"spatial-availability\" only, and the method is \"{}\"", key, s.access.method),
               fmt::format("remove {} or set access.method = \"spatial-availability\"", key));
  s.access.line = r.num("access.line");
  s.access.age_weights = static_cast<int>(r.num("access.age_weights"));

  s.zoning.indicator = r.str("zoning.indicator");
  s.zoning.units = r.str("zoning.units");
  s.zoning.units_file = r.path("zoning.units_file");
  s.zoning.zip_below = r.num("zoning.zip_below");
  s.zoning.vivier_below = r.num("zoning.vivier_below");
  s.zoning.fill = r.str("zoning.fill");
  s.zoning.official = r.path("zoning.official");
  s.zoning.official_missing = r.str("zoning.official_missing");
  if (s.zoning.units == "file" && s.zoning.units_file.empty())
    r.fail(Errc::scenario_value, "zoning.units", "zoning.units = \"file\" needs zoning.units_file", "add zoning.units_file = \"tvs.csv\"");
  if (!(s.zoning.vivier_below >= s.zoning.zip_below))
    r.fail(Errc::scenario_value, "zoning.vivier_below",
           fmt::format("zoning.vivier_below = {} is below zoning.zip_below = {}", s.zoning.vivier_below, s.zoning.zip_below),
           "the vivier lies between zip_below and vivier_below: vivier_below >= zip_below");
  std::set<std::string> cap_keys;
  for (const auto& L : layers)
    if (const auto* caps = L.doc.at_path("zoning.caps").as_table())
      for (auto&& [k, v] : *caps) cap_keys.insert(std::string(k.str()));
  for (const auto& k : cap_keys) {
    const bool region_code =
        k.size() == 2 && std::isdigit(static_cast<unsigned char>(k[0])) && std::isdigit(static_cast<unsigned char>(k[1]));
    if (k != "default" && !region_code)
      r.fail(Errc::scenario_key, fmt::format("zoning.caps.{}", k), fmt::format("zoning.caps: \"{}\" is not a région code", k),
             "write the région's two-digit COG code (\"24\") or \"default\"");
    Caps c;
    c.zip = r.num(fmt::format("zoning.caps.{}.zip", k), "zoning.caps.*.zip");
    c.zac = r.num(fmt::format("zoning.caps.{}.zac", k), "zoning.caps.*.zac");
    if (c.zip + c.zac > 1.0 + 1e-12)
      r.fail(Errc::scenario_value, fmt::format("zoning.caps.{}", k),
             fmt::format("zoning.caps.{}: zip + zac = {} is above 1", k, c.zip + c.zac),
             "caps are shares of the région's population: their sum cannot exceed 1");
    s.zoning.caps.emplace(k, c);
  }

  s.flags.urgences = r.path("flags.urgences");
  s.flags.urgences_format = r.str("flags.urgences_format");
  s.flags.urgences_column = r.str("flags.urgences_column");
  s.flags.urgences_max_min = r.num("flags.urgences_max_min");
  s.flags.urgences_year = static_cast<int>(r.num("flags.urgences_year"));
  s.flags.urgences_closed = r.strings("flags.urgences_closed");
  s.flags.msp = r.path("flags.msp");
  s.flags.msp_column = r.str("flags.msp_column");
  s.flags.density_below = r.num("flags.density_below");
  s.flags.deficit_2003 = r.boolean("flags.deficit_2003");

  read_arrays(r, s);
  read_siting(r, s);

  s.outputs.gpkg = r.boolean("outputs.gpkg");
  s.outputs.csv_fr = r.boolean("outputs.csv_fr");
  s.outputs.maps = r.boolean("outputs.maps");
  s.outputs.report = r.boolean("outputs.report");
  s.outputs.baseline = r.path("outputs.baseline");

  const auto out = resolved_table(r, s);
  std::ostringstream os;
  os << toml::toml_formatter(out);  // full float precision: rerunning scenario.toml gives the same outputs
  s.resolved_toml = os.str() + "\n";
  return s;
}

}  // namespace

Scenario load(const fs::path& file) {
  std::vector<Layer> layers;
  std::vector<fs::path> chain, seen;
  load_chain(file, layers, chain, seen);
  auto s = build(layers, file.stem().string());
  s.file = file;
  s.chain = std::move(chain);
  return s;
}

Scenario parse(std::string_view text, const std::string& name, const fs::path& base_dir) {
  std::vector<Layer> layers;
  layers.push_back(parse_layer(text, name, base_dir));
  if (layers.back().doc.contains("extend"))
    throw Error(Errc::scenario_extend, "'extend' needs a scenario file, not text", name, {}, "use scenario::load");
  auto s = build(layers, fs::path(name).stem().string());
  s.file = name;
  return s;
}

void check_scalar(const OptionDecl& d, const std::string& shown, const toml::node& v, const std::string& file) {
  check_scalar_value(d, shown, v, file);
}

/// The scenario key's declaration ("zoning.caps.24.zip" matches "zoning.caps.*.zip"), or nullptr.
const OptionDecl* declaration_of(const std::string& key) {
  std::vector<std::string> parts;
  for (std::size_t b = 0, e; b <= key.size(); b = e + 1) {
    e = key.find('.', b);
    if (e == std::string::npos) e = key.size();
    parts.push_back(key.substr(b, e - b));
  }
  for (const auto& d : schema()) {
    std::vector<std::string> dp;
    const std::string p(d.path);
    for (std::size_t b = 0, e; b <= p.size(); b = e + 1) {
      e = p.find('.', b);
      if (e == std::string::npos) e = p.size();
      dp.push_back(p.substr(b, e - b));
    }
    if (dp.size() != parts.size()) continue;
    bool ok = true;
    for (std::size_t i = 0; i < dp.size() && ok; ++i) ok = dp[i] == "*" || dp[i] == parts[i];
    if (ok) return &d;
  }
  return nullptr;
}

bool in_table_array(const std::string& key) {
  for (const auto& d : schema())
    if (d.kind == Kind::table_array && key.starts_with(std::string(d.path) + ".")) return true;
  return false;
}

}  // namespace oasis::scenario
