// Static maps: class breaks computed by hand, the classification of values on a break, and a drawn
// map read back pixel by pixel.
#include <catch2/catch.hpp>

#include <cairo.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "oasis/report/map.hpp"

using namespace oasis;
using namespace oasis::report;
namespace fs = std::filesystem;

namespace {
/// A square of side w metres with its lower-left corner at (x0, y0), Lambert-93.
MultiPolygon square_at(double x0, double y0, double w) {
  return MultiPolygon{Polygon{{{x0, y0}, {x0 + w, y0}, {x0 + w, y0 + w}, {x0, y0 + w}, {x0, y0}}, {}}};
}
/// The colour of a drawn PNG at a point of the page (points, 150 dpi).
std::string pixel_at(const fs::path& png, double xpt, double ypt) {
  cairo_surface_t* img = cairo_image_surface_create_from_png(png.c_str());
  REQUIRE(cairo_surface_status(img) == CAIRO_STATUS_SUCCESS);
  const int x = static_cast<int>(xpt * 150 / 72), y = static_cast<int>(ypt * 150 / 72);
  const auto p = reinterpret_cast<const std::uint32_t*>(cairo_image_surface_get_data(img) + y * cairo_image_surface_get_stride(img))[x];
  cairo_surface_destroy(img);
  return Rgb{static_cast<std::uint8_t>(p >> 16), static_cast<std::uint8_t>(p >> 8), static_cast<std::uint8_t>(p)}.hex();
}
}  // namespace

TEST_CASE("quantile and Jenks breaks by hand", "[report]") {
  const std::vector<double> v{1, 2, 3, 10, 11, 12, 20, 21, 22, NAN};
  // Quantiles of the 9 finite values for 3 classes: v[3] = 10 and v[6] = 20.
  CHECK(quantile_breaks(v, 3) == std::vector<double>{10, 20});
  // Three clear groups: Jenks puts the breaks at the start of the second and third.
  CHECK(jenks_breaks(v, 3) == std::vector<double>{10, 20});
  // Two classes: the DP must pick the split with the lower total within-class sum of squares.
  const auto b2 = jenks_breaks(v, 2);
  REQUIRE(b2.size() == 1);
  const auto ssd = [](std::vector<double> x) {
    double m = 0;
    for (double a : x) m += a;
    m /= static_cast<double>(x.size());
    double s = 0;
    for (double a : x) s += (a - m) * (a - m);
    return s;
  };
  const double split10 = ssd({1, 2, 3}) + ssd({10, 11, 12, 20, 21, 22});
  const double split20 = ssd({1, 2, 3, 10, 11, 12}) + ssd({20, 21, 22});
  CHECK(b2[0] == (split10 <= split20 ? 10 : 20));
  // Duplicated values never give duplicated breaks, and a break at the minimum moves to the next
  // value (no empty first class): the 4-quantiles of {1,1,1,1,2} are all 1, so one break at 2.
  CHECK(quantile_breaks(std::vector<double>{1, 1, 1, 1, 2}, 4) == std::vector<double>{2});
  // Times with many zeros (communes with a practitioner): 5-quantiles of {0 x6, 3, 5, 8, 9} are
  // v[2] = v[4] = 0, v[6] = 3, v[8] = 8; the zeros' breaks move to 3, giving {3, 8}.
  CHECK(quantile_breaks(std::vector<double>{0, 0, 0, 0, 0, 0, 3, 5, 8, 9}, 5) == std::vector<double>{3, 8});
  CHECK(quantile_breaks(std::vector<double>{4, 4, 4}, 3).empty());
}

TEST_CASE("graduated classes: a value on a break goes to the upper class, labels, colours", "[report]") {
  const std::vector<double> v{0.4, 1.5, 2.49, 2.5, 4.0, 7.0, NAN};
  const auto c = graduated(v, {1.5, 2.5, 4}, "APL", 1);
  CHECK(c.of == std::vector<int>{0, 1, 1, 2, 3, 3, -1});
  REQUIRE(c.classes.size() == 4);
  CHECK(c.classes[0].label == "< 1,5");
  CHECK(c.classes[1].label == "1,5 – 2,5");
  CHECK(c.classes[3].label == "≥ 4,0");
  CHECK(c.classes[0].colour.hex() == "#d7191c");  // RdYlBu, 4 classes, low = red
  CHECK(c.classes[3].colour.hex() == "#2c7bb6");
  CHECK_THROWS(graduated(v, {2.5, 1.5}, "x"));
  const std::vector<std::string> z{"ZIP", "hors-zonage", "ZAC", "non-classe"};
  CHECK(by_zone(z).of == std::vector<int>{0, 2, 1, -1});
  CHECK(zone_classes()[0].colour.hex() == "#d55e00");  // Okabe–Ito vermillion
}

TEST_CASE("a drawn map: PNG size, the class colour inside a feature, SVG, no overwrite", "[report]") {
  const auto dir = fs::temp_directory_path() / "oasis_test_map";
  fs::remove_all(dir);
  fs::create_directories(dir);
  // Two squares 10 km wide, side by side: class 0 (ZIP) on the left, class 1 (ZAC) on the right.
  const auto square = [](double x0) {
    return MultiPolygon{Polygon{{{x0, 6.7e6}, {x0 + 1e4, 6.7e6}, {x0 + 1e4, 6.71e6}, {x0, 6.71e6}, {x0, 6.7e6}}, {}}};
  };
  const std::vector<MultiPolygon> shapes{square(5e5), square(5.1e5)};
  const std::vector<const MultiPolygon*> ptrs{&shapes[0], &shapes[1]};
  const auto cls = by_zone(std::vector<std::string>{"ZIP", "ZAC"});
  draw_map({ptrs, &cls, {}}, {"Test", "two squares", "sources", "date"}, dir / "m", false);
  cairo_surface_t* img = cairo_image_surface_create_from_png((dir / "m.png").c_str());
  REQUIRE(cairo_surface_status(img) == CAIRO_STATUS_SUCCESS);
  CHECK(cairo_image_surface_get_width(img) == 1754);
  CHECK(cairo_image_surface_get_height(img) == 1240);
  // The 20 km x 10 km extent fills the 580 x 480 pt frame at 29 pt/km: the left square's centre
  // is at x = 24 + 145, y = 70 + 240 (points) = (352, 646) px at 150 dpi.
  const auto pixel = [&](double xpt, double ypt) {
    const int x = static_cast<int>(xpt * 150 / 72), y = static_cast<int>(ypt * 150 / 72);
    const auto* row = cairo_image_surface_get_data(img) + y * cairo_image_surface_get_stride(img);
    const auto p = reinterpret_cast<const std::uint32_t*>(row)[x];
    return Rgb{static_cast<std::uint8_t>(p >> 16), static_cast<std::uint8_t>(p >> 8), static_cast<std::uint8_t>(p)};
  };
  CHECK(pixel(24 + 145, 70 + 240).hex() == "#d55e00");
  CHECK(pixel(24 + 435, 70 + 240).hex() == "#e69f00");
  cairo_surface_destroy(img);
  std::ifstream svg(dir / "m.svg");
  std::string head(200, '\0');
  svg.read(head.data(), 200);
  CHECK(head.find("<svg") != std::string::npos);
  CHECK_THROWS(draw_map({ptrs, &cls, {}}, {"Test", "", "", ""}, dir / "m", false));  // exists, no overwrite
  fs::remove_all(dir);
}

TEST_CASE("marked features: a ringed disc at the centre of each, one legend entry", "[report]") {
  const auto dir = fs::temp_directory_path() / "oasis_test_map_marks";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::vector<MultiPolygon> shapes{square_at(5e5, 6.7e6, 1e4), square_at(5.1e5, 6.7e6, 1e4)};
  const std::vector<const MultiPolygon*> ptrs{&shapes[0], &shapes[1]};
  const auto cls = by_zone(std::vector<std::string>{"ZIP", "ZAC"});
  const std::vector<std::size_t> marked{1};
  draw_map({ptrs, &cls, {}, {}, marked, "site"}, {"Test", "marks", "sources", "date"}, dir / "m", false);
  const auto png = dir / "m.png";
  // The right square's centre (24 + 435, 70 + 240) pt holds the white disc, its ring 4.5 pt out is
  // black, 8 pt out the class colour again; the left square is unmarked.
  CHECK(pixel_at(png, 24 + 435, 70 + 240) == "#ffffff");
  CHECK(pixel_at(png, 24 + 435 + 4.5, 70 + 240) == "#000000");
  CHECK(pixel_at(png, 24 + 435 + 8, 70 + 240) == "#e69f00");
  CHECK(pixel_at(png, 24 + 145, 70 + 240) == "#d55e00");
  // The legend: the three zone classes end at y = 70 + 24 + 3 x 18 = 148 pt; the marker entry's
  // disc is centred at (631, 154) pt.
  CHECK(pixel_at(png, 631, 154) == "#ffffff");
  CHECK(pixel_at(png, 631 + 4.5, 154) == "#000000");
  fs::remove_all(dir);
}

TEST_CASE("an overseas feature is drawn in its inset, at its own scale", "[report]") {
  const auto dir = fs::temp_directory_path() / "oasis_test_map_inset";
  fs::remove_all(dir);
  fs::create_directories(dir);
  // Two metropolitan squares as above, and a 30 km square in UTM 20N (Guadeloupe's CRS): outside
  // metropolitan Lambert-93, so not in the main frame.
  const std::vector<MultiPolygon> shapes{square_at(5e5, 6.7e6, 1e4), square_at(5.1e5, 6.7e6, 1e4), square_at(6.5e5, 1.78e6, 3e4)};
  const std::vector<const MultiPolygon*> ptrs{&shapes[0], &shapes[1], &shapes[2]};
  const auto cls = by_zone(std::vector<std::string>{"ZIP", "ZAC", "hors-zonage"});
  const std::vector<std::string> inset{"", "", overseas_name("971")};
  CHECK(inset[2] == "Guadeloupe");
  CHECK(overseas_name("37").empty());
  draw_map({ptrs, &cls, {}, inset}, {"Test", "inset", "sources", "date"}, dir / "with", false);
  // The main frame is unchanged (the inset feature does not stretch the extent).
  CHECK(pixel_at(dir / "with.png", 24 + 145, 70 + 240) == "#d55e00");
  CHECK(pixel_at(dir / "with.png", 24 + 435, 70 + 240) == "#e69f00");
  // Legend: 3 classes end at y = 70 + 24 + 3 x 18 = 148 pt; the insets start at max(148 + 16,
  // 240) + 8 = 248 pt; the first box is 96 x 64 pt at x = 622: its centre (670, 280) is the square.
  CHECK(pixel_at(dir / "with.png", 670, 280) == "#e3e3e3");
  // Without a label the feature is left out: the same point is white paper.
  draw_map({ptrs, &cls, {}}, {"Test", "no inset", "sources", "date"}, dir / "without", false);
  CHECK(pixel_at(dir / "without.png", 670, 280) == "#ffffff");
  fs::remove_all(dir);
}

namespace {
/// The rings of an SVG path (`M`/`m`, `L`/`l`, `Z`/`z` and their implicit repetitions), decoded here
/// independently of the writer.
std::vector<std::vector<std::pair<double, double>>> svg_rings(const std::string& d) {
  std::vector<std::vector<std::pair<double, double>>> rings;
  std::size_t i = 0;
  char cmd = 0;
  double x = 0, y = 0;
  const auto number = [&]() {
    while (i < d.size() && (d[i] == ' ' || d[i] == ',')) ++i;
    std::size_t j = i + (i < d.size() && d[i] == '-');
    bool dot = false;
    while (j < d.size() && (std::isdigit(static_cast<unsigned char>(d[j])) || (d[j] == '.' && !dot))) dot |= d[j++] == '.';
    const double v = std::stod(d.substr(i, j - i));
    i = j;
    return v;
  };
  while (true) {
    while (i < d.size() && d[i] == ' ') ++i;
    if (i >= d.size()) break;
    if (std::isalpha(static_cast<unsigned char>(d[i]))) cmd = d[i++];
    if (cmd == 'Z' || cmd == 'z') {
      cmd = 0;
      continue;
    }
    const double a = number(), b = number();
    const bool rel = cmd == 'm' || cmd == 'l';
    x = rel ? x + a : a, y = rel ? y + b : b;
    if (cmd == 'M' || cmd == 'm') {
      rings.emplace_back();
      cmd = cmd == 'M' ? 'L' : 'l';
    }
    rings.back().emplace_back(x, y);
  }
  std::erase_if(rings, [](const auto& r) { return r.size() < 3; });  // cairo's move after a close
  return rings;
}
}  // namespace

TEST_CASE("SVG geometry at print size: one path a class, simplified within 0.25 pt, relative coordinates", "[report]") {
  const auto dir = fs::temp_directory_path() / "oasis_test_map_simplify";
  fs::remove_all(dir);
  fs::create_directories(dir);
  // Two ZIP squares 10 km wide at x = 500 and 519 km, a ZAC circle of radius 4 km centred between
  // them drawn with 4,000 vertices. The extent, 29 x 10 km, fills the 580 pt frame width at
  // 20 pt/km: x = 24 + 0.02 (X - 500,000), y = 70 + (480 + 200) / 2 - 0.02 (Y - 6,700,000).
  const auto square = [](double x0) {
    return MultiPolygon{Polygon{{{x0, 6.7e6}, {x0 + 1e4, 6.7e6}, {x0 + 1e4, 6.71e6}, {x0, 6.71e6}, {x0, 6.7e6}}, {}}};
  };
  Ring circle;
  for (int k = 0; k <= 4000; ++k) {
    const double t = 2 * M_PI * (k % 4000) / 4000;
    circle.push_back({5.145e5 + 4000 * std::cos(t), 6.705e6 + 4000 * std::sin(t)});
  }
  const std::vector<MultiPolygon> shapes{square(5e5), square(5.19e5), MultiPolygon{Polygon{circle, {}}}};
  const std::vector<const MultiPolygon*> ptrs{&shapes[0], &shapes[1], &shapes[2]};
  const auto cls = by_zone(std::vector<std::string>{"ZIP", "ZIP", "ZAC"});
  draw_map({ptrs, &cls, {}}, {"Test", "simplify", "sources", "date"}, dir / "m", false);
  std::ifstream in(dir / "m.svg");
  const std::string svg((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::vector<std::vector<std::pair<double, double>>>> paths;  // of the path elements
  for (std::size_t at = svg.find("<path"); at != std::string::npos; at = svg.find("<path", at + 1)) {
    const auto b = svg.find(" d=\"", at) + 4, e = svg.find('"', b);
    if (svg.find("evenodd", at) < b)  // the style of this element, before its d
      paths.push_back(svg_rings(svg.substr(b, e - b)));
  }
  // The squares' corners, by hand: x 24-224 and 404-604 pt, y 210-410 pt.
  const std::vector<std::pair<double, double>> a{{24, 410}, {224, 410}, {224, 210}, {24, 210}},
      b{{404, 410}, {604, 410}, {604, 210}, {404, 210}};
  const auto has = [](const auto& p, const auto& ring) { return std::find(p.begin(), p.end(), ring) != p.end(); };
  std::size_t with_a = 0, with_circle = 0;
  for (const auto& p : paths) {
    CHECK(has(p, a) == has(p, b));  // both squares of the class in the same path element
    with_a += has(p, a);
    for (const auto& r : p) {
      if (r.size() < 8) continue;
      ++with_circle;
      // The circle, centre (314, 310) pt and radius 80 pt: every vertex on it to within the grid
      // (0.125 pt: half its diagonal, 0.09 pt) and every edge's midpoint within 0.25 + 0.09 pt
      // inside it; far fewer vertices than the 4,000 given.
      CHECK(r.size() < 200);
      CHECK(r.size() > 20);
      for (std::size_t k = 0; k < r.size(); ++k) {
        const auto [x, y] = r[k];
        const auto [u, v] = r[(k + 1) % r.size()];
        CHECK(std::abs(std::hypot(x - 314, y - 310) - 80) <= 0.0885);
        CHECK(std::hypot((x + u) / 2 - 314, (y + v) / 2 - 310) >= 80 - 0.34);
      }
    }
  }
  CHECK(with_a >= 1);
  CHECK(with_circle >= 1);
  // Relative coordinates after the first point of each ring: "M24 410l200 0 0-200-200 0z".
  CHECK(svg.find("M24 410l200 0 0-200-200 0z") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("long titles, legends and sources stay on the page", "[report]") {
  const auto dir = fs::temp_directory_path() / "oasis_test_map_long";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const MultiPolygon sq{Polygon{{{5e5, 6.7e6}, {5.1e5, 6.7e6}, {5.1e5, 6.71e6}, {5e5, 6.71e6}, {5e5, 6.7e6}}, {}}};
  const std::vector<const MultiPolygon*> ptrs{&sq};
  auto cls = by_zone(std::vector<std::string>{"ZIP"});
  cls.legend_title = "Zonage des masseurs-kinésithérapeutes libéraux et salariés";
  const std::string lng(400, 'W');  // far wider than the page at any of the sizes used
  draw_map({ptrs, &cls, {}}, {lng, lng, lng, lng}, dir / "m", false);
  cairo_surface_t* img = cairo_image_surface_create_from_png((dir / "m.png").c_str());
  REQUIRE(cairo_surface_status(img) == CAIRO_STATUS_SUCCESS);
  // The right margin (the last 6 pt of the 842 pt page) is white paper from top to bottom, and
  // the title does reach across the page (it was shortened, not dropped).
  const auto ink = [&](double x0pt, double x1pt, double y0pt, double y1pt) {
    std::size_t dark = 0;
    for (int y = static_cast<int>(y0pt * 150 / 72); y < static_cast<int>(y1pt * 150 / 72); ++y) {
      const auto* row = reinterpret_cast<const std::uint32_t*>(cairo_image_surface_get_data(img) + y * cairo_image_surface_get_stride(img));
      for (int x = static_cast<int>(x0pt * 150 / 72); x < static_cast<int>(x1pt * 150 / 72); ++x) dark += (row[x] & 0xff) < 128;
    }
    return dark;
  };
  CHECK(ink(836, 842, 0, 595) == 0);
  CHECK(ink(700, 818, 20, 40) > 0);  // the title's last letters, near the right edge
  cairo_surface_destroy(img);
  fs::remove_all(dir);
}

TEST_CASE("supply kinds in words for titles", "[report]") {
  CHECK(profession_label("generaliste") == "médecins généralistes");
  CHECK(profession_label("kine") == "masseurs-kinésithérapeutes");
  CHECK(profession_label("dentiste") == "chirurgiens-dentistes");
  CHECK(profession_label("orthoptistes") == "orthoptistes");  // unknown: as written
  CHECK(by_zone(std::vector<std::string>{"ZIP"}).legend_title == "Zonage");
}

TEST_CASE("numbers as French typography writes them", "[report]") {
  CHECK(number_fr(2.5) == "2,5");
  CHECK(number_fr(4) == "4");
  CHECK(number_fr(4, 1) == "4,0");
  CHECK(number_fr(999, 0) == "999");
  CHECK(number_fr(2732, 0) == "2\u00a0732");
  CHECK(number_fr(20009, 0) == "20\u00a0009");
  CHECK(number_fr(-1234.5, 2) == "-1\u00a0234,50");
  CHECK(number_fr(1234567.25) == "1\u00a0234\u00a0567,25");
  CHECK(number_fr(std::nan("")) == "–");
}

TEST_CASE("palettes: the published colours, in class order, and categories one colour each", "[report]") {
  // ColorBrewer YlGnBu (9 classes, the near-white first one left out): 4 of the other 8, evenly
  // spaced (indices 0, 2, 5, 7 of #edf8b1 #c7e9b4 #7fcdbb #41b6c4 #1d91c0 #225ea8 #253494 #081d58).
  const auto seq = palette_colours(Palette::sequential, 4);
  REQUIRE(seq.size() == 4);
  CHECK(seq[0].hex() == "#edf8b1");
  CHECK(seq[1].hex() == "#7fcdbb");
  CHECK(seq[2].hex() == "#225ea8");
  CHECK(seq[3].hex() == "#081d58");
  CHECK(palette_colours(Palette::sequential, 2)[1].hex() == "#081d58");
  CHECK(palette_colours(Palette::diverging, 4)[0].hex() == "#d7191c");  // RdYlBu, low = red
  const auto q = palette_colours(Palette::qualitative, 7);              // Okabe–Ito without black
  CHECK(q[0].hex() == "#e69f00");
  CHECK(q[1].hex() == "#56b4e9");
  CHECK(q[6].hex() == "#cc79a7");
  CHECK_THROWS(palette_colours(Palette::sequential, 8));
  CHECK_THROWS(palette_colours(Palette::qualitative, 1));
  const std::vector<double> v{1, 5, 9};
  const auto g = graduated(v, {2, 6}, "x", 0, Palette::sequential);
  CHECK(g.classes[2].colour.hex() == "#081d58");  // the highest value darkest
  const std::vector<std::string> t{"vivier", "ZIP", "", "vivier"};
  const auto c = categories(t, "Classe");
  REQUIRE(c.classes.size() == 2);
  CHECK(c.classes[0].label == "ZIP");  // sorted: "Z" < "v" in byte order
  CHECK(c.classes[1].label == "vivier");
  CHECK(c.of == std::vector<int>{1, 0, -1, 1});
  CHECK(c.classes[1].colour.hex() == "#56b4e9");
  const std::vector<std::string> many{"a", "b", "c", "d", "e", "f", "g", "h"};
  CHECK_THROWS_WITH(categories(many, "unit_id"), Catch::Contains("8 distinct values"));
}

TEST_CASE("prefecture labels: région seats first, then by population, overlapping ones left out", "[report]") {
  const std::vector<std::string> names{"Bourges", "Orléans", "Vierzon", "Tours", "Blois"};
  const std::vector<std::string> seat{"département", "région", "", "département", "département"};
  const std::vector<double> pop{64000, 117000, 26000, 137000, 46000};
  const auto labels = seat_labels(names, seat, pop);
  REQUIRE(labels.size() == 4);
  CHECK(labels[0].text == "Orléans");
  CHECK(labels[0].major);
  CHECK(labels[1].text == "Tours");
  CHECK(labels[2].text == "Bourges");
  CHECK(labels[3].text == "Blois");
  CHECK_FALSE(labels[3].major);

  const auto dir = fs::temp_directory_path() / "oasis_test_map_labels";
  fs::remove_all(dir);
  fs::create_directories(dir);
  // The frame of the marks test (29 pt/km, left square's centre at (169, 310) pt). A small third
  // feature centred 3 pt below it: its dot would touch the first label's dot, so it is left out.
  const std::vector<MultiPolygon> shapes{square_at(5e5, 6.7e6, 1e4), square_at(5.1e5, 6.7e6, 1e4),
                                         square_at(5.05e5 - 10, 6.705e6 - 3 / 0.029 - 10, 20)};
  const std::vector<const MultiPolygon*> ptrs{&shapes[0], &shapes[1], &shapes[2]};
  const auto cls = by_zone(std::vector<std::string>{"ZIP", "ZAC", "ZIP"});
  const std::vector<MapLabel> two{{0, "Alpha", false}, {2, "Gamma", false}};
  draw_map({ptrs, &cls, {}, {}, {}, {}, two}, {"Test", "labels", "sources", "date"}, dir / "m", false);
  const auto png = dir / "m.png";
  CHECK(pixel_at(png, 169, 310) == "#191919");       // the first label's dot (0.1 grey)
  CHECK(pixel_at(png, 170.2, 313.2) == "#d55e00");   // no second dot 3 pt below (a pt beside the tiny square)
  CHECK(pixel_at(png, 24 + 435, 310) == "#e69f00");  // the unlabelled square

  // The PNG records its 150 dpi: a pHYs chunk right after IHDR, 5,906 pixels a metre both ways,
  // unit 1 (metre), with its CRC-32 (checked here bit by bit, independently of zlib).
  std::ifstream in(png, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(bytes.size() > 54);
  const auto u32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(bytes[at + i]);
    return v;
  };
  CHECK(u32(33) == 9);
  CHECK(bytes.substr(37, 4) == "pHYs");
  CHECK(u32(41) == 5906);
  CHECK(u32(45) == 5906);
  CHECK(bytes[49] == 1);
  std::uint32_t crc = 0xffffffffu;
  for (std::size_t i = 37; i < 50; ++i) {
    crc ^= static_cast<unsigned char>(bytes[i]);
    for (int k = 0; k < 8; ++k) crc = crc & 1 ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
  }
  CHECK(u32(50) == (crc ^ 0xffffffffu));
  fs::remove_all(dir);
}
