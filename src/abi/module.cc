// Module state and the general-purpose functions (PKCS#11 3.0 §5.4):
// C_Initialize, C_Finalize, C_GetInfo, C_GetFunctionList, C_GetInterfaceList,
// C_GetInterface.
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>

#include "abi/args.h"
#include "abi/diagnostics.h"
#include "abi/function_lists.h"
#include "abi/guard.h"
#include "core/mutex.h"
#include "core/secure_memory.h"
#include "crypto/integrity.h"
#include "crypto/provider.h"
#include "crypto/self_test.h"

namespace craton::abi {
namespace {

// The one process-wide object a PKCS#11 library must have.
//
// The core is a raw atomic pointer, never destroyed implicitly: a process that
// exits (or dlcloses us) without C_Finalize must not run the core's teardown
// from a static destructor, after OpenSSL's own atexit cleanup may have run.
struct ModuleState {
  std::atomic<HsmCore*> core{nullptr};
  // The PID that ran C_Initialize, and this process's PID. this_pid is kept
  // by a fork handler instead of calling getpid() (a system call) on every
  // C_* call: the check runs on the crypto hot path.
  std::atomic<pid_t> owner_pid{0};
  std::atomic<pid_t> this_pid{0};
  // Set when the power-on self-tests failed in C_Initialize (no core then);
  // owner_pid says which process it belongs to.
  std::atomic<bool> failed_self_test{false};
  // Whether the current core's error state was reported to the diagnostics
  // sink (once per core; reset by C_Initialize).
  std::atomic<bool> error_state_reported{false};
  // Serialises C_Initialize / C_Finalize, and every report_diagnostic call
  // here (held across fork(), so a child never inherits the sink's lock
  // taken). An OS mutex: it exists before C_Initialize chose the locking
  // mode (core/mutex.h).
  std::mutex init_mu;
};

ModuleState g_module;

void report_secure_memory_warning(const char* message) { report_diagnostic(message); }

// fork(): hold init_mu across the fork so the child never inherits it locked
// by a thread that does not exist there, and learn the child's PID.
void before_fork() { g_module.init_mu.lock(); }
void after_fork_in_parent() { g_module.init_mu.unlock(); }
void after_fork_in_child() {
  g_module.this_pid.store(::getpid(), std::memory_order_relaxed);
  g_module.init_mu.unlock();
}

void install_fork_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_module.this_pid.store(::getpid(), std::memory_order_relaxed);
    if (::pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child) != 0) {
      throw std::bad_alloc();  // the only documented failure is ENOMEM
    }
  });
}

// Caller holds init_mu. The message goes to the diagnostics sink, never to
// the host's stderr unless asked to (abi/diagnostics.h).
CK_RV fail_initialize(const Status& status, CK_RV rv) {
  report_diagnostic("C_Initialize: " + (status.message().empty() ? std::string("failed") : status.message()));
  return rv;
}

// Reports, once per core, why the module is in the error state. Caller holds
// init_mu.
void note_error_state_locked() {
  HsmCore* core = core_of_this_process();
  if (core == nullptr || !core->in_error_state()) return;
  if (g_module.error_state_reported.exchange(true)) return;
  report_diagnostic("error state: " + core->error_state_reason());
  core->audit_error_state();
}

}  // namespace

void note_error_state() {
  if (g_module.error_state_reported.load(std::memory_order_acquire)) return;
  std::lock_guard lock(g_module.init_mu);
  note_error_state_locked();
}

namespace {

// A power-on self-test failed: the module enters the error state (no core;
// every call but C_GetInfo and C_Finalize answers CKR_GENERAL_ERROR).
// Caller holds init_mu.
CK_RV fail_self_test(const Status& status) {
  report_diagnostic("C_Initialize: power-on self-test failed, entering the error state: " + status.message());
  g_module.owner_pid.store(g_module.this_pid.load(std::memory_order_relaxed), std::memory_order_relaxed);
  g_module.failed_self_test.store(true, std::memory_order_release);
  return CKR_GENERAL_ERROR;
}

// Module integrity: the HMAC of the library file as loaded, against the
// value the build wrote beside it (crypto/integrity.h).
Status check_module_integrity() {
  ASSIGN_OR_RETURN(std::string path, crypto::path_of_loaded_object(reinterpret_cast<const void*>(&C_Initialize)));
  return crypto::verify_file_hmac(path);
}

// HsmCore::create, with the exceptions an application mutex callback can
// raise (core/mutex.h) turned into a status that fail_initialize reports.
Result<std::unique_ptr<HsmCore>> create_core(const Config& config, std::unique_ptr<crypto::Provider> provider,
                                             CoreOptions options) {
  try {
    return HsmCore::create(config, std::move(provider), std::move(options));
  } catch (const MutexError& e) {
    char rv[24];
    std::snprintf(rv, sizeof rv, "0x%08lx", static_cast<unsigned long>(e.rv()));
    return Status(CKR_GENERAL_ERROR, std::string(e.what()) + " (CK_RV " + rv + ")");
  } catch (const std::bad_alloc&) {
    return Status(CKR_HOST_MEMORY, "out of host memory");
  }
}

// C_Initialize may only return a few codes; a store or self-test failure
// that is not one of them is a general error (the message says which).
CK_RV initialize_rv(CK_RV rv) {
  switch (rv) {
    case CKR_HOST_MEMORY:
    case CKR_FUNCTION_FAILED:
    case CKR_GENERAL_ERROR:
      return rv;
    default:
      return CKR_GENERAL_ERROR;
  }
}

// PKCS#11 3.0 §5.4 C_Initialize / CK_C_INITIALIZE_ARGS. All four cases of
// CKF_OS_LOCKING_OK and the callbacks are honoured (see use_application_mutexes).
// CKR_CANT_LOCK remains for the one thing we cannot do: lock at all in a
// multi-threaded application (the flag or callbacks say it is one) when the
// linked OpenSSL or SQLite has no thread support. Their internal locks are OS
// locks in every case (core/mutex.h).
CK_RV check_initialize_args(const CK_C_INITIALIZE_ARGS& args) {
  if (args.pReserved != nullptr) return CKR_ARGUMENTS_BAD;
  const int callbacks = (args.CreateMutex != nullptr) + (args.DestroyMutex != nullptr) +
                        (args.LockMutex != nullptr) + (args.UnlockMutex != nullptr);
  if (callbacks != 0 && callbacks != 4) return CKR_ARGUMENTS_BAD;
  const bool multi_threaded = callbacks == 4 || (args.flags & CKF_OS_LOCKING_OK) != 0;
  if (multi_threaded && !os_locking_available()) return CKR_CANT_LOCK;
  // CKF_LIBRARY_CANT_CREATE_OS_THREADS is honoured: the audit log then
  // works without its flusher thread (core_options).
  return CKR_OK;
}

// What the core is told about its start: whether it may create a thread,
// and the power-on self-test results for the audit log (both have passed
// when this is called).
CoreOptions core_options(const CK_C_INITIALIZE_ARGS* args) {
  CoreOptions options;
  options.may_create_threads = args == nullptr || (args->flags & CKF_LIBRARY_CANT_CREATE_OS_THREADS) == 0;
  options.self_test_results = {
      {"integrity", "passed"},
      {"known_answer_tests", std::to_string(crypto::known_answer_test_names().size()) + " passed"},
  };
  return options;
}

// Case 3 of §5.4: callbacks without CKF_OS_LOCKING_OK oblige us to lock with
// the application's mutexes. With the flag (case 2 and 4: our choice) or with
// neither (case 1) the module uses OS primitives.
bool use_application_mutexes(const CK_C_INITIALIZE_ARGS* args) {
  return args != nullptr && args->CreateMutex != nullptr && (args->flags & CKF_OS_LOCKING_OK) == 0;
}

// Installs the locking mode for the core C_Initialize is about to create, and
// goes back to OS locks unless the core was published (commit()).
class LockingModeForNewCore {
 public:
  explicit LockingModeForNewCore(const CK_C_INITIALIZE_ARGS* args) {
    if (use_application_mutexes(args)) install_application_mutexes(*args);
  }
  ~LockingModeForNewCore() {
    if (!committed_) use_os_mutexes();
  }
  LockingModeForNewCore(const LockingModeForNewCore&) = delete;
  LockingModeForNewCore& operator=(const LockingModeForNewCore&) = delete;
  void commit() { committed_ = true; }

 private:
  bool committed_ = false;
};

void copy_padded(CK_UTF8CHAR* field, std::size_t size, std::string_view text) {
  std::memset(field, ' ', size);
  std::memcpy(field, text.data(), std::min(size, text.size()));
}

// "major.minor[.patch]" from CRATON_VERSION.
CK_VERSION library_version() {
  unsigned major = 0;
  unsigned minor = 0;
  if (std::sscanf(CRATON_VERSION, "%u.%u", &major, &minor) != 2) return {0, 0};
  return {static_cast<CK_BYTE>(major), static_cast<CK_BYTE>(minor)};
}

// C_GetInfo answers in the error state too (it is how an operator learns
// which library failed), so it does not run through guarded().
CK_RV fill_info(CK_INFO_PTR info, CK_VERSION version) {
  return catch_all([&]() -> CK_RV {
    if (core_of_this_process() == nullptr && !module_in_error_state()) return CKR_CRYPTOKI_NOT_INITIALIZED;
    if (module_in_error_state()) note_error_state();
    if (info == nullptr) return CKR_ARGUMENTS_BAD;
    std::memset(info, 0, sizeof *info);
    info->cryptokiVersion = version;
    copy_padded(info->manufacturerID, sizeof info->manufacturerID, "Craton HSM");
    info->flags = 0;
    copy_padded(info->libraryDescription, sizeof info->libraryDescription, "Craton HSM PKCS#11 module");
    info->libraryVersion = library_version();
    return CKR_OK;
  });
}

CK_CHAR kInterfaceName[] = "PKCS 11";

// Newest first: C_GetInterface(NULL, NULL) answers with the first entry.
// CKF_INTERFACE_FORK_SAFE is not claimed: a child must call C_Initialize.
CK_INTERFACE kInterfaces[] = {
    {kInterfaceName, &function_list_v3_2, 0},
    {kInterfaceName, &function_list_v3_0, 0},
    {kInterfaceName, &function_list_v2_40, 0},
};

CK_VERSION interface_version(const CK_INTERFACE& interface) {
  // Every function list starts with its CK_VERSION.
  return *static_cast<const CK_VERSION*>(interface.pFunctionList);
}

}  // namespace

HsmCore* core_of_this_process() noexcept {
  HsmCore* core = g_module.core.load(std::memory_order_acquire);
  if (core == nullptr) return nullptr;
  if (g_module.owner_pid.load(std::memory_order_relaxed) != g_module.this_pid.load(std::memory_order_relaxed)) {
    return nullptr;
  }
  return core;
}

bool module_in_error_state() noexcept {
  if (g_module.owner_pid.load(std::memory_order_relaxed) != g_module.this_pid.load(std::memory_order_relaxed)) {
    return false;
  }
  if (g_module.failed_self_test.load(std::memory_order_acquire)) return true;
  HsmCore* core = g_module.core.load(std::memory_order_acquire);
  return core != nullptr && core->in_error_state();
}

CK_RV get_info_v2_40(CK_INFO_PTR info) { return fill_info(info, {2, 40}); }
CK_RV get_info_v3_0(CK_INFO_PTR info) { return fill_info(info, {3, 0}); }
CK_RV get_info_v3_2(CK_INFO_PTR info) { return fill_info(info, {3, 2}); }

}  // namespace craton::abi

using namespace craton;
using namespace craton::abi;

CRATON_EXPORT CK_RV C_Initialize(CK_VOID_PTR pInitArgs) {
  return catch_all([&]() -> CK_RV {
    const auto* args = static_cast<const CK_C_INITIALIZE_ARGS*>(pInitArgs);
    if (args != nullptr) {
      if (CK_RV rv = check_initialize_args(*args); rv != CKR_OK) return rv;
    }
    install_fork_handler();
    std::lock_guard lock(g_module.init_mu);
    // In the error state only C_Finalize (then a fresh C_Initialize) helps.
    if (module_in_error_state()) {
      note_error_state_locked();
      return CKR_GENERAL_ERROR;
    }
    g_module.failed_self_test.store(false);
    if (g_module.core.load() != nullptr) {
      if (core_of_this_process() != nullptr) return CKR_CRYPTOKI_ALREADY_INITIALIZED;
      // A forked child holding its parent's core. Destroying it would close
      // the parent's store lock descriptor copy, roll back the parent's
      // sessions and wipe state the parent still uses through shared file
      // descriptors, so it is abandoned on purpose: a one-off leak per fork
      // that re-initialises.
      g_module.core.store(nullptr);
    }
    // Secrets that cannot be locked in RAM are reported once, here.
    set_secure_memory_warning_sink(&report_secure_memory_warning);
    Result<Config> config = Config::load();
    if (!config.ok()) return fail_initialize(config.status(), CKR_GENERAL_ERROR);
    // Power-on self-tests, in order: integrity of this library, then the
    // known-answer tests on the Provider the core will use (its DRBG too).
    if (Status st = check_module_integrity(); !st.ok()) return fail_self_test(st);
    Result<std::unique_ptr<crypto::Provider>> provider = crypto::Provider::create();
    if (!provider.ok()) return fail_initialize(provider.status(), initialize_rv(provider.rv()));
    if (Status st = crypto::run_known_answer_tests(**provider); !st.ok()) return fail_self_test(st);
    // Every lock the core takes is created from here on (core/mutex.h).
    LockingModeForNewCore locking(args);
    Result<std::unique_ptr<HsmCore>> core = create_core(*config, std::move(provider).value(), core_options(args));
    if (!core.ok()) return fail_initialize(core.status(), initialize_rv(core.rv()));
    locking.commit();
    g_module.error_state_reported.store(false);
    g_module.owner_pid.store(g_module.this_pid.load(std::memory_order_relaxed), std::memory_order_relaxed);
    g_module.core.store(core->release(), std::memory_order_release);
    return CKR_OK;
  });
}

CRATON_EXPORT CK_RV C_Finalize(CK_VOID_PTR pReserved) {
  return catch_all([&]() -> CK_RV {
    if (pReserved != nullptr) return CKR_ARGUMENTS_BAD;
    std::lock_guard lock(g_module.init_mu);
    HsmCore* core = core_of_this_process();
    if (core == nullptr) {
      if (!module_in_error_state()) return CKR_CRYPTOKI_NOT_INITIALIZED;
      g_module.failed_self_test.store(false, std::memory_order_release);
      return CKR_OK;
    }
    note_error_state_locked();
    g_module.core.store(nullptr, std::memory_order_release);
    delete core;
    // Every lock of that core is gone: back to the default mode.
    use_os_mutexes();
    return CKR_OK;
  });
}

// The exported symbol belongs to the list C_GetFunctionList returns.
CRATON_EXPORT CK_RV C_GetInfo(CK_INFO_PTR pInfo) { return get_info_v2_40(pInfo); }

// The 2.40 list, reporting 2.40: callers that want 3.x functions ask for them
// through C_GetInterface, which is how 3.0 defines discovering them.
CRATON_EXPORT CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList) {
  if (ppFunctionList == nullptr) return CKR_ARGUMENTS_BAD;
  *ppFunctionList = &function_list_v2_40;
  return CKR_OK;
}

CRATON_EXPORT CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount) {
  return catch_all([&]() -> CK_RV {
    if (pulCount == nullptr) return CKR_ARGUMENTS_BAD;
    const std::vector<CK_INTERFACE> all(std::begin(kInterfaces), std::end(kInterfaces));
    return deliver_items(all, pInterfacesList, pulCount);
  });
}

CRATON_EXPORT CK_RV C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
                                   CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags) {
  if (ppInterface == nullptr) return CKR_ARGUMENTS_BAD;
  for (CK_INTERFACE& candidate : kInterfaces) {
    if (pInterfaceName != nullptr &&
        std::strcmp(reinterpret_cast<const char*>(pInterfaceName),
                    reinterpret_cast<const char*>(candidate.pInterfaceName)) != 0) {
      continue;
    }
    const CK_VERSION version = interface_version(candidate);
    if (pVersion != nullptr && (pVersion->major != version.major || pVersion->minor != version.minor)) continue;
    if ((candidate.flags & flags) != flags) continue;
    *ppInterface = &candidate;
    return CKR_OK;
  }
  return CKR_ARGUMENTS_BAD;
}
