#pragma once
// Static maps (docs/maps.md): choropleths of the communes of a run — zone classes or a numeric
// indicator in classes (fixed breaks, quantiles, Jenks) — with outlines, legend, title, scale bar,
// north arrow, sources and date, drawn with cairo to PNG and SVG at A4 landscape. Colour-blind-safe
// palettes, the same class colours wherever a class is drawn.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "oasis/model/geometry.hpp"

namespace oasis::report {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  std::string hex() const;  // "#d55e00"
};

/// One class of a map: its legend label and colour.
struct MapClass {
  std::string label;
  Rgb colour;
};

/// What each feature is drawn with: class index per feature (-1 = no value, drawn hatched grey).
struct Classification {
  std::string legend_title;
  std::vector<MapClass> classes;
  std::vector<int> of;
  std::vector<double> breaks;  // graduated: the inner breaks (classes.size() - 1 values)
};

/// The zone classes, in legend order: ZIP, ZAC, hors-zonage (Okabe–Ito vermillion, orange, grey).
std::span<const MapClass> zone_classes();
/// The grey of a feature without value ("sans valeur" in the legends).
Rgb no_value_colour();
Classification by_zone(std::span<const std::string> zone);  // legend title "Zonage"

/// A number as French typography writes it: decimal comma, digits grouped by three with no-break
/// spaces from 1 000 up ("2 732", "2,5", "-1 234,50"); `decimals` < 0 = the shortest exact form.
std::string number_fr(double x, int decimals = -1);

/// The French plural of a supply kind for titles and legends ("generaliste" -> "médecins
/// généralistes", "kine" -> "masseurs-kinésithérapeutes"); any other kind is returned as written.
std::string profession_label(std::string_view kind);

/// The inset label of an overseas département ("971" -> "Guadeloupe"), "" for any other code.
std::string overseas_name(std::string_view departement);

/// Breaks (inner, increasing, distinct) for k classes of the finite values.
std::vector<double> quantile_breaks(std::span<const double> values, int k);
/// Fisher–Jenks natural breaks (exact dynamic programme; above 4,000 values on a deterministic
/// sample of 4,000 quantiles).
std::vector<double> jenks_breaks(std::span<const double> values, int k);
/// The colour schemes of the maps, all colour-blind safe (docs/maps.md, "Colours"):
/// diverging = ColorBrewer RdYlBu, low values red (an indicator read against a line: the APL);
/// sequential = ColorBrewer YlGnBu, light to dark as values grow (a count, a density, a time);
/// qualitative = Okabe–Ito (categories with no order).
enum class Palette { diverging, sequential, qualitative };
/// "diverging", "sequential", "qualitative".
std::string_view palette_name(Palette p) noexcept;
/// `k` colours (2 to 7) of the palette, in class order; throws Error(value_invalid) otherwise.
std::vector<Rgb> palette_colours(Palette p, std::size_t k);

/// Classes [.., b0), [b0, b1), ... [b_last, ..) coloured from `palette` (default: diverging, low
/// values red). `decimals` for the labels.
Classification graduated(std::span<const double> values, std::vector<double> breaks, std::string legend_title, int decimals = 1,
                         Palette palette = Palette::diverging);
/// One class per distinct value (sorted; "" = no value), Okabe–Ito colours; 2 to 7 values, else
/// throws Error(value_invalid) naming how many there are.
Classification categories(std::span<const std::string> values, std::string legend_title);

/// The APL classes of the maps, the QGIS style and the report: below kAplLowBreak (the lowest
/// class: under 1.5 consultations a year, "very low access"), below the ZIP line, below the top of
/// the vivier, above.
inline constexpr double kAplLowBreak = 1.5;
Classification apl_classes(std::span<const double> values, double zip_below, double vivier_below);

struct MapText {
  std::string title, subtitle, sources, date;
};

/// A place name on a map (MapLayer::labels).
struct MapLabel {
  std::size_t feature = 0;
  std::string text;
  bool major = false;
};

struct MapLayer {
  std::span<const MultiPolygon* const> shapes;  // Lambert-93 metres, one per feature
  const Classification* classes = nullptr;
  std::span<const MultiPolygon> outlines;  // drawn on top, no fill (départements)
  /// Optional, one per feature: a label ("Guadeloupe") puts a feature outside metropolitan
  /// Lambert-93 into an inset box of that name, at its own scale; "" or no span: left out.
  std::span<const std::string> inset_of = {};
  /// Optional: features marked with a circle at the centre of their extent, listed in the legend
  /// under `marked_label` (the sites of a siting answer).
  std::span<const std::size_t> marked = {};
  std::string marked_label = {};
  /// Optional: place names drawn beside a dot at the centre of their feature, in this order; a
  /// label that would overlap one already drawn (or leave the frame) is left out. `major` labels
  /// are set larger and bold (the prefectures of région).
  std::span<const MapLabel> labels = {};
};

/// The labels of the chief towns among `names` (docs/maps.md): the prefecture of each région
/// (chef_lieu = "région", major) then of each département ("département"), each group by
/// decreasing population.
std::vector<MapLabel> seat_labels(std::span<const std::string> names, std::span<const std::string> chef_lieu,
                                  std::span<const double> population);

/// The PNG's resolution, written in its pHYs chunk (5,906 pixels a metre).
inline constexpr double kMapDpi = 150;

/// Draws the map; writes `stem`.png (1754 x 1240 px, 150 dpi A4 landscape, the dpi recorded) and `stem`.svg
/// (842 x 595 pt) through temporary names; returns the PNG's bytes (the report embeds them).
/// Throws Error(io).
std::string draw_map(const MapLayer& layer, const MapText& text, const std::filesystem::path& stem, bool overwrite);

}  // namespace oasis::report
