#include "progress.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace craton::admin {

bool Progress::enabled() { return ::isatty(STDERR_FILENO) == 1; }

Progress::Progress(std::string label) : label_(std::move(label)) {
  if (enabled()) thread_ = std::thread([this] { run(); });
}

Progress::~Progress() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
}

void Progress::run() {
  static const char kSpinner[] = "|/-\\";
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_);
  for (unsigned tick = 0;; ++tick) {
    // Quick operations finish before the first frame and print nothing.
    if (cv_.wait_for(lock, std::chrono::milliseconds(tick == 0 ? 400 : 150), [this] { return done_; })) return;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "\r%c %s (%.1f s)", kSpinner[tick % 4], label_.c_str(), seconds);
    std::fflush(stderr);
  }
}

}  // namespace craton::admin
