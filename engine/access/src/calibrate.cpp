#include "oasis/access/calibrate.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include "oasis/core/error.hpp"

namespace oasis::access {

namespace {

/// The operator A by columns: for each eligible destination j, the origins i with W_ij > 0 and
/// b_ij = unit x W_ij / D_j.
struct Columns {
  std::vector<std::uint64_t> first{0};
  std::vector<std::uint32_t> origin;
  std::vector<double> b;
  std::vector<std::uint32_t> site;  // destination id of each column
};

Columns build_columns(const CalibrationProblem& p, double unit) {
  const auto& od = *p.od;
  const std::size_t n_o = od.n_origins(), n_d = od.n_destinations;
  std::vector<double> w(od.pairs()), denom(n_d, 0.0);
  for (std::size_t o = 0; o < n_o; ++o)
    for (auto k = od.first[o]; k < od.first[o + 1]; ++k) {
      const double t = od.minutes[k];
      w[k] = t > p.params.max_cost ? 0.0 : p.params.decay(t);
      denom[od.dest[k]] += w[k] * p.demand[o];
    }
  std::vector<std::uint64_t> count(n_d + 1, 0);
  for (std::size_t k = 0; k < od.pairs(); ++k)
    if (w[k] > 0 && p.eligible[od.dest[k]] && denom[od.dest[k]] > 0) ++count[od.dest[k]];
  Columns c;
  std::vector<std::uint64_t> at(n_d, 0);
  for (std::uint32_t j = 0; j < n_d; ++j)
    if (p.eligible[j] && count[j] > 0) {
      at[j] = c.first.back();
      c.site.push_back(j);
      c.first.push_back(c.first.back() + count[j]);
    }
  c.origin.resize(c.first.back());
  c.b.resize(c.first.back());
  // Origins in increasing order inside each column (rows are visited in order).
  for (std::size_t o = 0; o < n_o; ++o)
    for (auto k = od.first[o]; k < od.first[o + 1]; ++k) {
      const auto j = od.dest[k];
      if (w[k] > 0 && p.eligible[j] && denom[j] > 0) {
        c.origin[at[j]] = static_cast<std::uint32_t>(o);
        c.b[at[j]] = unit * w[k] / denom[j];
        ++at[j];
      }
    }
  return c;
}

void check(const CalibrationProblem& p) {
  const auto m = p.params.method;
  if (m != Method::apl && m != Method::two_sfca && m != Method::e2sfca && m != Method::g2sfca)
    throw Error(Errc::usage, fmt::format("supply calibration needs a method linear in supply, not {}", method_name(m)), {}, {},
                "use access.method = \"apl\" (or 2sfca, e2sfca, g2sfca), or set supply.calibrate = \"none\"");
  if (!p.od) throw Error(Errc::internal, "calibration without a travel table");
  const auto n_o = p.od->n_origins(), n_d = p.od->n_destinations;
  if (p.demand.size() != n_o || p.target.size() != n_o || p.prior.size() != n_d || p.eligible.size() != n_d ||
      (!p.group.empty() && p.group.size() != n_d))
    throw Error(Errc::internal, fmt::format("calibration: {} demand, {} targets, {} priors, {} sites for an OD of {} x {}", p.demand.size(),
                                            p.target.size(), p.prior.size(), p.eligible.size(), n_o, n_d));
  for (std::size_t j = 0; j < n_d; ++j)
    if (!(p.prior[j] >= 0) || !std::isfinite(p.prior[j]))
      throw Error(Errc::value_invalid, fmt::format("calibration prior #{} is {}: it must be a finite number >= 0", j, p.prior[j]));
  for (std::size_t o = 0; o < n_o; ++o)
    if (!(p.demand[o] >= 0) || !std::isfinite(p.demand[o]))
      throw Error(Errc::value_invalid, fmt::format("demand #{} is {}: it must be a finite number >= 0", o, p.demand[o]));
}

/// Observation weights (population / mean population of the observed origins; 0 where the target
/// is unknown or held out) and the targets (0 where not observed).
std::pair<std::vector<double>, std::vector<double>> observations(const CalibrationProblem& p, std::span<const char> held_out) {
  const std::size_t n_o = p.od->n_origins();
  std::vector<double> wo(n_o, 0.0), y(n_o, 0.0);
  double sum_p = 0;
  std::size_t n_obs = 0;
  for (std::size_t o = 0; o < n_o; ++o)
    if (std::isfinite(p.target[o]) && (held_out.empty() || !held_out[o])) {
      wo[o] = p.demand[o];
      y[o] = p.target[o];
      sum_p += p.demand[o];
      ++n_obs;
    }
  if (sum_p > 0)
    for (auto& x : wo) x *= static_cast<double>(n_obs) / sum_p;
  return {std::move(wo), std::move(y)};
}

CalibrationFit solve(const CalibrationProblem& p, const CalibrationSettings& s, const Columns& c, std::span<const char> held_out,
                     std::span<const double> start) {
  const std::size_t n_o = p.od->n_origins(), n_d = p.od->n_destinations;
  const auto [wo, y] = observations(p, held_out);
  CalibrationFit f;
  f.units.assign(n_d, 0.0);
  const std::size_t n_c = c.site.size();
  std::vector<double> u(n_c), h(n_c), lam(n_c), hess(n_c);
  for (std::size_t q = 0; q < n_c; ++q) {
    const auto j = c.site[q];
    h[q] = p.prior[j];
    u[q] = start.empty() ? h[q] : start[j];
    lam[q] = s.lambda / (h[q] + 1.0);
    double hq = lam[q];
    for (auto k = c.first[q]; k < c.first[q + 1]; ++k) hq += wo[c.origin[k]] * c.b[k] * c.b[k];
    hess[q] = hq;
  }
  // Residual r = A u - y (kept exact up to rounding by the updates).
  std::vector<double> r(n_o);
  for (std::size_t o = 0; o < n_o; ++o) r[o] = -y[o];
  for (std::size_t q = 0; q < n_c; ++q)
    for (auto k = c.first[q]; k < c.first[q + 1]; ++k) r[c.origin[k]] += c.b[k] * u[q];
  for (f.sweeps = 0; f.sweeps < s.max_sweeps;) {
    ++f.sweeps;
    double moved = 0;
    for (std::size_t q = 0; q < n_c; ++q) {
      if (!(hess[q] > 0)) continue;
      double g = lam[q] * (u[q] - h[q]);
      for (auto k = c.first[q]; k < c.first[q + 1]; ++k) g += wo[c.origin[k]] * c.b[k] * r[c.origin[k]];
      const double nu = std::max(0.0, u[q] - g / hess[q]);
      const double d = nu - u[q];
      if (d == 0) continue;
      for (auto k = c.first[q]; k < c.first[q + 1]; ++k) r[c.origin[k]] += c.b[k] * d;
      u[q] = nu;
      moved = std::max(moved, std::abs(d));
    }
    if (moved <= s.tolerance) {
      f.converged = true;
      break;
    }
  }
  double obj = 0;
  for (std::size_t o = 0; o < n_o; ++o) obj += wo[o] * r[o] * r[o];
  for (std::size_t q = 0; q < n_c; ++q) obj += lam[q] * (u[q] - h[q]) * (u[q] - h[q]);
  f.objective = obj;
  for (std::size_t q = 0; q < n_c; ++q) f.units[c.site[q]] = u[q];
  return f;
}

/// The fit by group (CalibrationProblem::group): u_j = f_g h_j. The normal equations are small
/// (one row per group), so they are formed and solved by projected coordinate descent on the factors.
CalibrationFit solve_groups(const CalibrationProblem& p, const CalibrationSettings& s, const Columns& c, std::span<const char> held_out) {
  const std::size_t n_o = p.od->n_origins(), n_d = p.od->n_destinations;
  std::size_t n_g = 0;
  for (std::size_t j = 0; j < n_d; ++j)
    if (p.eligible[j]) {
      if (p.group[j] < 0) throw Error(Errc::internal, fmt::format("calibration by group: eligible site #{} has no group", j));
      n_g = std::max(n_g, static_cast<std::size_t>(p.group[j]) + 1);
    }
  const auto [wo, y] = observations(p, held_out);
  // B (origins x groups): the indicator of each origin with supply h in one group only.
  std::vector<double> B(n_o * n_g, 0.0), lam(n_g, 0.0);
  for (std::size_t j = 0; j < n_d; ++j)
    if (p.eligible[j]) lam[static_cast<std::size_t>(p.group[j])] += s.lambda * p.prior[j] * p.prior[j] / (p.prior[j] + 1.0);
  for (std::size_t q = 0; q < c.site.size(); ++q) {
    const auto j = c.site[q];
    const auto g = static_cast<std::size_t>(p.group[j]);
    for (auto k = c.first[q]; k < c.first[q + 1]; ++k) B[c.origin[k] * n_g + g] += c.b[k] * p.prior[j];
  }
  std::vector<double> M(n_g * n_g, 0.0), rhs(n_g, 0.0);
  std::vector<std::size_t> nz;
  for (std::size_t o = 0; o < n_o; ++o) {
    if (wo[o] == 0) continue;
    const double* row = &B[o * n_g];
    nz.clear();
    for (std::size_t g = 0; g < n_g; ++g)
      if (row[g] != 0) nz.push_back(g);
    for (auto g : nz) {
      rhs[g] += wo[o] * row[g] * y[o];
      for (auto h : nz) M[g * n_g + h] += wo[o] * row[g] * row[h];
    }
  }
  CalibrationFit f;
  f.factors.assign(n_g, 1.0);
  auto& x = f.factors;
  for (f.sweeps = 0; f.sweeps < s.max_sweeps;) {
    ++f.sweeps;
    double moved = 0;
    for (std::size_t g = 0; g < n_g; ++g) {
      const double hess = M[g * n_g + g] + lam[g];
      if (!(hess > 0)) continue;
      double grad = -rhs[g] + lam[g] * (x[g] - 1.0);
      for (std::size_t h = 0; h < n_g; ++h) grad += M[g * n_g + h] * x[h];
      const double nx = std::max(0.0, x[g] - grad / hess);
      moved = std::max(moved, std::abs(nx - x[g]));
      x[g] = nx;
    }
    if (moved <= 1e-12) {
      f.converged = true;
      break;
    }
  }
  double obj = 0;
  for (std::size_t o = 0; o < n_o; ++o) {
    if (wo[o] == 0) continue;
    double v = -y[o];
    for (std::size_t g = 0; g < n_g; ++g) v += B[o * n_g + g] * x[g];
    obj += wo[o] * v * v;
  }
  for (std::size_t g = 0; g < n_g; ++g) obj += lam[g] * (x[g] - 1.0) * (x[g] - 1.0);
  f.objective = obj;
  f.units.assign(n_d, 0.0);
  for (std::size_t q = 0; q < c.site.size(); ++q) f.units[c.site[q]] = x[static_cast<std::size_t>(p.group[c.site[q]])] * p.prior[c.site[q]];
  return f;
}

/// The fit of the problem: per site, or by group when the problem has groups.
CalibrationFit fit(const CalibrationProblem& p, const CalibrationSettings& s, const Columns& c, std::span<const char> held_out,
                   std::span<const double> start) {
  return p.group.empty() ? solve(p, s, c, held_out, start) : solve_groups(p, s, c, held_out);
}

std::vector<double> apply(const Columns& c, std::span<const double> units, std::size_t n_o) {
  std::vector<double> v(n_o, 0.0);
  for (std::size_t q = 0; q < c.site.size(); ++q)
    for (auto k = c.first[q]; k < c.first[q + 1]; ++k) v[c.origin[k]] += c.b[k] * units[c.site[q]];
  return v;
}

}  // namespace

CalibrationFit calibrate_supply(const CalibrationProblem& p, const CalibrationSettings& s, std::span<const char> held_out,
                                std::span<const double> start) {
  check(p);
  if (!(s.lambda > 0) || !(s.unit > 0))
    throw Error(Errc::value_invalid, fmt::format("calibration lambda {} and unit {}: both must be > 0", s.lambda, s.unit));
  const auto c = build_columns(p, s.unit);
  return fit(p, s, c, held_out, start);
}

CalibrationReport calibrate_and_validate(const CalibrationProblem& p, const CalibrationSettings& s, std::span<const int> fold,
                                         double line) {
  check(p);
  if (!(s.lambda > 0) || !(s.unit > 0))
    throw Error(Errc::value_invalid, fmt::format("calibration lambda {} and unit {}: both must be > 0", s.lambda, s.unit));
  const std::size_t n_o = p.od->n_origins(), n_d = p.od->n_destinations;
  const auto c = build_columns(p, s.unit);
  CalibrationReport rep;
  rep.fit = fit(p, s, c, {}, {});
  rep.value = apply(c, rep.fit.units, n_o);
  std::vector<double> prior_units(n_d, 0.0);
  for (std::size_t j = 0; j < n_d; ++j) prior_units[j] = p.eligible[j] ? p.prior[j] : 0.0;
  rep.in_sample = fidelity(rep.value, p.target, line);
  rep.prior_value = apply(c, prior_units, n_o);
  rep.prior = fidelity(rep.prior_value, p.target, line);
  rep.cv_value.assign(n_o, std::numeric_limits<double>::quiet_NaN());
  if (fold.size() == n_o) {
    int groups = 0;
    for (auto g : fold) groups = std::max(groups, g + 1);
    std::vector<std::vector<std::uint32_t>> members(static_cast<std::size_t>(groups));
    for (std::size_t o = 0; o < n_o; ++o)
      if (fold[o] >= 0 && std::isfinite(p.target[o])) members[static_cast<std::size_t>(fold[o])].push_back(static_cast<std::uint32_t>(o));
    std::vector<int> sweeps(members.size(), 0);
    // Each fold is independent (its own arrays, written to disjoint origins): the result does not
    // depend on the number of threads.
    tbb::parallel_for(std::size_t{0}, members.size(), [&](std::size_t g) {
      if (members[g].empty()) return;
      std::vector<char> out(n_o, 0);
      for (auto o : members[g]) out[o] = 1;
      const auto f = fit(p, s, c, out, rep.fit.units);
      sweeps[g] = f.sweeps;
      const auto v = apply(c, f.units, n_o);
      for (auto o : members[g]) rep.cv_value[o] = v[o];
    });
    for (std::size_t g = 0; g < members.size(); ++g)
      if (!members[g].empty()) ++rep.folds, rep.cv_sweeps += sweeps[g];
    std::vector<double> t(n_o, std::numeric_limits<double>::quiet_NaN());
    for (std::size_t o = 0; o < n_o; ++o)
      if (std::isfinite(rep.cv_value[o])) t[o] = p.target[o];
    rep.cross_validated = fidelity(rep.cv_value, t, line);
  }
  return rep;
}

}  // namespace oasis::access
