#include "oasis/siting/siting.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

#include <fmt/format.h>

#include "mip.hpp"
#include "oasis/core/error.hpp"

namespace oasis::siting {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

/// Rows (demand -> candidates) and columns (candidate -> demands) of the cost table.
struct Tables {
  const travel::OdMatrix& rows;
  travel::OdMatrix cols;
  std::size_t n, m;
  explicit Tables(const travel::OdMatrix& od) : rows(od), cols(od.transposed()), n(od.n_origins()), m(od.n_destinations) {}
};

/// The same table with each row's pairs in increasing cost (ties: increasing id, so the first
/// of equal costs is the one an id-ordered scan keeps). A scan that only needs the pairs cheaper
/// than some value stops at the first dearer one: the p-median's nearest two open sites, its
/// swap gains and its Lagrangian terms all read such a prefix.
travel::OdMatrix by_cost(const travel::OdMatrix& od) {
  travel::OdMatrix s;
  s.first = od.first;
  s.n_destinations = od.n_destinations;
  s.dest.resize(od.pairs());
  s.minutes.resize(od.pairs());
  std::vector<std::uint32_t> order;
  for (std::size_t o = 0; o < od.n_origins(); ++o) {
    const auto ds = od.destinations(o);
    const auto cs = od.times(o);
    order.resize(ds.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return cs[a] < cs[b]; });
    for (std::size_t k = 0; k < order.size(); ++k) {
      s.dest[od.first[o] + k] = ds[order[k]];
      s.minutes[od.first[o] + k] = cs[order[k]];
    }
  }
  return s;
}

void check(const Instance& in, const Options& o) {
  const auto n = in.od.n_origins(), m = in.od.n_destinations;
  if (in.weight.size() != n) throw Error(Errc::value_invalid, fmt::format("{} demand weights for {} demand points", in.weight.size(), n));
  for (std::size_t i = 0; i < n; ++i)
    if (!(in.weight[i] >= 0) || !std::isfinite(in.weight[i]))
      throw Error(Errc::value_invalid, fmt::format("demand #{}: weight {} is not a number >= 0", i, in.weight[i]));
  for (float c : in.od.minutes)
    if (!(c >= 0) || !std::isfinite(c)) throw Error(Errc::value_invalid, fmt::format("a cost {} is not a number >= 0", c));
  for (auto f : in.fixed)
    if (f >= m) throw Error(Errc::value_invalid, fmt::format("fixed site #{} does not exist ({} candidates)", f, m));
  if (o.model != Model::lscp) {
    if (o.p < 1 || static_cast<std::size_t>(o.p) > m)
      throw Error(Errc::value_invalid, fmt::format("p = {} must be between 1 and the {} candidates", o.p, m));
    if (in.fixed.size() > static_cast<std::size_t>(o.p))
      throw Error(Errc::value_invalid, fmt::format("{} fixed sites but p = {}", in.fixed.size(), o.p), {}, {}, "p counts the fixed sites");
  }
  if ((o.model == Model::mclp || o.model == Model::lscp) && !(o.radius >= 0 && std::isfinite(o.radius)))
    throw Error(Errc::value_invalid, fmt::format("radius {} must be a cost >= 0", o.radius), {}, {}, "give --radius MINUTES");
}

bool integral(std::span<const double> w, std::span<const float> c) {
  for (double x : w)
    if (x != std::floor(x)) return false;
  for (float x : c)
    if (x != std::floor(x)) return false;
  return true;
}

double gap_of(double obj, double bound) {
  const double d = std::abs(obj - bound);
  return d <= 1e-9 * std::max(1.0, std::abs(obj)) ? 0.0 : d / std::max(std::abs(obj), 1e-12);
}

// ---- p-median --------------------------------------------------------------------------------

struct Median {
  const Tables& t;
  const std::vector<double>& w;
  double U;
  travel::OdMatrix rows, cols;  // t.rows and t.cols, each row by increasing cost
  std::vector<char> open, fixed;
  std::vector<double> d1, d2;
  std::vector<std::uint32_t> f1;

  Median(const Tables& tt, const std::vector<double>& ww, double u, std::span<const std::uint32_t> fx)
      : t(tt),
        w(ww),
        U(u),
        rows(by_cost(tt.rows)),
        cols(by_cost(tt.cols)),
        open(tt.m, 0),
        fixed(tt.m, 0),
        d1(tt.n, u),
        d2(tt.n, u),
        f1(tt.n, kNone) {
    for (auto f : fx) fixed[f] = open[f] = 1;
  }
  /// Nearest and second-nearest open site of every point (U when none): the row's prefix up to
  /// the second open site.
  void refresh() {
    for (std::size_t i = 0; i < t.n; ++i) {
      double a = U, b = U;
      std::uint32_t fa = kNone;
      const auto ds = rows.destinations(i);
      const auto cs = rows.times(i);
      for (std::size_t k = 0; k < ds.size(); ++k) {
        const double c = cs[k];
        if (c >= b) break;
        if (!open[ds[k]]) continue;
        if (c < a)
          b = a, a = c, fa = ds[k];
        else
          b = c;
      }
      d1[i] = a, d2[i] = b, f1[i] = fa;
    }
  }
  double objective() const {
    double s = 0;
    for (std::size_t i = 0; i < t.n; ++i) s += w[i] * d1[i];
    return s;
  }
  void greedy(int p) {
    refresh();
    int count = static_cast<int>(std::count(open.begin(), open.end(), 1));
    std::vector<double> gain(t.m);
    while (count < p) {
      std::uint32_t best = kNone;
      double best_gain = -1;
      for (std::uint32_t j = 0; j < t.m; ++j) {
        if (open[j]) continue;
        double g = 0;
        const auto is = t.cols.destinations(j);
        const auto cs = t.cols.times(j);
        for (std::size_t k = 0; k < is.size(); ++k) g += w[is[k]] * std::max(0.0, d1[is[k]] - cs[k]);
        if (g > best_gain) best_gain = g, best = j;
      }
      open[best] = 1;
      ++count;
      const auto is = t.cols.destinations(best);
      const auto cs = t.cols.times(best);
      for (std::size_t k = 0; k < is.size(); ++k) d1[is[k]] = std::min<double>(d1[is[k]], cs[k]);
    }
    refresh();
  }
  /// Steepest vertex substitution until no swap improves; returns the number of swaps.
  int local_search() {
    int swaps = 0;
    std::vector<double> loss(t.m, 0.0), corr(t.m, 0.0);
    std::vector<std::uint32_t> touched, opened;
    for (;;) {
      std::fill(loss.begin(), loss.end(), 0.0);
      for (std::size_t i = 0; i < t.n; ++i)
        if (f1[i] != kNone) loss[f1[i]] += w[i] * (d2[i] - d1[i]);
      opened.clear();
      for (std::uint32_t r = 0; r < t.m; ++r)
        if (open[r] && !fixed[r]) opened.push_back(r);
      if (opened.empty()) return swaps;
      double best = -1e-9 * std::max(1.0, objective());
      std::uint32_t bj = kNone, br = kNone;
      // A pair at or above every point's second-nearest cost changes nothing (d1 <= d2 <= reach).
      const double reach = d2.empty() ? U : *std::max_element(d2.begin(), d2.end());
      for (std::uint32_t j = 0; j < t.m; ++j) {
        if (open[j]) continue;
        double gain = 0;
        touched.clear();
        const auto is = cols.destinations(j);
        const auto cs = cols.times(j);
        for (std::size_t k = 0; k < is.size(); ++k) {
          const auto i = is[k];
          const double c = cs[k];
          if (c >= reach) break;
          if (c < d1[i]) gain += w[i] * (d1[i] - c);
          if (f1[i] != kNone && c < d2[i]) {
            if (corr[f1[i]] == 0.0) touched.push_back(f1[i]);
            corr[f1[i]] += w[i] * (d2[i] - std::max(c, d1[i]));
          }
        }
        for (auto r : opened) {
          const double delta = loss[r] - corr[r] - gain;
          if (delta < best) best = delta, bj = j, br = r;
        }
        for (auto r : touched) corr[r] = 0.0;
      }
      if (bj == kNone) return swaps;
      open[br] = 0;
      open[bj] = 1;
      refresh();
      ++swaps;
    }
  }
};

/// Lagrangian lower bound of the p-median with an "unserved" option at cost U.
/// `rows`: the table by increasing cost in each row (by_cost): a point's Lagrangian terms
/// min(0, w c - lambda) are non-zero on a prefix of its row only.
double median_bound(const Tables& t, const travel::OdMatrix& rows, const std::vector<double>& w, double U, int p,
                    std::span<const std::uint32_t> fixed, double upper, int iterations, bool integer) {
  std::vector<double> lambda(t.n, 0.0), rho(t.m), g(t.n);
  std::vector<char> fx(t.m, 0), y(t.m, 0);
  for (auto f : fixed) fx[f] = 1;
  // Start from each point's second-nearest candidate cost: a classic warm start.
  for (std::size_t i = 0; i < t.n; ++i) {
    if (w[i] == 0) continue;
    double a = U, b = U;
    for (float c : t.rows.times(i)) {
      if (c < a)
        b = a, a = c;
      else if (c < b)
        b = c;
    }
    lambda[i] = w[i] * b;
  }
  std::vector<std::uint32_t> order(t.m);
  double best = -std::numeric_limits<double>::infinity(), theta = 2.0;
  int stall = 0;
  for (int it = 0; it < iterations; ++it) {
    double L = 0;
    for (std::size_t i = 0; i < t.n; ++i)
      if (w[i] > 0) L += lambda[i] + std::min(0.0, w[i] * U - lambda[i]);
    std::fill(rho.begin(), rho.end(), 0.0);
    for (std::size_t i = 0; i < t.n; ++i) {
      if (w[i] == 0) continue;
      const auto ds = rows.destinations(i);
      const auto cs = rows.times(i);
      for (std::size_t k = 0; k < ds.size(); ++k) {
        const double v = w[i] * cs[k] - lambda[i];
        if (v >= 0) break;
        rho[ds[k]] += v;
      }
    }
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return rho[a] != rho[b] ? rho[a] < rho[b] : a < b; });
    std::fill(y.begin(), y.end(), 0);
    int chosen = 0;
    for (std::uint32_t j = 0; j < t.m; ++j)
      if (fx[j]) y[j] = 1, L += rho[j], ++chosen;
    for (auto j : order) {
      if (chosen >= p) break;
      if (y[j]) continue;
      y[j] = 1, L += rho[j], ++chosen;
    }
    if (std::isinf(best) || L > best + 1e-12 * std::abs(best))
      best = L, stall = 0;
    else if (++stall >= 25)
      theta /= 2, stall = 0;
    if (upper - best <= 1e-9 * std::max(1.0, upper) || (integer && std::ceil(best - 1e-7) >= upper)) break;
    double norm = 0;
    for (std::size_t i = 0; i < t.n; ++i) {
      if (w[i] == 0) {
        g[i] = 0;
        continue;
      }
      double s = w[i] * U < lambda[i] ? 1.0 : 0.0;
      const auto ds = rows.destinations(i);
      const auto cs = rows.times(i);
      for (std::size_t k = 0; k < ds.size() && w[i] * cs[k] < lambda[i]; ++k)
        if (y[ds[k]]) s += 1.0;
      g[i] = 1.0 - s;
      norm += g[i] * g[i];
    }
    if (norm == 0) break;  // the relaxed solution is feasible: L is optimal
    const double step = theta * std::max(upper - L, 1e-9 * std::max(1.0, upper)) / norm;
    for (std::size_t i = 0; i < t.n; ++i) lambda[i] += step * g[i];
    if (theta < 1e-4) break;
  }
  return integer ? std::ceil(best - 1e-7) : best;
}

// ---- coverage (MCLP, LSCP, p-center) ----------------------------------------------------------

/// Coverage lists within a radius: candidate -> demands, demand -> candidates.
struct Cover {
  std::vector<std::vector<std::uint32_t>> of_site, of_point;
  Cover(const Tables& t, double radius) : of_site(t.m), of_point(t.n) {
    for (std::size_t i = 0; i < t.n; ++i) {
      const auto ds = t.rows.destinations(i);
      const auto cs = t.rows.times(i);
      for (std::size_t k = 0; k < ds.size(); ++k)
        if (cs[k] <= radius) of_site[ds[k]].push_back(static_cast<std::uint32_t>(i)), of_point[i].push_back(ds[k]);
    }
  }
};

struct Mclp {
  const Cover& cv;
  const std::vector<double>& w;
  std::vector<char> open, fixed;
  std::vector<int> count;
  std::vector<std::uint32_t> one;  // the covering site when count == 1
  Mclp(const Cover& c, const std::vector<double>& ww, std::span<const std::uint32_t> fx)
      : cv(c), w(ww), open(c.of_site.size(), 0), fixed(c.of_site.size(), 0), count(c.of_point.size(), 0), one(c.of_point.size(), kNone) {
    for (auto f : fx) fixed[f] = open[f] = 1;
  }
  void refresh() {
    for (std::size_t i = 0; i < count.size(); ++i) {
      count[i] = 0, one[i] = kNone;
      for (auto j : cv.of_point[i])
        if (open[j]) ++count[i], one[i] = j;
    }
  }
  double covered() const {
    double s = 0;
    for (std::size_t i = 0; i < count.size(); ++i)
      if (count[i] > 0) s += w[i];
    return s;
  }
  void greedy(int p) {
    refresh();
    int n_open = static_cast<int>(std::count(open.begin(), open.end(), 1));
    while (n_open < p) {
      std::uint32_t best = kNone;
      double bg = -1;
      for (std::uint32_t j = 0; j < open.size(); ++j) {
        if (open[j]) continue;
        double g = 0;
        for (auto i : cv.of_site[j])
          if (count[i] == 0) g += w[i];
        if (g > bg) bg = g, best = j;
      }
      open[best] = 1, ++n_open;
      for (auto i : cv.of_site[best]) ++count[i];
    }
    refresh();
  }
  int local_search() {
    int swaps = 0;
    const auto m = open.size();
    std::vector<double> loss(m), corr(m, 0.0);
    std::vector<std::uint32_t> touched, opened;
    for (;;) {
      std::fill(loss.begin(), loss.end(), 0.0);
      for (std::size_t i = 0; i < count.size(); ++i)
        if (count[i] == 1) loss[one[i]] += w[i];
      opened.clear();
      for (std::uint32_t r = 0; r < m; ++r)
        if (open[r] && !fixed[r]) opened.push_back(r);
      if (opened.empty()) return swaps;
      double best = 1e-9 * std::max(1.0, covered());
      std::uint32_t bj = kNone, br = kNone;
      for (std::uint32_t j = 0; j < m; ++j) {
        if (open[j]) continue;
        double gain = 0;
        touched.clear();
        for (auto i : cv.of_site[j]) {
          if (count[i] == 0)
            gain += w[i];
          else if (count[i] == 1) {
            if (corr[one[i]] == 0.0) touched.push_back(one[i]);
            corr[one[i]] += w[i];
          }
        }
        for (auto r : opened) {
          const double delta = gain - loss[r] + corr[r];
          if (delta > best) best = delta, bj = j, br = r;
        }
        for (auto r : touched) corr[r] = 0.0;
      }
      if (bj == kNone) return swaps;
      open[br] = 0, open[bj] = 1;
      refresh();
      ++swaps;
    }
  }
};

/// Lagrangian upper bound of the MCLP.
double mclp_bound(const Cover& cv, const std::vector<double>& w, int p, std::span<const std::uint32_t> fixed, double lower, int iterations,
                  bool integer) {
  const auto n = cv.of_point.size(), m = cv.of_site.size();
  std::vector<double> mu(n), val(m), g(n);
  std::vector<char> fx(m, 0), y(m, 0);
  for (auto f : fixed) fx[f] = 1;
  for (std::size_t i = 0; i < n; ++i) mu[i] = cv.of_point[i].empty() ? 0.0 : w[i] / 2;
  std::vector<std::uint32_t> order(m);
  double best = std::numeric_limits<double>::infinity(), theta = 2.0;
  int stall = 0;
  for (int it = 0; it < iterations; ++it) {
    double L = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (!cv.of_point[i].empty()) L += std::max(0.0, w[i] - mu[i]);
    for (std::uint32_t j = 0; j < m; ++j) {
      double s = 0;
      for (auto i : cv.of_site[j]) s += mu[i];
      val[j] = s;
    }
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return val[a] != val[b] ? val[a] > val[b] : a < b; });
    std::fill(y.begin(), y.end(), 0);
    int chosen = 0;
    for (std::uint32_t j = 0; j < m; ++j)
      if (fx[j]) y[j] = 1, L += val[j], ++chosen;
    for (auto j : order) {
      if (chosen >= p) break;
      if (!y[j]) y[j] = 1, L += val[j], ++chosen;
    }
    if (std::isinf(best) || L < best - 1e-12 * std::abs(best))
      best = L, stall = 0;
    else if (++stall >= 25)
      theta /= 2, stall = 0;
    if (best - lower <= 1e-9 * std::max(1.0, lower) || (integer && std::floor(best + 1e-7) <= lower)) break;
    double norm = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (cv.of_point[i].empty()) {
        g[i] = 0;
        continue;
      }
      double cov = 0;
      for (auto j : cv.of_point[i]) cov += y[j];
      g[i] = cov - (w[i] > mu[i] ? 1.0 : 0.0);  // dL/dmu_i
      if (mu[i] <= 0 && g[i] > 0) g[i] = 0;     // projected: mu stays >= 0
      norm += g[i] * g[i];
    }
    if (norm == 0) break;
    const double step = theta * std::max(L - lower, 1e-9 * std::max(1.0, lower)) / norm;
    for (std::size_t i = 0; i < n; ++i) mu[i] = std::max(0.0, mu[i] - step * g[i]);
    if (theta < 1e-4) break;
  }
  return integer ? std::floor(best + 1e-7) : best;
}

/// Greedy set cover of the coverable points with weight > 0, then redundant sites removed.
std::vector<char> cover_greedy(const Cover& cv, const std::vector<double>& w, std::span<const std::uint32_t> fixed) {
  const auto n = cv.of_point.size(), m = cv.of_site.size();
  std::vector<char> open(m, 0), need(n, 0);
  std::vector<int> count(n, 0);
  for (std::size_t i = 0; i < n; ++i) need[i] = w[i] > 0 && !cv.of_point[i].empty();
  for (auto f : fixed) {
    open[f] = 1;
    for (auto i : cv.of_site[f]) ++count[i];
  }
  std::vector<std::uint32_t> added;
  for (;;) {
    std::uint32_t best = kNone;
    std::size_t bc = 0;
    for (std::uint32_t j = 0; j < m; ++j) {
      if (open[j]) continue;
      std::size_t c = 0;
      for (auto i : cv.of_site[j]) c += need[i] && count[i] == 0;
      if (c > bc) bc = c, best = j;
    }
    if (best == kNone) break;
    open[best] = 1;
    added.push_back(best);
    for (auto i : cv.of_site[best]) ++count[i];
  }
  for (auto it = added.rbegin(); it != added.rend(); ++it) {  // drop sites whose points are all covered twice
    bool redundant = true;
    for (auto i : cv.of_site[*it]) redundant = redundant && (!need[i] || count[i] >= 2);
    if (redundant) {
      open[*it] = 0;
      for (auto i : cv.of_site[*it]) --count[i];
    }
  }
  return open;
}

/// Lagrangian lower bound of the set cover (number of sites).
double cover_bound(const Cover& cv, const std::vector<double>& w, std::span<const std::uint32_t> fixed, double upper, int iterations) {
  const auto n = cv.of_point.size(), m = cv.of_site.size();
  std::vector<double> u(n, 0.0), g(n);
  std::vector<char> need(n), fx(m, 0), y(m);
  for (std::size_t i = 0; i < n; ++i) need[i] = w[i] > 0 && !cv.of_point[i].empty();
  for (auto f : fixed) fx[f] = 1;
  for (std::size_t i = 0; i < n; ++i)
    if (need[i]) u[i] = 1.0 / static_cast<double>(cv.of_point[i].size());
  double best = static_cast<double>(fixed.size()), theta = 2.0;
  int stall = 0;
  for (int it = 0; it < iterations; ++it) {
    double L = 0;
    for (std::size_t i = 0; i < n; ++i) L += need[i] ? u[i] : 0.0;
    for (std::uint32_t j = 0; j < m; ++j) {
      double s = 0;
      for (auto i : cv.of_site[j]) s += need[i] ? u[i] : 0.0;
      y[j] = fx[j] || 1.0 - s < 0;
      if (y[j]) L += 1.0 - s;
    }
    if (L > best + 1e-12)
      best = L, stall = 0;
    else if (++stall >= 25)
      theta /= 2, stall = 0;
    if (std::ceil(best - 1e-7) >= upper) break;
    double norm = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (!need[i]) {
        g[i] = 0;
        continue;
      }
      double cov = 0;
      for (auto j : cv.of_point[i]) cov += y[j];
      g[i] = 1.0 - cov;
      if (u[i] <= 0 && g[i] < 0) g[i] = 0;
      norm += g[i] * g[i];
    }
    if (norm == 0) break;
    const double step = theta * std::max(upper - L, 1e-3) / norm;
    for (std::size_t i = 0; i < n; ++i) u[i] = std::max(0.0, u[i] + step * g[i]);
    if (theta < 1e-4) break;
  }
  return std::ceil(best - 1e-7);
}

std::vector<std::uint32_t> list_open(const std::vector<char>& open) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t j = 0; j < open.size(); ++j)
    if (open[j]) out.push_back(j);
  return out;
}

/// p-center objective: the largest cost from a served point to its nearest open site, a point
/// with no open site in its row counting `U` (more than any cost).
double max_min_cost(const Tables& t, const std::vector<double>& w, const std::vector<char>& open, double U, double& unserved) {
  double worst = 0;
  unserved = 0;
  for (std::size_t i = 0; i < t.n; ++i) {
    if (w[i] <= 0) continue;
    double best = U;
    const auto ds = t.rows.destinations(i);
    const auto cs = t.rows.times(i);
    for (std::size_t k = 0; k < ds.size(); ++k)
      if (open[ds[k]]) best = std::min<double>(best, cs[k]);
    if (best >= U) unserved += w[i];
    worst = std::max(worst, best);
  }
  return worst;
}

double default_unserved(const Instance& in) {
  float mx = 0;
  for (float c : in.od.minutes) mx = std::max(mx, c);
  return static_cast<double>(mx) + 1.0;
}

/// Perturbation rounds shared by the p-median and the MCLP: from the best answer, swap k open
/// sites (not fixed) for random closed ones, descend again, keep the best. k varies as in variable
/// neighbourhood search (Hansen & Mladenovic 1997): 1 after an improvement, one more after a
/// round that failed, back to 1 after `max_kicks`. `sense` = -1 to
/// minimise `value()`, +1 to maximise it. Leaves the state on the best answer.
/// `proven(best)`: true when the best value is known optimal (it meets a bound): no more rounds.
template <class State, class Value, class Clock_, class Report, class Proven>
void perturbation_rounds(State& st, int max_kicks, double sense, Value value, const Options& o, std::mt19937_64& rng, Solution& s,
                         Clock_ elapsed, Report report, Proven proven) {
  int kicks = 1;
  auto best_open = st.open;
  double best = value();
  std::vector<std::uint32_t> free_open, closed;
  for (int r = 0; r < o.rounds && elapsed() < o.time_limit_s && !proven(best); ++r) {
    st.open = best_open;
    free_open.clear(), closed.clear();
    for (std::uint32_t j = 0; j < st.open.size(); ++j) (st.open[j] ? (st.fixed[j] ? void() : free_open.push_back(j)) : closed.push_back(j));
    if (free_open.empty() || closed.empty()) break;
    const int k = std::min<int>(kicks, static_cast<int>(free_open.size()));
    for (int q = 0; q < k; ++q) {
      const auto a = std::uniform_int_distribution<std::size_t>(0, free_open.size() - 1)(rng);
      const auto b = std::uniform_int_distribution<std::size_t>(0, closed.size() - 1)(rng);
      st.open[free_open[a]] = 0, st.open[closed[b]] = 1;
      std::swap(free_open[a], closed[b]);
    }
    st.refresh();
    s.improvements += st.local_search();
    ++s.rounds;
    const double v = value();
    if (sense * (v - best) > 1e-9 * std::max(1.0, std::abs(best)))
      best = v, best_open = st.open, kicks = 1;
    else
      kicks = kicks % max_kicks + 1;
    report(0.2 + 0.5 * std::min(1.0, static_cast<double>(r + 1) / std::max(o.rounds, 1)), "perturbation rounds");
  }
  st.open = best_open;
  st.refresh();
}

}  // namespace

Model parse_model(std::string_view name) {
  if (name == "p-median") return Model::p_median;
  if (name == "mclp") return Model::mclp;
  if (name == "lscp") return Model::lscp;
  if (name == "p-center") return Model::p_center;
  throw Error(Errc::usage, fmt::format("unknown siting model '{}'", name), {}, {}, "use p-median, mclp, lscp or p-center");
}

std::string_view model_name(Model m) noexcept {
  switch (m) {
    case Model::p_median: return "p-median";
    case Model::mclp: return "mclp";
    case Model::lscp: return "lscp";
    case Model::p_center: return "p-center";
  }
  return "?";
}

double evaluate(const Instance& in, const Options& o, std::span<const std::uint32_t> open_ids) {
  check(in, o);
  const Tables t(in.od);
  std::vector<char> open(t.m, 0);
  for (auto j : open_ids) open.at(j) = 1;
  switch (o.model) {
    case Model::p_median: {
      Median md(t, in.weight, std::isnan(o.unserved_cost) ? default_unserved(in) : o.unserved_cost, {});
      md.open = open;
      md.refresh();
      return md.objective();
    }
    case Model::mclp: {
      const Cover cv(t, o.radius);
      Mclp mc(cv, in.weight, {});
      mc.open = open;
      mc.refresh();
      return mc.covered();
    }
    case Model::lscp: return static_cast<double>(open_ids.size());
    case Model::p_center: {
      double unserved = 0;
      return max_min_cost(t, in.weight, open, std::isnan(o.unserved_cost) ? default_unserved(in) : o.unserved_cost, unserved);
    }
  }
  return 0;
}

// Long (about 175 lines): the phases of the solver (greedy, fast vertex substitution, perturbation
// rounds, Lagrangian bound, exact MIP when a gap is left) share the incumbent and the timing budget;
// each phase already calls its own routine, what is left here is their sequencing and reporting.
namespace {

/// The uncapacitated p-median: greedy, vertex substitution, the bound, the rounds up to it, the
/// bound again if a gap is left, then the MIP when `use_mip`.
template <class Elapsed, class Report>
void solve_p_median(const Instance& in, const Options& o, const Tables& t, bool integer, bool use_mip, std::mt19937_64& rng,
                    Elapsed elapsed, Report report, Solution& s) {
  const double U = std::isnan(o.unserved_cost) ? default_unserved(in) : o.unserved_cost;
  Median md(t, in.weight, U, in.fixed);
  md.greedy(o.p);
  s.improvements = md.local_search();
  report(0.2, "local search");
  // The bound first (its steps aimed at the first local optimum): the rounds stop once they
  // meet it. Then again from the final answer if a gap is left; the larger bound is kept.
  const bool integer_costs = integer && U == std::floor(U);
  report(0.2, "Lagrangian bound");
  const double first_bound = median_bound(t, md.rows, in.weight, U, o.p, in.fixed, md.objective(), o.bound_iterations, integer_costs);
  perturbation_rounds(
      md, o.max_kicks, -1.0, [&] { return md.objective(); }, o, rng, s, elapsed, report,
      [&](double best) { return best <= first_bound + 1e-9 * std::max(1.0, std::abs(best)); });
  s.objective = md.objective();
  s.open = list_open(md.open);
  s.bound = first_bound;
  if (s.objective > first_bound + 1e-9 * std::max(1.0, s.objective)) {
    report(0.7, "Lagrangian bound");
    s.bound = std::max(first_bound, median_bound(t, md.rows, in.weight, U, o.p, in.fixed, s.objective, o.bound_iterations, integer_costs));
  }
  s.bound = std::min(s.bound, s.objective);
  s.gap = gap_of(s.objective, s.bound);
  if (use_mip && s.gap > 0) {
    report(0.85, "exact MIP (CBC)");
    const auto r = detail::mip_p_median(in.od, in.weight, U, o.p, in.fixed, s.open, o.exact_time_limit_s);
    s.method = "heuristic+mip";
    if (static_cast<int>(r.open.size()) == o.p) {
      const double v = evaluate(in, o, r.open);
      if (v < s.objective - 1e-9 * std::max(1.0, s.objective)) {
        s.objective = v, s.open = r.open;
        md.open.assign(t.m, 0);
        for (auto j : s.open) md.open[j] = 1;
        md.refresh();
      }
    }
    s.bound = r.proven ? s.objective : std::min(s.objective, std::max(s.bound, integer ? std::ceil(r.bound - 1e-6) : r.bound));
    if (r.proven) s.method = "mip-optimal";
    s.gap = gap_of(s.objective, s.bound);
  }
  for (std::size_t i = 0; i < t.n; ++i)
    if (md.f1[i] == kNone) s.unserved_weight += in.weight[i];
}

}  // namespace

Solution solve(const Instance& in, const Options& o) {
  check(in, o);
  const auto t0 = Clock::now();
  const Tables t(in.od);
  Solution s;
  std::mt19937_64 rng(o.seed);
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  auto report = [&](double f, std::string_view what) {
    if (o.progress && !o.progress(f, what)) throw Error(Errc::cancelled, "siting cancelled");
  };
  const bool integer = integral(in.weight, in.od.minutes);
  if (o.exact != "auto" && o.exact != "on" && o.exact != "off")
    throw Error(Errc::usage, fmt::format("exact = '{}'", o.exact), {}, {}, "use auto, on or off");
  const bool use_mip = o.model != Model::p_center && (o.exact == "on" || (o.exact == "auto" && in.od.pairs() <= o.exact_max_pairs));
  s.method = "heuristic";

  if (!in.capacity.empty()) {  // capacitated p-median: MIP only
    if (o.model != Model::p_median) throw Error(Errc::usage, "capacities apply to the p-median model only");
    if (in.capacity.size() != t.m)
      throw Error(Errc::value_invalid, fmt::format("{} capacities for {} candidates", in.capacity.size(), t.m));
    for (double c : in.capacity)
      if (!(c >= 0) || !std::isfinite(c)) throw Error(Errc::value_invalid, fmt::format("capacity {} is not a number >= 0", c));
    const double U = std::isnan(o.unserved_cost) ? default_unserved(in) : o.unserved_cost;
    report(0.1, "capacitated MIP (CBC)");
    const auto r = detail::mip_p_median(in.od, in.weight, U, o.p, in.fixed, {}, o.exact_time_limit_s, in.capacity);
    if (!r.found || static_cast<int>(r.open.size()) != o.p)
      throw Error(Errc::cancelled, "the capacitated p-median found no solution within the time limit", {}, {},
                  "raise --exact-time-limit, or reduce the instance");
    s.open = r.open;
    s.objective = r.objective;
    s.unserved_weight = r.unserved;
    s.bound = r.proven ? r.objective : std::min(r.objective, integer ? std::ceil(r.bound - 1e-6) : r.bound);
    s.gap = gap_of(s.objective, s.bound);
    s.method = r.proven ? "mip-optimal" : "mip";
  } else if (o.model == Model::p_median) {
    solve_p_median(in, o, t, integer, use_mip, rng, elapsed, report, s);
  } else if (o.model == Model::mclp) {
    const Cover cv(t, o.radius);
    Mclp mc(cv, in.weight, in.fixed);
    mc.greedy(o.p);
    s.improvements = mc.local_search();
    perturbation_rounds(
        mc, 1, +1.0, [&] { return mc.covered(); }, o, rng, s, elapsed, report, [](double) { return false; });
    s.objective = mc.covered();
    s.open = list_open(mc.open);
    s.bound = std::max(s.objective, mclp_bound(cv, in.weight, o.p, in.fixed, s.objective, o.bound_iterations, integral(in.weight, {})));
    s.gap = gap_of(s.objective, s.bound);
    if (use_mip && s.gap > 0) {
      report(0.85, "exact MIP (CBC)");
      const auto r = detail::mip_mclp(cv.of_point, t.m, in.weight, o.p, in.fixed, s.open, o.exact_time_limit_s);
      s.method = "heuristic+mip";
      if (static_cast<int>(r.open.size()) == o.p) {
        const double v = evaluate(in, o, r.open);
        if (v > s.objective + 1e-9 * std::max(1.0, s.objective)) {
          s.objective = v, s.open = r.open;
          mc.open.assign(t.m, 0);
          for (auto j : s.open) mc.open[j] = 1;
          mc.refresh();
        }
      }
      s.bound = r.proven ? s.objective : std::max(s.objective, std::min(s.bound, r.bound));
      if (r.proven) s.method = "mip-optimal";
      s.gap = gap_of(s.objective, s.bound);
    }
    for (std::size_t i = 0; i < t.n; ++i)
      if (mc.count[i] == 0) s.unserved_weight += in.weight[i];
  } else if (o.model == Model::lscp) {
    const Cover cv(t, o.radius);
    const auto open = cover_greedy(cv, in.weight, in.fixed);
    s.open = list_open(open);
    s.objective = static_cast<double>(s.open.size());
    for (std::size_t i = 0; i < t.n; ++i)
      if (in.weight[i] > 0 && cv.of_point[i].empty()) s.unserved_weight += in.weight[i];
    s.bound = std::min(s.objective, cover_bound(cv, in.weight, in.fixed, s.objective, o.bound_iterations));
    s.gap = gap_of(s.objective, s.bound);
    if (use_mip && s.gap > 0) {
      report(0.85, "exact MIP (CBC)");
      const auto r = detail::mip_lscp(cv.of_point, t.m, in.weight, in.fixed, s.open, o.exact_time_limit_s);
      s.method = "heuristic+mip";
      if (!r.open.empty() && r.open.size() < s.open.size()) {
        // Check the MIP's cover before taking it.
        std::vector<char> op(t.m, 0);
        for (auto j : r.open) op[j] = 1;
        bool ok = true;
        for (std::size_t i = 0; i < t.n && ok; ++i) {
          if (in.weight[i] <= 0 || cv.of_point[i].empty()) continue;
          bool c = false;
          for (auto j : cv.of_point[i]) c = c || op[j];
          ok = c;
        }
        if (ok) s.open = r.open, s.objective = static_cast<double>(r.open.size());
      }
      s.bound = r.proven ? s.objective : std::min(s.objective, std::max(s.bound, std::ceil(r.bound - 1e-6)));
      if (r.proven) s.method = "mip-optimal";
      s.gap = gap_of(s.objective, s.bound);
    }
  } else {  // p-center: the smallest radius whose greedy cover needs at most p sites
    const double U = std::isnan(o.unserved_cost) ? default_unserved(in) : o.unserved_cost;
    std::vector<float> radii(in.od.minutes.begin(), in.od.minutes.end());
    std::sort(radii.begin(), radii.end());
    radii.erase(std::unique(radii.begin(), radii.end()), radii.end());
    // Lower bound 1: every point is at least its nearest candidate away (U when it has none).
    double lower = 0;
    for (std::size_t i = 0; i < t.n; ++i) {
      if (in.weight[i] <= 0) continue;
      lower = std::max<double>(lower, t.rows.times(i).empty() ? U : *std::min_element(t.rows.times(i).begin(), t.rows.times(i).end()));
    }
    if (radii.empty()) radii.push_back(static_cast<float>(U));  // no pair at all: every point is unserved
    std::size_t lo = static_cast<std::size_t>(std::lower_bound(radii.begin(), radii.end(), static_cast<float>(lower)) - radii.begin());
    std::size_t hi = radii.size() - 1;
    std::vector<char> best_open;
    while (lo < hi) {
      const auto mid = (lo + hi) / 2;
      const Cover cv(t, radii[mid]);
      auto open = cover_greedy(cv, in.weight, in.fixed);
      if (static_cast<int>(std::count(open.begin(), open.end(), 1)) <= o.p) {
        hi = mid, best_open = std::move(open);
      } else {
        // Lower bound 2: if even the Lagrangian bound of the cover exceeds p, no p sites cover within this radius.
        if (cover_bound(cv, in.weight, in.fixed, o.p + 1, std::min(o.bound_iterations, 150)) > o.p)
          lower = std::max<double>(lower, radii[mid + 1]);
        lo = mid + 1;
      }
      report(0.1 + 0.8 * (1.0 - static_cast<double>(hi - lo) / static_cast<double>(radii.size())), "p-center radius search");
    }
    if (best_open.empty()) best_open = cover_greedy(Cover(t, radii[hi]), in.weight, in.fixed);
    if (static_cast<int>(std::count(best_open.begin(), best_open.end(), 1)) > o.p) {
      // No radius lets p sites cover every point: some stay unserved whatever the choice; take
      // the p-median answer (it serves the most points first) and report the unserved weight.
      Median md(t, in.weight, U, in.fixed);
      md.greedy(o.p);
      md.local_search();
      best_open = md.open;
    }
    // Fill up to p sites (more sites never hurt the max) with the greedy p-median choice.
    int n_open = static_cast<int>(std::count(best_open.begin(), best_open.end(), 1));
    for (std::uint32_t j = 0; j < t.m && n_open < o.p; ++j)
      if (!best_open[j]) best_open[j] = 1, ++n_open;
    s.open = list_open(best_open);
    s.objective = max_min_cost(t, in.weight, best_open, U, s.unserved_weight);
    s.bound = std::min(lower, s.objective);
    s.gap = gap_of(s.objective, s.bound);
  }
  s.seconds = elapsed();
  report(1.0, "done");
  return s;
}

}  // namespace oasis::siting

namespace oasis::siting {

AccessObjective parse_access_objective(std::string_view name) {
  if (name == "lift") return AccessObjective::lift;
  if (name == "max-min") return AccessObjective::max_min;
  if (name == "bottom-decile") return AccessObjective::bottom_decile;
  throw Error(Errc::usage, fmt::format("unknown siting objective '{}'", name), {}, {}, "use lift, max-min or bottom-decile");
}

namespace {

/// Population-weighted mean of the lowest values holding 10 % of the population (the zone at the
/// cut counts for its share).
double bottom_decile_mean(std::span<const double> value, std::span<const double> population) {
  std::vector<std::uint32_t> order;
  double total = 0;
  for (std::uint32_t z = 0; z < value.size(); ++z)
    if (population[z] > 0) order.push_back(z), total += population[z];
  if (order.empty()) return 0;
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return value[a] != value[b] ? value[a] < value[b] : a < b; });
  const double target = 0.1 * total;
  double taken = 0, sum = 0;
  for (auto z : order) {
    const double take = std::min(population[z], target - taken);
    sum += take * value[z];
    taken += take;
    if (taken >= target) break;
  }
  return sum / target;
}

/// Zone values under a multiset of openings, with the objective, updated one opening at a time.
struct AccessState {
  const AccessInstance& in;
  std::vector<double> value;
  explicit AccessState(const AccessInstance& i) : in(i), value(i.base) {}
  void apply(std::uint32_t j, double sign) {
    for (const auto& [z, d] : in.effect[j]) value[z] += sign * d;
  }
  double objective(AccessObjective o) const {
    if (o == AccessObjective::lift) {
      double s = 0;
      for (std::size_t z = 0; z < value.size(); ++z)
        if (in.base[z] < in.line && value[z] >= in.line - 1e-12) s += in.population[z];
      return s;
    }
    if (o == AccessObjective::bottom_decile) return bottom_decile_mean(value, in.population);
    double m = std::numeric_limits<double>::infinity();
    for (std::size_t z = 0; z < value.size(); ++z)
      if (in.population[z] > 0) m = std::min(m, value[z]);
    return std::isinf(m) ? 0.0 : m;
  }
  /// Objective change if j were opened once more (lift: exact and O(effect of j); max-min: the
  /// new minimum needs the other zones, so it is evaluated fully).
  double gain_lift(std::uint32_t j) const {
    double g = 0;
    for (const auto& [z, d] : in.effect[j])
      if (in.base[z] < in.line && value[z] < in.line - 1e-12 && value[z] + d >= in.line - 1e-12) g += in.population[z];
    return g;
  }
  double progress(std::uint32_t j) const {  // population-weighted share of the remaining gap closed
    double g = 0;
    for (const auto& [z, d] : in.effect[j])
      if (value[z] < in.line && in.base[z] < in.line) g += in.population[z] * std::min(1.0, d / (in.line - value[z]));
    return g;
  }
};

}  // namespace

namespace {

/// The openings of a solution as counts per candidate, and which candidates may take one more:
/// below its cap and no conflicting candidate open.
struct Placement {
  std::vector<int> times;
  std::vector<int> blocked;  // open candidates in conflict with each candidate
  const std::vector<std::vector<std::uint32_t>>& conflicts_of;
  int cap;
  Placement(std::size_t m, const std::vector<std::vector<std::uint32_t>>& c, int cap_)
      : times(m, 0), blocked(m, 0), conflicts_of(c), cap(cap_) {}
  bool allowed(std::uint32_t j) const { return times[j] < cap && blocked[j] == 0; }
  void add(std::uint32_t j) {
    if (times[j]++ == 0)
      for (auto n : conflicts_of[j]) ++blocked[n];
  }
  void remove(std::uint32_t j) {
    if (--times[j] == 0)
      for (auto n : conflicts_of[j]) --blocked[n];
  }
};

/// Greedy: the best objective; ties (often: nothing crosses yet) broken by progress, then id.
std::vector<std::uint32_t> access_greedy(AccessState& st, Placement& pl, const AccessOptions& o, std::size_t m) {
  std::vector<std::uint32_t> open;
  auto full_eval = [&](std::uint32_t j) {
    st.apply(j, +1);
    const double v = st.objective(o.objective);
    st.apply(j, -1);
    return v;
  };
  for (int step = 0; step < o.k; ++step) {
    std::uint32_t best = kNone;
    double bv = -std::numeric_limits<double>::infinity(), bp = -1;
    for (std::uint32_t j = 0; j < m; ++j) {
      if (!pl.allowed(j)) continue;
      const double v = o.objective == AccessObjective::lift ? st.gain_lift(j) : full_eval(j);
      const double p = st.progress(j);
      if (v > bv + 1e-12 || (v >= bv - 1e-12 && p > bp + 1e-12)) bv = v, bp = p, best = j;
    }
    if (best == kNone) break;  // no candidate left that the conflicts and caps allow
    st.apply(best, +1);
    pl.add(best);
    open.push_back(best);
    if (o.progress && !o.progress(0.4 * (step + 1) / o.k, "greedy")) throw Error(Errc::cancelled, "siting cancelled");
  }
  return open;
}

/// Swap local search: replace one opening by another allowed candidate when the objective improves.
double access_swaps(AccessState& st, Placement& pl, const AccessOptions& o, std::size_t m, std::vector<std::uint32_t>& open,
                    int& improvements) {
  double cur = st.objective(o.objective);
  for (bool improved = true; improved;) {
    improved = false;
    for (std::size_t q = 0; q < open.size() && !improved; ++q) {
      const auto r = open[q];
      st.apply(r, -1);
      pl.remove(r);
      std::uint32_t bj = kNone;
      double bv = cur;
      for (std::uint32_t j = 0; j < m; ++j) {
        if (j == r || !pl.allowed(j)) continue;
        st.apply(j, +1);
        const double v = st.objective(o.objective);
        st.apply(j, -1);
        if (v > bv + 1e-9 * std::max(1.0, std::abs(bv))) bv = v, bj = j;
      }
      const auto put = bj != kNone ? bj : r;
      st.apply(put, +1);
      pl.add(put);
      if (bj != kNone) {
        open[q] = bj;
        cur = bv;
        improved = true;
        ++improvements;
      }
    }
  }
  return cur;
}

/// The combinatorial bound: the best a zone can get from k openings is the sum of its k largest
/// increments (a candidate counted up to its cap), and every objective is non-decreasing in every
/// zone value.
double combinatorial_bound(const AccessInstance& in, const AccessOptions& o, int cap) {
  const auto nz = in.base.size();
  std::vector<std::vector<double>> inc(nz);
  for (const auto& e : in.effect)
    for (const auto& [z, d] : e) inc[z].push_back(d);
  std::vector<double> best_gain(nz, 0.0);
  for (std::size_t z = 0; z < nz; ++z) {
    auto& v = inc[z];
    std::sort(v.begin(), v.end(), std::greater<>());
    int left = o.k;
    for (std::size_t q = 0; q < v.size() && left > 0; ++q) {
      const int take = std::min(left, cap);
      best_gain[z] += take * v[q];
      left -= take;
    }
  }
  if (o.objective == AccessObjective::lift) {
    double ub = 0;
    for (std::size_t z = 0; z < nz; ++z)
      if (in.base[z] < in.line && in.base[z] + best_gain[z] >= in.line - 1e-12) ub += in.population[z];
    return ub;
  }
  std::vector<double> optimistic(nz);
  for (std::size_t z = 0; z < nz; ++z) optimistic[z] = in.base[z] + best_gain[z];
  if (o.objective == AccessObjective::bottom_decile) return bottom_decile_mean(optimistic, in.population);
  double ub = std::numeric_limits<double>::infinity();
  for (std::size_t z = 0; z < nz; ++z)
    if (in.population[z] > 0) ub = std::min(ub, optimistic[z]);
  return std::isinf(ub) ? 0.0 : ub;
}

}  // namespace

AccessSolution solve_access(const AccessInstance& in, const AccessOptions& o) {
  const auto t0 = Clock::now();
  const auto nz = in.base.size(), m = in.effect.size();
  if (in.population.size() != nz) throw Error(Errc::internal, "solve_access: population and base of different sizes");
  if (o.k < 1) throw Error(Errc::value_invalid, fmt::format("{} openings: at least 1", o.k));
  if (o.max_per_candidate < 0) throw Error(Errc::value_invalid, fmt::format("{} openings per candidate: at least 0", o.max_per_candidate));
  const int cap = o.max_per_candidate == 0 ? o.k : std::min(o.max_per_candidate, o.k);
  if (static_cast<double>(m) * cap < o.k)
    throw Error(Errc::value_invalid, fmt::format("{} openings but {} candidates of at most {} each", o.k, m, cap), {}, {},
                "allow more openings per commune or widen the candidates");
  for (const auto& e : in.effect)
    for (const auto& [z, d] : e)
      if (z >= nz || !(d >= 0) || !std::isfinite(d)) throw Error(Errc::value_invalid, "an opening's effect is not a number >= 0");
  std::vector<std::vector<std::uint32_t>> conflicts_of(m);
  for (const auto& [a, b] : in.conflicts) {
    if (a >= m || b >= m || a == b) throw Error(Errc::internal, "solve_access: a conflict names no pair of candidates");
    conflicts_of[a].push_back(b), conflicts_of[b].push_back(a);
  }
  AccessSolution s;
  AccessState st(in);
  Placement pl(m, conflicts_of, cap);
  s.before = st.objective(o.objective);
  auto open = access_greedy(st, pl, o, m);
  double cur = access_swaps(st, pl, o, m, open, s.improvements);
  s.heuristic_objective = cur;
  s.combinatorial_bound = std::max(combinatorial_bound(in, o, cap), cur);
  s.bound = s.combinatorial_bound;
  s.method = "heuristic";
  // The exact model: a bound that couples the zones through the same k openings, and an answer
  // that may beat the heuristic's.
  if (o.exact_time_limit_s > 0 && gap_of(cur, s.bound) > 1e-9) {
    if (o.progress && !o.progress(0.5, "exact model")) throw Error(Errc::cancelled, "siting cancelled");
    const auto t1 = Clock::now();
    const auto kind = o.objective == AccessObjective::lift      ? detail::AccessKind::lift
                      : o.objective == AccessObjective::max_min ? detail::AccessKind::max_min
                                                                : detail::AccessKind::bottom_decile;
    const std::vector<int> caps(m, cap);
    const auto r =
        detail::mip_access(kind, in.effect, in.base, in.population, in.line, o.k, caps, in.conflicts, pl.times, o.exact_time_limit_s);
    s.mip_seconds = std::chrono::duration<double>(Clock::now() - t1).count();
    if (r.found && r.counts.size() == m) {
      AccessState alt(in);
      std::vector<std::uint32_t> alt_open;
      for (std::uint32_t j = 0; j < m; ++j)
        for (int q = 0; q < r.counts[j]; ++q) alt.apply(j, +1), alt_open.push_back(j);
      const double v = alt.objective(o.objective);
      if (v > cur + 1e-9 * std::max(1.0, std::abs(cur)) && static_cast<int>(alt_open.size()) <= o.k) {
        st.value = std::move(alt.value);
        open = std::move(alt_open);
        cur = v;
      }
    }
    // CBC's bound, a hair loosened against its tolerances (it is a maximisation); a lift in whole
    // inhabitants is a whole number.
    double mip_bound = r.bound + 1e-7 * std::max(1.0, std::abs(r.bound));
    if (o.objective == AccessObjective::lift &&
        std::all_of(in.population.begin(), in.population.end(), [](double p) { return p == std::floor(p); }))
      mip_bound = std::floor(mip_bound);
    if (std::isfinite(r.bound) && mip_bound < s.bound) s.bound = std::max(mip_bound, cur);
    if (r.proven) s.bound = std::max(cur, std::min(s.bound, r.bound));
    s.method = r.proven ? "mip-optimal" : "mip-bound";
  }
  s.objective = cur;
  s.after = st.value;
  // Marginal value of each opening in the final answer (in the sorted order of `open`).
  std::sort(open.begin(), open.end());
  for (auto j : open) {
    st.apply(j, -1);
    s.marginal.push_back(cur - st.objective(o.objective));
    st.apply(j, +1);
  }
  s.gap = gap_of(s.objective, s.bound);
  s.placed = static_cast<int>(open.size());
  s.open = open;
  s.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return s;
}

std::vector<std::vector<std::pair<std::uint32_t, double>>> opening_effects(const OpeningModel& m,
                                                                           std::span<const std::uint32_t> candidates) {
  const bool by_unit = !m.zone_of.empty();
  std::vector<std::vector<std::pair<std::uint32_t, double>>> effect(candidates.size());
  std::vector<double> acc(m.zones, 0.0);
  std::vector<std::uint32_t> touched;
  for (std::size_t q = 0; q < candidates.size(); ++q) {
    const auto j = candidates[q];
    const auto is = m.columns->destinations(j);
    const auto ts = m.columns->times(j);
    double dj = 0;
    for (std::size_t k = 0; k < is.size(); ++k)
      if (ts[k] <= m.max_cost) dj += m.demand[is[k]] * m.weight(ts[k]);
    if (!(dj > 0)) continue;
    touched.clear();
    for (std::size_t k = 0; k < is.size(); ++k) {
      if (ts[k] > m.max_cost) continue;
      const double da = m.delta_supply * m.weight(ts[k]) / dj;
      if (da <= 0) continue;
      const auto z = by_unit ? m.zone_of[is[k]] : is[k];
      const double add = by_unit ? (m.zone_population[z] > 0 ? m.commune_population[is[k]] * da / m.zone_population[z] : 0.0) : da;
      if (acc[z] == 0) touched.push_back(z);
      acc[z] += add;
    }
    std::sort(touched.begin(), touched.end());
    for (auto z : touched) {
      if (acc[z] > 0) effect[q].emplace_back(z, acc[z]);
      acc[z] = 0;
    }
  }
  return effect;
}

}  // namespace oasis::siting
