// The self-contained HTML report: the page template, Leaflet and the report script are compiled in
// (web_assets.cpp, generated from engine/report/web/ by embed.cmake); the data goes in as JSON.
#include "oasis/report/html.hpp"

#include <cmath>
#include <string_view>
#include <tuple>

#include <fmt/format.h>

#include "oasis/core/checksum.hpp"
#include "oasis/core/error.hpp"
#include "oasis/report/style.hpp"

namespace oasis::report {
namespace web {
extern const std::string_view page, leaflet_js, leaflet_css, report_js, report_css;
}  // namespace web

nlohmann::json classes_json(const Classification& c) {
  nlohmann::json out{{"title", c.legend_title}, {"breaks", c.breaks}, {"classes", nlohmann::json::array()}};
  for (const auto& k : c.classes) out["classes"].push_back({{"label", k.label}, {"colour", k.colour.hex()}});
  return out;
}

/// Rings as [x0, y0, dx1, dy1, ...] in integer 1e-5 degrees (the coordinates are rounded to that):
/// the page decodes them (report.js decode()); a third of the size of plain coordinates.
void append_shape(std::string& out, const MultiPolygon& mp) {
  out += '[';
  bool first_poly = true;
  for (const auto& p : mp) {
    if (!first_poly) out += ',';
    first_poly = false;
    out += '[';
    const auto ring = [&](const Ring& r, bool first) {
      if (!first) out += ',';
      out += '[';
      long long px = 0, py = 0;
      for (std::size_t i = 0; i < r.size(); ++i) {
        const auto x = std::llround(r[i].x * 1e5), y = std::llround(r[i].y * 1e5);
        fmt::format_to(std::back_inserter(out), "{}{},{}", i ? "," : "", x - px, y - py);
        px = x, py = y;
      }
      out += ']';
    };
    ring(p.outer, true);
    for (const auto& h : p.holes) ring(h, false);
    out += ']';
  }
  out += ']';
}

std::string shapes_json(std::span<const MultiPolygon> shapes) {
  std::string out = "[";
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    if (i) out += ',';
    append_shape(out, shapes[i]);
  }
  out += ']';
  return out;
}

namespace {

/// The summary as the public page shows it: every path under one of `prefixes` (the data folder,
/// the working folder) written relative to it, so that the page does not disclose local folders.
nlohmann::json relative_paths(const nlohmann::json& j, const std::vector<std::string>& prefixes) {
  if (j.is_string()) {
    auto s = j.get<std::string>();
    for (const auto& p : prefixes) {
      if (p.empty() || p == "/") continue;
      const auto dir = p.ends_with('/') ? p : p + "/";
      for (auto at = s.find(dir); at != std::string::npos; at = s.find(dir, at)) s.erase(at, dir.size());
    }
    return s;
  }
  if (j.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : j.items()) out[k] = relative_paths(v, prefixes);
    return out;
  }
  if (j.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : j) out.push_back(relative_paths(v, prefixes));
    return out;
  }
  return j;
}

std::string data_json(const ReportInput& in) {
  const auto& c = in.communes;
  const auto n = c.code.size();
  for (const auto* col : {&c.name, &c.unit, &c.zone, &c.rule, &c.cls})
    if (col->size() != n) throw Error(Errc::internal, "report: text columns of different lengths");
  for (const auto* col : {&c.population, &c.value, &c.density, &c.time_gp})
    if (col->size() != n) throw Error(Errc::internal, "report: numeric columns of different lengths");
  if (c.lonlat.size() != n || in.zones.of.size() != n || in.values.of.size() != n)
    throw Error(Errc::internal, "report: shapes or classes do not match the communes");
  nlohmann::json cols{{"code", c.code},
                      {"nom", c.name},
                      {"unit", c.unit},
                      {"zone", c.zone},
                      {"rule", c.rule},
                      {"class", c.cls},
                      {"population", c.population},
                      {"value", c.value},
                      {"density", c.density},
                      {"time_gp", c.time_gp},
                      {"zone_class", in.zones.of},
                      {"value_class", in.values.of}};
  if (c.zone_baseline) {
    auto& zb = cols["zone_baseline"] = nlohmann::json::array();
    for (const auto& z : *c.zone_baseline) zb.push_back(z.empty() ? nlohmann::json() : nlohmann::json(z));
  }
  if (c.cls_baseline) {
    auto& cb = cols["class_baseline"] = nlohmann::json::array();
    for (const auto& z : *c.cls_baseline) cb.push_back(z.empty() ? nlohmann::json() : nlohmann::json(z));
  }
  if (c.value_baseline) cols["value_baseline"] = *c.value_baseline;
  nlohmann::json j{{"summary", relative_paths(in.summary, in.private_prefixes)},
                   {"zones", classes_json(in.zones)},
                   {"values", classes_json(in.values)},
                   {"communes", std::move(cols)},
                   {"attribution", in.sources},
                   {"labels", {{"profession", in.profession}, {"notice", in.notice}}}};
  std::string out = j.dump();  // NaN is written null
  out.pop_back();              // the closing brace: the shapes follow
  out += ",\"shapes\":[";
  for (std::size_t i = 0; i < n; ++i) {
    if (i) out += ',';
    append_shape(out, c.lonlat[i]);
  }
  out += "],\"outlines\":[";
  for (std::size_t i = 0; i < in.outlines.size(); ++i) {
    if (i) out += ',';
    append_shape(out, in.outlines[i]);
  }
  out += "]}";
  // Inside <script>, "</script" would close the element and "<!--" would open an escaped state
  // that swallows the rest of the page: every "<" (only ever inside a JSON string) is written
  // "\u003c", the same text for JSON.
  std::string safe;
  safe.reserve(out.size());
  for (const char ch : out) {
    if (ch == '<')
      safe += "\\u003c";
    else
      safe += ch;
  }
  return safe;
}

}  // namespace

std::string html_report(const ReportInput& in) {
  std::string data = data_json(in);
  const auto value = [&](std::string_view key) -> std::string {
    if (key == "TITLE") return escape_xml(in.title);
    if (key == "SUBTITLE") return escape_xml(in.subtitle);
    if (key == "SOURCES") return escape_xml(in.sources);
    if (key == "DATA_LINE") return escape_xml(in.data_line);
    if (key == "ENGINE") return escape_xml(in.engine);
    if (key == "LEAFLET_CSS") return std::string(web::leaflet_css);
    if (key == "LEAFLET_JS") return std::string(web::leaflet_js);
    if (key == "REPORT_CSS") return std::string(web::report_css);
    if (key == "REPORT_JS") return std::string(web::report_js);
    if (key == "MAPS") {
      if (in.map_zones_png.empty() && in.map_apl_png.empty())
        return "    <p class=\"note\">Cartes non dessinées (outputs.maps = false).</p>";
      std::string f;
      for (const auto& [png, alt, file] : {std::tuple{&in.map_zones_png, "Carte du zonage", "maps/zones.png"},
                                           std::tuple{&in.map_apl_png, "Carte de l'APL", "maps/apl.png"}})
        if (!png->empty())
          f += fmt::format("    <figure><img alt=\"{}\" src=\"data:image/png;base64,{}\"><figcaption>{} ({})</figcaption></figure>\n",
                           escape_xml(alt), base64(*png), escape_xml(alt), file);
      return f;
    }
    if (key == "BASELINE_MAP")  // shown beside the scenario's zones map in "Ce que change le scénario"
      return in.map_zones_baseline_png.empty()
                 ? std::string()
                 : fmt::format("<img id=\"baseline-map\" hidden alt=\"Zonage de référence\" src=\"data:image/png;base64,{}\">",
                               base64(in.map_zones_baseline_png));
    if (key == "DATA") return data;
    throw Error(Errc::internal, fmt::format("report template: unknown placeholder @{}@", key));
  };
  // One pass over the template: the inserted text is never scanned again.
  std::string out;
  out.reserve(web::page.size() + web::leaflet_js.size() + data.size() + 2 * (in.map_zones_png.size() + in.map_apl_png.size()));
  std::size_t at = 0;
  while (true) {
    const auto a = web::page.find('@', at);
    if (a == std::string_view::npos) break;
    const auto b = web::page.find('@', a + 1);
    if (b == std::string_view::npos) break;
    const auto key = web::page.substr(a + 1, b - a - 1);
    if (key.empty() || key.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != std::string_view::npos) {
      out.append(web::page.substr(at, a + 1 - at));
      at = a + 1;
      continue;
    }
    out.append(web::page.substr(at, a - at));
    out += value(key);
    at = b + 1;
  }
  out.append(web::page.substr(at));
  return out;
}

}  // namespace oasis::report
