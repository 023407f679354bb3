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
  CK_FUNCTION_LIST_3_2_PTR fn32() const { return module->fn32(); }  // may be nullptr
};

std::vector<Case> crypto_cases(const Context& ctx);  // p11_cases_crypto.cc
std::vector<Case> object_cases(const Context& ctx);  // p11_cases_objects.cc
std::vector<Case> pqc_cases(const Context& ctx);     // p11_cases_pqc.cc

// ---- helpers shared by the case files ----

// Per-thread state: its own R/W session (the login belongs to the token).
struct ThreadState {
  explicit ThreadState(const Context& c) : fn(c.fn()), session(*c.module, c.slot) {}
  CK_SESSION_HANDLE s() const { return session.handle(); }
  CK_FUNCTION_LIST_PTR fn;
  Session session;
};

// One timed C_SignInit + C_Sign into a buffer of `sig_capacity` bytes (so no
// length query is timed).
struct SignState : ThreadState {
  SignState(unsigned, const Context* c, Mech m, CK_OBJECT_HANDLE k, Bytes message,
            std::size_t sig_capacity)
      : ThreadState(*c), mech(std::move(m)), key(k), msg(std::move(message)), sig(sig_capacity) {}
  Status run() {
    CK_MECHANISM m = mech.get();
    if (CK_RV rv = fn->C_SignInit(s(), &m, key); rv != CKR_OK) return rv;
    CK_ULONG len = sig.size();
    return fn->C_Sign(s(), msg.data(), msg.size(), sig.data(), &len);
  }
  Mech mech;
  CK_OBJECT_HANDLE key;
  Bytes msg, sig;
};

// One timed C_VerifyInit + C_Verify of a signature made during setup. With
// several signatures it takes them in turn: an SLH-DSA verification costs
// more or less depending on the signature (its hash chains are of varying
// length), and one signature per side would compare two draws of that cost.
struct VerifyState : ThreadState {
  VerifyState(unsigned, const Context* c, Mech m, CK_OBJECT_HANDLE k, Bytes message,
              std::vector<Bytes> signatures)
      : ThreadState(*c), mech(std::move(m)), key(k), msg(std::move(message)),
        sigs(std::move(signatures)) {}
  Status run() {
    CK_MECHANISM m = mech.get();
    Bytes& sig = sigs[next++ % sigs.size()];
    if (CK_RV rv = fn->C_VerifyInit(s(), &m, key); rv != CKR_OK) return rv;
    return fn->C_Verify(s(), msg.data(), msg.size(), sig.data(), sig.size());
  }
  Mech mech;
  CK_OBJECT_HANDLE key;
  Bytes msg;
  std::vector<Bytes> sigs;
  std::size_t next = 0;
};

// Untimed setup: one signature on the login session, for the verify cases.
Bytes sign_once(const Context& ctx, Mech mech, CK_OBJECT_HANDLE key, const Bytes& msg,
                std::size_t sig_capacity);

// Throws "unsupported" unless the token offers every mechanism listed.
void require(const Context& ctx, std::initializer_list<MechName> mechs);

// Wraps a case: PKCS#11 errors during setup become a CaseError (n/a for codes
// that mean "not supported"), and one untimed probe operation runs first so a
// rejected mechanism shows as n/a rather than as a failed measurement.
Case make_case(std::string name, std::size_t bytes_per_op, std::function<OpFactory()> prepare);

}  // namespace bench::p11
