// Steps "zoning" and "flags": the zoned indicator, ZIP / vivier / ZAC per unit under the ARS caps
// (with the official list when given), then urgent care, density and the 2003 rule.
#include <cmath>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "oasis/core/checksum.hpp"
#include "oasis/core/error.hpp"
#include "oasis/runner/steps.hpp"
#include "oasis/travel/nearest.hpp"
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
  // Every commune gets its time to the nearest site (travel::nearest_site_minutes); with a ring,
  // the sites across the territory's edge count too.
  const bool ring = in.around && tr.od_around;
  // The commune graph for all the searches beyond the cutoff (on the ring when there is one): the
  // travel step's when it routed on it, else built once here.
  std::optional<travel::Graph> graph;
  auto graph_of = [&](const Territory& space) -> const travel::Graph* {
    if (tr.settings.model != travel::Model::commune_graph) return nullptr;
    const auto& built = &space == &t ? tr.graph : tr.graph_around;
    if (built && built->nodes() == space.size()) return built.get();
    if (!graph) graph = travel::commune_graph(space, tr.settings.graph);
    return &*graph;
  };
  auto nearest = [&](const std::vector<double>& inner, const std::vector<double>& around, json& how) {
    travel::NearestTimes nt;
    std::vector<double> out(n);
    const bool wide = ring && !around.empty();
    if (wide) {
      nt = travel::nearest_site_minutes(in.around->territory, tr.settings, *tr.od_around, around, graph_of(in.around->territory));
      for (CommuneId c = 0; c < n; ++c) out[c] = nt.minutes[in.around->of_inner[c]];
    } else {
      nt = travel::nearest_site_minutes(t, tr.settings, tr.od, inner, ring ? nullptr : graph_of(t));
      out = nt.minutes;
    }
    // How each of the run's communes got its time.
    std::map<travel::NearestHow, std::size_t> k;
    for (CommuneId c = 0; c < n; ++c) ++k[nt.how[wide ? in.around->of_inner[c] : c]];
    how = {{"from_table", k[travel::NearestHow::table]},
           {"beyond_cutoff", k[travel::NearestHow::beyond_cutoff]},
           {"straight_line", k[travel::NearestHow::straight_line]},
           {"none", k[travel::NearestHow::none]}};
    return out;
  };
  if (in.urgences) {
    json how = json::object();
    const auto& sites = in.urgences->amounts;
    std::vector<double> around_sites;
    if (ring && in.urgent_care) {
      around_sites = in.urgent_care->around_sites;
    } else if (ring) {  // a file of the user's: its sites in the run's communes only
      around_sites.assign(in.around->territory.size(), 0.0);
      for (CommuneId c = 0; c < n; ++c) around_sites[in.around->of_inner[c]] = sites[c];
    }
    f.time_urgences = nearest(sites, around_sites, how["urgences"]);
    if (in.urgent_care) f.time_su = nearest(in.urgent_care->su, in.urgent_care->around_su, how["su"]);
    const auto beyond = travel::population_beyond(f.time_urgences, t.population(), s.flags.urgences_max_min);
    std::size_t flagged = 0;
    for (CommuneId c = 0; c < n; ++c) flagged += !(f.time_urgences[c] <= s.flags.urgences_max_min);
    // Population beyond the line by région.
    std::map<std::string, std::pair<double, double>> by_region;  // beyond, total
    for (CommuneId c = 0; c < n; ++c) {
      auto& r = by_region[t.region()[c]];
      r.second += t.population()[c];
      if (!(f.time_urgences[c] <= s.flags.urgences_max_min)) r.first += t.population()[c];
    }
    json regions = json::object();
    for (const auto& [code, r] : by_region)
      regions[code] = {{"population_beyond", r.first}, {"share_beyond", r.second > 0 ? r.first / r.second : 0.0}};
    f.summary["urgences"] = {{"file", in.urgences->file},
                             {"format", in.urgences->format},
                             {"sites", std::accumulate(sites.begin(), sites.end(), 0.0)},
                             {"max_min", s.flags.urgences_max_min},
                             {"communes_beyond", flagged},
                             {"population_beyond", beyond.population},
                             {"share_beyond", beyond.share},
                             {"regions", regions},
                             {"times", how}};
    if (in.urgent_care) {
      f.summary["urgences"]["sae"] = in.urgent_care->report;
      f.summary["urgences"]["su_sites"] = std::accumulate(in.urgent_care->su.begin(), in.urgent_care->su.end(), 0.0);
    } else {
      f.summary["urgences"]["sha256"] = sha256_file(in.urgences->file);
    }
  }
  if (in.msp) {
    const auto& sites = in.msp->amounts;
    json how;
    f.time_msp = nearest(sites, in.around_msp, how);
    std::size_t with = 0;
    double pop_with = 0, weighted = 0, pop = 0;
    for (CommuneId c = 0; c < n; ++c) {
      if (sites[c] > 0) ++with, pop_with += t.population()[c];
      if (std::isfinite(f.time_msp[c])) weighted += f.time_msp[c] * t.population()[c], pop += t.population()[c];
    }
    f.summary["msp"] = {{"file", in.msp->file},
                        {"sha256", sha256_file(in.msp->file)},
                        {"column", s.flags.msp_column},
                        {"communes_with_msp", with},
                        {"population_in_msp_communes", pop_with},
                        {"mean_time_min", pop > 0 ? weighted / pop : 0.0},
                        {"times", how}};
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
