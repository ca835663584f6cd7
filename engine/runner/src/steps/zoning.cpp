// Steps "zoning" and "flags": the zoned indicator, ZIP / vivier / ZAC per unit under the ARS caps
// (with the official list when given), then urgent care, density and the 2003 rule.
#include <cmath>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "oasis/core/checksum.hpp"
#include "oasis/core/error.hpp"
#include "oasis/runner/steps.hpp"
#include "oasis/travel/models.hpp"

namespace oasis::runner {

Zoning compute_zoning(const scenario::Scenario& s, const Inputs& in, const Indicators& ind) {
  const auto& t = in.territory;
  Zoning z;
  const auto& which = s.zoning.indicator;
  if (which == "apl") {
    z.indicator = ind.access.value;
  } else if (which == "apl_u65") {
    if (!ind.access_u65)
      throw Error(Errc::field_missing, "zoning.indicator = \"apl_u65\" needs the practitioners' ages", s.file.string(), {},
                  "set supply.age_column on a points supply, or zone on \"apl\" / \"apl_official_u65\"");
    z.indicator = ind.access_u65->value;
  } else {
    const auto* col = t.column(which == "apl_official" ? "apl_official" : "apl_official_u65");
    if (!col)
      throw Error(Errc::field_missing, fmt::format("zoning.indicator = \"{}\" needs the DREES APL file", which), s.file.string(), {},
                  "check data.apl (default <data>/apl/drees_apl_mg_2022_communes.csv)");
    z.indicator = *col;
  }
  z.rules.zip_below = s.zoning.zip_below;
  z.rules.vivier_below = s.zoning.vivier_below;
  z.rules.skip_too_large = s.zoning.fill == "skip";
  for (const auto& [k, c] : s.zoning.caps) z.rules.caps[k] = {c.zip, c.zac};
  z.result = zoning::classify(z.indicator, t.population(), t.region(), in.units, z.rules, in.official ? &*in.official : nullptr);
  const auto n = t.size();
  z.unit_indicator.resize(n);
  z.cls.resize(n);
  z.zone_label.resize(n);
  for (CommuneId c = 0; c < n; ++c) {
    const auto u = in.units.unit_of[c];
    z.unit_indicator[c] = z.result.unit_value[u];
    z.cls[c] = std::string(zoning::class_name(z.result.unit_class[u]));
    z.zone_label[c] = std::string(zoning::zone_name(z.result.zone[c]));
  }
  for (const auto zone : z.result.unit_zone) z.unit_zone_label.emplace_back(zoning::zone_name(zone));
  return z;
}

Flags compute_flags(const scenario::Scenario& s, const Inputs& in, const Travel& tr, const Indicators& ind, const Zoning& z) {
  const auto& t = in.territory;
  const auto n = t.size();
  Flags f;
  f.summary = json::object();
  if (in.urgences) {
    const auto& sites = in.urgences->amounts;
    f.time_urgences = travel::time_to_nearest(tr.od, sites, 1);
    const auto beyond = travel::population_beyond(f.time_urgences, t.population(), s.flags.urgences_max_min);
    std::size_t flagged = 0;
    for (CommuneId c = 0; c < n; ++c) flagged += !(f.time_urgences[c] <= s.flags.urgences_max_min);
    f.summary["urgences"] = {{"file", in.urgences->file},
                             {"sha256", sha256_file(in.urgences->file)},
                             {"sites", std::accumulate(sites.begin(), sites.end(), 0.0)},
                             {"max_min", s.flags.urgences_max_min},
                             {"communes_beyond", flagged},
                             {"population_beyond", beyond.population},
                             {"share_beyond", beyond.share}};
  }
  if (s.flags.density_below > 0) {
    double pop = 0;
    std::size_t flagged = 0;
    for (CommuneId c = 0; c < n; ++c)
      if (ind.density[c] < s.flags.density_below) ++flagged, pop += t.population()[c];
    f.summary["density"] = {{"below", s.flags.density_below},
                            {"field", fmt::format("{} per 100,000 inhabitants", s.supply.kind)},
                            {"communes", flagged},
                            {"population", pop}};
  }
  const auto m = in.units.size();
  f.unit_supply.assign(m, 0.0);
  f.unit_communes.assign(m, 0);
  std::vector<double> unit_time_w(m, 0.0);
  for (CommuneId c = 0; c < n; ++c) {
    const auto u = in.units.unit_of[c];
    f.unit_supply[u] += in.supply[c];
    ++f.unit_communes[u];
    // Unreachable within the cutoff (>= 40 minutes when the rule is on) counts at the cutoff.
    unit_time_w[u] += t.population()[c] * (std::isfinite(ind.time_gp[c]) ? ind.time_gp[c] : tr.od.cutoff_min);
  }
  if (s.flags.deficit_2003) {
    std::map<std::string, std::size_t> counts;
    for (const auto d : zoning::deficit_2003_units(z.result.unit_population, f.unit_supply, unit_time_w)) {
      f.deficit_2003.emplace_back(zoning::tri_name(d));
      ++counts[f.deficit_2003.back()];
    }
    json c = json::object();
    for (const auto& [k, v] : counts) c[k] = v;
    f.summary["deficit_2003"] = {{"units", c},
                                 {"known_conditions",
                                  "1 (population-weighted mean time to the nearest GP >= 40 min) and 2 "
                                  "(< 3 GPs per 5,000 inhabitants, headcount as full-time)"},
                                 {"unknown_conditions", "3 (GP activity) and 4 (age, social criteria): no public data in the run"}};
  }
  return f;
}

}  // namespace oasis::runner
