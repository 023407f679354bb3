// The PKCS#11 benchmark cases.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench_types.h"
#include "p11_keys.h"
#include "p11_module.h"

namespace bench::p11 {

class FindPool;

// Everything a case needs from the run: module, slot, shared keys and objects.
struct Context {
  const Module* module = nullptr;
  CK_SLOT_ID slot = 0;
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;  // login session, main thread only
  KeyStore* keys = nullptr;
  FindPool* pool = nullptr;
  std::string prefix;  // unique per run, so labels never meet older objects
  std::vector<std::size_t> find_sizes;
  bool big = false;  // populate the large find sizes whatever they cost
  CK_FUNCTION_LIST_PTR fn() const { return module->fn(); }
};

std::vector<Case> crypto_cases(const Context& ctx);  // p11_cases_crypto.cc
std::vector<Case> object_cases(const Context& ctx);  // p11_cases_objects.cc

// ---- helpers shared by the case files ----

// Per-thread state: its own R/W session (the login belongs to the token).
struct ThreadState {
  explicit ThreadState(const Context& c) : fn(c.fn()), session(*c.module, c.slot) {}
  CK_SESSION_HANDLE s() const { return session.handle(); }
  CK_FUNCTION_LIST_PTR fn;
  Session session;
};

// Throws "unsupported" unless the token offers every mechanism listed.
void require(const Context& ctx, std::initializer_list<MechName> mechs);

// Wraps a case: PKCS#11 errors during setup become a CaseError (n/a for codes
// that mean "not supported"), and one untimed probe operation runs first so a
// rejected mechanism shows as n/a rather than as a failed measurement.
Case make_case(std::string name, std::size_t bytes_per_op, std::function<OpFactory()> prepare);

}  // namespace bench::p11
