// Step "indicators": the scenario's accessibility indicator (APL or another method), its under-65
// variant, density, time to the nearest practitioner, and the [[indicators]] on other supplies.
#include <cmath>
#include <limits>
#include <numeric>
#include <tuple>

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

access::AccessParams access_params(std::string_view method, double max_cost, const std::string& decay, int n, double sa_alpha,
                                   std::string_view sa_output) {
  access::AccessParams p;
  p.method = access::parse_method(method);
  p.max_cost = max_cost > 0 ? max_cost : std::numeric_limits<double>::infinity();
  p.decay = decay.empty() ? access::default_decay(p.method, p.max_cost) : access::Decay::parse(decay);
  p.n = n;
  p.sa_alpha = sa_alpha;
  p.sa_per_capita = access::parse_sa_output(sa_output);
  return p;
}

std::pair<std::vector<double>, std::string> access_demand(const scenario::Scenario& s, const Territory& t, bool age_bands) {
  std::vector<double> demand = t.population();
  std::string field = "population (legal, COG)";
  if (access::parse_method(s.access.method) == access::Method::apl)
    if (const auto* std_pop = t.column("population_std")) {
      for (CommuneId c = 0; c < t.size(); ++c)
        if (std::isfinite((*std_pop)[c])) demand[c] = (*std_pop)[c];
      field = age_bands ? fmt::format("population_std (INSEE population by age x DREES {} weights; legal population where missing)",
                                      s.access.age_weights)
                        : "population_std (DREES pop_standardisee; legal population where missing)";
    }
  return {std::move(demand), std::move(field)};
}

Indicators compute_indicators(const scenario::Scenario& s, const Inputs& in, const travel::OdMatrix& od,
                              std::optional<Calibration> calibration, const travel::OdMatrix* around_od) {
  const auto& t = in.territory;
  const auto n = t.size();
  Indicators r;
  r.params = access_params(s.access.method, s.access.max_cost, s.access.decay, s.access.n, s.access.sa_alpha, s.access.sa_output);
  r.apl = r.params.method == access::Method::apl;
  r.activity = r.apl ? s.supply.activity : 1.0;
  r.calibration = std::move(calibration);
  const Calibration* cal = r.calibration ? &*r.calibration : nullptr;
  std::tie(r.demand, r.demand_field) = access_demand(s, t, in.age_bands);
  r.supply = apl_supply(in, cal, r.activity, in.supply);
  // On the ring too when there is one: the ring's supply as recorded (or fitted), the run's as the
  // scenario makes it; the values of the run's communes are kept.
  const bool ring = in.around && around_od;
  std::vector<double> ring_demand;
  if (ring) {
    ring_demand = access_demand(s, in.around->territory, in.age_bands).first;
    for (CommuneId c = 0; c < n; ++c) ring_demand[in.around->of_inner[c]] = r.demand[c];
  }
  auto access_of = [&](const std::vector<double>& supply) {
    if (!ring) return access::compute_access(r.params, od, r.demand, supply, t.population());
    const auto& a = *in.around;
    std::vector<double> all(a.territory.size());
    for (CommuneId c = 0; c < all.size(); ++c) all[c] = cal ? cal->around_supply[c] : a.supply[c] * r.activity;
    for (CommuneId c = 0; c < n; ++c) all[a.of_inner[c]] = supply[c];
    const auto wide = access::compute_access(r.params, *around_od, ring_demand, all, a.territory.population());
    access::AccessResult out;
    out.value.resize(n);
    out.flag.resize(n);
    for (CommuneId c = 0; c < n; ++c) out.value[c] = wide.value[a.of_inner[c]], out.flag[c] = wide.flag[a.of_inner[c]];
    out.supply_without_demand = wide.supply_without_demand;
    out.supply_unreached = wide.supply_unreached;
    return out;
  };
  r.access = access_of(r.supply);
  if (in.table.has_age()) {
    SupplyTable young = in.table;
    for (std::size_t i = 0; i < young.size(); ++i)
      if (young.age[i] >= 65) young.amount[i] = 0;
    r.access_u65 = access_of(apl_supply(in, cal, r.activity, young.per_commune(n)));
  }
  r.density = access::density_per_100k(in.supply, t.population());
  r.time_gp = travel::time_to_nearest(od, in.supply, 1);

  for (std::size_t k = 0; k < s.indicators.size(); ++k) {
    const auto& ind = s.indicators[k];
    const auto& amounts = in.extra.at(k).amounts;
    auto ep = access_params(ind.method, ind.max_cost, ind.decay, 1, ind.sa_alpha, ind.sa_output);
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
    if (ep.method == access::Method::spatial_availability) {
      e.summary["sa_alpha"] = ep.sa_alpha;
      e.summary["sa_output"] = access::sa_output_name(ep.sa_per_capita);
    }
    r.extras.push_back(std::move(e));
  }
  return r;
}

}  // namespace oasis::runner
