// Step "siting": where [siting] sites openings of supply_per_site lift the zones most, on top of
// the scenario's accessibility and zoning (the effect model lives in engine/siting).
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "oasis/core/error.hpp"
#include "oasis/runner/steps.hpp"

namespace oasis::runner {

std::optional<Siting> compute_siting(const scenario::Scenario& s, const Inputs& in, const Travel& tr, const Indicators& ind,
                                     const Zoning& z) {
  if (s.siting.sites <= 0) return std::nullopt;
  const auto& ap = ind.params;
  if (ap.method != access::Method::apl && ap.method != access::Method::two_sfca && ap.method != access::Method::e2sfca)
    throw Error(Errc::scenario_value,
                fmt::format("[siting] needs access.method = apl, 2sfca or e2sfca (not {})", access::method_name(ap.method)),
                s.file.string(), {}, "the effect of an opening is additive only for these methods");
  const auto& t = in.territory;
  const bool by_unit = s.siting.level == "unit";
  const auto cols = tr.od.transposed();
  siting::AccessInstance ai;
  ai.line = s.zoning.zip_below;
  ai.base = by_unit ? z.result.unit_value : z.indicator;
  ai.population = by_unit ? z.result.unit_population : t.population();
  for (auto& b : ai.base)
    if (!std::isfinite(b)) b = 0;  // a zone without a value counts as 0
  siting::OpeningModel om;
  om.columns = &cols;
  om.demand = ind.demand;
  om.weight = [&ap](double minutes) { return ap.decay(minutes); };
  om.max_cost = ap.max_cost;
  // Calibrated supply: an opening's practitioners work like the territory's median practitioner.
  const double activity = ind.calibration ? ind.calibration->median_per_gp : ind.activity;
  const std::string activity_source = ind.calibration
                                          ? "the calibrated supply's median activity per GP (supply.calibrate, docs/calibration.md)"
                                          : "supply.activity (the activity counted per practitioner)";
  om.delta_supply = s.siting.supply_per_site * activity;
  if (by_unit) {
    om.zone_of = in.units.unit_of;
    om.zone_population = z.result.unit_population;
    om.commune_population = t.population();
  }
  om.zones = by_unit ? in.units.size() : t.size();
  ai.effect = siting::opening_effects(om, in.candidates);
  // Candidates closer than siting.min_distance_km cannot both receive openings.
  const double dmin = s.siting.min_distance_km * 1000;
  if (dmin > 0)
    for (std::uint32_t a = 0; a < in.candidates.size(); ++a)
      for (std::uint32_t b = a + 1; b < in.candidates.size(); ++b) {
        const auto ca = in.candidates[a], cb = in.candidates[b];
        if (std::hypot(t.x()[ca] - t.x()[cb], t.y()[ca] - t.y()[cb]) < dmin) ai.conflicts.emplace_back(a, b);
      }

  siting::AccessOptions sopt;
  sopt.objective = siting::parse_access_objective(s.siting.objective);
  sopt.k = s.siting.sites;
  sopt.max_per_candidate = !s.siting.repeat ? 1 : s.siting.max_per_commune;
  sopt.seed = s.siting.seed;
  sopt.exact_time_limit_s = s.siting.time_limit;
  Siting out;
  out.solution = siting::solve_access(ai, sopt);
  const auto& sol = out.solution;
  std::map<std::uint32_t, std::pair<int, double>> per;  // candidate -> openings, marginal
  for (std::size_t q = 0; q < sol.open.size(); ++q) {
    auto& e = per[sol.open[q]];
    ++e.first;
    e.second += sol.marginal[q];
  }
  json sites = json::array();
  for (const auto& [q, e] : per) {
    const auto c = in.candidates[q];
    Site site{c, t.code()[c].to_string(), t.name()[c], t.population()[c], e.first, e.first * s.siting.supply_per_site, e.second};
    sites.push_back({{"code_insee", site.code},
                     {"name", site.name},
                     {"population", site.population},
                     {"openings", site.openings},
                     {"supply_added", site.supply_added},
                     {"marginal", site.marginal}});
    out.sites.push_back(std::move(site));
  }
  auto rules = in.candidate_rules;
  rules["min_distance_km"] = s.siting.min_distance_km;
  rules["pairs_too_close"] = ai.conflicts.size();
  rules["max_per_commune"] = sopt.max_per_candidate;
  out.summary = {{"objective_kind", s.siting.objective},
                 {"level", s.siting.level},
                 {"openings", s.siting.sites},
                 {"placed", sol.placed},
                 {"supply_per_site", s.siting.supply_per_site},
                 {"activity_per_gp", activity},
                 {"activity_source", activity_source},
                 {"supply_added_per_site", om.delta_supply},
                 {"line", ai.line},
                 {"candidates", in.candidates.size()},
                 {"candidate_rules", rules},
                 {"before", sol.before},
                 {"objective", sol.objective},
                 {"bound", sol.bound},
                 {"combinatorial_bound", sol.combinatorial_bound},
                 {"heuristic_objective", sol.heuristic_objective},
                 {"gap", sol.gap},
                 {"method", sol.method},
                 {"exact_seconds", sol.mip_seconds},
                 {"improvements", sol.improvements},
                 {"sites", sites},
                 {"note",
                  "marginal = objective lost if that commune's openings alone were removed; bound = no choice of the openings under "
                  "these rules does better (docs/siting.md, Bounds); zones.csv keeps the scenario's zoning without the openings"}};
  return out;
}

}  // namespace oasis::runner
