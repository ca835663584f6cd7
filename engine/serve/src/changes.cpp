// The planner's changes: each op's fields checked by the scenario declaration of the key it fills,
// then written into the session's scenario document (docs/serve.md).
#include "changes.hpp"

#include <algorithm>
#include <optional>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "oasis/core/error.hpp"
#include "oasis/scenario/check.hpp"
#include "oasis/scenario/scenario.hpp"
#include "oasis/sweep/sweep.hpp"

namespace oasis::serve {

void refuse(Errc code, const std::string& message, const std::string& fix) { throw Error(code, message, "request", {}, fix); }

std::string dump(const toml::node* n) {
  if (!n) return {};
  std::ostringstream os;
  n->visit([&](const auto& v) { os << v; });
  return os.str();
}

namespace {

/// A JSON value as a TOML node (numbers, text, true/false, lists of texts).
std::optional<toml::table> as_toml_value(const json& v) {
  toml::table t;
  if (v.is_boolean())
    t.insert("v", v.get<bool>());
  else if (v.is_number_integer())
    t.insert("v", v.get<std::int64_t>());
  else if (v.is_number())
    t.insert("v", v.get<double>());
  else if (v.is_string())
    t.insert("v", v.get<std::string>());
  else if (v.is_array() && std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_string(); })) {
    toml::array a;
    for (const auto& x : v) a.push_back(x.get<std::string>());
    t.insert("v", std::move(a));
  } else
    return std::nullopt;
  return t;
}

const json& field(const json& change, const char* name, bool required) {
  static const json none;
  if (!change.contains(name)) {
    if (required) refuse(Errc::scenario_key, fmt::format("the change has no '{}'", name), "docs/serve.md lists the fields of each op");
    return none;
  }
  return change.at(name);
}

/// Checks a change's fields against the scenario declaration of the key they fill.
void check_field(const json& value, const std::string& key, const std::string& shown) {
  const auto* d = scenario::declaration_of(key);
  if (!d) throw Error(Errc::internal, fmt::format("no declaration for {}", key));
  auto t = as_toml_value(value);
  if (!t)
    refuse(Errc::scenario_type, fmt::format("'{}' = {} is not a number, a text or a list of texts", shown, value.dump()), d->doc.data());
  scenario::check_scalar(*d, shown, *t->get("v"), "request");
}

}  // namespace

toml::table& table_at(toml::table& doc, const std::string& dotted_parent) {
  toml::table* t = &doc;
  std::size_t b = 0;
  for (std::size_t e; b < dotted_parent.size(); b = e + 1) {
    e = dotted_parent.find('.', b);
    if (e == std::string::npos) e = dotted_parent.size();
    const auto part = dotted_parent.substr(b, e - b);
    if (!t->get_as<toml::table>(part)) t->insert_or_assign(part, toml::table{});
    t = t->get_as<toml::table>(part);
  }
  return *t;
}

namespace {

toml::array& array_at(toml::table& doc, const std::string& parent, const std::string& key) {
  auto& t = table_at(doc, parent);
  if (!t.get_as<toml::array>(key)) t.insert_or_assign(key, toml::array{});
  return *t.get_as<toml::array>(key);
}

}  // namespace

/// The change, checked, written into the scenario document; returns its label for the list.
std::string apply_change(toml::table& doc, const json& c) {
  if (!c.is_object()) refuse(Errc::scenario_type, "a change must be a JSON object {\"op\": ...}", "docs/serve.md, \"Changes\"");
  const auto& op_v = field(c, "op", true);
  const std::string op = op_v.is_string() ? op_v.get<std::string>() : std::string();
  const auto allow = [&](std::initializer_list<const char*> fields) {
    for (const auto& [k, v] : c.items())
      if (k != "op" && std::none_of(fields.begin(), fields.end(), [&](const char* f) { return k == f; }))
        refuse(Errc::scenario_key, fmt::format("unknown field '{}' in a '{}' change", k, op), "docs/serve.md lists the fields of each op");
  };
  if (op == "set") {
    allow({"key", "value"});
    const auto& k = field(c, "key", true);
    if (!k.is_string()) refuse(Errc::scenario_type, "'key' must be a text", "e.g. \"zoning.zip_below\"");
    const auto key = k.get<std::string>();
    const auto* d = scenario::declaration_of(key);
    if (!d || scenario::in_table_array(key) || d->kind == scenario::Kind::table || d->kind == scenario::Kind::map ||
        d->kind == scenario::Kind::table_array)
      refuse(Errc::scenario_key, fmt::format("unknown key '{}'", key), "a key of docs/scenarios.md outside arrays of tables");
    if (d->unit == "path")
      refuse(Errc::scenario_key, fmt::format("'{}' is a file path: the planner takes no path from the browser", key),
             "start oasis serve with a scenario that sets it (docs/serve.md, \"Safe by default\")");
    if (sweep::level_of(key) == sweep::Axis::Level::inputs)
      refuse(Errc::scenario_key, fmt::format("'{}' changes the files the planner read", key),
             "start oasis serve with a scenario that sets it (docs/serve.md, \"What a session can change\")");
    const auto& value = field(c, "value", true);
    check_field(value, key, key);
    const auto dot = key.rfind('.');
    auto t = as_toml_value(value);
    auto& parent = dot == std::string::npos ? doc : table_at(doc, key.substr(0, dot));
    parent.insert_or_assign(key.substr(dot + 1), std::move(*t->get("v")));
    return fmt::format("{} = {}", key, value.dump());
  }
  if (op == "retire" || op == "add") {
    if (op == "retire")
      allow({"commune", "share", "label"});
    else
      allow({"commune", "gps", "label"});
    const auto& commune = field(c, "commune", true);
    check_field(commune, "modify.add.commune", "commune");  // an INSEE code as text (retire names it in communes = [...])
    const auto code = commune.get<std::string>();
    const auto& label_v = field(c, "label", false);
    if (!label_v.is_null()) check_field(label_v, "modify.add.label", "label");
    const std::string label = label_v.is_null() ? std::string() : label_v.get<std::string>();
    toml::table e;
    if (op == "retire") {
      const auto& share_v = field(c, "share", false);
      if (!share_v.is_null()) check_field(share_v, "modify.retire.share", "share");
      const double share = share_v.is_null() ? 1.0 : share_v.get<double>();
      e.insert("label", label.empty() ? fmt::format("départs {}", code) : label);
      e.insert("share", share);
      e.insert("seed", 1);
      e.insert("communes", toml::array{code});
      array_at(doc, "modify", "retire").push_back(std::move(e));
      return fmt::format("départs à {} ({:.0f} % des généralistes)", code, 100 * share);
    }
    const auto& gps_v = field(c, "gps", false);
    if (!gps_v.is_null()) check_field(gps_v, "modify.add.amount", "gps");
    const double gps = gps_v.is_null() ? 4.0 : gps_v.get<double>();
    e.insert("commune", code);
    e.insert("amount", gps);
    e.insert("label", label.empty() ? fmt::format("MSP {}", code) : label);
    e.insert("kind", "msp");
    array_at(doc, "modify", "add").push_back(std::move(e));
    return fmt::format("MSP à {} ({} généralistes)", code, gps);
  }
  if (op == "close") {
    allow({"finess"});
    const auto& f = field(c, "finess", true);
    check_field(json::array({f}), "flags.urgences_closed", "finess");
    auto& closed = array_at(doc, "flags", "urgences_closed");
    const auto fi = f.get<std::string>();
    for (const auto& x : closed)
      if (x.value<std::string>() == fi)
        refuse(Errc::code_duplicate, fmt::format("the emergency service {} is already closed", fi), "undo the change that closed it");
    closed.push_back(fi);
    return fmt::format("fermeture des urgences {}", fi);
  }
  refuse(Errc::scenario_value, fmt::format("'op' = {} is not one of set, retire, add, close", op_v.dump()), "docs/serve.md, \"Changes\"");
}

namespace {

/// The keys the page's panels show, with their declaration (the caps of each région of the file follow).
constexpr const char* kPanelKeys[] = {"zoning.zip_below", "zoning.vivier_below", "access.method",         "travel.model",
                                      "travel.speed_kmh", "travel.cutoff_min",   "flags.urgences_max_min"};

json node_json(const toml::node* n) {
  if (!n) return nullptr;
  if (const auto* v = n->as_boolean()) return v->get();
  if (const auto* v = n->as_integer()) return v->get();
  if (const auto* v = n->as_floating_point()) return v->get();
  if (const auto* v = n->as_string()) return v->get();
  return dump(n);
}

}  // namespace

json settings_of(const toml::table& doc) {
  std::vector<std::string> keys(std::begin(kPanelKeys), std::end(kPanelKeys));
  if (const auto* caps = doc.at_path("zoning.caps").as_table())
    for (const auto& [region, v] : *caps)
      for (const char* z : {"zip", "zac"}) keys.push_back(fmt::format("zoning.caps.{}.{}", region.str(), z));
  json out = json::array();
  for (const auto& key : keys) {
    const auto* d = scenario::declaration_of(key);
    if (!d) continue;
    json e{{"key", key}, {"value", node_json(doc.at_path(key).node())}, {"doc", d->doc}, {"unit", d->unit}};
    if (!d->choices.empty()) {
      json ch = json::array();
      for (std::size_t b = 0, e2; b <= d->choices.size(); b = e2 + 1) {
        e2 = d->choices.find('|', b);
        if (e2 == std::string_view::npos) e2 = d->choices.size();
        ch.push_back(std::string(d->choices.substr(b, e2 - b)));
      }
      e["choices"] = ch;
    } else {
      e["min"] = d->min;
      e["max"] = d->max;
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace oasis::serve
