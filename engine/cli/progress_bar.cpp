#include "progress_bar.hpp"

#include <cmath>
#include <atomic>
#include <csignal>
#include <cstdio>

#include <fmt/format.h>
#include <unistd.h>

namespace oasis::cli {
namespace {
std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) { g_interrupted = true; }
}  // namespace

void install_interrupt_handler() { std::signal(SIGINT, on_sigint); }

ProgressBar::ProgressBar(ProgressMode mode) : mode_(mode), tty_(::isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() { finish(); }

ProgressFn ProgressBar::callback() {
  return [this](double f, std::string_view stage) { return update(f, stage); };
}

bool ProgressBar::update(double f, std::string_view stage) {
  if (g_interrupted) return false;
  if (mode_ == ProgressMode::never) return true;
  if (stage != stage_) {
    stage_ = std::string(stage);
    last_decile_ = -1;
  }
  const auto now = std::chrono::steady_clock::now();
  if (tty_) {
    if (mode_ == ProgressMode::automatic && now - start_ < std::chrono::seconds(1)) return true;
    if (shown_ && now - last_draw_ < std::chrono::milliseconds(100) && f < 1.0) return true;
    const int width = 30;
    const int filled = static_cast<int>(std::lround(f * width));
    fmt::print(stderr, "\r[{:<{}}] {:3.0f}% {:<40.40}", std::string(static_cast<std::size_t>(filled), '#'), width, f * 100.0, stage_);
    std::fflush(stderr);
    shown_ = true;
    last_draw_ = now;
  } else if (mode_ == ProgressMode::always) {
    const int decile = static_cast<int>(f * 10.0);
    if (decile != last_decile_) {
      fmt::print(stderr, "{:3d}% {}\n", decile * 10, stage_);
      last_decile_ = decile;
    }
  }
  return true;
}

void ProgressBar::finish() {
  if (shown_) {
    fmt::print(stderr, "\r{:<80}\r", "");
    std::fflush(stderr);
    shown_ = false;
  }
}

}  // namespace oasis::cli
