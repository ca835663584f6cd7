// Exact models solved with COIN-OR CBC (C interface), started from the heuristic's answer.
#include "mip.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include <Cbc_C_Interface.h>
#include <fmt/format.h>

#include "oasis/core/error.hpp"

namespace oasis::siting::detail {
namespace {

constexpr double kInfinity = 1e30;  // CBC treats |bound| >= 1e30 as infinite

struct ModelFree {
  void operator()(Cbc_Model* m) const { Cbc_deleteModel(m); }
};

/// Column-wise sparse matrix being built.
struct Csc {
  std::vector<CoinBigIndex> start{0};
  std::vector<int> index;
  std::vector<double> value;
  std::vector<double> lb, ub, obj;
  std::vector<char> integer;
  int add(double l, double u, double c, bool is_int, std::initializer_list<std::pair<int, double>> entries) {
    for (const auto& [r, v] : entries) index.push_back(r), value.push_back(v);
    start.push_back(static_cast<CoinBigIndex>(index.size()));
    lb.push_back(l), ub.push_back(u), obj.push_back(c), integer.push_back(is_int);
    return static_cast<int>(lb.size()) - 1;
  }
  int add(double l, double u, double c, bool is_int, const std::vector<std::pair<int, double>>& entries) {
    for (const auto& [r, v] : entries) index.push_back(r), value.push_back(v);
    start.push_back(static_cast<CoinBigIndex>(index.size()));
    lb.push_back(l), ub.push_back(u), obj.push_back(c), integer.push_back(is_int);
    return static_cast<int>(lb.size()) - 1;
  }
};

MipResult run(Csc& a, std::vector<double> row_lb, std::vector<double> row_ub, double sense, const std::vector<double>& start_solution,
              const std::vector<int>& y_cols, double time_limit, const std::vector<std::pair<int, double>>& unserved_cols = {}) {
  std::unique_ptr<Cbc_Model, ModelFree> m(Cbc_newModel());
  Cbc_loadProblem(m.get(), static_cast<int>(a.lb.size()), static_cast<int>(row_lb.size()), a.start.data(), a.index.data(), a.value.data(),
                  a.lb.data(), a.ub.data(), a.obj.data(), row_lb.data(), row_ub.data());
  Cbc_setObjSense(m.get(), sense);
  for (std::size_t c = 0; c < a.integer.size(); ++c)
    if (a.integer[c]) Cbc_setInteger(m.get(), static_cast<int>(c));
  Cbc_setLogLevel(m.get(), 0);
  Cbc_setMaximumSeconds(m.get(), time_limit);
  Cbc_setParameter(m.get(), "threads", "1");  // deterministic
  if (!start_solution.empty()) Cbc_setInitialSolution(m.get(), start_solution.data());
  Cbc_solve(m.get());
  MipResult r;
  r.proven = Cbc_isProvenOptimal(m.get()) != 0;
  r.bound = Cbc_getBestPossibleObjValue(m.get());
  r.objective = Cbc_getObjValue(m.get());
  const double* x = Cbc_getColSolution(m.get());
  r.found = x != nullptr && Cbc_numberSavedSolutions(m.get()) > 0;
  if (x) {
    for (std::size_t q = 0; q < y_cols.size(); ++q) {
      if (x[y_cols[q]] > 0.5) r.open.push_back(static_cast<std::uint32_t>(q));
      r.counts.push_back(static_cast<int>(std::lround(x[y_cols[q]])));
    }
    for (const auto& [col, weight] : unserved_cols) r.unserved += weight * x[col];
  }
  return r;
}

}  // namespace

MipResult mip_p_median(const travel::OdMatrix& od, const std::vector<double>& w, double U, int p, std::span<const std::uint32_t> fixed,
                       std::span<const std::uint32_t> start_open, double time_limit, std::span<const double> capacity) {
  const auto n = od.n_origins(), m = od.n_destinations;
  // Rows: n assignment rows (= 1), one link row per pair (x_ij - y_j <= 0), one cardinality row.
  Csc a;
  std::vector<double> rlb, rub;
  for (std::size_t i = 0; i < n; ++i) rlb.push_back(1), rub.push_back(1);
  std::vector<std::vector<std::pair<int, double>>> y_entries(m);
  std::vector<char> is_open(m, 0), is_fixed(m, 0);
  for (auto j : start_open) is_open[j] = 1;
  for (auto j : fixed) is_fixed[j] = 1;
  std::vector<double> start;
  std::vector<std::pair<int, double>> unserved_cols;
  // Capacity rows (one per candidate): sum_i w_i x_ij - capacity_j y_j <= 0, after the others.
  const bool capacitated = !capacity.empty();
  std::vector<std::vector<std::pair<int, double>>> cap_x(capacitated ? m : 0);
  for (std::size_t i = 0; i < n; ++i) {
    const auto ds = od.destinations(i);
    const auto cs = od.times(i);
    // The start assigns i to its nearest open site, else to "unserved".
    std::size_t best_k = ds.size();
    for (std::size_t k = 0; k < ds.size(); ++k)
      if (is_open[ds[k]] && (best_k == ds.size() || cs[k] < cs[best_k])) best_k = k;
    for (std::size_t k = 0; k < ds.size(); ++k) {
      const int link = static_cast<int>(rlb.size());
      rlb.push_back(-kInfinity), rub.push_back(0);
      const int col = a.add(0, 1, w[i] * cs[k], false, {{static_cast<int>(i), 1.0}, {link, 1.0}});
      if (capacitated) cap_x[ds[k]].emplace_back(col, w[i]);
      start.push_back(k == best_k ? 1.0 : 0.0);
      y_entries[ds[k]].emplace_back(link, -1.0);
    }
    unserved_cols.emplace_back(a.add(0, 1, w[i] * U, false, {{static_cast<int>(i), 1.0}}), w[i]);
    start.push_back(best_k == ds.size() ? 1.0 : 0.0);
  }
  const int card = static_cast<int>(rlb.size());
  rlb.push_back(p), rub.push_back(p);
  if (capacitated) {
    // The x columns are already built: add the capacity rows by rebuilding their entries.
    const int first_cap = static_cast<int>(rlb.size());
    for (std::size_t j = 0; j < m; ++j) rlb.push_back(-kInfinity), rub.push_back(0);
    Csc b;
    std::vector<std::vector<std::pair<int, double>>> extra(a.lb.size());
    for (std::size_t j = 0; j < m; ++j)
      for (const auto& [col, weight] : cap_x[j]) extra[col].emplace_back(first_cap + static_cast<int>(j), weight);
    for (std::size_t c = 0; c < a.lb.size(); ++c) {
      std::vector<std::pair<int, double>> e;
      for (auto k = a.start[c]; k < a.start[c + 1]; ++k) e.emplace_back(a.index[k], a.value[k]);
      e.insert(e.end(), extra[c].begin(), extra[c].end());
      b.add(a.lb[c], a.ub[c], a.obj[c], a.integer[c], e);
    }
    a = std::move(b);
    for (std::size_t j = 0; j < m; ++j) y_entries[j].emplace_back(first_cap + static_cast<int>(j), -capacity[j]);
  }
  std::vector<int> y_cols(m);
  for (std::size_t j = 0; j < m; ++j) {
    y_entries[j].emplace_back(card, 1.0);
    y_cols[j] = a.add(is_fixed[j] ? 1 : 0, 1, 0, true, y_entries[j]);
    start.push_back(is_open[j] ? 1.0 : 0.0);
  }
  if (capacitated) start.clear();  // the uncapacitated answer may break a capacity
  return run(a, rlb, rub, 1.0, start, y_cols, time_limit, unserved_cols);
}

MipResult mip_mclp(const std::vector<std::vector<std::uint32_t>>& of_point, std::size_t m, const std::vector<double>& w, int p,
                   std::span<const std::uint32_t> fixed, std::span<const std::uint32_t> start_open, double time_limit) {
  const auto n = of_point.size();
  Csc a;
  std::vector<double> rlb, rub;
  std::vector<std::vector<std::pair<int, double>>> y_entries(m);
  std::vector<char> is_open(m, 0), is_fixed(m, 0);
  for (auto j : start_open) is_open[j] = 1;
  for (auto j : fixed) is_fixed[j] = 1;
  std::vector<double> start;
  for (std::size_t i = 0; i < n; ++i) {  // z_i - sum_j y_j <= 0
    if (of_point[i].empty() || w[i] <= 0) continue;
    const int row = static_cast<int>(rlb.size());
    rlb.push_back(-kInfinity), rub.push_back(0);
    a.add(0, 1, w[i], false, {{row, 1.0}});
    bool covered = false;
    for (auto j : of_point[i]) y_entries[j].emplace_back(row, -1.0), covered = covered || is_open[j];
    start.push_back(covered ? 1.0 : 0.0);
  }
  const int card = static_cast<int>(rlb.size());
  rlb.push_back(p), rub.push_back(p);
  std::vector<int> y_cols(m);
  for (std::size_t j = 0; j < m; ++j) {
    y_entries[j].emplace_back(card, 1.0);
    y_cols[j] = a.add(is_fixed[j] ? 1 : 0, 1, 0, true, y_entries[j]);
    start.push_back(is_open[j] ? 1.0 : 0.0);
  }
  return run(a, rlb, rub, -1.0, start, y_cols, time_limit);
}

MipResult mip_lscp(const std::vector<std::vector<std::uint32_t>>& of_point, std::size_t m, const std::vector<double>& w,
                   std::span<const std::uint32_t> fixed, std::span<const std::uint32_t> start_open, double time_limit) {
  Csc a;
  std::vector<double> rlb, rub;
  std::vector<std::vector<std::pair<int, double>>> y_entries(m);
  for (std::size_t i = 0; i < of_point.size(); ++i) {  // sum_j y_j >= 1
    if (of_point[i].empty() || w[i] <= 0) continue;
    const int row = static_cast<int>(rlb.size());
    rlb.push_back(1), rub.push_back(kInfinity);
    for (auto j : of_point[i]) y_entries[j].emplace_back(row, 1.0);
  }
  std::vector<char> is_open(m, 0), is_fixed(m, 0);
  for (auto j : start_open) is_open[j] = 1;
  for (auto j : fixed) is_fixed[j] = 1;
  std::vector<int> y_cols(m);
  std::vector<double> start;
  for (std::size_t j = 0; j < m; ++j) {
    y_cols[j] = a.add(is_fixed[j] ? 1 : 0, 1, 1, true, y_entries[j]);
    start.push_back(is_open[j] ? 1.0 : 0.0);
  }
  return run(a, rlb, rub, 1.0, start, y_cols, time_limit);
}

MipResult mip_access(AccessKind kind, std::span<const std::vector<std::pair<std::uint32_t, double>>> effect, std::span<const double> base,
                     std::span<const double> population, double line, int k, std::span<const int> cap,
                     std::span<const std::pair<std::uint32_t, std::uint32_t>> conflicts, std::span<const int> start_counts,
                     double time_limit) {
  const std::size_t m = effect.size(), nz = base.size();
  std::vector<double> rlb, rub;
  const auto add_row = [&](double lo, double hi) {
    rlb.push_back(lo), rub.push_back(hi);
    return static_cast<int>(rlb.size()) - 1;
  };
  // Zone values under the start, for the start of the zone variables.
  std::vector<double> value(base.begin(), base.end());
  for (std::size_t j = 0; j < m; ++j)
    for (const auto& [z, e] : effect[j]) value[z] += e * start_counts[j];
  // The rows of the zones, and which zones have one.
  std::vector<int> row_of(nz, -1);
  std::vector<char> touched(nz, 0);
  for (const auto& e : effect)
    for (const auto& [z, d] : e) touched[z] = 1;
  double total = 0, t_lb = kInfinity, t_ub = kInfinity;
  for (std::size_t z = 0; z < nz; ++z) {
    if (!(population[z] > 0)) continue;
    total += population[z];
    t_lb = std::min(t_lb, base[z]);
    switch (kind) {
      case AccessKind::lift:
        if (base[z] < line && touched[z]) row_of[z] = add_row(0, kInfinity);  // sum e y - g x >= 0
        break;
      case AccessKind::max_min:
        if (touched[z])
          row_of[z] = add_row(-kInfinity, base[z]);  // t - sum e y <= base
        else
          t_ub = std::min(t_ub, base[z]);
        break;
      case AccessKind::bottom_decile: row_of[z] = add_row(-base[z], kInfinity); break;  // s - eta + sum e y >= -base
    }
  }
  if (total <= 0) return {};
  const double tenth = 0.1 * total;
  const int card = add_row(-kInfinity, k);
  std::vector<std::vector<std::pair<int, double>>> y_entries(m), o_entries(m);
  std::vector<char> has_conflict(m, 0);
  for (const auto& [a, b] : conflicts) has_conflict[a] = has_conflict[b] = 1;
  // A candidate with cap > 1 and a conflict gets a binary "open" variable o_j >= y_j / cap_j.
  std::vector<int> link(m, -1);
  for (std::size_t j = 0; j < m; ++j)
    if (has_conflict[j] && cap[j] > 1) link[j] = add_row(-kInfinity, 0);  // y - cap o <= 0
  for (const auto& [a, b] : conflicts) {
    const int r = add_row(-kInfinity, 1);
    (link[a] >= 0 ? o_entries : y_entries)[a].emplace_back(r, 1.0);
    (link[b] >= 0 ? o_entries : y_entries)[b].emplace_back(r, 1.0);
  }
  Csc a;
  std::vector<double> start;
  std::vector<int> y_cols(m);
  for (std::size_t j = 0; j < m; ++j) {
    auto& en = y_entries[j];
    for (const auto& [z, e] : effect[j]) {
      if (row_of[z] < 0) continue;
      const double g = line - base[z] - 1e-9;  // a hair easier to lift: the bound stays valid
      en.emplace_back(row_of[z], kind == AccessKind::max_min ? -e : kind == AccessKind::lift && cap[j] == 1 ? std::min(e, g) : e);
    }
    en.emplace_back(card, 1.0);
    if (link[j] >= 0) en.emplace_back(link[j], 1.0);
    y_cols[j] = a.add(0, cap[j], 0, true, en);
    start.push_back(start_counts[j]);
  }
  for (std::size_t j = 0; j < m; ++j)
    if (link[j] >= 0) {
      o_entries[j].emplace_back(link[j], -cap[j]);
      a.add(0, 1, 0, true, o_entries[j]);
      start.push_back(start_counts[j] > 0 ? 1.0 : 0.0);
    }
  // The zone variables, then t or eta.
  double eta = 0;
  if (kind == AccessKind::bottom_decile) {  // eta at the start: the value at the cut of the lowest tenth
    std::vector<std::size_t> order;
    for (std::size_t z = 0; z < nz; ++z)
      if (population[z] > 0) order.push_back(z);
    std::sort(order.begin(), order.end(), [&](auto x, auto y) { return value[x] != value[y] ? value[x] < value[y] : x < y; });
    double taken = 0;
    for (auto z : order)
      if ((taken += population[z]) >= tenth) {
        eta = value[z];
        break;
      }
  }
  double t_start = kInfinity;
  for (std::size_t z = 0; z < nz; ++z) {
    if (population[z] > 0) t_start = std::min(t_start, value[z]);
    if (row_of[z] < 0) continue;
    if (kind == AccessKind::lift) {
      a.add(0, 1, population[z], true, {{row_of[z], -(line - base[z] - 1e-9)}});
      start.push_back(value[z] >= line - 1e-12 ? 1.0 : 0.0);
    } else if (kind == AccessKind::bottom_decile) {
      a.add(0, kInfinity, -population[z] / tenth, false, {{row_of[z], 1.0}});
      start.push_back(std::max(0.0, eta - value[z]));
    }
  }
  if (kind == AccessKind::max_min) {
    std::vector<std::pair<int, double>> en;
    for (std::size_t z = 0; z < nz; ++z)
      if (row_of[z] >= 0) en.emplace_back(row_of[z], 1.0);
    a.add(t_lb, t_ub, 1, false, en);
    start.push_back(std::min(t_start, t_ub));
  } else if (kind == AccessKind::bottom_decile) {
    std::vector<std::pair<int, double>> en;
    for (std::size_t z = 0; z < nz; ++z)
      if (row_of[z] >= 0) en.emplace_back(row_of[z], -1.0);
    a.add(t_lb, kInfinity, 1, false, en);
    start.push_back(eta);
  }
  return run(a, rlb, rub, -1.0, start, y_cols, time_limit);
}

}  // namespace oasis::siting::detail
