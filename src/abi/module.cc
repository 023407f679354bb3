// Module state and the general-purpose functions (PKCS#11 3.0 §5.4):
// C_Initialize, C_Finalize, C_GetInfo, C_GetFunctionList, C_GetInterfaceList,
// C_GetInterface.
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>

#include "abi/args.h"
#include "abi/function_lists.h"
#include "abi/guard.h"

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
  std::mutex init_mu;      // serialises C_Initialize / C_Finalize
  std::string last_error;  // why the last C_Initialize failed; guarded by init_mu
};

ModuleState g_module;

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

bool debug_enabled() {
  const char* value = std::getenv("CRATON_HSM_DEBUG");
  return value != nullptr && *value != '\0' && std::strcmp(value, "0") != 0;
}

// A module must not write to the host's stderr unless asked to.
CK_RV fail_initialize(const Status& status, CK_RV rv) {
  g_module.last_error = status.message().empty() ? "C_Initialize failed" : status.message();
  if (debug_enabled()) std::fprintf(stderr, "craton-hsm: C_Initialize: %s\n", g_module.last_error.c_str());
  return rv;
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

CK_RV check_initialize_args(const CK_C_INITIALIZE_ARGS& args) {
  if (args.pReserved != nullptr) return CKR_ARGUMENTS_BAD;
  const int callbacks = (args.CreateMutex != nullptr) + (args.DestroyMutex != nullptr) +
                        (args.LockMutex != nullptr) + (args.UnlockMutex != nullptr);
  if (callbacks != 0 && callbacks != 4) return CKR_ARGUMENTS_BAD;
  // We only ever lock with OS primitives (std::mutex). Callbacks together with
  // CKF_OS_LOCKING_OK let us choose ours; callbacks alone would require us to
  // use the application's, which we cannot.
  if (callbacks == 4 && (args.flags & CKF_OS_LOCKING_OK) == 0) return CKR_CANT_LOCK;
  // CKF_LIBRARY_CANT_CREATE_OS_THREADS is fine: the module creates no thread.
  return CKR_OK;
}

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

CK_RV fill_info(CK_INFO_PTR info, CK_VERSION version) {
  return guarded([&](HsmCore&) -> CK_RV {
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

CK_RV get_info_v2_40(CK_INFO_PTR info) { return fill_info(info, {2, 40}); }
CK_RV get_info_v3_0(CK_INFO_PTR info) { return fill_info(info, {3, 0}); }
CK_RV get_info_v3_2(CK_INFO_PTR info) { return fill_info(info, {3, 2}); }

}  // namespace craton::abi

using namespace craton;
using namespace craton::abi;

CRATON_EXPORT CK_RV C_Initialize(CK_VOID_PTR pInitArgs) {
  return catch_all([&]() -> CK_RV {
    if (pInitArgs != nullptr) {
      if (CK_RV rv = check_initialize_args(*static_cast<CK_C_INITIALIZE_ARGS*>(pInitArgs)); rv != CKR_OK) {
        return rv;
      }
    }
    install_fork_handler();
    std::lock_guard lock(g_module.init_mu);
    if (g_module.core.load() != nullptr) {
      if (core_of_this_process() != nullptr) return CKR_CRYPTOKI_ALREADY_INITIALIZED;
      // A forked child holding its parent's core. Destroying it would close
      // the parent's store lock descriptor copy, roll back the parent's
      // sessions and wipe state the parent still uses through shared file
      // descriptors, so it is abandoned on purpose: a one-off leak per fork
      // that re-initialises.
      g_module.core.store(nullptr);
    }
    Result<Config> config = Config::load();
    if (!config.ok()) return fail_initialize(config.status(), CKR_GENERAL_ERROR);
    Result<std::unique_ptr<HsmCore>> core = HsmCore::create(*config);
    if (!core.ok()) return fail_initialize(core.status(), initialize_rv(core.rv()));
    g_module.last_error.clear();
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
    if (core == nullptr) return CKR_CRYPTOKI_NOT_INITIALIZED;
    g_module.core.store(nullptr, std::memory_order_release);
    delete core;
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

// Vendor diagnostic (not part of PKCS#11): why the last C_Initialize failed,
// with the PKCS#11 buffer convention on a NUL-terminated string. Tests and
// tools use it because the module writes nothing to stderr unless
// CRATON_HSM_DEBUG is set.
CRATON_EXPORT CK_RV C_CratonGetLastError(CK_UTF8CHAR_PTR pBuffer, CK_ULONG_PTR pulLen) {
  return catch_all([&]() -> CK_RV {
    if (pulLen == nullptr) return CKR_ARGUMENTS_BAD;
    std::lock_guard lock(g_module.init_mu);
    const std::string& text = g_module.last_error;
    const std::vector<CK_UTF8CHAR> bytes(text.c_str(), text.c_str() + text.size() + 1);
    return deliver_items(bytes, pBuffer, pulLen);
  });
}
