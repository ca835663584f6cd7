// Rule files: TOML read with toml++, every key checked (unknown keys, undefined parameters, values
// and wrong types stop with the file, the line and the fix).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "grants_impl.hpp"
#include "oasis/core/atomic_file.hpp"
#include "oasis/core/checksum.hpp"
#include "oasis/core/error.hpp"

namespace oasis::grants {

bool valid_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return false;
  const int y = std::stoi(std::string(s.substr(0, 4)));
  const unsigned m = static_cast<unsigned>(std::stoi(std::string(s.substr(5, 2))));
  const unsigned d = static_cast<unsigned>(std::stoi(std::string(s.substr(8, 2))));
  return std::chrono::year_month_day{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}}.ok();
}

const Parameter* Scheme::param(std::string_view name) const {
  for (const auto& p : info.parameters)
    if (p.name == name) return &p;
  return nullptr;
}

const SchemeInfo& info(const Scheme& scheme) { return scheme.info; }

std::vector<Fact> all_facts(const SchemeInfo& I) {
  std::vector<Fact> out;
  out.reserve(I.parameters.size() + I.facts.size());
  for (const auto& p : I.parameters) out.push_back({"parameter." + p.name, p.unit, p.prov, p.where});
  out.insert(out.end(), I.facts.begin(), I.facts.end());
  return out;
}

const Provenance* Scheme::provenance(std::string_view key) const {
  if (key.starts_with("parameter.")) {
    const auto* p = param(key.substr(10));
    return p ? &p->prov : nullptr;
  }
  for (const auto& f : info.facts)
    if (f.key == key) return &f.prov;
  return nullptr;
}

std::string normalise_quote(std::string_view in) {
  // UTF-8 sequences read as the same character: no-break / thin / narrow no-break spaces, and the
  // typographic apostrophes and double quotes.
  static const std::pair<std::string_view, char> same[] = {{"\xC2\xA0", ' '},      {"\xE2\x80\xAF", ' '},  {"\xE2\x80\x89", ' '},
                                                           {"\xE2\x80\x99", '\''}, {"\xE2\x80\x98", '\''}, {"\xCA\xBC", '\''},
                                                           {"\xE2\x80\x9C", '"'},  {"\xE2\x80\x9D", '"'}};
  std::string out;
  out.reserve(in.size());
  bool space = false;
  for (std::size_t i = 0; i < in.size();) {
    char c = in[i];
    std::size_t len = 1;
    for (const auto& [seq, to] : same)
      if (in.substr(i, seq.size()) == seq) {
        c = to, len = seq.size();
        break;
      }
    i += len;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ', space = false;
    out += c;
  }
  return out;
}

namespace {

using Op = Test::Op;

constexpr std::string_view kTestKeys[] = {"in", "not_in", "eq", "ne", "min", "max", "above", "below", "between", "is", "present"};
constexpr std::string_view kOperandKeys[] = {"field", "value", "param", "zone", "class", "column", "distance", "date", "departement"};
// Where a fact comes from (docs/grants.md, "Quotes"): allowed on every fact table.
constexpr std::string_view kProvenanceKeys[] = {"quote", "source", "confidence", "reading", "origin", "note"};
constexpr std::string_view kFormat1Origin = "format 1 rule file: no quote (write format = 2 with quotes, docs/grants.md)";

bool is_url(std::string_view s) { return s.starts_with("https://") || s.starts_with("http://"); }

/// True when `s` holds a YYYY-MM-DD date.
bool has_date(std::string_view s) {
  for (std::size_t i = 0; i + 10 <= s.size(); ++i)
    if (valid_date(s.substr(i, 10))) return true;
  return false;
}

struct Parser {
  std::string file;
  Scheme& s;

  std::string at(const toml::node* n) const {
    if (!n || !n->source().begin) return {};
    return fmt::format("line {}", n->source().begin.line);
  }
  [[noreturn]] void fail(const toml::node* n, const std::string& msg, const std::string& fix = {}) const {
    throw Error(Errc::grant_rule, msg, file, at(n), fix);
  }

  void allow(const toml::table& t, std::initializer_list<std::string_view> keys, std::string_view where,
             std::span<const std::string_view> more = {}, std::span<const std::string_view> more2 = {}) const {
    for (const auto& [k, v] : t) {
      const auto key = k.str();
      const bool ok = std::find(keys.begin(), keys.end(), key) != keys.end() || std::find(more.begin(), more.end(), key) != more.end() ||
                      std::find(more2.begin(), more2.end(), key) != more2.end();
      if (!ok) {
        std::vector<std::string> all(keys.begin(), keys.end());
        all.insert(all.end(), more.begin(), more.end());
        all.insert(all.end(), more2.begin(), more2.end());
        fail(&v, fmt::format("unknown key '{}' in {}", key, where),
             fmt::format("keys allowed there: {} (docs/grants.md)", fmt::join(all, ", ")));
      }
    }
  }

  std::string text(const toml::table& t, std::string_view key, bool required, std::string_view where) const {
    const auto* n = t.get(key);
    if (!n) {
      if (required) fail(&t, fmt::format("{} needs '{}'", where, key));
      return {};
    }
    if (n->is_date()) {
      const auto d = n->as_date()->get();
      return fmt::format("{:04}-{:02}-{:02}", d.year, static_cast<int>(d.month), static_cast<int>(d.day));
    }
    if (!n->is_string()) fail(n, fmt::format("'{}' in {} must be text", key, where));
    return n->as_string()->get();
  }

  std::string date(const toml::table& t, std::string_view key, bool required, std::string_view where) const {
    auto d = text(t, key, required, where);
    if (!d.empty() && !valid_date(d)) fail(t.get(key), fmt::format("'{}' = '{}' in {} is not a date", key, d, where), "write YYYY-MM-DD");
    return d;
  }

  std::string choice(const toml::table& t, std::string_view key, std::string_view def, std::initializer_list<std::string_view> options,
                     std::string_view where) const {
    auto v = text(t, key, false, where);
    if (v.empty()) return std::string(def);
    if (std::find(options.begin(), options.end(), v) == options.end())
      fail(t.get(key), fmt::format("'{}' = '{}' in {}: not one of {}", key, v, where, fmt::join(options, ", ")));
    return v;
  }

  // ---- provenance
  /// Reads quote / source / confidence / reading / origin / note of a fact and applies the rules of
  /// its confidence. Format 1 files have no quotes: their facts are read as unconfirmed.
  Provenance provenance(const toml::table& t, std::string_view where, bool parameter) const {
    Provenance p;
    p.quote = text(t, "quote", false, where);
    p.source = text(t, "source", false, where);
    p.reading = text(t, "reading", false, where);
    p.origin = text(t, "origin", false, where);
    p.note = text(t, "note", false, where);
    static constexpr std::string_view kLevels[] = {"confirmed", "derived", "unconfirmed", "unknown"};
    const std::span<const std::string_view> levels(kLevels, parameter ? 4 : 3);
    p.confidence = text(t, "confidence", false, where);
    if (!p.confidence.empty() && std::find(levels.begin(), levels.end(), p.confidence) == levels.end())
      fail(t.get("confidence"), fmt::format("'confidence' = '{}' in {}: not one of {}", p.confidence, where, fmt::join(levels, ", ")));
    if (s.info.format == 1) {
      if (p.confidence.empty() && parameter)
        fail(&t, fmt::format("{} needs a confidence (confirmed, derived, unconfirmed or unknown)", where),
             "say how sure the value is; an unpublished value is `confidence = \"unknown\"` without a value");
      if (p.confidence != "unknown" && p.quote.empty()) {
        p.confidence = "unconfirmed";
        if (p.origin.empty()) p.origin = std::string(kFormat1Origin);
      }
      return p;
    }
    const auto* c = t.get("confidence");
    if (p.confidence.empty())
      fail(&t, fmt::format("{} needs a confidence: {}", where, fmt::join(levels, ", ")),
           "confirmed with the quote that states it; derived with the quote and the reading; unconfirmed with its origin");
    if ((p.confidence == "confirmed" || p.confidence == "derived") && p.quote.empty())
      fail(c, fmt::format("{} is {} but has no quote", where, p.confidence),
           "quote = \"the exact words of the source\" (in French, as published), or confidence = \"unconfirmed\" with its origin");
    if (p.confidence == "derived" && p.reading.empty())
      fail(c, fmt::format("{} is derived but says no reading", where), "reading = \"how the value is read from the quote\"");
    if (p.confidence == "confirmed" && !p.reading.empty())
      fail(t.get("reading"), fmt::format("{} is confirmed but has a reading", where),
           "a value that needs a reading is confidence = \"derived\"; a confirmed value is stated by its quote");
    if (p.confidence == "unconfirmed" && p.origin.empty())
      fail(c, fmt::format("{} is unconfirmed but says no origin", where), "origin = \"where the value comes from\" (or remove the fact)");
    if (is_url(p.source) && !has_date(p.source))
      fail(t.get("source"), fmt::format("the source URL of {} has no date", where),
           "write the date the page was read or published: \"https://... (2024-10-08)\"");
    return p;
  }

  void fact(std::string key, std::string text_, const toml::table& t, std::string_view where) {
    s.info.facts.push_back({std::move(key), std::move(text_), provenance(t, where, false), fmt::format("{}, {}", file, at(&t))});
  }

  // ---- parameters
  Parameter::Type infer(const toml::node& v) const {
    if (v.is_integer() || v.is_floating_point()) return Parameter::Type::number;
    if (v.is_boolean()) return Parameter::Type::flag;
    if (v.is_date()) return Parameter::Type::date;
    if (v.is_string()) return valid_date(v.as_string()->get()) ? Parameter::Type::date : Parameter::Type::text;
    if (const auto* a = v.as_array()) {
      if (!a->empty() && (*a)[0].is_array()) return Parameter::Type::bands;
      return Parameter::Type::list;
    }
    fail(&v, "a parameter value must be a number, text, date, true/false, a list of texts or a band table");
  }

  void set_value(Parameter& p, const toml::node& v) const {
    p.number.reset(), p.text.reset(), p.list.reset(), p.flag.reset(), p.bands.reset();
    const auto bad = [&](std::string_view want) {
      fail(&v, fmt::format("parameter '{}' is declared {} but the value is not", p.name, want));
    };
    switch (p.type) {
      case Parameter::Type::number: {
        const auto x = v.value<double>();
        if (!x || !std::isfinite(*x)) bad("a number");
        p.number = *x;
        break;
      }
      case Parameter::Type::flag:
        if (!v.is_boolean()) bad("true/false");
        p.flag = v.as_boolean()->get();
        break;
      case Parameter::Type::text:
        if (!v.is_string()) bad("text");
        p.text = v.as_string()->get();
        break;
      case Parameter::Type::date: {
        toml::table tmp;
        tmp.insert("d", v);
        p.text = date(tmp, "d", true, "parameter " + p.name);
        break;
      }
      case Parameter::Type::list: {
        const auto* a = v.as_array();
        if (!a) bad("a list of texts");
        std::vector<std::string> out;
        for (const auto& e : *a) {
          if (!e.is_string()) bad("a list of texts");
          out.push_back(e.as_string()->get());
        }
        p.list = std::move(out);
        break;
      }
      case Parameter::Type::bands: {
        const auto* a = v.as_array();
        if (!a || a->empty()) bad("a band table [[lower, amount], ...]");
        std::vector<std::pair<double, double>> out;
        for (const auto& e : *a) {
          const auto* pair = e.as_array();
          if (!pair || pair->size() != 2) fail(&e, fmt::format("band of '{}' must be [lower_bound, amount]", p.name));
          const auto lo = (*pair)[0].value<double>(), am = (*pair)[1].value<double>();
          if (!lo || !am || !std::isfinite(*lo) || !std::isfinite(*am) || *am < 0)
            fail(&e, fmt::format("band of '{}' needs a finite lower bound and a non-negative amount", p.name));
          if (!out.empty() && !(*lo > out.back().first))
            fail(&e, fmt::format("bands of '{}' must have strictly increasing lower bounds ({} after {})", p.name, *lo, out.back().first),
                 "sort the bands by lower bound");
          out.emplace_back(*lo, *am);
        }
        p.bands = std::move(out);
        break;
      }
    }
  }

  void parameters(const toml::table& t) {
    for (const auto& [k, node] : t) {
      const auto* pt = node.as_table();
      const std::string name(k.str());
      if (!pt) fail(&node, fmt::format("parameter '{}' must be a table {{ value = ..., confidence = ... }}", name));
      const auto where = "parameter " + name;
      allow(*pt, {"type", "value", "unit"}, where, kProvenanceKeys);
      Parameter p;
      p.name = name;
      p.where = fmt::format("{}, {}", file, at(&node));
      const auto* v = pt->get("value");
      const auto type = text(*pt, "type", !v, where);
      if (!type.empty()) {
        static const std::pair<std::string_view, Parameter::Type> types[] = {
            {"number", Parameter::Type::number}, {"text", Parameter::Type::text}, {"list", Parameter::Type::list},
            {"flag", Parameter::Type::flag},     {"date", Parameter::Type::date}, {"bands", Parameter::Type::bands}};
        const auto it = std::find_if(std::begin(types), std::end(types), [&](const auto& e) { return e.first == type; });
        if (it == std::end(types))
          fail(pt->get("type"), fmt::format("type '{}' of {}: not one of number, text, list, flag, date, bands", type, where));
        p.type = it->second;
      } else {
        p.type = infer(*v);
      }
      p.prov = provenance(*pt, where, true);
      if (v) set_value(p, *v);
      if (v && p.prov.confidence == "unknown")
        fail(v, fmt::format("{} has a value but its confidence is 'unknown'", where),
             "remove the value (it is unpublished) or say how it is known");
      if (!v && p.prov.confidence != "unknown") fail(&node, fmt::format("{} has no value: its confidence must be 'unknown'", where));
      p.unit = text(*pt, "unit", false, where);
      s.info.parameters.push_back(std::move(p));
    }
  }

  // ---- operands
  Operand ref(const toml::node& n, std::string_view where, bool numeric) {
    Operand o;
    o.where = at(&n);
    if (const auto x = n.value<double>(); x && (n.is_integer() || n.is_floating_point())) {
      o.kind = Operand::Kind::literal_number;
      o.number = *x;
      return o;
    }
    if (n.is_boolean()) {
      o.kind = Operand::Kind::literal_flag;
      o.flag = n.as_boolean()->get();
      return o;
    }
    if (n.is_date()) {
      toml::table tmp;
      tmp.insert("d", n);
      o.kind = Operand::Kind::literal_text;
      o.name = date(tmp, "d", true, where);
      return o;
    }
    if (const auto* a = n.as_array()) {
      o.kind = Operand::Kind::literal_list;
      for (const auto& e : *a) {
        if (!e.is_string()) fail(&e, fmt::format("lists in {} hold texts", where));
        o.list.push_back(e.as_string()->get());
      }
      return o;
    }
    if (!n.is_string()) fail(&n, fmt::format("unexpected value in {}", where));
    const std::string v = n.as_string()->get();
    if (!v.empty() && v[0] == '$') {
      o.kind = Operand::Kind::param;
      o.name = v.substr(1);
      if (!s.param(o.name))
        fail(&n, fmt::format("{} names the parameter '{}', not declared", where, o.name), "declare it under [parameters]");
      return o;
    }
    if (!v.empty() && v[0] == '@') {
      o.kind = Operand::Kind::value;
      o.name = v.substr(1);
      if (std::none_of(s.values.begin(), s.values.end(), [&](const NamedValue& nv) { return nv.id == o.name; }))
        fail(&n, fmt::format("{} names the value '{}', not defined before", where, o.name), "define it in a [[values]] table above");
      return o;
    }
    o.kind = numeric ? Operand::Kind::field : Operand::Kind::literal_text;
    o.name = v;
    if (numeric) {
      o.name = lower(v);
      s.info.fields.push_back(o.name);
      s.number_fields.insert(o.name);
    }
    return o;
  }

  static std::string lower(std::string v) {
    for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return v;
  }

  std::string field(const toml::table& t, std::string_view key, std::string_view where) {
    auto f = lower(text(t, key, true, where));
    if (f.empty()) fail(t.get(key), fmt::format("'{}' in {} is empty", key, where));
    s.info.fields.push_back(f);
    return f;
  }

  std::optional<Operand> operand(const toml::table& t, std::string_view where) {
    std::vector<std::string_view> found;
    for (auto k : kOperandKeys)
      if (t.contains(k)) found.push_back(k);
    if (found.empty()) return std::nullopt;
    if (found.size() > 1)
      fail(&t, fmt::format("{} names two quantities ({})", where, fmt::join(found, ", ")),
           "one of field, value, param, zone, class, column, distance, date, departement");
    Operand o;
    o.where = at(&t);
    const auto k = found[0];
    if (k == "field") {
      o.kind = Operand::Kind::field;
      o.name = field(t, "field", where);
    } else if (k == "date") {
      o.kind = Operand::Kind::field;
      o.name = field(t, "date", where);
      s.date_fields.insert(o.name);
    } else if (k == "value") {
      const auto r = ref(*t.get("value"), where, false);
      o.kind = Operand::Kind::value;
      o.name = text(t, "value", true, where);
      if (!o.name.empty() && o.name[0] == '@') o.name.erase(0, 1);
      if (r.kind != Operand::Kind::literal_text && r.kind != Operand::Kind::value)
        fail(t.get("value"), "value = \"NAME\" names a [[values]] entry");
      if (std::none_of(s.values.begin(), s.values.end(), [&](const NamedValue& nv) { return nv.id == o.name; }))
        fail(t.get("value"), fmt::format("{} names the value '{}', not defined before", where, o.name),
             "define it in a [[values]] table above");
    } else if (k == "param") {
      o.kind = Operand::Kind::param;
      o.name = text(t, "param", true, where);
      if (!o.name.empty() && o.name[0] == '$') o.name.erase(0, 1);
      if (!s.param(o.name)) fail(t.get("param"), fmt::format("{} names the parameter '{}', not declared", where, o.name));
    } else if (k == "zone" || k == "class") {
      o.kind = Operand::Kind::column;
      o.name = std::string(k);
      o.commune = field(t, k, where);
      s.commune_fields.insert(o.commune);
    } else if (k == "departement") {
      o.kind = Operand::Kind::departement;
      o.commune = field(t, "departement", where);
      s.commune_fields.insert(o.commune);
    } else if (k == "column") {
      o.kind = Operand::Kind::column;
      o.name = lower(text(t, "column", true, where));
      o.commune = field(t, "commune", where);
      s.commune_fields.insert(o.commune);
    } else {  // distance
      const auto* d = t.get("distance")->as_table();
      if (!d) fail(t.get("distance"), "distance = { from = FIELD, to = FIELD, nearest_of = [...], metric = ... }");
      allow(*d, {"from", "to", "nearest_of", "metric"}, "a distance");
      o.kind = Operand::Kind::distance;
      o.commune = field(*d, "from", "a distance");
      s.commune_fields.insert(o.commune);
      if (d->contains("to")) o.to = field(*d, "to", "a distance");
      if (const auto* n = d->get("nearest_of")) {
        const auto r = ref(*n, "nearest_of", false);
        if (r.kind == Operand::Kind::literal_list)
          o.nearest_of = r.list;
        else if (r.kind == Operand::Kind::literal_text)
          o.nearest_of = {r.name};
        else
          fail(n, "nearest_of is a list of faculty ids, or \"*\" for every faculty");
        for (auto& f : o.nearest_of) f = lower(f);
      }
      if (o.to.empty() && o.nearest_of.empty()) fail(d, "a distance needs `to` (a field) or `nearest_of` (faculty ids)");
      o.metric = choice(*d, "metric", "straight_km", {"straight_km", "road_min", "road_km"}, "a distance");
    }
    if (o.kind == Operand::Kind::column) {
      if (t.contains("at")) {
        o.at = field(t, "at", where);
        s.date_fields.insert(o.at);
      }
    } else if (t.contains("at")) {
      fail(t.get("at"), "`at` (the date of the zone list) goes with zone, class or column");
    }
    if (k != "column" && t.contains("commune")) fail(t.get("commune"), "`commune` goes with column = \"NAME\"");
    return o;
  }

  Test test(const toml::table& t, std::string_view where, bool condition_level) {
    if (!condition_level) allow(t, {"at", "commune"}, where, kOperandKeys, kTestKeys);
    auto lhs = operand(t, where);
    if (!lhs)
      fail(&t, fmt::format("{} names no quantity", where), "one of field, value, param, zone, class, column, distance, date, departement");
    std::vector<std::string_view> ops;
    for (auto k : kTestKeys)
      if (t.contains(k)) ops.push_back(k);
    if (ops.size() != 1)
      fail(&t, fmt::format("{} needs exactly one test ({} found)", where, ops.empty() ? "none" : fmt::format("{}", fmt::join(ops, ", "))),
           "one of in, not_in, eq, ne, min, max, above, below, between, is, present");
    static const std::pair<std::string_view, Op> table[] = {
        {"in", Op::in},       {"not_in", Op::not_in}, {"eq", Op::eq},           {"ne", Op::ne}, {"min", Op::min},        {"max", Op::max},
        {"above", Op::above}, {"below", Op::below},   {"between", Op::between}, {"is", Op::is}, {"present", Op::present}};
    Test x;
    x.lhs = std::move(*lhs);
    x.where = at(&t);
    x.op = std::find_if(std::begin(table), std::end(table), [&](const auto& e) { return e.first == ops[0]; })->second;
    const auto& node = *t.get(ops[0]);
    if (x.op == Op::between) {
      const auto* a = node.as_array();
      if (!a || a->size() != 2) fail(&node, "between = [low, high] (both included)");
      x.rhs = {ref((*a)[0], where, false), ref((*a)[1], where, false)};
    } else if (x.op == Op::present) {
      if (!node.is_boolean()) fail(&node, "present = true | false");
      x.rhs = {ref(node, where, false)};
    } else {
      x.rhs = {ref(node, where, false)};
    }
    const bool numeric = x.op == Op::min || x.op == Op::max || x.op == Op::above || x.op == Op::below || x.op == Op::between;
    if (numeric && x.lhs.kind == Operand::Kind::field && !s.date_fields.count(x.lhs.name)) {
      const bool rhs_date = x.rhs[0].kind == Operand::Kind::literal_text && valid_date(x.rhs[0].name);
      if (rhs_date)
        s.date_fields.insert(x.lhs.name);
      else
        s.number_fields.insert(x.lhs.name);
    }
    return x;
  }

  std::optional<Test> sub_test(const toml::table& t, std::string_view key, std::string_view where) {
    const auto* n = t.get(key);
    if (!n) return std::nullopt;
    const auto* tt = n->as_table();
    if (!tt) fail(n, fmt::format("'{}' in {} is a test table {{ field = ..., in = [...] }}", key, where));
    return test(*tt, fmt::format("'{}' of {}", key, where), false);
  }

  void conditions(const toml::array& a) {
    for (const auto& n : a) {
      const auto* t = n.as_table();
      if (!t) fail(&n, "[[conditions]] entries are tables");
      Condition c;
      c.where = at(&n);
      c.id = text(*t, "id", true, "a condition");
      const auto where = fmt::format("condition '{}'", c.id);
      for (const auto& other : s.conditions)
        if (other.id == c.id) fail(t->get("id"), fmt::format("two conditions are named '{}'", c.id));
      c.text = text(*t, "text", false, where);
      c.when = sub_test(*t, "when", where);
      if (t->contains("any") || t->contains("all")) {
        allow(*t, {"id", "text", "when", "any", "all"}, where, kProvenanceKeys);
        if (t->contains("any") && t->contains("all")) fail(t, fmt::format("{}: any or all, not both", where));
        const auto key = t->contains("any") ? "any" : "all";
        c.mode = t->contains("any") ? Condition::Mode::any : Condition::Mode::all;
        const auto* arr = t->get(key)->as_array();
        if (!arr || arr->empty()) fail(t->get(key), fmt::format("{} = [ {{test}}, ... ] needs at least one test", key));
        for (const auto& e : *arr) {
          const auto* et = e.as_table();
          if (!et) fail(&e, fmt::format("entries of '{}' are test tables", key));
          c.tests.push_back(test(*et, where, false));
        }
      } else {
        allow(*t, {"id", "text", "when", "at", "commune", "quote", "source", "confidence", "reading", "origin", "note"}, where,
              kOperandKeys, kTestKeys);
        c.tests.push_back(test(*t, where, true));
      }
      fact("condition." + c.id, c.text, *t, where);
      s.conditions.push_back(std::move(c));
    }
  }

  void values(const toml::array& a) {
    for (const auto& n : a) {
      const auto* t = n.as_table();
      if (!t) fail(&n, "[[values]] entries are tables");
      NamedValue v;
      v.id = text(*t, "id", true, "a value");
      const auto where = fmt::format("value '{}'", v.id);
      allow(*t, {"id", "text", "at", "commune", "quote", "source", "confidence", "reading", "origin", "note"}, where, kOperandKeys);
      for (const auto& other : s.values)
        if (other.id == v.id) fail(t->get("id"), fmt::format("two values are named '{}'", v.id));
      auto o = operand(*t, where);
      if (!o) fail(t, fmt::format("{} names no quantity", where));
      v.operand = std::move(*o);
      fact("value." + v.id, text(*t, "text", false, where), *t, where);
      s.values.push_back(std::move(v));
    }
  }

  void amount(const toml::table& t) {
    allow(t, {"min", "max", "terms"}, "[amount]");
    if (const auto* n = t.get("min")) s.amount_min = ref(*n, "[amount] min", true);
    if (const auto* n = t.get("max")) s.amount_max = ref(*n, "[amount] max", true);
    const auto* arr = t.get("terms") ? t.get("terms")->as_array() : nullptr;
    if (!arr || arr->empty()) fail(&t, "[amount] needs [[amount.terms]]", "or leave [amount] out for an eligibility-only scheme");
    for (const auto& n : *arr) {
      const auto* tt = n.as_table();
      if (!tt) fail(&n, "[[amount.terms]] entries are tables");
      Term term;
      term.where = at(&n);
      term.id = text(*tt, "id", true, "an amount term");
      const auto where = fmt::format("amount term '{}'", term.id);
      allow(*tt, {"id", "text", "fixed", "per_month", "months", "rate", "of", "band", "field", "when", "min", "max"}, where,
            kProvenanceKeys);
      std::vector<std::string_view> kinds;
      for (auto k : {"fixed", "per_month", "rate", "band", "field"})
        if (tt->contains(k)) kinds.push_back(k);
      if (kinds.size() != 1) fail(tt, fmt::format("{} needs exactly one of fixed, per_month, rate, band, field", where));
      const auto k = kinds[0];
      if (k == "fixed") {
        term.kind = Term::Kind::fixed;
        term.factor = ref(*tt->get("fixed"), where, true);
      } else if (k == "per_month") {
        term.kind = Term::Kind::per_month;
        term.factor = ref(*tt->get("per_month"), where, true);
        if (!tt->contains("months")) fail(tt, fmt::format("{}: per_month needs months = FIELD", where));
        term.of = ref(*tt->get("months"), where, true);
      } else if (k == "rate") {
        term.kind = Term::Kind::rate;
        term.factor = ref(*tt->get("rate"), where, true);
        if (!tt->contains("of")) fail(tt, fmt::format("{}: rate needs of = FIELD (the base)", where));
        term.of = ref(*tt->get("of"), where, true);
      } else if (k == "band") {
        term.kind = Term::Kind::band;
        term.factor = ref(*tt->get("band"), where, false);
        if (term.factor.kind != Operand::Kind::param || s.param(term.factor.name)->type != Parameter::Type::bands)
          fail(tt->get("band"), fmt::format("{}: band = \"$NAME\" names a parameter of type bands", where));
        if (!tt->contains("of")) fail(tt, fmt::format("{}: band needs of = \"@value\" or FIELD (the banded quantity)", where));
        term.of = ref(*tt->get("of"), where, true);
      } else {
        term.kind = Term::Kind::field;
        term.of = ref(*tt->get("field"), where, true);
      }
      if (tt->contains("of") && term.kind != Term::Kind::rate && term.kind != Term::Kind::band)
        fail(tt->get("of"), fmt::format("{}: 'of' goes with rate or band", where));
      if (tt->contains("months") && term.kind != Term::Kind::per_month)
        fail(tt->get("months"), fmt::format("{}: 'months' goes with per_month", where));
      term.when = sub_test(*tt, "when", where);
      if (const auto* m = tt->get("min")) term.min = ref(*m, where, true);
      if (const auto* m = tt->get("max")) term.max = ref(*m, where, true);
      fact("amount." + term.id, text(*tt, "text", false, where), *tt, where);
      s.terms.push_back(std::move(term));
    }
  }

  void limit(const toml::table& t, Limit& l, std::string_view name, bool envelope) {
    if (envelope)
      allow(t, {"amount", "period", "date", "on_exhausted", "text"}, name, kProvenanceKeys);
    else
      allow(t, {"count", "period", "date", "text"}, name, kProvenanceKeys);
    const auto key = envelope ? "amount" : "count";
    if (!t.contains(key)) fail(&t, fmt::format("{} needs '{}'", name, key));
    l.value = ref(*t.get(key), name, true);
    if (l.value->kind == Operand::Kind::literal_number) {  // a named value is checked where it is given
      const double v = l.value->number;
      if (!(v >= 0) || (!envelope && v != std::floor(v)))
        fail(t.get(key),
             fmt::format("{} {} = {}: {} ", name, key, v,
                         envelope ? "an envelope is an amount of 0 or more" : "a quota is a whole number of 0 or more"),
             envelope ? "e.g. amount = 390000" : "e.g. count = 5");
    }
    l.period = choice(t, "period", "total", {"total", "year"}, name);
    if (l.period == "year") {
      l.date = field(t, "date", name);
      s.date_fields.insert(l.date);
    }
    if (envelope) l.reduce = choice(t, "on_exhausted", "refuse", {"refuse", "reduce"}, name) == "reduce";
    l.key = envelope ? "envelope" : "quota";
    fact(l.key, text(t, "text", false, name), t, name);
  }

  void targets(const toml::array& a) {
    for (const auto& n : a) {
      const auto* t = n.as_table();
      if (!t) fail(&n, "[[targets]] entries are tables");
      Target g;
      g.where = at(&n);
      g.id = text(*t, "id", true, "a target");
      const auto where = fmt::format("target '{}'", g.id);
      allow(*t, {"id", "label", "counts", "target", "deadline", "date", "from", "achieved_before", "envelope", "envelope_used_before"},
            where, kProvenanceKeys);
      g.label = text(*t, "label", false, where);
      g.counts = sub_test(*t, "counts", where);
      if (!t->contains("target")) fail(t, fmt::format("{} needs target = N", where));
      g.target = ref(*t->get("target"), where, true);
      g.deadline = date(*t, "deadline", true, where);
      g.date = field(*t, "date", where);
      s.date_fields.insert(g.date);
      g.from = date(*t, "from", false, where);
      if (!g.from.empty() && g.from > g.deadline) fail(t->get("from"), fmt::format("{}: from is after the deadline", where));
      if (const auto* e = t->get("achieved_before")) g.achieved_before = ref(*e, where, true);
      if (const auto* e = t->get("envelope")) g.envelope = ref(*e, where, true);
      if (const auto* e = t->get("envelope_used_before")) {
        if (!g.envelope) fail(e, fmt::format("{}: envelope_used_before goes with envelope", where));
        g.envelope_used_before = ref(*e, where, true);
      }
      fact("target." + g.id, g.label, *t, where);
      s.targets.push_back(std::move(g));
    }
  }

  void checks(const toml::array& a) {
    for (const auto& n : a) {
      const auto* t = n.as_table();
      if (!t) fail(&n, "[[checks]] entries are tables");
      Check c;
      c.where = at(&n);
      c.id = text(*t, "id", true, "a check");
      const auto where = fmt::format("check '{}'", c.id);
      allow(*t, {"id", "text", "awarded_count", "total", "tolerance"}, where, kProvenanceKeys);
      c.text = text(*t, "text", false, where);
      if (const auto* v = t->get("awarded_count")) c.awarded_count = v->value<double>();
      if (const auto* v = t->get("total")) c.total = v->value<double>();
      if (const auto* v = t->get("tolerance")) c.tolerance = v->value<double>().value_or(0);
      if (!c.awarded_count && !c.total) fail(t, fmt::format("{} checks nothing: give awarded_count and / or total", where));
      fact("check." + c.id, c.text, *t, where);
      s.checks.push_back(std::move(c));
    }
  }

  void run(const toml::table& doc, const std::filesystem::path& base_dir) {
    allow(doc,
          {"format", "scheme", "source", "parameters", "values", "conditions", "amount", "quota", "envelope", "targets", "checks",
           "open_points"},
          "the rule file");
    const auto* fmtv = doc.get("format");
    const auto version = fmtv ? fmtv->value<int64_t>() : std::nullopt;
    if (!version || (*version != 1 && *version != 2))
      fail(fmtv ? fmtv : &doc, "the rule file must start with format = 2 (the rule-language version; format = 1 is still read)",
           "format = 2: every fact carries its quote and source (docs/grants.md)");
    s.info.format = static_cast<int>(*version);
    const auto* sc = doc.get("scheme") ? doc.get("scheme")->as_table() : nullptr;
    if (!sc) fail(&doc, "the rule file needs a [scheme] table");
    allow(*sc,
          {"id", "name", "region", "version", "kind", "valid_from", "valid_to", "currency", "date_field", "order", "faculties",
           "description", "validity"},
          "[scheme]");
    auto& I = s.info;
    I.id = text(*sc, "id", true, "[scheme]");
    // The id names files (grant tables, report anchors): lower-case letters, digits and '-' only.
    if (I.id.empty() || I.id.size() > 80 || I.id.front() == '-' ||
        !std::all_of(I.id.begin(), I.id.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }))
      fail(sc->get("id"), fmt::format("[scheme] id '{}' may hold only a-z, 0-9 and '-' (it names files)", I.id),
           "e.g. id = \"aura-2017-bourse-internes\" (docs/grants.md)");
    I.name = text(*sc, "name", true, "[scheme]");
    I.region = text(*sc, "region", false, "[scheme]");
    I.version = text(*sc, "version", true, "[scheme]");
    I.kind = choice(*sc, "kind", "individual", {"individual", "programme", "eligibility"}, "[scheme]");
    I.valid_from = date(*sc, "valid_from", false, "[scheme]");
    I.valid_to = date(*sc, "valid_to", false, "[scheme]");
    if (!I.valid_from.empty() && !I.valid_to.empty() && I.valid_to < I.valid_from)
      fail(sc->get("valid_to"), "valid_to is before valid_from");
    I.currency = text(*sc, "currency", false, "[scheme]");
    if (I.currency.empty()) I.currency = "EUR";
    if (sc->contains("date_field")) {
      s.date_field = field(*sc, "date_field", "[scheme]");
      s.date_fields.insert(s.date_field);
    } else if (!I.valid_from.empty() || !I.valid_to.empty()) {
      fail(sc, "a validity period needs date_field (the application column it is checked on)");
    }
    if (const auto* v = sc->get("validity")) {
      const auto* vt = v->as_table();
      if (!vt) fail(v, "[scheme.validity] is a table: quote, source, confidence, reading, origin, note");
      if (I.valid_from.empty() && I.valid_to.empty())
        fail(v, "[scheme.validity] says where a validity period comes from, but there is none");
      allow(*vt, {}, "[scheme.validity]", kProvenanceKeys);
      fact("validity", fmt::format("{} .. {}", I.valid_from.empty() ? "-" : I.valid_from, I.valid_to.empty() ? "-" : I.valid_to), *vt,
           "the validity period");
    } else if (!I.valid_from.empty() || !I.valid_to.empty()) {
      fact("validity", fmt::format("{} .. {}", I.valid_from.empty() ? "-" : I.valid_from, I.valid_to.empty() ? "-" : I.valid_to),
           toml::table{}, "the validity period ([scheme.validity])");
    }
    s.order = choice(*sc, "order", "file", {"file", "date"}, "[scheme]");
    if (s.order == "date" && s.date_field.empty()) fail(sc->get("order"), "order = \"date\" needs date_field");
    if (const auto f = text(*sc, "faculties", false, "[scheme]"); !f.empty()) I.faculties_file = base_dir / f;
    const auto* src = doc.get("source") ? doc.get("source")->as_table() : nullptr;
    if (!src) fail(&doc, "the rule file needs a [source] table (title, date, url)", "every scheme cites its legal source");
    allow(*src, {"title", "date", "url", "file", "note"}, "[source]");
    I.source_title = text(*src, "title", true, "[source]");
    I.source_date = text(*src, "date", false, "[source]");
    I.source_url = text(*src, "url", false, "[source]");
    I.source_file = text(*src, "file", false, "[source]");
    if (I.format >= 2 && I.source_file.empty() && I.source_url.empty())
      fail(src, "[source] needs file (the page, saved) or url",
           "file = \"pages/scheme.txt\" (relative to the rule file) or url = \"https://...\"");
    if (I.format >= 2 && I.source_file.empty() && I.source_date.empty())
      fail(src, "[source] url needs the date of the page", "date = \"2024-10-08\"");
    if (const auto* p = doc.get("parameters")) {
      if (!p->is_table()) fail(p, "[parameters] is a table of parameter tables");
      parameters(*p->as_table());
    }
    auto arr = [&](const char* key) -> const toml::array* {
      const auto* n = doc.get(key);
      if (!n) return nullptr;
      if (!n->is_array()) fail(n, fmt::format("'{}' is an array of tables: write [[{}]]", key, key));
      return n->as_array();
    };
    if (const auto* a = arr("values")) values(*a);
    if (const auto* a = arr("conditions")) conditions(*a);
    if (const auto* a = doc.get("amount")) {
      if (!a->is_table()) fail(a, "[amount] is a table");
      amount(*a->as_table());
    }
    if (const auto* q = doc.get("quota")) limit(*q->as_table(), s.quota, "[quota]", false);
    if (const auto* e = doc.get("envelope")) limit(*e->as_table(), s.envelope, "[envelope]", true);
    if (const auto* a = arr("targets")) targets(*a);
    if (const auto* a = arr("checks")) checks(*a);
    if (const auto* a = arr("open_points")) open_points(*a);
    if (I.kind == "eligibility" && !s.terms.empty()) fail(doc.get("amount"), "an eligibility scheme has no [amount]");
    if (I.kind == "individual" && s.terms.empty()) fail(&doc, "an individual scheme needs [amount] (or kind = \"eligibility\")");
    if (s.conditions.empty() && s.date_field.empty()) fail(&doc, "the scheme has no condition: every application would be eligible");
    std::sort(I.fields.begin(), I.fields.end());
    I.fields.erase(std::unique(I.fields.begin(), I.fields.end()), I.fields.end());
    if (I.format >= 2) verify_quotes(base_dir);
  }

  void open_points(const toml::array& a) {
    for (const auto& n : a) {
      const auto* t = n.as_table();
      if (!t) fail(&n, "[[open_points]] entries are tables");
      const auto id = text(*t, "id", true, "an open point");
      const auto where = fmt::format("open point '{}'", id);
      allow(*t, {"id", "text", "quote", "source", "note"}, where);
      Fact f{"open." + id, text(*t, "text", true, where), {}, fmt::format("{}, {}", file, at(t))};
      f.prov.confidence = "open";
      f.prov.quote = text(*t, "quote", false, where);
      f.prov.source = text(*t, "source", false, where);
      f.prov.note = text(*t, "note", false, where);
      s.info.open_points.push_back(std::move(f));
    }
  }

  /// Every quote whose source is a file found beside the rule file must be in it (normalised):
  /// a misquote stops the load. A source file that is absent is recorded as not found.
  void verify_quotes(const std::filesystem::path& base_dir) {
    auto& I = s.info;
    std::map<std::string, std::string> texts;  // written path -> normalised text ("" = absent)
    const auto source_of = [&](const Provenance& p) {
      if (!p.source.empty()) return p.source;
      return I.source_file.empty() ? I.source_url : I.source_file;
    };
    auto facts = all_facts(I);
    facts.insert(facts.end(), I.open_points.begin(), I.open_points.end());
    for (const auto& f : facts) {
      const auto src = source_of(f.prov);
      if (src.empty() || is_url(src)) continue;
      auto it = std::find_if(I.sources.begin(), I.sources.end(), [&](const SourceFile& x) { return x.written == src; });
      if (it == I.sources.end()) {
        SourceFile sf;
        sf.written = src;
        sf.path = base_dir / src;
        std::error_code ec;
        sf.found = std::filesystem::is_regular_file(sf.path, ec);
        if (sf.found) {
          sf.sha256 = sha256_file(sf.path);
          texts[src] = normalise_quote(read_file(sf.path, "a source page", "check the source path (relative to the rule file)"));
        }
        I.sources.push_back(std::move(sf));
        it = std::prev(I.sources.end());
      }
      if (!it->found || f.prov.quote.empty()) continue;
      if (texts[src].find(normalise_quote(f.prov.quote)) == std::string::npos)
        throw Error(Errc::grant_rule,
                    fmt::format("the quote of {} is not in its source {}: \"{}\"", f.key, it->path.string(), f.prov.quote), file,
                    f.where.substr(f.where.rfind(", ") + 2),
                    "copy the exact words of the page (whitespace and apostrophes may differ); a value read into the words is "
                    "confidence = \"derived\" with its reading");
      ++it->quotes;
    }
  }
};

}  // namespace

std::shared_ptr<const Scheme> parse_scheme(std::string_view text, const std::string& origin, const std::filesystem::path& base_dir) {
  toml::table doc;
  try {
    doc = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    throw Error(Errc::format, std::string(e.description()), origin, fmt::format("line {}", e.source().begin.line),
                "check quotes, brackets and '=' on that line (https://toml.io)");
  }
  auto s = std::make_shared<Scheme>();
  s->info.file = origin;
  Parser{origin, *s}.run(doc, base_dir);
  return s;
}

std::shared_ptr<const Scheme> load_scheme(const std::filesystem::path& file) {
  return parse_scheme(read_file(file, "the rule file", "check the path (rule files live in scenarios/grants/)"), file.string(),
                      file.parent_path());
}

std::shared_ptr<const Scheme> with_parameters(const std::shared_ptr<const Scheme>& scheme,
                                              const std::vector<std::pair<std::string, std::string>>& values) {
  auto s = std::make_shared<Scheme>(*scheme);
  for (const auto& nv : values) {
    const std::string& name = nv.first;  // (not a structured binding: lambdas below capture it)
    const std::string& value = nv.second;
    auto it = std::find_if(s->info.parameters.begin(), s->info.parameters.end(), [&](const Parameter& p) { return p.name == name; });
    if (it == s->info.parameters.end()) {
      std::vector<std::string> names;
      for (const auto& p : s->info.parameters) names.push_back(p.name);
      throw Error(Errc::grant_rule, fmt::format("the scheme '{}' has no parameter '{}'", s->info.id, name), s->info.file.string(), {},
                  fmt::format("parameters: {}", fmt::join(names, ", ")));
    }
    toml::table doc;
    try {
      doc = toml::parse("v = " + value, "--param " + name);
    } catch (const toml::parse_error& e) {
      throw Error(Errc::usage, fmt::format("--param {}={}: {}", name, value, e.description()), {}, {},
                  "give a TOML value: 1200, \"text\", [\"ZIP\", \"ZAC\"], [[0, 600], [50, 1200]]");
    }
    Parser{"--param " + name, *s}.set_value(*it, *doc.get("v"));
    it->overridden = true;
    it->prov.confidence = "override";
    it->prov.reading.clear();
    it->prov.origin = fmt::format("set by the user (--param or [[grants]] parameters): {} = {}", name, value);
  }
  return s;
}

}  // namespace oasis::grants
