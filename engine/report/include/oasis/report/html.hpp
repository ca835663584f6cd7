#pragma once
// The HTML report (docs/report.md): one self-contained page — key figures, APL distribution,
// inequality, scenario vs baseline, the static maps, an interactive map (Leaflet, inlined), the
// sortable commune table and the provenance — that opens offline from the file.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "oasis/model/geometry.hpp"
#include "oasis/report/map.hpp"

namespace oasis::report {

/// The communes of the page, column by column (same length); NaN = no value.
struct ReportCommunes {
  std::vector<std::string> code, name, unit, zone, rule, cls;  // cls: the class before the ARS pick
  std::vector<double> population, value, density, time_gp;
  std::optional<std::vector<std::string>> zone_baseline;  // empty string: not in the baseline
  std::optional<std::vector<std::string>> cls_baseline;   // the same for the class
  std::optional<std::vector<double>> value_baseline;      // the zoned value in the baseline (NaN: none)
  std::vector<MultiPolygon> lonlat;                       // WGS 84 degrees, simplified
};

struct ReportInput {
  std::string title, subtitle, sources, engine;
  std::string data_line;   // the second footer line: supply source, populations (as on the maps)
  std::string profession;  // the supply in words, plural ("médecins généralistes")
  std::string notice;      // simulated or official zoning, one sentence
  nlohmann::json summary;  // summary.json as written
  /// Folders the page does not disclose: a path under one is shown relative to it (the data
  /// folder, the working folder; the longest first).
  std::vector<std::string> private_prefixes;
  ReportCommunes communes;
  Classification zones, values;            // the classes and colours of the static maps
  std::vector<MultiPolygon> outlines;      // départements, WGS 84
  std::string map_zones_png, map_apl_png;  // PNG bytes of maps/zones.png and maps/apl.png
  std::string map_zones_baseline_png;      // maps/zones-baseline.png (with a baseline), beside the scenario's
};

/// A classification's legend for a page: {"title", "breaks", "classes": [{"label", "colour"}]}.
nlohmann::json classes_json(const Classification& c);
/// Shapes (WGS 84 degrees) for a page: one array per shape, rings as [x0, y0, dx1, dy1, ...] in
/// integer 1e-5 degrees (report.js and planner.js decode them).
std::string shapes_json(std::span<const MultiPolygon> shapes);
void append_shape(std::string& out, const MultiPolygon& shape);

/// The page. Deterministic: the same input gives the same bytes (no clock, no random ids).
std::string html_report(const ReportInput& in);

}  // namespace oasis::report
