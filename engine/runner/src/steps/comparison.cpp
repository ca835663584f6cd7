// Comparison with a baseline: reading a zones.csv back, and the communes whose zone or class moved.
#include <cmath>
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "oasis/core/code_insee.hpp"
#include "oasis/core/error.hpp"
#include "oasis/io/csv.hpp"
#include "oasis/runner/steps.hpp"
#include "util.hpp"

namespace oasis::runner {

namespace fs = std::filesystem;

std::vector<ZoneRow> read_zones(const fs::path& file) {
  const io::CsvFile csv(file);
  const auto c_code = csv.require({"code_insee"}, "code_insee");
  const auto c_name = csv.require({"name", "nom"}, "name");
  const auto c_unit = csv.require({"unit_id"}, "unit_id");
  const auto c_pop = csv.require({"population"}, "population");
  // Files of runs before the output schema (docs/decisions/0002-output-schema.md): "apl" held the
  // zoned value and "unit_apl" the unit's.
  const auto c_ind = csv.column({"indicator"});
  const auto c_apl = c_ind ? csv.require({"apl"}, "apl") : csv.require({"apl"}, "indicator");
  const auto c_zone = csv.require({"zone"}, "zone");
  const auto c_rule = csv.require({"rule"}, "rule");
  const auto c_uapl = c_ind ? csv.column({"unit_indicator"}) : csv.column({"unit_apl"});
  const auto c_cls = csv.column({"class"});
  const auto c_dens = csv.column({"density_100k"});
  const auto c_tgp = csv.column({"time_nearest_gp_min"});
  const auto c_turg = csv.column({"time_nearest_urgences_min"});
  const auto c_tsu = csv.column({"time_nearest_su_min"});
  const auto c_x = csv.column({"x_l93"});
  const auto c_y = csv.column({"y_l93"});
  std::vector<ZoneRow> rows;
  std::set<std::string> seen;
  csv.for_each([&](const io::CsvRecord& r) {
    ZoneRow z;
    z.code = CodeInsee::from(r.fields[c_code], file.string(), csv.where(r)).to_string();
    if (!seen.insert(z.code).second)
      throw Error(Errc::code_duplicate, fmt::format("commune {} appears twice", z.code), file.string(), csv.where(r));
    z.name = std::string(r.fields[c_name]);
    z.unit = std::string(r.fields[c_unit]);
    z.population = io::parse_number(r.fields[c_pop], csv.decimal_comma()).value_or(0.0);
    const auto apl = io::parse_number(r.fields[c_apl], csv.decimal_comma()).value_or(NAN);
    z.indicator = c_ind ? io::parse_number(r.fields[*c_ind], csv.decimal_comma()).value_or(NAN) : apl;
    z.apl = c_ind ? apl : NAN;
    z.zone = std::string(io::trim(r.fields[c_zone]));
    z.rule = std::string(io::trim(r.fields[c_rule]));
    z.unit_indicator = c_uapl ? io::parse_number(r.fields[*c_uapl], csv.decimal_comma()).value_or(NAN) : NAN;
    z.cls = c_cls ? std::string(io::trim(r.fields[*c_cls])) : std::string();
    auto opt = [&](const std::optional<std::size_t>& col) {
      return col ? io::parse_number(r.fields[*col], csv.decimal_comma()).value_or(NAN) : NAN;
    };
    z.density_100k = opt(c_dens);
    z.time_gp_min = opt(c_tgp);
    z.time_urgences_min = opt(c_turg);
    z.time_su_min = opt(c_tsu);
    z.x = opt(c_x);
    z.y = opt(c_y);
    rows.push_back(std::move(z));
  });
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.code < b.code; });
  return rows;
}

Comparison compare(const std::vector<ZoneRow>& base, const std::vector<ZoneRow>& scen, const std::string& baseline_name, double line) {
  Comparison c;
  std::map<std::string, const ZoneRow*> b;
  for (const auto& r : base) b.emplace(r.code, &r);
  using Moves = std::map<std::pair<std::string, std::string>, std::pair<std::size_t, double>>;
  Moves zone_moves, class_moves;
  double moved = 0;
  std::size_t matched = 0;
  c.csv =
      "code_insee,name,population,zone_baseline,zone,class_baseline,class,unit_indicator_baseline,unit_indicator,indicator_baseline,"
      "indicator,time_nearest_urgences_min_baseline,time_nearest_urgences_min\n";
  std::size_t urg_compared = 0, crossed_beyond = 0, back_within = 0, longer = 0;
  double pop_beyond = 0, pop_within = 0;
  for (const auto& r : scen) {
    const auto it = b.find(r.code);
    if (it == b.end()) {
      ++c.only_scenario;
      continue;
    }
    ++matched;
    const auto& old = *it->second;
    bool crossed = false;
    if (std::isfinite(old.time_urgences_min) && std::isfinite(r.time_urgences_min)) {
      ++urg_compared;
      longer += std::round(r.time_urgences_min * 100.0) > std::round(old.time_urgences_min * 100.0);
      // Judged on the times as zones.csv writes them (0.01 min): a run's baseline read back from its
      // folder and `oasis diff` on the two folders then agree.
      auto written = [](double t) { return std::round(t * 100.0) / 100.0; };
      const bool was = written(old.time_urgences_min) > line, is = written(r.time_urgences_min) > line;
      if (!was && is) ++crossed_beyond, pop_beyond += r.population;
      if (was && !is) ++back_within, pop_within += r.population;
      crossed = was != is;
    }
    const bool zone_or_class = old.zone != r.zone || old.cls != r.cls;
    if (!zone_or_class && !crossed) continue;
    if (zone_or_class) c.changed.emplace_back(old, r);
    if (old.zone != r.zone) {
      auto& mv = zone_moves[{old.zone, r.zone}];
      ++mv.first;
      mv.second += r.population;
      moved += r.population;
    }
    if (old.cls != r.cls) {
      auto& mv = class_moves[{old.cls, r.cls}];
      ++mv.first;
      mv.second += r.population;
    }
    c.csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{}\n", r.code, quote(r.name, ','), num_csv(r.population, false, "{:.0f}"),
                         old.zone, r.zone, old.cls, r.cls, num_csv(old.unit_indicator, false), num_csv(r.unit_indicator, false),
                         num_csv(old.indicator, false), num_csv(r.indicator, false), num_csv(old.time_urgences_min, false, "{:.2f}"),
                         num_csv(r.time_urgences_min, false, "{:.2f}"));
  }
  c.only_baseline = base.size() - matched;
  auto moves_json = [](const Moves& moves) {
    json tr = json::array();
    for (const auto& [k, v] : moves) tr.push_back({{"from", k.first}, {"to", k.second}, {"communes", v.first}, {"population", v.second}});
    return tr;
  };
  auto pop_in = [](const std::vector<ZoneRow>& rows, std::string_view zone, bool by_class) {
    double p = 0;
    for (const auto& r : rows)
      if ((by_class ? r.cls : r.zone) == zone) p += r.population;
    return p;
  };
  std::size_t zone_changed = 0;
  for (const auto& [k, v] : zone_moves) zone_changed += v.first;
  c.summary = {{"baseline", baseline_name},
               {"communes_compared", matched},
               {"communes_changed", zone_changed},
               {"population_moved", moved},
               {"communes_class_changed",
                [&] {
                  std::size_t n = 0;
                  for (const auto& [k, v] : class_moves) n += v.first;
                  return n;
                }()},
               {"only_in_baseline", c.only_baseline},
               {"only_in_scenario", c.only_scenario},
               {"transitions", moves_json(zone_moves)},
               {"class_transitions", moves_json(class_moves)},
               {"zip_population", {{"baseline", pop_in(base, "ZIP", false)}, {"scenario", pop_in(scen, "ZIP", false)}}},
               {"zac_population", {{"baseline", pop_in(base, "ZAC", false)}, {"scenario", pop_in(scen, "ZAC", false)}}},
               {"mandatory_zip_population", {{"baseline", pop_in(base, "ZIP", true)}, {"scenario", pop_in(scen, "ZIP", true)}}}};
  if (urg_compared > 0)
    c.summary["urgences"] = {{"max_min", line},
                             {"communes_compared", urg_compared},
                             {"communes_farther", longer},
                             {"communes_crossed_beyond", crossed_beyond},
                             {"population_crossed_beyond", pop_beyond},
                             {"communes_back_within", back_within},
                             {"population_back_within", pop_within}};
  return c;
}

}  // namespace oasis::runner
