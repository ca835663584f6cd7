#include "oasis/core/memory.hpp"

#include <sys/resource.h>

namespace oasis {

double peak_rss_mb() noexcept {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // Linux reports kilobytes
}

}  // namespace oasis
