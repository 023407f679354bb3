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

// True when this process's module is in the error state: a power-on
// self-test failed in C_Initialize, or a run-time self-test failed since.
// Every call but C_GetInfo and C_Finalize then answers CKR_GENERAL_ERROR
// until C_Finalize and a C_Initialize whose self-tests pass.
bool module_in_error_state() noexcept;
// Reports, once per failure, why the module is in the error state to the
// diagnostics log (abi/diagnostics.h).
void note_error_state();

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

// Runs `fn(HsmCore&)` when the module is initialised in this process and
// not in the error state.
template <class Fn>
CK_RV guarded(Fn&& fn) noexcept {
  return catch_all([&]() -> CK_RV {
    HsmCore* core = core_of_this_process();
    if (core == nullptr) return module_in_error_state() ? CKR_GENERAL_ERROR : CKR_CRYPTOKI_NOT_INITIALIZED;
    if (core->in_error_state()) {
      note_error_state();
      return CKR_GENERAL_ERROR;
    }
    const CK_RV rv = fn(*core);
    // A run-time self-test that failed in this very call is reported now.
    if (rv != CKR_OK && core->in_error_state()) note_error_state();
    return rv;
  });
}

}  // namespace craton::abi
