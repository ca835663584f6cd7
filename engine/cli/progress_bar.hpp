#pragma once
// Renders ProgressFn updates on stderr: a bar on a terminal once a step has lasted a second,
// plain lines (every 10 %) when forced with --progress on a non-terminal; Ctrl-C cancels.
#include <chrono>
#include <string>

#include "oasis/core/progress.hpp"

namespace oasis::cli {

enum class ProgressMode { automatic, always, never };

class ProgressBar {
 public:
  explicit ProgressBar(ProgressMode mode);
  ~ProgressBar();
  ProgressFn callback();
  void finish();

 private:
  bool update(double fraction, std::string_view stage);
  ProgressMode mode_;
  bool tty_;
  bool shown_ = false;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_, last_draw_;
  std::string stage_;
};

/// Installs a SIGINT handler that makes every ProgressBar callback return false.
void install_interrupt_handler();

}  // namespace oasis::cli
