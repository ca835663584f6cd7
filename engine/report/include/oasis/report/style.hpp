#pragma once
// QGIS styles (docs/maps.md#qgis): the classes and colours of the static maps as a QGIS style
// (QML) and as an OGC Symbology Encoding style (SLD 1.1), to be stored in the `layer_styles` table
// of a GeoPackage (the QGIS convention, read by QGIS when it opens the layer) and beside it as .qml.
#include <span>
#include <string>
#include <utility>
#include <string_view>

#include "oasis/report/map.hpp"

namespace oasis::report {

struct Style {
  std::string name;         // e.g. "zones"
  std::string description;  // one line, shown by QGIS in the style list
  std::string qml;          // QGIS style document (symbology)
  std::string sld;          // StyledLayerDescriptor 1.1.0
};

/// A categorised style on `field`: one category per class, the class label being the field's value
/// (the zone classes: ZIP, ZAC, hors-zonage), and one for any other value or none ("sans valeur",
/// the grey of the maps: the QGIS category with an empty value; in SLD, "none of the classes, or null").
Style categorized_style(std::string_view layer, std::string_view field, const Classification& c, const std::string& name,
                        std::string description);

/// A graduated style on `field` with the classes of `c` (c.breaks): the class of a value v is the
/// one of the maps, [b(i-1), b(i)) — a value on a break goes to the upper class in QGIS too (each
/// range ends at the largest double below the next break). The outer classes are open-ended (from
/// the lowest to the largest double): a value of any run is drawn.
Style graduated_style(std::string_view layer, std::string_view field, const Classification& c, const std::string& name,
                      std::string description);

/// Adds the field aliases (field name, alias) to a QGIS style (`<aliases>`, style category
/// "Fields"): QGIS shows them in the attribute table and forms when it applies the style.
void add_field_aliases(Style& style, std::span<const std::pair<std::string, std::string>> aliases);

/// The sites of a siting answer: each commune outlined in black (no fill, so the zoning below shows
/// through) and labelled with `label_field` (its name), bold with a white halo.
Style sites_style(std::string_view layer, std::string_view label_field, const std::string& name, std::string description);

/// `text` with & < > " ' escaped for XML and HTML.
std::string escape_xml(std::string_view text);

}  // namespace oasis::report
