#pragma once
// Progress reporting as an injected callback: fraction in [0, 1] and a short stage label.
// Returning false asks the computation to stop (it then throws Error(Errc::cancelled)).
#include <functional>
#include <string_view>

namespace oasis {

using ProgressFn = std::function<bool(double fraction, std::string_view stage)>;

/// Maps [0, 1] of a sub-task onto [begin, end] of the parent's progress.
class SubProgress {
 public:
  SubProgress(const ProgressFn& parent, double begin, double end) : parent_(parent), begin_(begin), end_(end) {}
  bool operator()(double f, std::string_view stage) const { return !parent_ || parent_(begin_ + (end_ - begin_) * f, stage); }

 private:
  const ProgressFn& parent_;
  double begin_, end_;
};

}  // namespace oasis
