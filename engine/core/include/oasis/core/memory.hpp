#pragma once
// Process memory figures for the summaries and the benchmarks.

namespace oasis {

/// Peak resident memory of the process so far, in MB (getrusage ru_maxrss).
double peak_rss_mb() noexcept;

}  // namespace oasis
