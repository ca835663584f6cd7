#include "oasis/access/methods.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "oasis/core/error.hpp"

namespace oasis::access {

namespace {
struct MethodInfo {
  Method m;
  std::string_view name;
};
constexpr std::array<MethodInfo, 11> kMethods{{{Method::fca_ratio, "fca-ratio"},
                                               {Method::two_sfca, "2sfca"},
                                               {Method::e2sfca, "e2sfca"},
                                               {Method::g2sfca, "g2sfca"},
                                               {Method::bfca, "bfca"},
                                               {Method::three_sfca, "3sfca"},
                                               {Method::gravity, "gravity"},
                                               {Method::cumulative, "cumulative"},
                                               {Method::cost_to_closest, "cost-to-closest"},
                                               {Method::spatial_availability, "spatial-availability"},
                                               {Method::apl, "apl"}}};

void check_values(std::span<const double> v, const char* what) {
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!(v[i] >= 0) || !std::isfinite(v[i]))
      throw Error(Errc::value_invalid, fmt::format("{} #{} is {}: it must be a finite number >= 0", what, i, v[i]), {}, {},
                  fmt::format("fix the {} value", what));
}
}  // namespace

Method parse_method(std::string_view name) {
  for (const auto& i : kMethods)
    if (i.name == name) return i.m;
  std::string all;
  for (const auto& i : kMethods) all += fmt::format("{}{}", all.empty() ? "" : ", ", i.name);
  throw Error(Errc::usage, fmt::format("unknown access method '{}'", name), {}, {}, "choose one of " + all);
}

std::vector<std::string_view> method_names() {
  std::vector<std::string_view> out;
  out.reserve(kMethods.size());
  for (const auto& i : kMethods) out.push_back(i.name);
  return out;
}

std::string_view method_name(Method m) noexcept {
  for (const auto& i : kMethods)
    if (i.m == m) return i.name;
  return "?";
}

Decay default_decay(Method m, double max_cost) {
  switch (m) {
    case Method::apl: return Decay::drees_apl();
    case Method::e2sfca: return Decay::parse("step:10:1,20:0.68,30:0.22");                     // Luo & Qi 2009
    case Method::three_sfca: return Decay::parse("step:10:0.962,20:0.704,30:0.377,60:0.042");  // Wan et al. 2012, pysal/access
    case Method::g2sfca: return Decay::parse(fmt::format("gaussian:{}", std::isfinite(max_cost) ? max_cost / 2 : 15.0));
    default: return Decay::parse("none");
  }
}

bool parse_sa_output(std::string_view name) {
  if (name == "total") return false;
  if (name == "per-capita") return true;
  throw Error(Errc::usage, fmt::format("unknown spatial-availability output '{}'", name), {}, {}, "choose total or per-capita");
}

std::string_view sa_output_name(bool per_capita) noexcept { return per_capita ? "per-capita" : "total"; }

std::string_view flag_name(std::uint8_t f) noexcept {
  if (f & Flag::no_supply_in_reach) return "no-supply-in-reach";
  if (f & Flag::no_demand) return "no-demand";
  return "";
}

namespace {

/// What every method's kernel reads and writes: the OD, the weights per pair (once: the decay may
/// be costly, e.g. exp / logistic) and the result being filled.
struct Kernel {
  const travel::OdMatrix& od;
  std::span<const double> demand, supply;
  const std::vector<double>& w;
  AccessResult& r;
  std::size_t n_o, n_d;

  template <class Fn>
  void for_pairs(Fn&& fn) const {
    for (std::size_t o = 0; o < n_o; ++o)
      for (auto k = od.first[o]; k < od.first[o + 1]; ++k) fn(o, od.dest[k], k);
  }
  /// Counts the supply sites with supply that no demand reaches (denominator 0).
  void unreached_supply(const std::vector<double>& denom) const {
    for (std::size_t d = 0; d < n_d; ++d)
      if (supply[d] > 0 && !(denom[d] > 0)) {
        ++r.supply_without_demand;
        r.supply_unreached += supply[d];
      }
  }
};

/// 2SFCA, E2SFCA, G2SFCA and APL: R_j = S_j / sum_k W_kj P_k ; A_i = sum_j W_ij R_j.
void two_step(const Kernel& K) {
  std::vector<double> denom(K.n_d, 0.0), ratio(K.n_d, 0.0);
  K.for_pairs([&](std::size_t o, std::uint32_t d, std::size_t k) { denom[d] += K.w[k] * K.demand[o]; });
  for (std::size_t d = 0; d < K.n_d; ++d) ratio[d] = denom[d] > 0 ? K.supply[d] / denom[d] : 0.0;
  K.unreached_supply(denom);
  K.for_pairs([&](std::size_t o, std::uint32_t d, std::size_t k) { K.r.value[o] += K.w[k] * ratio[d]; });
}

/// 3SFCA: G_ij = W_ij / sum_l W_il ; R_j = S_j / sum_k G_kj W_kj P_k ; A_i = sum_j G_ij W_ij R_j.
void three_step(const Kernel& K) {
  std::vector<double> rowsum(K.n_o, 0.0), denom(K.n_d, 0.0), ratio(K.n_d, 0.0);
  K.for_pairs([&](std::size_t o, std::uint32_t, std::size_t k) { rowsum[o] += K.w[k]; });
  auto g = [&](std::size_t o, std::size_t k) { return rowsum[o] > 0 ? K.w[k] / rowsum[o] : 0.0; };
  K.for_pairs([&](std::size_t o, std::uint32_t d, std::size_t k) { denom[d] += g(o, k) * K.w[k] * K.demand[o]; });
  for (std::size_t d = 0; d < K.n_d; ++d) ratio[d] = denom[d] > 0 ? K.supply[d] / denom[d] : 0.0;
  K.unreached_supply(denom);
  K.for_pairs([&](std::size_t o, std::uint32_t d, std::size_t k) { K.r.value[o] += g(o, k) * K.w[k] * ratio[d]; });
}

/// BFCA, Paez, Higgins & Vivona 2019, as ipeaGIT/accessibility's floating_catchment_area(method =
/// "bfca"): W^i_ij = W_ij / sum_l W_il (each population allocated once), W^j_ij = W_ij / sum_k W_kj
/// (each level of service allocated once); L_j = S_j / sum_k P_k W^i_kj; A_i = sum_j W^j_ij L_j.
/// So sum_j (sum_k P_k W^i_kj) = sum_i P_i and sum_i A_i = sum_j L_j (no inflation of either).
void balanced(const Kernel& K) {
  std::vector<double> rowsum(K.n_o, 0.0), colsum(K.n_d, 0.0), denom(K.n_d, 0.0), level(K.n_d, 0.0);
  K.for_pairs([&](std::size_t o, std::uint32_t d, std::size_t k) {
    rowsum[o] += K.w[k];
    colsum[d] += K.w[k];
  });
  K.for_pairs([&](std::size_t o, std::uint32_t d, std::size_t k) {
    if (rowsum[o] > 0) denom[d] += K.demand[o] * K.w[k] / rowsum[o];
  });
  for (std::size_t d = 0; d < K.n_d; ++d) level[d] = denom[d] > 0 ? K.supply[d] / denom[d] : 0.0;
  K.unreached_supply(denom);
  K.for_pairs([&](std::size_t o, std::uint32_t d, std::size_t k) {
    if (colsum[d] > 0) K.r.value[o] += level[d] * K.w[k] / colsum[d];
  });
}

/// Spatial availability, Soukhov et al. 2023, as ipeaGIT/accessibility's spatial_availability(alpha):
/// F_ij = P_i^alpha W_ij / sum_k P_k^alpha W_kj; V_ij = S_j F_ij; V_i = sum_j V_ij, so
/// sum_i V_i = sum_j S_j. Per capita: V_i / P_i (with alpha = 1 it is the 2SFCA value).
void spatial_availability(const Kernel& K, double alpha, bool per_capita) {
  if (!(alpha >= 0) || !std::isfinite(alpha))
    throw Error(Errc::value_invalid, fmt::format("spatial-availability alpha {}: it must be a finite number >= 0", alpha));
  std::vector<double> pa(K.n_o), denom(K.n_d, 0.0);
  for (std::size_t o = 0; o < K.n_o; ++o) pa[o] = alpha == 1.0 ? K.demand[o] : std::pow(K.demand[o], alpha);
  K.for_pairs([&](std::size_t o, std::uint32_t d, std::size_t k) { denom[d] += K.w[k] * pa[o]; });
  K.unreached_supply(denom);
  K.for_pairs([&](std::size_t o, std::uint32_t d, std::size_t k) {
    if (denom[d] > 0) K.r.value[o] += K.supply[d] * pa[o] * K.w[k] / denom[d];
  });
  if (!per_capita) return;
  for (std::size_t o = 0; o < K.n_o; ++o) {
    if (K.demand[o] > 0) {
      K.r.value[o] /= K.demand[o];
    } else {
      K.r.value[o] = 0.0;
      K.r.flag[o] |= Flag::no_demand;
    }
  }
}

/// FCA ratio: A_i = sum_j W_ij S_j / sum_j W_ij P_j, P_j = demand located at supply site j.
void fca_ratio(const Kernel& K, std::span<const double> supply_demand) {
  if (supply_demand.size() != K.n_d)
    throw Error(Errc::usage, "fca-ratio needs the demand located at each supply site", {}, {},
                "use supply ids that are also demand ids (e.g. communes on both sides)");
  for (std::size_t o = 0; o < K.n_o; ++o) {
    double s = 0, pd = 0;
    for (auto k = K.od.first[o]; k < K.od.first[o + 1]; ++k) {
      s += K.w[k] * K.supply[K.od.dest[k]];
      pd += K.w[k] * supply_demand[K.od.dest[k]];
    }
    if (pd > 0)
      K.r.value[o] = s / pd;
    else
      K.r.flag[o] |= Flag::no_demand;
  }
}

/// ipeaGIT/accessibility's cost_to_closest(n): the least time within which the supply reached,
/// nearest sites first, adds up to n (n = 1: the nearest site with supply). With a supply of 1 per
/// site, n is the rank of the site.
void cost_to_closest(const Kernel& K, int n, double max_cost) {
  if (n < 1) throw Error(Errc::value_invalid, fmt::format("n = {}: the supply to reach starts at 1", n));
  std::vector<std::pair<float, double>> found;  // (time as stored, supply)
  for (std::size_t o = 0; o < K.n_o; ++o) {
    found.clear();
    for (auto k = K.od.first[o]; k < K.od.first[o + 1]; ++k)
      if (K.supply[K.od.dest[k]] > 0 && K.od.minutes[k] <= max_cost) found.emplace_back(K.od.minutes[k], K.supply[K.od.dest[k]]);
    std::sort(found.begin(), found.end());
    double reached = 0;
    K.r.value[o] = std::numeric_limits<double>::quiet_NaN();
    for (const auto& [t, amount] : found)
      if ((reached += amount) >= n) {
        K.r.value[o] = travel::minutes_as_given(t);  // the time as the table gave it
        break;
      }
    if (std::isnan(K.r.value[o]))
      K.r.flag[o] |= Flag::no_supply_in_reach;
    else
      K.r.flag[o] &= static_cast<std::uint8_t>(~Flag::no_supply_in_reach);
  }
}

}  // namespace

AccessResult compute_access(const AccessParams& p, const travel::OdMatrix& od, std::span<const double> demand,
                            std::span<const double> supply, std::span<const double> supply_demand) {
  if (demand.size() != od.n_origins() || supply.size() != od.n_destinations)
    throw Error(Errc::internal, fmt::format("access: {} demand and {} supply values for an OD of {} x {}", demand.size(), supply.size(),
                                            od.n_origins(), od.n_destinations));
  check_values(demand, "demand");
  check_values(supply, "supply");
  if (!(p.max_cost > 0)) throw Error(Errc::value_invalid, fmt::format("max cost {}: it must be > 0", p.max_cost));
  const std::size_t n_o = od.n_origins(), n_d = od.n_destinations;
  AccessResult r;
  r.value.assign(n_o, 0.0);
  r.flag.assign(n_o, Flag::ok);
  std::vector<double> w(od.pairs());
  p.decay.weights(od.minutes, p.max_cost, w);
  const Kernel K{od, demand, supply, w, r, n_o, n_d};
  // Flag origins without any supply in reach (weight > 0 and supply > 0).
  std::vector<char> reach(n_o, 0);
  K.for_pairs([&](std::size_t o, std::uint32_t d, std::size_t k) {
    if (w[k] > 0 && supply[d] > 0) reach[o] = 1;
  });
  for (std::size_t o = 0; o < n_o; ++o)
    if (!reach[o]) r.flag[o] |= Flag::no_supply_in_reach;
  switch (p.method) {
    case Method::two_sfca:
    case Method::e2sfca:
    case Method::g2sfca:
    case Method::apl: two_step(K); break;
    case Method::three_sfca: three_step(K); break;
    case Method::bfca: balanced(K); break;
    case Method::spatial_availability: spatial_availability(K, p.sa_alpha, p.sa_per_capita); break;
    case Method::gravity:
    case Method::cumulative: K.for_pairs([&](std::size_t o, std::uint32_t d, std::size_t k) { r.value[o] += w[k] * supply[d]; }); break;
    case Method::fca_ratio: fca_ratio(K, supply_demand); break;
    case Method::cost_to_closest: cost_to_closest(K, p.n, p.max_cost); break;
  }
  return r;
}

double apl_counted_activity(double c, bool new_gp, bool health_centre) {
  if (!(c >= 0) || !std::isfinite(c)) throw Error(Errc::value_invalid, fmt::format("activity {} consultations: it must be >= 0", c));
  if (health_centre) return c;
  if (new_gp) return 5400.0;
  if (c < 250) return 0.0;
  if (c <= 3600) return 3600.0;
  if (c <= 6000) return c;
  return 6000.0;
}

std::span<const double> apl_age_weights(int millesime) {
  static constexpr std::array<double, 19> k2022{0.93, 0.59, 0.55, 0.59, 0.73, 0.78, 0.84, 0.88, 0.90, 0.97,
                                                1.06, 1.14, 1.16, 1.19, 1.52, 1.53, 1.72, 1.99, 2.39};
  static constexpr std::array<double, 19> k2023{1.12, 0.58, 0.51, 0.60, 0.75, 0.79, 0.82, 0.85, 0.89, 0.93,
                                                1.03, 1.15, 1.18, 1.23, 1.46, 1.57, 1.63, 1.89, 2.26};
  if (millesime == 2022) return k2022;
  if (millesime == 2023) return k2023;
  throw Error(Errc::usage, fmt::format("no APL age weights for millésime {}", millesime), {}, {}, "use 2022 or 2023");
}

double standardised_population(std::span<const double> bands, int millesime) {
  const auto w = apl_age_weights(millesime);
  if (bands.size() != w.size())
    throw Error(Errc::value_invalid, fmt::format("{} age bands given, the APL uses {} (0-4, ..., 85-89, 90+)", bands.size(), w.size()));
  double s = 0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (!(bands[i] >= 0)) throw Error(Errc::value_invalid, fmt::format("age band #{} population {} < 0", i, bands[i]));
    s += bands[i] * w[i];
  }
  return s;
}

std::vector<double> density_per_100k(std::span<const double> supply, std::span<const double> population) {
  std::vector<double> out(supply.size());
  for (std::size_t i = 0; i < supply.size(); ++i)
    out[i] = population[i] > 0 ? 1e5 * supply[i] / population[i] : std::numeric_limits<double>::quiet_NaN();
  return out;
}

Inequality inequality(std::span<const double> v, std::span<const double> p, double line) {
  Inequality r;
  r.line = line;
  std::vector<std::pair<double, double>> xs;  // (value, population)
  for (std::size_t i = 0; i < v.size(); ++i)
    if (std::isfinite(v[i]) && p[i] > 0) xs.emplace_back(v[i], p[i]);
  std::sort(xs.begin(), xs.end());
  double P = 0, M = 0;
  for (const auto& [x, q] : xs) {
    P += q;
    M += x * q;
    if (x < line) r.population_below += q;
  }
  if (P <= 0) return r;
  r.weighted_mean = M / P;
  r.share_below = r.population_below / P;
  // Gini from the Lorenz curve: 1 - sum (cum-pop step) x (L_(k-1) + L_k).
  if (M > 0) {
    double cum = 0, area = 0;
    for (const auto& [x, q] : xs) {
      const double prev = cum;
      cum += x * q;
      area += (q / P) * (prev + cum) / M;
    }
    r.gini = 1.0 - area;
    // Palma: mass of the top 10 % of population / mass of the bottom 40 % (units split pro rata).
    auto mass_below = [&](double pop_share) {
      double need = pop_share * P, m = 0;
      for (const auto& [x, q] : xs) {
        const double take = std::min(q, need);
        m += x * take;
        need -= take;
        if (need <= 0) break;
      }
      return m;
    };
    const double bottom40 = mass_below(0.4), top10 = M - mass_below(0.9);
    r.palma = bottom40 > 0 ? top10 / bottom40 : std::numeric_limits<double>::infinity();
    // Theil T: a value of 0 adds nothing (the limit of s ln s as s -> 0).
    const double mean = M / P;
    for (const auto& [x, q] : xs)
      if (x > 0) r.theil += (q / P) * (x / mean) * std::log(x / mean);
  }
  return r;
}

double concentration_index(std::span<const double> v, std::span<const double> p, std::span<const double> rank_by) {
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < v.size(); ++i)
    if (std::isfinite(v[i]) && std::isfinite(rank_by[i]) && p[i] > 0) idx.push_back(i);
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return rank_by[a] < rank_by[b]; });
  double P = 0, M = 0;
  for (auto i : idx) P += p[i], M += p[i] * v[i];
  if (!(P > 0) || M == 0) return std::numeric_limits<double>::quiet_NaN();
  const double mean = M / P;
  double before = 0, sum = 0;
  for (auto i : idx) {
    const double R = (before + p[i] / 2) / P;
    sum += (p[i] / P) * (v[i] - mean) * (R - 0.5);
    before += p[i];
  }
  return 2 * sum / mean;
}

double spearman(std::span<const double> a, std::span<const double> b) {
  auto ranks = [](std::span<const double> v) {
    std::vector<std::size_t> idx(v.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::sort(idx.begin(), idx.end(), [&](std::size_t x, std::size_t y) { return v[x] < v[y]; });
    std::vector<double> r(v.size());
    for (std::size_t i = 0; i < idx.size();) {
      std::size_t j = i;
      while (j < idx.size() && v[idx[j]] == v[idx[i]]) ++j;
      for (std::size_t k = i; k < j; ++k) r[idx[k]] = (static_cast<double>(i + j - 1)) / 2.0;
      i = j;
    }
    return r;
  };
  const auto ra = ranks(a), rb = ranks(b);
  const double n = static_cast<double>(a.size());
  const double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / n, mb = std::accumulate(rb.begin(), rb.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) * (ra[i] - ma);
    sbb += (rb[i] - mb) * (rb[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

std::optional<Fidelity> fidelity(std::span<const double> computed, std::span<const double> published, double line) {
  std::vector<double> a, b;
  double err = 0;
  std::size_t agree = 0;
  for (std::size_t i = 0; i < computed.size() && i < published.size(); ++i) {
    if (!std::isfinite(published[i])) continue;
    a.push_back(computed[i]), b.push_back(published[i]);
    err += std::abs(computed[i] - published[i]);
    agree += (computed[i] < line) == (published[i] < line);
  }
  if (a.empty()) return std::nullopt;
  const auto n = static_cast<double>(a.size());
  return Fidelity{a.size(), spearman(a, b), err / n, static_cast<double>(agree) / n};
}

}  // namespace oasis::access
