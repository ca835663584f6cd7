// Classification (fixed breaks, quantiles, Fisher–Jenks) and the cairo drawing of a static map.
#include "oasis/report/map.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>

#include <cairo-svg.h>
#include <cairo.h>
#include <fmt/format.h>
#include <zlib.h>

#include "oasis/core/atomic_file.hpp"
#include "oasis/core/error.hpp"

namespace oasis::report {
namespace {

const std::array<MapClass, 3> kZones{{{"ZIP", {0xd5, 0x5e, 0x00}}, {"ZAC", {0xe6, 0x9f, 0x00}}, {"hors-zonage", {0xe3, 0xe3, 0xe3}}}};
constexpr Rgb kNoValue{0xbd, 0xbd, 0xbd};
// Geometry at print size (docs/maps.md): vertices snapped to a grid of kGridPt page points (1/72
// inch) and simplified (Douglas-Peucker) within kTolerancePt, so that no drawn line strays more
// than 0.25 + 0.09 pt (0.12 mm; a pixel of a 300-dpi print is 0.085 mm) from the
// commune's border; the white commune borders themselves are 0.15 pt wide.
constexpr double kGridPt = 0.125, kTolerancePt = 0.25;

/// A ring in page points, snapped and simplified: first and last vertices kept (the ring stays
/// closed), a vertex kept when the polyline would otherwise stray more than kTolerancePt from it.
const std::vector<PointXY>& page_ring(const Ring& r, double ox, double oy, double s, double x0, double y0) {
  thread_local std::vector<PointXY> in, out;
  thread_local std::vector<char> keep;
  thread_local std::vector<std::pair<std::size_t, std::size_t>> todo;
  in.clear();
  out.clear();
  for (const auto& v : r) {
    const PointXY q{std::round((ox + s * (v.x - x0)) / kGridPt) * kGridPt, std::round((oy - s * (v.y - y0)) / kGridPt) * kGridPt};
    if (in.empty() || q.x != in.back().x || q.y != in.back().y) in.push_back(q);
  }
  if (in.size() < 4) return in;
  keep.assign(in.size(), 0);
  keep.front() = keep.back() = 1;
  todo.assign(1, {0, in.size() - 1});
  while (!todo.empty()) {
    const auto [a, b] = todo.back();
    todo.pop_back();
    const double dx = in[b].x - in[a].x, dy = in[b].y - in[a].y, len = std::hypot(dx, dy);
    double worst = -1;
    std::size_t at = a;
    for (std::size_t i = a + 1; i < b; ++i) {
      const double ex = in[i].x - in[a].x, ey = in[i].y - in[a].y;
      const double d = len > 0 ? std::abs(dx * ey - dy * ex) / len : std::hypot(ex, ey);
      if (d > worst) worst = d, at = i;
    }
    if (worst > kTolerancePt) {
      keep[at] = 1;
      todo.emplace_back(a, at);
      todo.emplace_back(at, b);
    }
  }
  for (std::size_t i = 0; i < in.size(); ++i)
    if (keep[i]) out.push_back(in[i]);
  return out;
}

Rgb hex(const char* h) {
  const auto v = std::stoul(std::string(h + 1), nullptr, 16);
  return {static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>((v >> 8) & 0xff), static_cast<std::uint8_t>(v & 0xff)};
}

/// ColorBrewer RdYlBu (colour-blind safe), k = 2..7 classes, red = low.
std::vector<Rgb> rdylbu(std::size_t k) {
  static const std::vector<std::vector<const char*>> p{{"#fc8d59", "#91bfdb"},
                                                       {"#fc8d59", "#ffffbf", "#91bfdb"},
                                                       {"#d7191c", "#fdae61", "#abd9e9", "#2c7bb6"},
                                                       {"#d7191c", "#fdae61", "#ffffbf", "#abd9e9", "#2c7bb6"},
                                                       {"#d73027", "#fc8d59", "#fee090", "#e0f3f8", "#91bfdb", "#4575b4"},
                                                       {"#d73027", "#fc8d59", "#fee090", "#ffffbf", "#e0f3f8", "#91bfdb", "#4575b4"}};
  std::vector<Rgb> out;
  for (const char* h : p[k - 2]) out.push_back(hex(h));
  return out;
}

/// ColorBrewer YlGnBu, its 9-class scheme without the near-white first colour (which the
/// hors-zonage grey and the page would swallow): k colours evenly spaced over the other eight,
/// light to dark.
std::vector<Rgb> ylgnbu(std::size_t k) {
  static const std::array<const char*, 8> p{"#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494", "#081d58"};
  std::vector<Rgb> out;
  for (std::size_t i = 0; i < k; ++i) out.push_back(hex(p[(i * (p.size() - 1) + (k - 1) / 2) / (k - 1)]));
  return out;
}

/// Okabe & Ito (2008), "Color Universal Design": the eight colours without black (a fill would
/// hide the borders), in their published order.
std::vector<Rgb> okabe_ito(std::size_t k) {
  static const std::array<const char*, 7> p{"#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7"};
  std::vector<Rgb> out;
  for (std::size_t i = 0; i < k; ++i) out.push_back(hex(p[i]));
  return out;
}

std::vector<double> finite_sorted(std::span<const double> values) {
  std::vector<double> v;
  for (double x : values)
    if (std::isfinite(x)) v.push_back(x);
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<double> distinct_increasing(std::vector<double> b) {
  b.erase(std::unique(b.begin(), b.end()), b.end());
  return b;
}

}  // namespace

std::string_view palette_name(Palette p) noexcept {
  switch (p) {
    case Palette::diverging: return "diverging";
    case Palette::sequential: return "sequential";
    case Palette::qualitative: return "qualitative";
  }
  return "?";
}

std::vector<Rgb> palette_colours(Palette p, std::size_t k) {
  if (k < 2 || k > 7) throw Error(Errc::value_invalid, fmt::format("{} classes: maps have 2 to 7", k), {}, {}, "choose fewer breaks");
  switch (p) {
    case Palette::diverging: return rdylbu(k);
    case Palette::sequential: return ylgnbu(k);
    case Palette::qualitative: return okabe_ito(k);
  }
  return {};
}

std::string Rgb::hex() const { return fmt::format("#{:02x}{:02x}{:02x}", r, g, b); }

std::span<const MapClass> zone_classes() { return kZones; }

Rgb no_value_colour() { return kNoValue; }

std::string overseas_name(std::string_view departement) {
  static const std::map<std::string_view, const char*> names{
      {"971", "Guadeloupe"}, {"972", "Martinique"}, {"973", "Guyane"}, {"974", "La Réunion"}, {"976", "Mayotte"}};
  const auto it = names.find(departement);
  return it == names.end() ? std::string() : it->second;
}

std::string number_fr(double x, int decimals) {
  if (!std::isfinite(x)) return "–";
  std::string t = decimals < 0 ? fmt::format("{}", x) : fmt::format("{:.{}f}", x, decimals);
  const std::size_t sign = t.starts_with('-') ? 1 : 0;
  const auto dot = t.find('.');
  const std::size_t int_end = dot == std::string::npos ? t.size() : dot;
  if (int_end - sign < 4 || t.find_first_of("eE") != std::string::npos) {  // no grouping; 1e+20 stays as written
    if (dot != std::string::npos) t[dot] = ',';
    return t;
  }
  std::string out = t.substr(0, sign);
  for (std::size_t i = sign; i < int_end; ++i) {
    if (i > sign && (int_end - i) % 3 == 0) out += "\u00a0";
    out += t[i];
  }
  if (dot != std::string::npos) {
    out += ',';
    out.append(t, dot + 1);
  }
  return out;
}

std::string profession_label(std::string_view kind) {
  static const std::map<std::string_view, const char*> labels{{"generaliste", "médecins généralistes"},
                                                              {"generalistes", "médecins généralistes"},
                                                              {"medecin", "médecins"},
                                                              {"infirmier", "infirmiers"},
                                                              {"infirmiers", "infirmiers"},
                                                              {"dentiste", "chirurgiens-dentistes"},
                                                              {"dentistes", "chirurgiens-dentistes"},
                                                              {"kine", "masseurs-kinésithérapeutes"},
                                                              {"kinesitherapeute", "masseurs-kinésithérapeutes"},
                                                              {"sage-femme", "sages-femmes"},
                                                              {"sages-femmes", "sages-femmes"},
                                                              {"pediatre", "pédiatres"},
                                                              {"psychiatre", "psychiatres"},
                                                              {"ophtalmologue", "ophtalmologues"},
                                                              {"gynecologue", "gynécologues"},
                                                              {"pharmacie", "pharmacies"},
                                                              {"msp", "maisons de santé pluriprofessionnelles"}};
  const auto it = labels.find(kind);
  return it == labels.end() ? std::string(kind) : it->second;
}

Classification by_zone(std::span<const std::string> zone) {
  Classification c;
  c.legend_title = "Zonage";
  c.classes.assign(kZones.begin(), kZones.end());
  c.of.reserve(zone.size());
  for (const auto& z : zone) {
    const auto it = std::find_if(kZones.begin(), kZones.end(), [&](const MapClass& m) { return m.label == z; });
    c.of.push_back(it == kZones.end() ? -1 : static_cast<int>(it - kZones.begin()));
  }
  return c;
}

std::vector<double> quantile_breaks(std::span<const double> values, int k) {
  const auto v = finite_sorted(values);
  std::vector<double> b;
  if (v.empty() || k < 2) return b;
  for (int i = 1; i < k; ++i) b.push_back(v[std::min(v.size() - 1, v.size() * static_cast<std::size_t>(i) / static_cast<std::size_t>(k))]);
  // A break at the minimum would open an empty first class (many zeros, e.g. the times of the
  // communes with a practitioner): it moves to the next value, so the minimum makes the first class.
  const auto above = std::upper_bound(v.begin(), v.end(), v.front());
  if (above == v.end()) return {};
  for (auto& x : b) x = std::max(x, *above);
  return distinct_increasing(std::move(b));
}

std::vector<double> jenks_breaks(std::span<const double> values, int k) {
  auto v = finite_sorted(values);
  if (v.size() > 4000) {  // a deterministic sample: 4,000 evenly spaced order statistics
    std::vector<double> s(4000);
    for (std::size_t i = 0; i < s.size(); ++i) s[i] = v[i * (v.size() - 1) / (s.size() - 1)];
    v = std::move(s);
  }
  const std::size_t n = v.size();
  if (n == 0 || k < 2) return {};
  const std::size_t K = std::min<std::size_t>(static_cast<std::size_t>(k), n);
  // Prefix sums give the within-class sum of squared deviations of v[a..b] in O(1).
  std::vector<double> s1(n + 1, 0), s2(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i) s1[i + 1] = s1[i] + v[i], s2[i + 1] = s2[i] + v[i] * v[i];
  const auto ssd = [&](std::size_t a, std::size_t b) {  // inclusive
    const double m = static_cast<double>(b - a + 1), s = s1[b + 1] - s1[a];
    return (s2[b + 1] - s2[a]) - s * s / m;
  };
  constexpr double inf = std::numeric_limits<double>::infinity();
  // cost[c][i]: best total SSD of v[0..i] in c+1 classes; from[c][i]: first index of the last class.
  std::vector<std::vector<double>> cost(K, std::vector<double>(n, inf));
  std::vector<std::vector<std::size_t>> from(K, std::vector<std::size_t>(n, 0));
  for (std::size_t i = 0; i < n; ++i) cost[0][i] = ssd(0, i);
  for (std::size_t c = 1; c < K; ++c)
    for (std::size_t i = c; i < n; ++i)
      for (std::size_t j = c; j <= i; ++j) {
        const double t = cost[c - 1][j - 1] + ssd(j, i);
        if (t < cost[c][i]) cost[c][i] = t, from[c][i] = j;
      }
  std::vector<double> b;
  std::size_t end = n - 1;
  for (std::size_t c = K - 1; c >= 1; --c) {
    const auto j = from[c][end];
    b.push_back(v[j]);  // the class starting at v[j]: break = its lowest value
    end = j - 1;
  }
  std::reverse(b.begin(), b.end());
  return distinct_increasing(std::move(b));
}

Classification graduated(std::span<const double> values, std::vector<double> breaks, std::string legend_title, int decimals,
                         Palette palette) {
  if (!std::is_sorted(breaks.begin(), breaks.end()) || std::adjacent_find(breaks.begin(), breaks.end()) != breaks.end())
    throw Error(Errc::value_invalid, "class breaks must be strictly increasing", {}, {}, "e.g. 1.5, 2.5, 4");
  Classification c;
  c.legend_title = std::move(legend_title);
  const auto colours = palette_colours(palette, breaks.size() + 1);
  const auto f = [&](double x) { return number_fr(x, decimals); };
  for (std::size_t i = 0; i <= breaks.size(); ++i) {
    std::string label = i == 0               ? "< " + f(breaks[0])
                        : i == breaks.size() ? "≥ " + f(breaks.back())
                                             : f(breaks[i - 1]) + " – " + f(breaks[i]);
    c.classes.push_back({std::move(label), colours[i]});
  }
  c.of.reserve(values.size());
  for (double x : values)
    c.of.push_back(std::isfinite(x) ? static_cast<int>(std::upper_bound(breaks.begin(), breaks.end(), x) - breaks.begin()) : -1);
  c.breaks = std::move(breaks);
  return c;
}

Classification categories(std::span<const std::string> values, std::string legend_title) {
  std::vector<std::string> distinct;
  for (const auto& v : values)
    if (!v.empty()) distinct.push_back(v);
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  if (distinct.size() < 2 || distinct.size() > 7)
    throw Error(Errc::value_invalid,
                fmt::format("{} has {} distinct values: a map of categories draws 2 to 7", legend_title, distinct.size()), {}, {},
                "map a column with fewer values, or a numeric column in classes");
  Classification c;
  c.legend_title = std::move(legend_title);
  const auto colours = okabe_ito(distinct.size());
  for (std::size_t i = 0; i < distinct.size(); ++i) c.classes.push_back({distinct[i], colours[i]});
  c.of.reserve(values.size());
  for (const auto& v : values)
    c.of.push_back(v.empty() ? -1 : static_cast<int>(std::lower_bound(distinct.begin(), distinct.end(), v) - distinct.begin()));
  return c;
}

std::vector<MapLabel> seat_labels(std::span<const std::string> names, std::span<const std::string> chef_lieu,
                                  std::span<const double> population) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < chef_lieu.size() && i < names.size(); ++i)
    if (chef_lieu[i] == "région" || chef_lieu[i] == "département") order.push_back(i);
  const auto pop = [&](std::size_t i) { return i < population.size() && std::isfinite(population[i]) ? population[i] : 0.0; };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const bool ma = chef_lieu[a] == "région", mb = chef_lieu[b] == "région";
    if (ma != mb) return ma;
    if (pop(a) != pop(b)) return pop(a) > pop(b);
    return a < b;
  });
  std::vector<MapLabel> out;
  for (auto i : order) out.push_back({i, names[i], chef_lieu[i] == "région"});
  return out;
}

namespace {

constexpr double kW = 842, kH = 595;                                // A4 landscape, points
constexpr double kMapX = 24, kMapY = 70, kMapW = 580, kMapH = 480;  // map frame

void set(cairo_t* cr, Rgb c) { cairo_set_source_rgb(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0); }

/// The thin grey border of a map frame or an inset.
void border(cairo_t* cr, double x, double y, double w, double h) {
  cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
  cairo_set_line_width(cr, 0.5);
  cairo_rectangle(cr, x, y, w, h);
  cairo_stroke(cr);
}

/// Grows the box [x0, x1] x [y0, y1] to the outer rings of `mp`.
void extend(const MultiPolygon& mp, double& x0, double& y0, double& x1, double& y1) {
  for (const auto& p : mp)
    for (const auto& q : p.outer) x0 = std::min(x0, q.x), x1 = std::max(x1, q.x), y0 = std::min(y0, q.y), y1 = std::max(y1, q.y);
}

/// Draws `s` with its baseline at (x, y). With max_w > 0 a longer text is set smaller (down to 70 %
/// of `size`), then cut at a character boundary and ended with "…", so that it stays on the page.
void text(cairo_t* cr, double x, double y, double size, bool bold, const std::string& s, double max_w = 0) {
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
  const auto width = [&](const std::string& t) {
    cairo_text_extents_t e;
    cairo_text_extents(cr, t.c_str(), &e);
    return e.x_advance;
  };
  std::string out = s;
  if (max_w > 0 && width(out) > max_w) {
    cairo_set_font_size(cr, std::max(0.7 * size, size * max_w / width(out)));
    while (!out.empty() && width(out) > max_w) {
      std::size_t cut = out.size() - (out.ends_with("…") ? std::string_view("…").size() : 0);
      do --cut;
      while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80);  // UTF-8 continuation byte
      out = out.substr(0, cut) + "…";
      if (cut == 0) break;
    }
  }
  cairo_move_to(cr, x, y);
  cairo_show_text(cr, out.c_str());
}

/// A frame maps projected metres to page points: (ox + s (x - x0), oy - s (y - y0)).
struct Frame {
  double ox = 0, oy = 0, s = 0, x0 = 0, y0 = 0;
};

/// Whether a feature lies within metropolitan Lambert-93 (overseas communes, in their own
/// projections, are left out of the main frame).
bool metropolitan(const MultiPolygon& mp) {
  for (const auto& p : mp)
    for (const auto& q : p.outer)
      if (q.x < -400000 || q.x > 1600000 || q.y < 5800000 || q.y > 7400000) return false;
  return !mp.empty();
}

/// The frame that fits the extent of the drawn features into the map box.
Frame main_frame(const MapLayer& L, const std::vector<char>& drawn) {
  double x0 = std::numeric_limits<double>::infinity(), y0 = x0, x1 = -x0, y1 = -x0;
  for (std::size_t i = 0; i < L.shapes.size(); ++i)
    if (drawn[i]) extend(*L.shapes[i], x0, y0, x1, y1);
  if (!(x1 > x0) || !(y1 > y0)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  const double s = std::min(kMapW / (x1 - x0), kMapH / (y1 - y0));  // points per metre
  return {kMapX + (kMapW - s * (x1 - x0)) / 2, kMapY + (kMapH + s * (y1 - y0)) / 2, s, x0, y0};
}

/// Adds a multipolygon's rings to the current path, in frame f.
void path(cairo_t* cr, const MultiPolygon& mp, const Frame& F) {
  const auto ring = [&](const Ring& r) {
    const auto& q = page_ring(r, F.ox, F.oy, F.s, F.x0, F.y0);
    for (std::size_t i = 0; i < q.size(); ++i) {
      if (i == 0)
        cairo_move_to(cr, q[i].x, q[i].y);
      else
        cairo_line_to(cr, q[i].x, q[i].y);
    }
    cairo_close_path(cr);
  };
  for (const auto& poly : mp) {
    ring(poly.outer);
    for (const auto& h : poly.holes) ring(h);
  }
}

/// Fills the current path with a class colour and strokes the thin white commune border.
void fill_class(cairo_t* cr, const Classification& C, int c) {
  set(cr, c < 0 ? kNoValue : C.classes[static_cast<std::size_t>(c)].colour);
  cairo_fill_preserve(cr);
  cairo_set_source_rgba(cr, 1, 1, 1, 0.6);
  cairo_set_line_width(cr, 0.15);
  cairo_stroke(cr);
}

/// The main frame: each class as one path (one fill and one border per class, not per commune:
/// the SVG holds the style once a class; communes do not overlap, so with the even-odd rule the
/// merged path fills exactly what the communes fill one by one), then the outlines.
void draw_main(cairo_t* cr, const MapLayer& L, const std::vector<char>& drawn, const Frame& F) {
  cairo_save(cr);
  cairo_rectangle(cr, kMapX, kMapY, kMapW, kMapH);
  cairo_clip(cr);
  cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  for (int c = -1; c < static_cast<int>(L.classes->classes.size()); ++c) {
    bool any = false;
    for (std::size_t i = 0; i < L.shapes.size(); ++i)
      if (drawn[i] && (c < 0 ? L.classes->of[i] < 0 : L.classes->of[i] == c)) {
        path(cr, *L.shapes[i], F);
        any = true;
      }
    if (any) fill_class(cr, *L.classes, c);
  }
  cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
  cairo_set_line_width(cr, 0.7);
  for (const auto& o : L.outlines) {
    path(cr, o, F);
    cairo_stroke(cr);
  }
  cairo_restore(cr);
  border(cr, kMapX, kMapY, kMapW, kMapH);
}

/// A marker: a white disc ringed in black.
void marker(cairo_t* cr, double x, double y) {
  cairo_new_sub_path(cr);
  cairo_arc(cr, x, y, 4.5, 0, 2 * 3.14159265358979323846);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_fill_preserve(cr);
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_set_line_width(cr, 1.6);
  cairo_stroke(cr);
}

/// The marked features of the main frame, a marker at the centre of each one's extent.
void draw_marks(cairo_t* cr, const MapLayer& L, const std::vector<char>& drawn, const Frame& F) {
  for (auto i : L.marked) {
    if (i >= L.shapes.size() || !drawn[i]) continue;
    double x0 = std::numeric_limits<double>::infinity(), y0 = x0, x1 = -x0, y1 = -x0;
    extend(*L.shapes[i], x0, y0, x1, y1);
    marker(cr, F.ox + F.s * ((x0 + x1) / 2 - F.x0), F.oy - F.s * ((y0 + y1) / 2 - F.y0));
  }
}

/// The place names: a dot at the centre of the feature's extent, the name to its right (else to
/// its left) in dark grey with a white halo; a label whose box would overlap one already set or
/// leave the frame is left out, so the first in the list win.
void draw_labels(cairo_t* cr, const MapLayer& L, const std::vector<char>& drawn, const Frame& F) {
  struct Box {
    double x0, y0, x1, y1;
  };
  std::vector<Box> placed;
  const auto free = [&](const Box& b) {
    if (b.x0 < kMapX + 2 || b.x1 > kMapX + kMapW - 2 || b.y0 < kMapY + 2 || b.y1 > kMapY + kMapH - 2) return false;
    return std::none_of(placed.begin(), placed.end(),
                        [&](const Box& o) { return b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1; });
  };
  for (const auto& lab : L.labels) {
    if (lab.feature >= L.shapes.size() || !drawn[lab.feature] || lab.text.empty()) continue;
    double x0 = std::numeric_limits<double>::infinity(), y0 = x0, x1 = -x0, y1 = -x0;
    extend(*L.shapes[lab.feature], x0, y0, x1, y1);
    const double px = F.ox + F.s * ((x0 + x1) / 2 - F.x0), py = F.oy - F.s * ((y0 + y1) / 2 - F.y0);
    const double size = lab.major ? 8.5 : 7;
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, lab.major ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
    cairo_text_extents_t e;
    cairo_text_extents(cr, lab.text.c_str(), &e);
    const double w = e.x_advance, gap = 3.5, base = py + size * 0.35;
    const Box dot{px - 2, py - 2, px + 2, py + 2};
    Box right{px + gap - 1, base - size * 0.8 - 1, px + gap + w + 1, base + size * 0.25 + 1}, left = right;
    left.x0 = px - gap - w - 1, left.x1 = px - gap + 1;
    const bool at_right = free(right) && free(dot);
    if (!at_right && !(free(left) && free(dot))) continue;
    placed.push_back(dot);
    placed.push_back(at_right ? right : left);
    cairo_new_path(cr);
    cairo_arc(cr, px, py, lab.major ? 1.9 : 1.5, 0, 2 * 3.14159265358979323846);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_set_line_width(cr, 1);
    cairo_stroke_preserve(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_fill(cr);
    cairo_move_to(cr, at_right ? px + gap : px - gap - w, base);
    cairo_text_path(cr, lab.text.c_str());
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_set_line_width(cr, 2);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_stroke_preserve(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_fill(cr);
  }
}

/// The legend title and one entry per class with its commune count; returns the y below it.
double draw_legend(cairo_t* cr, const MapLayer& L) {
  double ly = kMapY + 14;
  text(cr, 622, ly, 11, true, L.classes->legend_title, kW - 622 - 8);
  ly += 10;
  auto entry = [&](Rgb c, const std::string& label) {
    set(cr, c);
    cairo_rectangle(cr, 622, ly, 18, 12);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
    cairo_set_line_width(cr, 0.4);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text(cr, 646, ly + 10, 10, false, label, kW - 646 - 8);
    ly += 18;
  };
  std::vector<std::size_t> count(L.classes->classes.size(), 0);
  bool any_missing = false;
  for (std::size_t i = 0; i < L.shapes.size(); ++i) any_missing |= L.classes->of[i] < 0 && !L.shapes[i]->empty();
  for (int c : L.classes->of)
    if (c >= 0) ++count[static_cast<std::size_t>(c)];
  for (std::size_t k = 0; k < L.classes->classes.size(); ++k)
    entry(L.classes->classes[k].colour, fmt::format("{} ({} commune{})", L.classes->classes[k].label,
                                                    number_fr(static_cast<double>(count[k]), 0), count[k] > 1 ? "s" : ""));
  if (any_missing) entry(kNoValue, "sans valeur");
  if (!L.marked.empty()) {
    marker(cr, 631, ly + 6);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text(cr, 646, ly + 10, 10, false, fmt::format("{} ({})", L.marked_label, L.marked.size()), kW - 646 - 8);
    ly += 18;
  }
  return ly;
}

/// Insets: the features left out of the main frame that carry an inset label (overseas
/// départements), one box each under the legend, each at its own scale. Returns how many
/// features the insets hold.
std::size_t draw_insets(cairo_t* cr, const MapLayer& L, const std::vector<char>& drawn, double legend_bottom) {
  std::map<std::string, std::vector<std::size_t>> insets;
  if (L.inset_of.size() == L.shapes.size())
    for (std::size_t i = 0; i < L.shapes.size(); ++i)
      if (!drawn[i] && !L.shapes[i]->empty() && !L.inset_of[i].empty()) insets[L.inset_of[i]].push_back(i);
  std::size_t in_insets = 0;
  if (insets.empty()) return 0;
  constexpr double bw = 96, bh = 64, gap = 8;
  double iy = std::max(legend_bottom + 16, kMapY + 170.0);
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  text(cr, 622, iy, 11, true, "Outre-mer (échelles propres)");
  iy += 8;
  std::size_t k = 0;
  for (const auto& [label, members] : insets) {
    const std::size_t column = k % 2, row = k / 2;  // two insets a row
    const double bx = 622 + static_cast<double>(column) * (bw + gap), by = iy + static_cast<double>(row) * (bh + gap + 12);
    if (by + bh > kMapY + kMapH) break;  // no room left: counted in the footer
    double a0 = std::numeric_limits<double>::infinity(), b0 = a0, a1 = -a0, b1 = -a0;
    for (auto i : members) extend(*L.shapes[i], a0, b0, a1, b1);
    const double is = std::min((bw - 8) / std::max(a1 - a0, 1.0), (bh - 8) / std::max(b1 - b0, 1.0));
    const Frame f{bx + (bw - is * (a1 - a0)) / 2, by + (bh + is * (b1 - b0)) / 2, is, a0, b0};
    cairo_save(cr);
    cairo_rectangle(cr, bx, by, bw, bh);
    cairo_clip(cr);
    for (auto i : members) {
      path(cr, *L.shapes[i], f);
      fill_class(cr, *L.classes, L.classes->of[i]);
    }
    cairo_restore(cr);
    border(cr, bx, by, bw, bh);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text(cr, bx, by + bh + 10, 8, false, label);
    in_insets += members.size();
    ++k;
  }
  return in_insets;
}

/// Scale bar (a round length near 110 pt) and north arrow (Lambert-93 grid north, within a
/// degree of true north over metropolitan France).
void draw_scale_and_north(cairo_t* cr, double s) {
  const double metres = 110 / s;
  const double mag = std::pow(10.0, std::floor(std::log10(metres)));
  double len = mag;
  for (double f : {1.0, 2.0, 5.0, 10.0})
    if (f * mag <= metres) len = f * mag;
  const double bx = kMapX + 12, by = kMapY + kMapH - 16;
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  cairo_rectangle(cr, bx, by, len * s, 4);
  cairo_fill(cr);
  text(cr, bx, by - 4, 9, false, fmt::format("{} km", len / 1000));
  const double nx = kMapX + kMapW - 26, ny = kMapY + 16;
  cairo_move_to(cr, nx, ny);
  cairo_line_to(cr, nx - 8, ny + 24);
  cairo_line_to(cr, nx, ny + 18);
  cairo_line_to(cr, nx + 8, ny + 24);
  cairo_close_path(cr);
  cairo_fill(cr);
  text(cr, nx - 4, ny + 36, 10, true, "N");
}

/// The page, top to bottom: the main frame, title, legend, insets, scale bar, north arrow and
/// the footer (sources, date, projection, overseas communes not drawn).
void paint(cairo_t* cr, const MapLayer& L, const MapText& T) {
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  std::vector<char> drawn(L.shapes.size());
  std::size_t left_out = 0;
  for (std::size_t i = 0; i < L.shapes.size(); ++i) {
    drawn[i] = metropolitan(*L.shapes[i]);
    left_out += !drawn[i] && !L.shapes[i]->empty();
  }
  const Frame F = main_frame(L, drawn);
  draw_main(cr, L, drawn, F);
  draw_labels(cr, L, drawn, F);
  draw_marks(cr, L, drawn, F);
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  text(cr, kMapX, 36, 18, true, T.title, kW - 2 * kMapX);
  text(cr, kMapX, 56, 11, false, T.subtitle, kW - 2 * kMapX);
  const double legend_bottom = draw_legend(cr, L);
  left_out -= draw_insets(cr, L, drawn, legend_bottom);
  draw_scale_and_north(cr, F.s);
  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  text(cr, kMapX, kH - 28, 8, false, T.sources, kW - 2 * kMapX);
  text(cr, kMapX, kH - 16, 8, false,
       fmt::format("{} — Lambert-93 (EPSG:2154){}", T.date,
                   left_out ? fmt::format(" — {} communes d'outre-mer non dessinées (comptées dans la légende)", left_out) : std::string()),
       kW - 2 * kMapX);
}

/// The PNG with a pHYs chunk after its header (IHDR: 8 + 25 bytes), recording `dpi` as pixels a
/// metre, so that image and print software read the page size (cairo writes none).
std::string with_dpi(const std::string& png, double dpi) {
  constexpr std::size_t kAfterIhdr = 8 + 4 + 4 + 13 + 4;
  if (png.size() < kAfterIhdr || png.compare(12, 4, "IHDR") != 0) throw Error(Errc::internal, "PNG without its header");
  const auto ppm = static_cast<std::uint32_t>(std::lround(dpi / 0.0254));
  std::string chunk;
  const auto be32 = [&](std::uint32_t v) {
    for (int sh = 24; sh >= 0; sh -= 8) chunk += static_cast<char>((v >> sh) & 0xff);
  };
  be32(9);
  chunk += "pHYs";
  be32(ppm);
  be32(ppm);
  chunk += '\x01';  // unit: the metre
  be32(static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(chunk.data() + 4), 13)));
  return png.substr(0, kAfterIhdr) + chunk + png.substr(kAfterIhdr);
}

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

/// Rewrites cairo's polygon paths (`d="M x y L x y ... Z"`, absolute coordinates with six decimals)
/// as relative moves (`M x y l dx dy dx dy ... z`): the same figure (every coordinate is a multiple
/// of kGridPt, exact in cairo's 1/256 fixed point, so the deltas are exact), in about half the text.
/// Paths with curves (the glyphs) are left as cairo wrote them.
/// cairo numbers its SVG surfaces process-wide ("surface154"): renumbered in order of appearance,
/// so that the same map drawn twice in one process (a sweep, Python calling run() twice) gives the
/// same bytes.
std::string renumber_surfaces(const std::string& svg) {
  static constexpr std::string_view kTag = "surface";
  std::map<std::string, std::size_t, std::less<>> ids;
  std::string out;
  out.reserve(svg.size());
  std::size_t i = 0;
  for (std::size_t p; (p = svg.find(kTag, i)) != std::string::npos;) {
    auto e = p + kTag.size();
    while (e < svg.size() && svg[e] >= '0' && svg[e] <= '9') ++e;
    out.append(svg, i, p - i);
    if (e == p + kTag.size()) {
      out += kTag;
    } else {
      const auto [it, fresh] = ids.emplace(svg.substr(p + kTag.size(), e - p - kTag.size()), ids.size() + 1);
      out += fmt::format("{}{}", kTag, it->second);
    }
    i = e;
  }
  out.append(svg, i);
  return out;
}

std::string compact_svg_paths(const std::string& svg) {
  std::string out;
  out.reserve(svg.size() / 2);
  const std::string_view key = " d=\"";
  std::size_t pos = 0;
  const auto number = [&](std::int64_t v) {  // v in 1/256 pt
    std::string t = v % 256 == 0 ? fmt::format("{}", v / 256) : fmt::format("{}", static_cast<double>(v) / 256.0);
    if (t.starts_with("0.")) t.erase(0, 1);
    if (t.starts_with("-0.")) t.erase(1, 1);
    if (!out.empty() && out.back() != ' ' && !std::isalpha(static_cast<unsigned char>(out.back())) && t[0] != '-') out += ' ';
    out += t;
  };
  while (true) {
    const auto at = svg.find(key, pos);
    if (at == std::string::npos) break;
    const auto begin = at + key.size(), end = svg.find('"', begin);
    if (end == std::string::npos) break;
    out.append(svg, pos, begin - pos);
    pos = end;
    const std::string_view d(svg.data() + begin, end - begin);
    if (d.find_first_not_of("MLZ0123456789.- ") != std::string_view::npos) {
      out.append(d);
      continue;
    }
    std::int64_t cx = 0, cy = 0, sx = 0, sy = 0;  // current point, start of the subpath
    char last = 0;
    std::size_t i = 0;
    const auto read = [&]() {
      while (i < d.size() && d[i] == ' ') ++i;
      const std::size_t j = d.find(' ', i);
      const std::string tok(d.substr(i, j == std::string_view::npos ? d.size() - i : j - i));
      i = j == std::string_view::npos ? d.size() : j;
      return static_cast<std::int64_t>(std::llround(std::stod(tok) * 256.0));
    };
    while (true) {
      while (i < d.size() && d[i] == ' ') ++i;
      if (i >= d.size()) break;
      const char c = d[i++];
      if (c == 'Z') {
        out += 'z';
        last = 'z';
        cx = sx, cy = sy;
      } else if (c == 'M' || c == 'L') {
        const std::int64_t x = read(), y = read();
        if (c == 'M') {
          out += 'M';
          number(x);
          number(y);
          sx = x, sy = y;
        } else {
          if (last != 'l') out += 'l';
          number(x - cx);
          number(y - cy);
        }
        cx = x, cy = y;
        last = c == 'M' ? 'M' : 'l';
      }
    }
  }
  out.append(svg, pos, std::string::npos);
  return out;
}

}  // namespace

std::string draw_map(const MapLayer& layer, const MapText& text, const std::filesystem::path& stem, bool overwrite) {
  if (!layer.classes || layer.classes->of.size() != layer.shapes.size()) throw Error(Errc::internal, "map: one class per feature expected");
  std::string png, svg;
  {
    constexpr double dpi = kMapDpi;
    const int w = static_cast<int>(std::lround(kW * dpi / 72)), h = static_cast<int>(std::lround(kH * dpi / 72));
    cairo_surface_t* surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t* cr = cairo_create(surf);
    cairo_scale(cr, dpi / 72, dpi / 72);
    paint(cr, layer, text);
    cairo_destroy(cr);
    const auto st = cairo_surface_write_to_png_stream(surf, append, &png);
    cairo_surface_destroy(surf);
    if (st != CAIRO_STATUS_SUCCESS) throw Error(Errc::io, fmt::format("PNG encoding failed: {}", cairo_status_to_string(st)));
    png = with_dpi(png, dpi);
  }
  {
    cairo_surface_t* surf = cairo_svg_surface_create_for_stream(append, &svg, kW, kH);
    cairo_svg_surface_restrict_to_version(surf, CAIRO_SVG_VERSION_1_1);
    cairo_t* cr = cairo_create(surf);
    paint(cr, layer, text);
    cairo_destroy(cr);
    cairo_surface_finish(surf);
    const auto st = cairo_surface_status(surf);
    cairo_surface_destroy(surf);
    if (st != CAIRO_STATUS_SUCCESS) throw Error(Errc::io, fmt::format("SVG drawing failed: {}", cairo_status_to_string(st)));
  }
  write_file_atomic(std::filesystem::path(stem.string() + ".png"), png, overwrite);
  write_file_atomic(std::filesystem::path(stem.string() + ".svg"), compact_svg_paths(renumber_surfaces(svg)), overwrite);
  return png;
}

Classification apl_classes(std::span<const double> values, double zip_below, double vivier_below) {
  return graduated(values, {kAplLowBreak, zip_below, vivier_below}, "APL (consultations / an / hab.)", 1);
}

}  // namespace oasis::report
