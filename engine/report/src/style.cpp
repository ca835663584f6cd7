// QGIS (QML) and OGC SLD 1.1 styles carrying the classes and colours of the static maps.
#include "oasis/report/style.hpp"

#include <cmath>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "oasis/core/error.hpp"

namespace oasis::report {
namespace {

// The commune outline of the static maps: white at 60 % opacity, 0.15 pt (0.05 mm).
constexpr const char* kOutlineRgba = "255,255,255,153";
constexpr const char* kOutlineWidthMm = "0.05";

std::string rgba(Rgb c) { return fmt::format("{},{},{},255", c.r, c.g, c.b); }

/// A double written so that QGIS reads back the same value (shortest round trip).
std::string exact(double x) { return fmt::format("{}", x); }

/// One QGIS fill symbol. Written both as <Option> (QGIS >= 3.16) and as <prop> (older versions
/// read only these), as QGIS itself writes them.
/// `fill_style` "solid" or "no" (an outline only).
std::string qml_symbol(std::size_t index, Rgb colour, const char* outline_rgba = kOutlineRgba, const char* outline_mm = kOutlineWidthMm,
                       const char* fill_style = "solid") {
  const std::vector<std::pair<const char*, std::string>> props{{"border_width_map_unit_scale", "3x:0,0,0,0,0,0"},
                                                               {"color", rgba(colour)},
                                                               {"joinstyle", "round"},
                                                               {"offset", "0,0"},
                                                               {"offset_map_unit_scale", "3x:0,0,0,0,0,0"},
                                                               {"offset_unit", "MM"},
                                                               {"outline_color", outline_rgba},
                                                               {"outline_style", "solid"},
                                                               {"outline_width", outline_mm},
                                                               {"outline_width_unit", "MM"},
                                                               {"style", fill_style}};
  std::string s = fmt::format("      <symbol type=\"fill\" name=\"{}\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n", index);
  s += "        <layer class=\"SimpleFill\" enabled=\"1\" pass=\"0\" locked=\"0\">\n          <Option type=\"Map\">\n";
  for (const auto& [k, v] : props) s += fmt::format("            <Option type=\"QString\" name=\"{}\" value=\"{}\"/>\n", k, v);
  s += "          </Option>\n";
  for (const auto& [k, v] : props) s += fmt::format("          <prop k=\"{}\" v=\"{}\"/>\n", k, v);
  s += "        </layer>\n      </symbol>\n";
  return s;
}

std::string qml_document(std::string_view renderer_open, const std::string& items, std::string_view items_tag,
                         const std::vector<Rgb>& colours) {
  std::string s =
      "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
      "<qgis version=\"3.22.16-Białowieża\" styleCategories=\"Symbology\">\n";
  s += fmt::format("  {}\n    <{}>\n{}    </{}>\n    <symbols>\n", renderer_open, items_tag, items, items_tag);
  for (std::size_t i = 0; i < colours.size(); ++i) s += qml_symbol(i, colours[i]);
  s += "    </symbols>\n  </renderer-v2>\n  <blendMode>0</blendMode>\n  <featureBlendMode>0</featureBlendMode>\n";
  s += "  <layerGeometryType>2</layerGeometryType>\n</qgis>\n";
  return s;
}

std::string sld_document(std::string_view layer, const std::string& name, const std::string& rules) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<StyledLayerDescriptor xmlns=\"http://www.opengis.net/sld\" xmlns:ogc=\"http://www.opengis.net/ogc\" "
      "xmlns:se=\"http://www.opengis.net/se\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" version=\"1.1.0\" "
      "xsi:schemaLocation=\"http://www.opengis.net/sld http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd\">\n"
      "  <NamedLayer>\n    <se:Name>{}</se:Name>\n    <UserStyle>\n      <se:Name>{}</se:Name>\n      <se:FeatureTypeStyle>\n{}"
      "      </se:FeatureTypeStyle>\n    </UserStyle>\n  </NamedLayer>\n</StyledLayerDescriptor>\n",
      escape_xml(layer), escape_xml(name), rules);
}

/// One SLD rule; `filter` = the comparison inside <ogc:Filter>.
std::string sld_rule(const MapClass& m, const std::string& filter) {
  return fmt::format(
      "        <se:Rule>\n          <se:Name>{0}</se:Name>\n          <se:Description>\n            <se:Title>{0}</se:Title>\n"
      "          </se:Description>\n{1}          <se:PolygonSymbolizer>\n"
      "            <se:Fill>\n              <se:SvgParameter name=\"fill\">{2}</se:SvgParameter>\n            </se:Fill>\n"
      "            <se:Stroke>\n              <se:SvgParameter name=\"stroke\">#ffffff</se:SvgParameter>\n"
      "              <se:SvgParameter name=\"stroke-opacity\">0.6</se:SvgParameter>\n"
      "              <se:SvgParameter name=\"stroke-width\">0.2</se:SvgParameter>\n            </se:Stroke>\n"
      "          </se:PolygonSymbolizer>\n        </se:Rule>\n",
      escape_xml(m.label), "          <ogc:Filter>\n" + filter + "          </ogc:Filter>\n", m.colour.hex());
}

std::string compare(const char* op, std::string_view field, double value) {
  return fmt::format("<ogc:{0}><ogc:PropertyName>{1}</ogc:PropertyName><ogc:Literal>{2}</ogc:Literal></ogc:{0}>", op, escape_xml(field),
                     exact(value));
}

}  // namespace

void add_field_aliases(Style& style, std::span<const std::pair<std::string, std::string>> aliases) {
  if (aliases.empty()) return;
  std::string block = "  <aliases>\n";
  for (std::size_t i = 0; i < aliases.size(); ++i)
    block +=
        fmt::format("    <alias field=\"{}\" index=\"{}\" name=\"{}\"/>\n", escape_xml(aliases[i].first), i, escape_xml(aliases[i].second));
  block += "  </aliases>\n";
  const auto end = style.qml.rfind("</qgis>");
  if (end == std::string::npos) throw Error(Errc::internal, "a QGIS style without </qgis>");
  style.qml.insert(end, block);
  const auto cat = style.qml.find("styleCategories=\"");
  if (cat != std::string::npos) style.qml.insert(style.qml.find('"', cat + 17), "|Fields");
}

std::string escape_xml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += ch;
    }
  }
  return out;
}

Style categorized_style(std::string_view layer, std::string_view field, const Classification& c, const std::string& name,
                        std::string description) {
  if (c.classes.empty()) throw Error(Errc::internal, "a categorised style needs classes");
  std::string items, rules, any;
  std::vector<Rgb> colours;
  for (std::size_t i = 0; i < c.classes.size(); ++i) {
    colours.push_back(c.classes[i].colour);
    const auto v = escape_xml(c.classes[i].label);
    items += fmt::format("      <category render=\"true\" symbol=\"{}\" value=\"{}\" label=\"{}\" type=\"string\"/>\n", i, v, v);
    const auto eq =
        fmt::format("<ogc:PropertyIsEqualTo><ogc:PropertyName>{}</ogc:PropertyName><ogc:Literal>{}</ogc:Literal></ogc:PropertyIsEqualTo>",
                    escape_xml(field), v);
    rules += sld_rule(c.classes[i], "            " + eq + "\n");
    any += eq;
  }
  // Any other value (e.g. non-classe) or none: the grey of "sans valeur" on the maps. In QGIS a
  // category with an empty value is the one for all other values; in SLD, "not one of the
  // classes, or null" (spelt out: QGIS 3.22 does not read se:ElseFilter).
  const MapClass other{"sans valeur", no_value_colour()};
  colours.push_back(other.colour);
  items += fmt::format("      <category render=\"true\" symbol=\"{}\" value=\"\" label=\"{}\" type=\"string\"/>\n", c.classes.size(),
                       escape_xml(other.label));
  rules +=
      sld_rule(other, fmt::format("            <ogc:Or><ogc:Not>{}</ogc:Not><ogc:PropertyIsNull><ogc:PropertyName>{}</ogc:PropertyName>"
                                  "</ogc:PropertyIsNull></ogc:Or>\n",
                                  c.classes.size() > 1 ? "<ogc:Or>" + any + "</ogc:Or>" : any, escape_xml(field)));
  const auto open = fmt::format(
      "<renderer-v2 type=\"categorizedSymbol\" attr=\"{}\" forceraster=\"0\" symbollevels=\"0\" enableorderby=\"0\" referencescale=\"-1\">",
      escape_xml(field));
  return {name, std::move(description), qml_document(open, items, "categories", colours), sld_document(layer, name, rules)};
}

Style graduated_style(std::string_view layer, std::string_view field, const Classification& c, const std::string& name,
                      std::string description) {
  if (c.breaks.size() + 1 != c.classes.size()) throw Error(Errc::internal, "a graduated style needs classes.size() - 1 breaks");
  // Open-ended outer classes: any value of any run is drawn (QGIS reads back the largest double).
  const double lowest = std::numeric_limits<double>::lowest(), highest = std::numeric_limits<double>::max();
  std::string items, rules;
  std::vector<Rgb> colours;
  const auto f = escape_xml(field);
  for (std::size_t i = 0; i < c.classes.size(); ++i) {
    colours.push_back(c.classes[i].colour);
    const double lo = i == 0 ? lowest : c.breaks[i - 1];
    // QGIS puts a value in the first range with lower <= v <= upper: ending each range just below
    // the next break sends a value on a break to the upper class, as on the maps.
    const double hi = i + 1 == c.classes.size() ? highest : std::nextafter(c.breaks[i], -std::numeric_limits<double>::infinity());
    items += fmt::format("      <range render=\"true\" symbol=\"{}\" lower=\"{}\" upper=\"{}\" label=\"{}\"/>\n", i, exact(lo), exact(hi),
                         escape_xml(c.classes[i].label));
    std::string filter;
    if (i == 0)
      filter = c.breaks.empty()
                   ? "<ogc:Not><ogc:PropertyIsNull><ogc:PropertyName>" + f + "</ogc:PropertyName></ogc:PropertyIsNull></ogc:Not>"
                   : compare("PropertyIsLessThan", field, c.breaks[0]);
    else if (i + 1 == c.classes.size())
      filter = compare("PropertyIsGreaterThanOrEqualTo", field, c.breaks[i - 1]);
    else
      filter = "<ogc:And>" + compare("PropertyIsGreaterThanOrEqualTo", field, c.breaks[i - 1]) +
               compare("PropertyIsLessThan", field, c.breaks[i]) + "</ogc:And>";
    rules += sld_rule(c.classes[i], "            " + filter + "\n");
  }
  const auto open = fmt::format(
      "<renderer-v2 type=\"graduatedSymbol\" attr=\"{}\" graduatedMethod=\"GraduatedColor\" forceraster=\"0\" symbollevels=\"0\" "
      "enableorderby=\"0\" referencescale=\"-1\">",
      f);
  return {name, std::move(description), qml_document(open, items, "ranges", colours), sld_document(layer, name, rules)};
}

Style sites_style(std::string_view layer, std::string_view label_field, const std::string& name, std::string description) {
  Style st{name, std::move(description), {}, {}};
  st.qml =
      "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
      "<qgis version=\"3.22.16-Białowieża\" styleCategories=\"Symbology|Labeling\" labelsEnabled=\"1\">\n"
      "  <renderer-v2 type=\"singleSymbol\" symbollevels=\"0\" forceraster=\"0\" enableorderby=\"0\">\n    <symbols>\n";
  st.qml += qml_symbol(0, Rgb{0, 0, 0}, "0,0,0,255", "0.6", "no");
  st.qml += fmt::format(
      "    </symbols>\n  </renderer-v2>\n"
      "  <labeling type=\"simple\">\n    <settings calloutType=\"simple\">\n"
      "      <text-style fieldName=\"{}\" isExpression=\"0\" fontSize=\"9\" fontSizeUnit=\"Point\" textColor=\"0,0,0,255\" "
      "fontWeight=\"75\" textOpacity=\"1\">\n"
      "        <text-buffer bufferDraw=\"1\" bufferSize=\"1\" bufferSizeUnits=\"MM\" bufferColor=\"255,255,255,255\" "
      "bufferOpacity=\"1\"/>\n"
      "      </text-style>\n      <placement placement=\"0\" dist=\"0\"/>\n    </settings>\n  </labeling>\n"
      "  <blendMode>0</blendMode>\n  <featureBlendMode>0</featureBlendMode>\n  <layerGeometryType>2</layerGeometryType>\n</qgis>\n",
      escape_xml(label_field));
  const std::string rule = fmt::format(
      "        <se:Rule>\n          <se:Name>{0}</se:Name>\n          <se:PolygonSymbolizer>\n"
      "            <se:Stroke>\n              <se:SvgParameter name=\"stroke\">#000000</se:SvgParameter>\n"
      "              <se:SvgParameter name=\"stroke-width\">2</se:SvgParameter>\n            </se:Stroke>\n"
      "          </se:PolygonSymbolizer>\n          <se:TextSymbolizer>\n"
      "            <se:Label><ogc:PropertyName>{1}</ogc:PropertyName></se:Label>\n"
      "            <se:Font><se:SvgParameter name=\"font-size\">12</se:SvgParameter>"
      "<se:SvgParameter name=\"font-weight\">bold</se:SvgParameter></se:Font>\n"
      "            <se:Halo><se:Radius>2</se:Radius><se:Fill><se:SvgParameter name=\"fill\">#ffffff</se:SvgParameter></se:Fill></se:Halo>\n"
      "            <se:Fill><se:SvgParameter name=\"fill\">#000000</se:SvgParameter></se:Fill>\n"
      "          </se:TextSymbolizer>\n        </se:Rule>\n",
      escape_xml(st.description), escape_xml(label_field));
  st.sld = sld_document(layer, name, rule);
  return st;
}

}  // namespace oasis::report
