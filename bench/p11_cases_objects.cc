// Key generation, durable object creation, object search and session cases.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <string>

#include "p11_cases.h"
#include "p11_find.h"

namespace bench::p11 {
namespace {

// Sizes above this are "big": populated only with --big, or when the rate
// measured so far says it takes at most kAutoPopulateSeconds.
constexpr std::size_t kBigFind = 10000;
constexpr double kAutoPopulateSeconds = 60;

// Generate a session key (pair) and destroy it again: the destroy is part of
// the timed op, since a key nobody deletes is a leak in any real service.
struct KeygenState : ThreadState {
  KeygenState(unsigned, const Context* c, KeyKind k) : ThreadState(*c), kind(k) {}
  Status run() {
    if (kind == KeyKind::aes256) {
      CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
      if (CK_RV rv = generate_secret(fn, s(), kind, false, "bench-keygen", &h); rv != CKR_OK)
        return rv;
      return fn->C_DestroyObject(s(), h);
    }
    KeyPair kp;
    if (CK_RV rv = generate_pair(fn, s(), kind, false, "bench-keygen", &kp); rv != CKR_OK)
      return rv;
    CK_RV rv = fn->C_DestroyObject(s(), kp.priv);
    CK_RV rv2 = fn->C_DestroyObject(s(), kp.pub);
    return rv != CKR_OK ? rv : rv2;
  }
  KeyKind kind;
};

// Durable creates. The objects are removed after the measurement, untimed,
// when the state is dropped (its session still open).
struct CreateState : ThreadState {
  CreateState(unsigned, const Context* c) : ThreadState(*c), prefix(c->prefix + "-create-") {}
  ~CreateState() {
    for (CK_OBJECT_HANDLE h : created) fn->C_DestroyObject(s(), h);
  }
  Status run() {
    static std::atomic<unsigned long long> serial{0};  // distinct across threads
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CK_RV rv = create_data_object(fn, s(), prefix + std::to_string(serial++), &h);
    if (rv == CKR_OK) created.push_back(h);
    return rv;
  }
  std::string prefix;
  std::vector<CK_OBJECT_HANDLE> created;
};

struct FindState : ThreadState {
  FindState(unsigned, const Context* c, std::string wanted)
      : ThreadState(*c), label(std::move(wanted)) {}
  Status run() {
    CK_ULONG count = 0;
    return count_by_label(fn, s(), label, &count);
  }
  std::string label;
};

// No per-thread session of its own: the login session keeps the user logged in.
struct OpenCloseState {
  OpenCloseState(unsigned, const Context* c) : fn(c->fn()), slot(c->slot) {}
  Status run() {
    CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
    CK_RV rv = fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &h);
    return rv != CKR_OK ? rv : fn->C_CloseSession(h);
  }
  CK_FUNCTION_LIST_PTR fn;
  CK_SLOT_ID slot;
};

Case keygen_case(const Context& ctx, std::string name, KeyKind kind) {
  return make_case(std::move(name), 0, [&ctx, kind] {
    require(ctx, {keygen_mechanism(kind)});
    return per_thread<KeygenState>(&ctx, kind);
  });
}

std::string find_name(std::size_t n) {
  return n % 1000 == 0 ? "find_" + std::to_string(n / 1000) + "k" : "find_" + std::to_string(n);
}

void check_populate_budget(const Context& ctx, std::size_t n) {
  if (n <= kBigFind || ctx.big) return;
  const double per_object = ctx.pool->seconds_per_object();
  const double estimate = per_object * static_cast<double>(n - ctx.pool->size());
  if (per_object == 0 || estimate > kAutoPopulateSeconds) {
    char why[160];
    std::snprintf(why, sizeof why, "populating %zu objects would take ~%.0f s; pass --big", n,
                  std::ceil(estimate));
    throw skipped(why);
  }
}

Case find_case(const Context& ctx, std::size_t n) {
  return make_case(find_name(n), 0, [&ctx, n] {
    check_populate_budget(ctx, n);
    ctx.pool->populate_to(n);
    const std::string label = ctx.pool->label(n / 2);
    CK_ULONG count = 0;
    check(count_by_label(ctx.fn(), ctx.session, label, &count), "C_FindObjects");
    if (count != 1)
      throw CaseError(Outcome::failed, 0, "found " + std::to_string(count) + " objects, not 1");
    return per_thread<FindState>(&ctx, label);
  });
}

}  // namespace

std::vector<Case> object_cases(const Context& ctx) {
  std::vector<Case> v;
  v.push_back(keygen_case(ctx, "keygen_rsa2048", KeyKind::rsa2048));
  v.push_back(keygen_case(ctx, "keygen_p256", KeyKind::p256));
  v.push_back(keygen_case(ctx, "keygen_aes256", KeyKind::aes256));
  v.push_back(make_case("create_token_object", 0,
                        [&ctx] { return per_thread<CreateState>(&ctx); }));
  // Before the find pool exists: some modules' session cost grows with the
  // number of token objects, and this case should not depend on --find-sizes.
  v.push_back(make_case("open_close_session", 0,
                        [&ctx] { return per_thread<OpenCloseState>(&ctx); }));
  for (std::size_t n : ctx.find_sizes) v.push_back(find_case(ctx, n));
  return v;
}

}  // namespace bench::p11
