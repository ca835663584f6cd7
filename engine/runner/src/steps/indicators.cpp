// Step "indicators": the scenario's accessibility indicator (APL or another method), its under-65
// variant, density, time to the nearest practitioner, and the [[indicators]] on other supplies.
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "oasis/core/checksum.hpp"
#include "oasis/runner/steps.hpp"
#include "oasis/travel/models.hpp"
#include "util.hpp"

namespace oasis::runner {

travel::TravelSettings travel_settings(const scenario::Scenario& s, std::optional<int> threads) {
  const auto& t = s.travel;
  auto set = travel::settings_from({.model = t.model,
                                    .cutoff_min = t.cutoff_min,
                                    .intra_min = t.intra_min,
                                    .detour = t.detour,
                                    .speed_kmh = t.speed_kmh,
                                    .urban_speed_kmh = t.urban_speed_kmh,
                                    .urban_density = t.urban_density,
                                    .osm = t.osm,
                                    .table = t.table,
                                    .threads = threads.value_or(t.threads)});
  if (!s.flags.urgences.empty()) set.cutoff_min = std::max(set.cutoff_min, s.flags.urgences_max_min);
  if (s.flags.deficit_2003) set.cutoff_min = std::max(set.cutoff_min, zoning::kDeficit2003FarMinutes);
  return set;
}

access::AccessParams access_params(std::string_view method, double max_cost, const std::string& decay, int n) {
  access::AccessParams p;
  p.method = access::parse_method(method);
  p.max_cost = max_cost > 0 ? max_cost : std::numeric_limits<double>::infinity();
  p.decay = decay.empty() ? access::default_decay(p.method, p.max_cost) : access::Decay::parse(decay);
  p.n = n;
  return p;
}

Indicators compute_indicators(const scenario::Scenario& s, const Inputs& in, const travel::OdMatrix& od) {
  const auto& t = in.territory;
  const auto n = t.size();
  Indicators r;
  r.params = access_params(s.access.method, s.access.max_cost, s.access.decay, s.access.n);
  r.apl = r.params.method == access::Method::apl;
  r.activity = r.apl ? s.supply.activity : 1.0;
  auto scaled = [&](std::vector<double> v) {
    for (auto& x : v) x *= r.activity;
    return v;
  };
  r.demand = t.population();
  r.demand_field = "population (legal, COG)";
  if (r.apl)
    if (const auto* std_pop = t.column("population_std")) {
      for (CommuneId c = 0; c < n; ++c)
        if (std::isfinite((*std_pop)[c])) r.demand[c] = (*std_pop)[c];
      r.demand_field = in.age_bands
                           ? fmt::format("population_std (INSEE population by age x DREES {} weights; legal population where missing)",
                                         s.access.age_weights)
                           : "population_std (DREES pop_standardisee; legal population where missing)";
    }
  r.access = access::compute_access(r.params, od, r.demand, scaled(in.supply), t.population());
  if (in.table.has_age()) {
    SupplyTable young = in.table;
    for (std::size_t i = 0; i < young.size(); ++i)
      if (young.age[i] >= 65) young.amount[i] = 0;
    r.access_u65 = access::compute_access(r.params, od, r.demand, scaled(young.per_commune(n)), t.population());
  }
  r.density = access::density_per_100k(in.supply, t.population());
  r.time_gp = travel::time_to_nearest(od, in.supply, 1);

  for (std::size_t k = 0; k < s.indicators.size(); ++k) {
    const auto& ind = s.indicators[k];
    const auto& amounts = in.extra.at(k).amounts;
    auto ep = access_params(ind.method, ind.max_cost, ind.decay, 1);
    std::vector<double> edemand = ind.demand == "population_std" ? r.demand : t.population();
    std::vector<double> esupply = amounts;
    for (auto& x : esupply) x *= ind.activity;
    const auto er = access::compute_access(ep, od, edemand, esupply, t.population());
    const auto eq = access::inequality(er.value, edemand, s.access.line);
    ExtraIndicator e{ind.name, er.value, access::density_per_100k(amounts, t.population()), {}};
    e.summary = {{"method", access::method_name(ep.method)},
                 {"decay", ep.decay.spec()},
                 {"file", in.extra[k].file},
                 {"sha256", sha256_file(in.extra[k].file)},
                 {"format", in.extra[k].format},
                 {"column", ind.column},
                 {"supply_total", std::accumulate(amounts.begin(), amounts.end(), 0.0)},
                 {"activity", ind.activity},
                 {"demand", ind.demand},
                 {"weighted_mean", eq.weighted_mean},
                 {"gini", eq.gini},
                 {"palma", jnum(eq.palma)},
                 {"supply_without_demand", er.supply_without_demand}};
    r.extras.push_back(std::move(e));
  }
  return r;
}

}  // namespace oasis::runner
