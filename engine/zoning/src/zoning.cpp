#include "oasis/zoning/zoning.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "oasis/core/error.hpp"

namespace oasis::zoning {

std::string_view zone_name(Zone z) noexcept {
  switch (z) {
    case Zone::zip: return "ZIP";
    case Zone::zac: return "ZAC";
    case Zone::outside: return "hors-zonage";
    case Zone::unclassified: return "non-classe";
  }
  return "?";
}

std::string_view class_name(Class c) noexcept {
  switch (c) {
    case Class::zip: return "ZIP";
    case Class::vivier: return "vivier";
    case Class::above: return "hors-vivier";
    case Class::no_value: return "sans-valeur";
  }
  return "?";
}

std::optional<Zone> parse_zone(std::string_view label) {
  std::string s;
  for (char ch : label)
    if (!std::isspace(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_')
      s += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (s == "zip" || s == "zoneinterventionprioritaire") return Zone::zip;
  if (s == "zac" || s == "zoneactioncomplementaire") return Zone::zac;
  if (s.empty() || s == "hz" || s == "horszonage" || s == "none" || s == "aucun" || s == "non") return Zone::outside;
  return std::nullopt;
}

UnitMapping UnitMapping::from_keys(std::span<const std::string> keys, std::span<const std::string> names, std::string kind) {
  UnitMapping m;
  m.kind = std::move(kind);
  std::vector<std::uint32_t> order(keys.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return keys[a] < keys[b]; });
  m.unit_of.assign(keys.size(), 0);
  for (std::size_t k = 0; k < order.size(); ++k) {
    const auto c = order[k];
    if (k == 0 || keys[c] != keys[order[k - 1]]) {
      m.code.push_back(keys[c]);
      m.name.push_back(c < names.size() ? names[c] : std::string());
    }
    m.unit_of[c] = static_cast<std::uint32_t>(m.code.size() - 1);
  }
  return m;
}

Result classify(std::span<const double> value, std::span<const double> population, std::span<const std::string> region,
                const UnitMapping& units, const Rules& rules, const Official* official) {
  const std::size_t n = value.size(), m = units.size();
  if (population.size() != n || region.size() != n || units.unit_of.size() != n)
    throw Error(Errc::internal, "zoning::classify: columns of different lengths");
  if (official && official->zone.size() != n) throw Error(Errc::internal, "zoning::classify: official list of the wrong length");
  Result r;
  r.unit_value.assign(m, NAN);
  r.unit_population.assign(m, 0.0);
  r.unit_region.assign(m, {});
  r.unit_class.assign(m, Class::no_value);
  r.unit_zone.assign(m, Zone::unclassified);
  r.unit_rule.assign(m, "no-value");

  // Unit value: population-weighted mean over communes with a value; plain mean when their
  // population is 0. Unit région: the one holding most of the unit's population.
  std::vector<double> wsum(m, 0.0), wpop(m, 0.0), psum(m, 0.0);
  std::vector<std::size_t> count(m, 0);
  std::vector<std::map<std::string, double>> reg(m);
  for (std::size_t c = 0; c < n; ++c) {
    const auto u = units.unit_of[c];
    if (!(population[c] >= 0) || !std::isfinite(population[c]))
      throw Error(Errc::value_invalid, fmt::format("commune #{}: population {} is not a number >= 0", c, population[c]));
    r.unit_population[u] += population[c];
    reg[u][region[c]] += population[c] + 1e-9;  // + epsilon: a unit of empty communes still gets a région
    if (std::isfinite(value[c])) {
      wsum[u] += population[c] * value[c];
      wpop[u] += population[c];
      psum[u] += value[c];
      ++count[u];
    }
  }
  for (std::size_t u = 0; u < m; ++u) {
    if (count[u]) r.unit_value[u] = wpop[u] > 0 ? wsum[u] / wpop[u] : psum[u] / static_cast<double>(count[u]);
    double best = -1;
    for (const auto& [code, p] : reg[u])
      if (p > best) best = p, r.unit_region[u] = code;  // map order: ties go to the smallest code
  }

  // Classes.
  for (std::size_t u = 0; u < m; ++u) {
    const double v = r.unit_value[u];
    if (!std::isfinite(v)) continue;
    if (v < rules.zip_below) {
      r.unit_class[u] = Class::zip, r.unit_zone[u] = Zone::zip, r.unit_rule[u] = "mandatory";
    } else if (v < rules.vivier_below) {
      r.unit_class[u] = Class::vivier, r.unit_zone[u] = Zone::outside, r.unit_rule[u] = "vivier-unpicked";
    } else {
      r.unit_class[u] = Class::above, r.unit_zone[u] = Zone::outside, r.unit_rule[u] = "above-vivier";
    }
  }

  // ARS step, per région: vivier units by increasing APL (ties: unit code) become ZIP while the ZIP
  // population stays within cap.zip × région population, then ZAC within cap.zac.
  std::map<std::string, RegionSummary> regs;
  for (std::size_t u = 0; u < m; ++u) {
    auto& s = regs[r.unit_region[u]];
    s.region = r.unit_region[u];
    s.population += r.unit_population[u];
    if (r.unit_class[u] == Class::zip) s.zip_mandatory_population += r.unit_population[u];
    if (r.unit_class[u] == Class::vivier) ++s.vivier_units;
  }
  std::vector<std::uint32_t> vivier;
  for (std::size_t u = 0; u < m; ++u)
    if (r.unit_class[u] == Class::vivier) vivier.push_back(static_cast<std::uint32_t>(u));
  std::sort(vivier.begin(), vivier.end(), [&](auto a, auto b) {
    if (r.unit_value[a] != r.unit_value[b]) return r.unit_value[a] < r.unit_value[b];
    return units.code[a] < units.code[b];
  });
  for (auto& [code, s] : regs) {
    auto it = rules.caps.find(code);
    if (it == rules.caps.end()) it = rules.caps.find("default");
    s.zip_population = s.zip_mandatory_population;
    if (it == rules.caps.end()) {
      for (auto u : vivier)
        if (r.unit_region[u] == code) r.unit_rule[u] = "vivier-no-cap";
      continue;
    }
    s.has_caps = true;
    s.caps = {it->second.zip, it->second.zac};
    const double tol = 1e-9 * std::max(1.0, s.population);
    const double zip_cap = s.caps.zip * s.population, zac_cap = s.caps.zac * s.population;
    bool zip_open = true;
    for (auto u : vivier) {
      if (r.unit_region[u] != code || !zip_open) continue;
      if (s.zip_population + r.unit_population[u] <= zip_cap + tol) {
        s.zip_population += r.unit_population[u];
        r.unit_zone[u] = Zone::zip, r.unit_rule[u] = "vivier-zip";
        ++s.vivier_picked_zip;
      } else if (!rules.skip_too_large) {
        zip_open = false;
      }
    }
    bool zac_open = true;
    for (auto u : vivier) {
      if (r.unit_region[u] != code || r.unit_zone[u] != Zone::outside || !zac_open) continue;
      if (s.zac_population + r.unit_population[u] <= zac_cap + tol) {
        s.zac_population += r.unit_population[u];
        r.unit_zone[u] = Zone::zac, r.unit_rule[u] = "vivier-zac";
        ++s.vivier_picked_zac;
      } else if (!rules.skip_too_large) {
        zac_open = false;
      }
    }
  }
  for (auto& [code, s] : regs) r.regions.push_back(s);

  // Communes take their unit's zone, unless the official list says otherwise.
  r.zone.resize(n);
  r.rule.resize(n);
  for (std::size_t c = 0; c < n; ++c) {
    const auto u = units.unit_of[c];
    r.zone[c] = r.unit_zone[u];
    r.rule[c] = r.unit_rule[u];
    if (!official) continue;
    if (official->zone[c]) {
      r.zone[c] = *official->zone[c];
      r.rule[c] = "official";
      ++r.official_overrides;
    } else if (official->missing_outside) {
      r.zone[c] = Zone::outside;
      r.rule[c] = "official-absent";
    }
  }
  return r;
}

std::string_view tri_name(Tri t) noexcept {
  switch (t) {
    case Tri::no: return "non";
    case Tri::yes: return "oui";
    case Tri::unknown: return "indetermine";
  }
  return "?";
}

Tri deficit_2003(const Deficit2003Input& in) noexcept {
  if (!(in.population >= 5000)) return Tri::no;
  int yes = 0, unknown = 0;
  for (const auto& c : {in.far_from_gp, in.few_gps, in.busy_gps, in.social_or_ageing}) {
    if (!c)
      ++unknown;
    else if (*c)
      ++yes;
  }
  if (yes >= 3) return Tri::yes;
  if (yes + unknown < 3) return Tri::no;
  return Tri::unknown;
}

std::vector<Tri> deficit_2003_units(std::span<const double> unit_population, std::span<const double> unit_supply,
                                    std::span<const double> unit_time_weighted) {
  std::vector<Tri> out(unit_population.size());
  for (std::size_t u = 0; u < out.size(); ++u) {
    Deficit2003Input in;
    in.population = unit_population[u];
    if (in.population > 0) {
      in.far_from_gp = unit_time_weighted[u] / in.population >= kDeficit2003FarMinutes;
      in.few_gps = unit_supply[u] / in.population * kDeficit2003PerInhabitants < kDeficit2003FewGps;
    }
    out[u] = deficit_2003(in);
  }
  return out;
}

}  // namespace oasis::zoning
