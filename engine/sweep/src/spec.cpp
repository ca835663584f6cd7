// The sweep file: its declared schema, validation with lines, the grid's axes and the scenario of
// each grid point (the base scenario resolved with the point's values, validated as a scenario).
#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "oasis/core/atomic_file.hpp"
#include "oasis/core/error.hpp"
#include "oasis/grants/grants.hpp"
#include "oasis/scenario/check.hpp"
#include "oasis/sweep/sweep.hpp"

namespace fs = std::filesystem;

namespace oasis::sweep {
namespace {

constexpr double kInf = 1e300;
using K = Kind;

// The one declaration of every key of a sweep file (docs/sweeps.md is generated from it).
constexpr OptionDecl kSchema[] = {
    {"scenario", K::string, "", -kInf, kInf, false, "", true, "path",
     "The base scenario (relative to the sweep file): every task is this scenario with the grid point's values and the draw's "
     "changes"},
    {"name", K::string, "", -kInf, kInf, false, "", false, "", "Name of the sweep (default: the file name without .toml)"},
    {"description", K::string, "\"\"", -kInf, kInf, false, "", false, "", "Free text, written to summary.json and the report"},
    {"grid", K::map, "", -kInf, kInf, false, "", false, "",
     "`\"scenario.key\" = [values]`: one axis per key, every combination a grid point. Keys of the scenario schema outside arrays of "
     "tables (`zoning.zip_below`, `zoning.caps.24.zip`, `travel.speed_kmh`, `siting.sites`, `zoning.units`...), and "
     "`grants.parameters.NAME` (that parameter in each [[grants]] entry whose scheme declares it)"},
    {"monte_carlo", K::table, "", -kInf, kInf, false, "", false, "", "Random changes to the supply, drawn again for each task"},
    {"monte_carlo.draws", K::integer, "1", 1, 1000000, false, "", false, "tasks", "Draws per grid point (1: no randomness)"},
    {"monte_carlo.seed", K::integer, "1", 0, 9.2e18, false, "", false, "",
     "Seed: draw d of every grid point uses the same random numbers (common random numbers), whatever the worker"},
    {"monte_carlo.leave", K::number, "0", 0, 1, false, "", false, "probability",
     "Each unit of supply (one GP; a fractional last one for what it is) leaves with this probability"},
    {"monte_carlo.leave_age_min", K::number, "", 0, 120, false, "", false, "years",
     "Only practitioners at least this old may leave (a points supply with supply.age_column)"},
    {"monte_carlo.leave_weight", K::string, "\"none\"", -kInf, kInf, false, "none|apl-65-plus", false, "",
     "`apl-65-plus`: `leave` times the commune's share of its accessible supply given by GPs aged 65 or more, "
     "1 − apl_mg_moins65 / apl_mg of the DREES APL (the proxy of ages when the supply has none)"},
    {"monte_carlo.leave_file", K::string, "\"\"", -kInf, kInf, false, "", false, "path",
     "CSV `code_insee,<leave_column>`: the probability of each commune listed, replacing `leave` there"},
    {"monte_carlo.leave_column", K::string, "\"probability\"", -kInf, kInf, false, "", false, "", "The probability column of leave_file"},
    {"monte_carlo.open", K::number, "1", 0, 1, false, "", false, "probability",
     "Each [[modify.add]] of the base scenario (a planned MSP) opens with this probability"},
    {"outputs", K::table, "", -kInf, kInf, false, "", false, "", "What the sweep writes besides the aggregates"},
    {"outputs.tasks", K::boolean, "false", -kInf, kInf, false, "", false, "", "Write each task's zones.csv into DIR/tasks/"},
};

std::string line_of(const toml::source_region& s) { return s.begin.line ? fmt::format("line {}", s.begin.line) : std::string(); }

const OptionDecl* find_decl(std::string_view path) {
  for (const auto& d : kSchema)
    if (d.path == path) return &d;
  return nullptr;
}

std::string literal(const toml::node& n) {
  std::ostringstream os;
  n.visit([&](const auto& v) { os << v; });
  return os.str();
}

[[noreturn]] void fail(Errc code, const std::string& file, const toml::node* where, const std::string& message, const std::string& fix) {
  throw Error(code, message, file, where ? line_of(where->source()) : std::string(), fix);
}

/// The base scenario's resolved TOML with the grid point's values set.
std::string with_values(const Spec& spec, const std::vector<std::pair<const Axis*, std::string>>& values) {
  auto doc = toml::parse(spec.resolved_base, spec.scenario.string());
  for (const auto& [axis, lit] : values) {
    const auto v = toml::parse("v = " + lit);
    const toml::node& node = *v.get("v");
    if (axis->key.starts_with("grants.parameters.")) {
      const auto name = axis->key.substr(std::string("grants.parameters.").size());
      auto* grants = doc.get_as<toml::array>("grants");
      if (!grants || grants->empty())
        throw Error(Errc::scenario_value, fmt::format("grid key '{}': the base scenario has no [[grants]]", axis->key), spec.file.string(),
                    {}, "add a [[grants]] entry to the base scenario, or drop the axis");
      const std::string value = node.is_string() ? node.as_string()->get() : lit;
      for (const auto entry : axis->grant_entries) {
        if (entry >= grants->size()) continue;
        auto& t = *(*grants)[entry].as_table();
        if (!t.get_as<toml::array>("parameters")) t.insert_or_assign("parameters", toml::array{});
        auto& params = *t.get_as<toml::array>("parameters");
        toml::array kept;
        for (auto& p : params)
          if (const auto* s = p.as_string(); s && !s->get().starts_with(name + "=")) kept.push_back(s->get());
        kept.push_back(name + "=" + value);
        t.insert_or_assign("parameters", std::move(kept));
      }
      continue;
    }
    toml::table* t = &doc;
    std::size_t b = 0;
    for (std::size_t e; (e = axis->key.find('.', b)) != std::string::npos; b = e + 1) {
      const auto part = axis->key.substr(b, e - b);
      if (!t->get_as<toml::table>(part)) t->insert_or_assign(part, toml::table{});
      t = t->get_as<toml::table>(part);
    }
    t->insert_or_assign(axis->key.substr(b), node);
  }
  std::ostringstream os;
  os << doc;
  return os.str() + "\n";
}

std::vector<std::pair<const Axis*, std::string>> values_of(const Spec& spec, std::size_t point) {
  std::vector<std::pair<const Axis*, std::string>> out;
  // The last axis varies fastest.
  std::size_t rest = point;
  std::vector<std::size_t> at(spec.grid.size());
  for (std::size_t i = spec.grid.size(); i-- > 0;) {
    at[i] = rest % spec.grid[i].values.size();
    rest /= spec.grid[i].values.size();
  }
  for (std::size_t i = 0; i < spec.grid.size(); ++i) out.emplace_back(&spec.grid[i], spec.grid[i].values[at[i]]);
  return out;
}

}  // namespace

Axis::Level level_of(const std::string& key) {
  // What a change of the key costs a worker: keys read by load_inputs reload the inputs (they are
  // kept per value), [travel] rebuilds the travel table, the rest only recomputes (docs/sweeps.md).
  static const std::set<std::string> compute = {
      "zoning.indicator",        "zoning.zip_below",   "zoning.vivier_below",    "zoning.fill",
      "flags.density_below",     "flags.deficit_2003", "flags.urgences_max_min", "supply.activity",
      "supply.calibrate_lambda", "supply.calibrate_cv"};
  if (key.starts_with("travel.")) return key == "travel.threads" ? Axis::Level::compute : Axis::Level::travel;
  if (key.starts_with("access.")) return key == "access.age_weights" ? Axis::Level::inputs : Axis::Level::compute;
  if (key.starts_with("zoning.caps.") || key.starts_with("grants.parameters.") || compute.count(key)) return Axis::Level::compute;
  if (key.starts_with("siting.")) {
    static const std::set<std::string> inputs = {"siting.sites",          "siting.candidates", "siting.candidates_file", "siting.msp",
                                                 "siting.min_population", "siting.exclude",    "siting.min_distance_km"};
    return inputs.count(key) ? Axis::Level::inputs : Axis::Level::compute;
  }
  return Axis::Level::inputs;
}

std::span<const OptionDecl> schema() noexcept { return kSchema; }
std::string schema_markdown() { return scenario::schema_markdown(kSchema); }

std::size_t Spec::points() const {
  std::size_t n = 1;
  for (const auto& a : grid) n *= a.values.size();
  return n;
}

TaskId task_id(const Spec& spec, std::size_t index) {
  if (index >= spec.tasks())
    throw Error(Errc::value_invalid, fmt::format("task {} of a sweep of {} tasks", index, spec.tasks()), spec.file.string());
  return {index, index / spec.mc.draws, index % spec.mc.draws};
}

scenario::Scenario point_scenario(const Spec& spec, std::size_t point) {
  auto s = scenario::parse(with_values(spec, values_of(spec, point)), fmt::format("{} (grid point {})", spec.file.string(), point),
                           spec.scenario.parent_path());
  s.file = spec.scenario;
  return s;
}

json point_values(const Spec& spec, std::size_t point) {
  json j = json::object();
  for (const auto& [axis, lit] : values_of(spec, point)) {
    const auto v = toml::parse("v = " + lit);
    const auto& n = *v.get("v");
    if (n.is_string())
      j[axis->key] = n.as_string()->get();
    else if (n.is_integer())
      j[axis->key] = n.as_integer()->get();
    else if (n.is_floating_point())
      j[axis->key] = n.as_floating_point()->get();
    else if (n.is_boolean())
      j[axis->key] = n.as_boolean()->get();
    else
      j[axis->key] = lit;
  }
  return j;
}

Spec parse(std::string_view text, const fs::path& file) {
  Spec spec;
  spec.file = fs::absolute(file);
  spec.text = std::string(text);
  const std::string name = file.string();
  toml::table doc;
  try {
    doc = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    throw Error(Errc::format, fmt::format("not valid TOML: {}", e.description()), name, line_of(e.source()),
                "check quotes, brackets and '=' on that line (https://toml.io)");
  }
  // Every key declared, of its type, in its range (the checks and messages of scenario files).
  const auto check = [&](const toml::node& n, const OptionDecl& d, const std::string& path) { scenario::check_scalar(d, path, n, name); };
  for (const auto& [k, v] : doc) {
    const std::string key(k.str());
    const auto* d = find_decl(key);
    if (!d)
      fail(Errc::scenario_key, name, &v, fmt::format("unknown key '{}' in the sweep file", key),
           "the keys are scenario, name, description, [grid], [monte_carlo], [outputs] (docs/sweeps.md)");
    if (d->kind == K::table) {
      if (!v.is_table()) fail(Errc::scenario_type, name, &v, fmt::format("'{}' must be a table", key), fmt::format("write [{}]", key));
      for (const auto& [k2, v2] : *v.as_table()) {
        const std::string path = key + "." + std::string(k2.str());
        const auto* d2 = find_decl(path);
        if (!d2) fail(Errc::scenario_key, name, &v2, fmt::format("unknown key '{}' in the sweep file", path), "docs/sweeps.md lists them");
        check(v2, *d2, path);
      }
    } else if (d->kind == K::map) {
      if (!v.is_table()) fail(Errc::scenario_type, name, &v, "'grid' must be a table", "write [grid] then \"key\" = [values]");
    } else {
      check(v, *d, key);
    }
  }
  const auto* sc = doc.get("scenario");
  if (!sc) throw Error(Errc::scenario_key, "the sweep file names no base scenario", name, {}, "add scenario = \"path/to/base.toml\"");
  spec.scenario = fs::absolute(spec.file.parent_path() / sc->as_string()->get()).lexically_normal();
  spec.name = doc["name"].value_or(spec.file.stem().string());
  spec.description = doc["description"].value_or(std::string());
  auto& mc = spec.mc;
  mc.draws = static_cast<std::uint64_t>(doc["monte_carlo"]["draws"].value_or(std::int64_t{1}));
  mc.seed = static_cast<std::uint64_t>(doc["monte_carlo"]["seed"].value_or(std::int64_t{1}));
  mc.leave = doc["monte_carlo"]["leave"].value_or(0.0);
  if (auto a = doc["monte_carlo"]["leave_age_min"].value<double>()) mc.leave_age_min = *a;
  mc.leave_weight = doc["monte_carlo"]["leave_weight"].value_or(std::string("none"));
  if (auto f = doc["monte_carlo"]["leave_file"].value<std::string>(); f && !f->empty())
    mc.leave_file = fs::absolute(spec.file.parent_path() / *f).lexically_normal().string();
  mc.leave_column = doc["monte_carlo"]["leave_column"].value_or(std::string("probability"));
  mc.open = doc["monte_carlo"]["open"].value_or(1.0);
  spec.task_outputs = doc["outputs"]["tasks"].value_or(false);

  // The base scenario, then each axis: a declared scenario key, its values valid for it.
  const auto base = scenario::load(spec.scenario);
  spec.resolved_base = base.resolved_toml;
  if (const auto* grid = doc.get_as<toml::table>("grid")) {
    // In the order of the file (toml++ keeps keys sorted): the last axis written varies fastest.
    std::vector<std::pair<toml::key, const toml::node*>> axes;
    for (const auto& [k, v] : *grid) axes.emplace_back(k, &v);
    std::stable_sort(axes.begin(), axes.end(), [](const auto& a, const auto& b) {
      const auto &sa = a.first.source().begin, &sb = b.first.source().begin;
      return std::pair(sa.line, sa.column) < std::pair(sb.line, sb.column);
    });
    for (const auto& [k, vp] : axes) {
      const toml::node& v = *vp;
      Axis axis;
      axis.key = std::string(k.str());
      const bool grant_param = axis.key.starts_with("grants.parameters.") && axis.key.size() > 18;
      const auto* d = grant_param ? nullptr : scenario::declaration_of(axis.key);
      if (!grant_param &&
          (!d || scenario::in_table_array(axis.key) || d->kind == K::table || d->kind == K::map || d->kind == K::table_array))
        fail(Errc::scenario_key, name, &v, fmt::format("grid key '{}' is not a scenario key the grid can vary", axis.key),
             "use a key of `oasis scenario --schema` outside arrays of tables, or grants.parameters.NAME (docs/sweeps.md)");
      if (axis.key == "extend" || axis.key == "name")
        fail(Errc::scenario_key, name, &v, fmt::format("grid key '{}' cannot vary", axis.key), "vary the scenario's values instead");
      const auto* arr = v.as_array();
      if (!arr || arr->empty())
        fail(Errc::scenario_type, name, &v, fmt::format("grid key '{}' must be a non-empty array of values", axis.key),
             fmt::format("e.g. \"{}\" = [value1, value2]", axis.key));
      std::set<std::string> seen;
      for (const auto& x : *arr) {
        auto lit = literal(x);
        if (!seen.insert(lit).second)
          fail(Errc::code_duplicate, name, &x, fmt::format("grid key '{}' lists {} twice", axis.key, lit), "list each value once");
        axis.values.push_back(std::move(lit));
      }
      axis.level = level_of(axis.key);
      spec.grid.push_back(std::move(axis));
    }
  }
  if (spec.tasks() > 10'000'000)
    throw Error(Errc::scenario_value, fmt::format("the sweep makes {} tasks", spec.tasks()), name, {},
                "fewer grid values or draws: at most 10,000,000 tasks");
  // A grant parameter applies to the [[grants]] whose scheme declares it (and must name one).
  for (auto& axis : spec.grid) {
    if (!axis.key.starts_with("grants.parameters.")) continue;
    const auto param = axis.key.substr(std::string("grants.parameters.").size());
    const auto* node = doc.get_as<toml::table>("grid")->get(axis.key);
    const auto where = node ? line_of(node->source()) : std::string();
    const auto base = scenario::parse(spec.resolved_base, spec.scenario.string(), spec.scenario.parent_path());
    std::vector<std::string> declared;
    for (std::size_t g = 0; g < base.grants.size(); ++g) {
      const auto scheme = grants::load_scheme(base.grants[g].scheme);
      std::vector<std::string> names;
      for (const auto& p : grants::info(*scheme).parameters) names.push_back(p.name);
      if (std::find(names.begin(), names.end(), param) != names.end()) {
        axis.grant_entries.push_back(g);
        for (const auto& lit : axis.values) {
          const auto v = toml::parse("v = " + lit);
          const auto* n = v.get("v");
          try {
            (void)grants::with_parameters(scheme, {{param, n->is_string() ? n->as_string()->get() : lit}});
          } catch (const Error& e) {
            throw Error(e.code() == Errc::usage ? Errc::scenario_value : e.code(),
                        fmt::format("grid '{}' = {}: {}", axis.key, lit, e.message()), name, where, e.fix());
          }
        }
      }
      declared.push_back(fmt::format("{} ({})", fs::path(base.grants[g].scheme).stem().string(), fmt::join(names, ", ")));
    }
    if (!base.grants.empty() && axis.grant_entries.empty())
      throw Error(Errc::scenario_value,
                  fmt::format("grid key '{}': no scheme of the base scenario's [[grants]] has a parameter '{}'", axis.key, param), name,
                  where, fmt::format("the schemes and their parameters: {}", fmt::join(declared, "; ")));
  }
  // Every value checked as the scenario would check it, one axis at a time, with the line.
  for (const auto& axis : spec.grid)
    for (const auto& lit : axis.values) {
      try {
        (void)scenario::parse(with_values(spec, {{&axis, lit}}), name, spec.scenario.parent_path());
      } catch (const Error& e) {
        const auto* node = doc.get_as<toml::table>("grid")->get(axis.key);
        throw Error(e.code(), fmt::format("grid '{}' = {}: {}", axis.key, lit, e.message()), name,
                    node ? line_of(node->source()) : std::string(), e.fix());
      }
    }
  if (mc.leave_age_min && mc.leave_weight != "none")
    fail(Errc::scenario_value, name, doc.get("monte_carlo"), "monte_carlo.leave_age_min and leave_weight = \"apl-65-plus\" together",
         "ages known: leave_age_min; ages unknown: leave_weight (docs/sweeps.md)");
  return spec;
}

Spec load(const fs::path& file) { return parse(read_file(file, "the sweep file", "check the path of the sweep file"), file); }

}  // namespace oasis::sweep
