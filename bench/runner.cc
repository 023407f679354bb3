#include "runner.h"

#include <atomic>
#include <barrier>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

// State every worker thread shares for one measurement.
struct Shared {
  explicit Shared(unsigned threads) : sync(threads) {}
  std::barrier<> sync;
  std::atomic<bool> abort{false};
  std::mutex mu;
  std::exception_ptr setup_error;
  Status error = 0;

  void fail_setup(std::exception_ptr e) {
    std::lock_guard lock(mu);
    if (!setup_error) setup_error = e;
    abort = true;
  }
  void fail_op(Status st) {
    std::lock_guard lock(mu);
    if (error == 0) error = st;
    abort = true;
  }
};

struct ThreadResult {
  std::uint64_t ops = 0;
  double seconds = 0;
};

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Seconds this thread spent in untimed() since its measured window began.
thread_local double t_untimed = 0;

// Untimed: lets caches, lazy module state and CPU frequency settle.
void warm_up(const Op& op, Shared& shared, double warmup) {
  const auto t0 = Clock::now();
  do {
    if (Status st = op(); st != 0) return shared.fail_op(st);
  } while (!shared.abort && since(t0) < warmup);
}

ThreadResult timed_loop(const Op& op, Shared& shared, double seconds) {
  ThreadResult r;
  t_untimed = 0;  // warm-up clean-ups are no part of the window
  const auto t0 = Clock::now();
  while (!shared.abort) {
    if (Status st = op(); st != 0) {
      shared.fail_op(st);
      break;
    }
    ++r.ops;
    r.seconds = since(t0) - t_untimed;
    if (r.seconds >= seconds) break;
  }
  return r;
}

void worker(const OpFactory& factory, unsigned index, Shared& shared,
            const Timing& timing, ThreadResult& out) {
  Op op;
  try {
    op = factory(index);
  } catch (...) {
    shared.fail_setup(std::current_exception());
  }
  // Every thread must reach every barrier, even after a failure elsewhere.
  shared.sync.arrive_and_wait();
  if (!shared.abort) warm_up(op, shared, timing.warmup);
  shared.sync.arrive_and_wait();  // start the measured window together
  if (!shared.abort) out = timed_loop(op, shared, timing.seconds);
  shared.sync.arrive_and_wait();  // nobody tears down while others still run
  op = nullptr;  // releases per-thread resources (closes the session) in-thread
}

}  // namespace

void untimed(const std::function<void()>& work) {
  const auto t0 = Clock::now();
  work();
  t_untimed += since(t0);
}

Measurement measure(const OpFactory& factory, unsigned threads, const Timing& timing) {
  Shared shared(threads);
  std::vector<ThreadResult> results(threads);
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < threads; ++i)
    pool.emplace_back(worker, std::cref(factory), i, std::ref(shared), std::cref(timing),
                      std::ref(results[i]));
  for (auto& t : pool) t.join();
  if (shared.setup_error) std::rethrow_exception(shared.setup_error);

  Measurement m;
  m.error = shared.error;
  for (const auto& r : results) {
    m.ops += r.ops;
    if (r.seconds > 0) m.ops_per_sec += static_cast<double>(r.ops) / r.seconds;
  }
  return m;
}

}  // namespace bench
