// Types shared by the PKCS#11 cases, the OpenSSL baseline and the report.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace bench {

using Bytes = std::vector<unsigned char>;

// Deterministic non-zero filler for messages and payloads: the content does
// not matter to the timing, and both sides of a comparison use the same bytes.
inline Bytes pattern(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<unsigned char>(i * 7 + 1);
  return b;
}

// Result of one timed operation: 0 is success, anything else is an error code
// (a CK_RV for PKCS#11 cases, an OpenSSL error code for the baseline). A plain
// integer keeps the hot loop free of exceptions.
using Status = unsigned long;

// One timed operation bound to per-thread state (session, buffers).
using Op = std::function<Status()>;

// Builds the per-thread operation. Runs on the worker thread before timing, so
// per-thread resources (a session) belong to that thread. May throw.
using OpFactory = std::function<Op(unsigned thread_index)>;

// A factory that builds a `State` (constructed from `args`) on each thread and
// times `State::run()`.
template <class State, class... Args>
OpFactory per_thread(Args... args) {
  return [=](unsigned thread_index) -> Op {
    auto state = std::make_shared<State>(thread_index, args...);
    return [state] { return state->run(); };
  };
}

// Why a case produced no number.
enum class Outcome { ok, unsupported, skipped, failed };

// Thrown during untimed setup. `code` is the module's error code, if any.
class CaseError : public std::runtime_error {
 public:
  CaseError(Outcome outcome, unsigned long code, const std::string& what)
      : std::runtime_error(what), outcome_(outcome), code_(code) {}
  Outcome outcome() const { return outcome_; }
  unsigned long code() const { return code_; }

 private:
  Outcome outcome_;
  unsigned long code_;
};

inline CaseError unsupported(const std::string& why) {
  return CaseError(Outcome::unsupported, 0, why);
}
inline CaseError skipped(const std::string& why) {
  return CaseError(Outcome::skipped, 0, why);
}

// A benchmark case. `prepare` does the untimed, once-per-run setup (keys,
// populated objects) and returns the factory used for every thread count.
struct Case {
  std::string name;
  std::size_t bytes_per_op = 0;  // payload size for bulk cases, 0 otherwise
  std::function<OpFactory()> prepare;
};

}  // namespace bench
