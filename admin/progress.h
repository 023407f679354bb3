// A progress indicator for long operations (RSA-4096 or SLH-DSA key
// generation, PBKDF2 at high iteration counts, backup and restore): a
// spinner with the elapsed time on stderr while the object lives, only when
// stderr is a terminal. Scripts and pipes see nothing.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace craton::admin {

class Progress {
 public:
  explicit Progress(std::string label);
  ~Progress();  // clears the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Whether an indicator would be shown (stderr is a terminal).
  static bool enabled();

 private:
  void run();

  std::string label_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace craton::admin
