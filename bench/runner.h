// Multi-threaded timing harness shared by the PKCS#11 and OpenSSL runs.
#pragma once

#include <cstdint>
#include <functional>

#include "bench_types.h"

namespace bench {

struct Timing {
  double seconds = 1.0;  // measured window per thread
  double warmup = 0.2;   // untimed window before it
};

struct Measurement {
  double ops_per_sec = 0;  // sum of the per-thread rates
  std::uint64_t ops = 0;   // completed operations in the measured window
  Status error = 0;        // first failing status, 0 if none
};

// Runs `factory`'s operation on `threads` threads: setup, warm-up, then the
// measured window. Every thread measures its own elapsed time up to the end of
// its last completed operation, so slow operations (RSA key generation) are
// not rounded to the window length. Setup exceptions are rethrown.
Measurement measure(const OpFactory& factory, unsigned threads, const Timing& timing);

// Runs `work` from inside an operation without counting its time towards the
// thread's measured time: clean-up an operation has to do but that is not
// what the case measures (destroying the key object C_EncapsulateKey made).
// The measured window is extended by that much, so the number of timed
// operations does not shrink.
void untimed(const std::function<void()>& work);

}  // namespace bench
