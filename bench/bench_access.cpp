// Floating-catchment kernels, printed (not timed tests): compute_access on a generated OD of
// 20,000 origins x 64 destinations each (1.28 M pairs, times uniform over 0-30 min, seed 1),
// median of 21 calls per method, against the floor of one pass over the pairs (a mat-vec).
//   build/release/bin/oasis_bench_access
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "oasis/access/methods.hpp"
#include "oasis/travel/od.hpp"

using namespace oasis;

namespace {
template <class F>
double median_ms(F&& f) {
  std::vector<double> ms;
  for (int r = 0; r < 21; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::nth_element(ms.begin(), ms.begin() + 10, ms.end());
  return ms[10];
}
}  // namespace

int main() {
  const std::size_t n = 20000, per_row = 64;
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<std::uint32_t> dest(0, n - 1);
  std::uniform_real_distribution<float> minutes(0.0f, 30.0f);
  std::vector<travel::OdRow> rows(n);
  for (auto& row : rows) {
    std::vector<std::uint32_t> ds;
    while (ds.size() < per_row) {
      ds.push_back(dest(rng));
      std::sort(ds.begin(), ds.end());
      ds.erase(std::unique(ds.begin(), ds.end()), ds.end());
    }
    for (auto d : ds) row.emplace_back(d, minutes(rng));
  }
  const auto od = travel::assemble(std::move(rows), n);
  std::vector<double> demand(n), supply(n);
  for (std::size_t i = 0; i < n; ++i) demand[i] = 100 + static_cast<double>(rng() % 5000), supply[i] = static_cast<double>(rng() % 4);
  // The floor: one pass over the pairs reading a time and a ratio.
  std::vector<double> out(n);
  const double floor_ms = median_ms([&] {
    for (std::size_t o = 0; o < n; ++o) {
      double s = 0;
      for (auto k = od.first[o]; k < od.first[o + 1]; ++k) s += od.minutes[k] * supply[od.dest[k]];
      out[o] = s;
    }
  });
  fmt::print("{} origins, {} pairs; one pass over the pairs (mat-vec floor): {:.2f} ms\n\n", n, od.pairs(), floor_ms);
  fmt::print("{:<12} {:>10} {:>10} {:>12}\n", "method", "ms", "x floor", "x 2sfca");
  double two = 0;
  for (const char* name : {"2sfca", "e2sfca", "g2sfca", "3sfca", "apl", "bfca", "gravity"}) {
    access::AccessParams p;
    p.method = access::parse_method(name);
    p.max_cost = 30;
    p.decay = access::default_decay(p.method, p.max_cost);
    double check = 0;
    const double ms = median_ms([&] { check += access::compute_access(p, od, demand, supply).value[0]; });
    if (two == 0) two = ms;
    fmt::print("{:<12} {:>10.2f} {:>10.1f} {:>12.2f}\n", name, ms, ms / floor_ms, ms / two);
    std::fflush(stdout);
  }
  return 0;
}
