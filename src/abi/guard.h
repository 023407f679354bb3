// The one guard every C_* entry point runs inside (DESIGN.md §3).
//
// - No exception ever crosses the C boundary: std::bad_alloc becomes
//   CKR_HOST_MEMORY, anything else CKR_GENERAL_ERROR.
// - The module must be initialised *in this process*: after fork() the child
//   sees the parent's state in memory, but that core belongs to the parent
//   (its store lock, its sessions), so every call answers
//   CKR_CRYPTOKI_NOT_INITIALIZED until the child calls C_Initialize itself.
#pragma once

#include <new>

#include "core/hsm_core.h"
#include "craton/pkcs11.h"

// Marks a definition as one of the module's exported C entry points. The
// build hides every symbol by default; exports.map then keeps only C_*.
#define CRATON_EXPORT extern "C" __attribute__((visibility("default")))

namespace craton::abi {

// The core initialised by this process, or nullptr (not initialised, or
// initialised by the parent of a forked child). Defined in module.cc.
HsmCore* core_of_this_process() noexcept;

// Runs `fn` and turns any escaping exception into the CK_RV the
// specification allows every function to return.
template <class Fn>
CK_RV catch_all(Fn&& fn) noexcept {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return CKR_HOST_MEMORY;
  } catch (...) {
    return CKR_GENERAL_ERROR;
  }
}

// Runs `fn(HsmCore&)` when the module is initialised in this process.
template <class Fn>
CK_RV guarded(Fn&& fn) noexcept {
  return catch_all([&]() -> CK_RV {
    HsmCore* core = core_of_this_process();
    if (core == nullptr) return CKR_CRYPTOKI_NOT_INITIALIZED;
    return fn(*core);
  });
}

}  // namespace craton::abi
