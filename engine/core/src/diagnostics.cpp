#include "oasis/core/diagnostics.hpp"

#include <algorithm>
#include <tuple>

namespace oasis {

std::string_view warn_name(Warn w) noexcept {
  switch (w) {
    case Warn::geometry_repaired: return "W-GEOMETRY-REPAIRED";
    case Warn::geometry_empty: return "W-GEOMETRY-EMPTY";
    case Warn::code_merged: return "W-CODE-MERGED";
    case Warn::code_unmatched: return "W-CODE-UNMATCHED";
    case Warn::code_outside: return "W-CODE-OUTSIDE";
    case Warn::no_boundary: return "W-NO-BOUNDARY";
    case Warn::no_value: return "W-NO-VALUE";
    case Warn::point_outside: return "W-POINT-OUTSIDE";
    case Warn::value_invalid: return "W-VALUE";
    case Warn::encoding: return "W-ENCODING";
    case Warn::record_skipped: return "W-RECORD-SKIPPED";
  }
  return "W-UNKNOWN";
}

void Diagnostics::add(Warn kind, std::string file, std::string record, std::string message) {
  std::lock_guard lock(mutex_);
  ++counts_[kind];
  // Keep the first findings in (file, record) order, whatever order threads report them in.
  auto& kept = kept_[kind];
  kept.push_back({kind, std::move(file), std::move(record), std::move(message)});
  if (kept.size() > keep_) {
    std::sort(kept.begin(), kept.end(), [](const Finding& a, const Finding& b) {
      return std::tie(a.file, a.record, a.message) < std::tie(b.file, b.record, b.message);
    });
    kept.pop_back();
  }
}

void Diagnostics::count(Warn kind, std::size_t n) {
  std::lock_guard lock(mutex_);
  counts_[kind] += n;
}

std::size_t Diagnostics::count(Warn kind) const {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(kind);
  return it == counts_.end() ? 0 : it->second;
}

std::size_t Diagnostics::total() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [k, v] : counts_) n += v;
  return n;
}

std::map<Warn, std::size_t> Diagnostics::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

std::vector<Finding> Diagnostics::findings() const {
  std::lock_guard lock(mutex_);
  std::vector<Finding> out;
  for (const auto& [k, v] : kept_) {
    auto sorted = v;
    std::sort(sorted.begin(), sorted.end(), [](const Finding& a, const Finding& b) {
      return std::tie(a.file, a.record, a.message) < std::tie(b.file, b.record, b.message);
    });
    out.insert(out.end(), sorted.begin(), sorted.end());
  }
  return out;
}

}  // namespace oasis
