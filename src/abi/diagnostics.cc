#include "abi/diagnostics.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>

namespace craton::abi {
namespace {

// An OS mutex on purpose: diagnostics are reported before C_Initialize has
// chosen the locking mode (core/mutex.h), and after C_Finalize.
std::mutex g_last_mu;
std::string g_last;  // guarded by g_last_mu

bool debug_enabled() {
  const char* value = std::getenv("CRATON_HSM_DEBUG");
  return value != nullptr && *value != '\0' && std::strcmp(value, "0") != 0;
}

// One line per message, whatever the message contains.
std::string single_line(std::string_view message) {
  std::string out(message.empty() ? std::string_view("(no message)") : message);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

std::string utc_timestamp() {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  std::tm tm{};
  ::gmtime_r(&now.tv_sec, &tm);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(text + n, sizeof text - n, ".%03ldZ", now.tv_nsec / 1000000);
  return text;
}

// Loops over short writes; gives up on any error.
void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

// Opened per message: messages are rare, and the application (or a test) may
// point CRATON_HSM_LOG elsewhere between them. O_APPEND makes each line one
// atomic append even with several processes sharing the file.
void append_to_log_file(const std::string& line) {
  const char* path = std::getenv("CRATON_HSM_LOG");
  if (path == nullptr || *path == '\0') return;
  int fd;
  do {
    fd = ::open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return;
  write_all(fd, line);
  ::close(fd);
}

}  // namespace

void report_diagnostic(std::string_view message) noexcept {
  try {
    const std::string text = single_line(message);
    {
      std::lock_guard lock(g_last_mu);
      g_last = text;
    }
    append_to_log_file(utc_timestamp() + " craton-hsm[" + std::to_string(::getpid()) + "]: " + text + "\n");
    if (debug_enabled()) write_all(STDERR_FILENO, "craton-hsm: " + text + "\n");
  } catch (...) {
    // Out of memory while reporting: nothing sensible is left to do.
  }
}

std::string last_diagnostic() {
  std::lock_guard lock(g_last_mu);
  return g_last;
}

}  // namespace craton::abi
