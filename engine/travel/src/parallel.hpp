#pragma once
// Runs fn(i) for i in [0, n) on `threads` threads, in batches so that progress is reported (and
// cancellation checked) from the calling thread between batches. Results must not depend on the
// schedule: fn writes only to slot i.
#include <cstddef>
#include <string_view>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/task_arena.h>

#include "oasis/core/error.hpp"
#include "oasis/core/progress.hpp"

namespace oasis::travel::detail {

template <class Fn>
void parallel_batches(std::size_t n, int threads, const ProgressFn& progress, std::string_view stage, Fn&& fn) {
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  const std::size_t batches = n < 2000 ? 1 : 50;
  for (std::size_t b = 0; b < batches; ++b) {
    const std::size_t lo = n * b / batches, hi = n * (b + 1) / batches;
    arena.execute([&] {
      tbb::parallel_for(tbb::blocked_range<std::size_t>(lo, hi, 16), [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t i = r.begin(); i != r.end(); ++i) fn(i);
      });
    });
    if (progress && !progress(static_cast<double>(hi) / static_cast<double>(n ? n : 1), stage))
      throw Error(Errc::cancelled, std::string(stage) + ": cancelled");
  }
}

}  // namespace oasis::travel::detail
