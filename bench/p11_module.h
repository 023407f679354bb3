// Loading an arbitrary PKCS#11 module and the session/token chores around it.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

#include "bench_types.h"
#include "craton/pkcs11.h"

namespace bench::p11 {

// A failed PKCS#11 call outside the timed loop. It is a CaseError so a failure
// while a thread sets up (opening its session) reaches the report with its code.
class Error : public CaseError {
 public:
  Error(CK_RV rv, const std::string& call);
  CK_RV rv() const { return code(); }
};

std::string rv_hex(CK_RV rv);   // "0x00000070": what a failed row shows
std::string rv_text(CK_RV rv);  // "CKR_MECHANISM_INVALID (0x00000070)"
inline void check(CK_RV rv, const char* call) {
  if (rv != CKR_OK) throw Error(rv, call);
}

// dlopen()s a module, resolves C_GetFunctionList and initialises it for
// multi-threaded use; undone in reverse by the destructor. The 3.2 function
// list is looked up too, for the functions only it has.
class Module {
 public:
  explicit Module(const std::string& path);
  ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  CK_FUNCTION_LIST_PTR fn() const { return fn_; }
  // C_GetInterface("PKCS 11", 3.2)'s list (C_EncapsulateKey, C_DecapsulateKey),
  // or nullptr when the module has no C_GetInterface or no 3.2 interface.
  CK_FUNCTION_LIST_3_2_PTR fn32() const { return fn32_; }
  std::string description() const;  // manufacturer, library, version
  bool has_mechanism(CK_SLOT_ID slot, CK_MECHANISM_TYPE mech) const;

 private:
  void* lib_ = nullptr;
  CK_FUNCTION_LIST_PTR fn_ = nullptr;
  CK_FUNCTION_LIST_3_2_PTR fn32_ = nullptr;
};

// One R/W session, closed on destruction.
class Session {
 public:
  Session(const Module& module, CK_SLOT_ID slot);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  CK_SESSION_HANDLE handle() const { return handle_; }

 private:
  CK_FUNCTION_LIST_PTR fn_;
  CK_SESSION_HANDLE handle_ = CK_INVALID_HANDLE;
};

// The requested slot, or else the first slot whose token is initialised
// (`fresh` = false) or, for --init-token (`fresh` = true), the first one not yet
// initialised, falling back to the first token of all.
CK_SLOT_ID choose_slot(const Module& module, std::optional<CK_SLOT_ID> requested, bool fresh);

// C_InitToken (label "bench"), then SO login and C_InitPIN for the user PIN.
void init_token(const Module& module, CK_SLOT_ID slot, const std::string& so_pin,
                const std::string& user_pin);

// User login; a session that is already logged in is fine.
void login_user(const Module& module, CK_SESSION_HANDLE session, const std::string& pin);

}  // namespace bench::p11
