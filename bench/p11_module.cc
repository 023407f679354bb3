#include "p11_module.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

namespace bench::p11 {
namespace {

// Names for the codes a benchmark run is likely to meet; others print as hex.
const std::pair<CK_RV, const char*> kRvNames[] = {
    {CKR_CANCEL, "CKR_CANCEL"},
    {CKR_HOST_MEMORY, "CKR_HOST_MEMORY"},
    {CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID"},
    {CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR"},
    {CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED"},
    {CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD"},
    {CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID"},
    {CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID"},
    {CKR_DATA_LEN_RANGE, "CKR_DATA_LEN_RANGE"},
    {CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR"},
    {CKR_DEVICE_MEMORY, "CKR_DEVICE_MEMORY"},
    {CKR_ENCRYPTED_DATA_INVALID, "CKR_ENCRYPTED_DATA_INVALID"},
    {CKR_FUNCTION_NOT_SUPPORTED, "CKR_FUNCTION_NOT_SUPPORTED"},
    {CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID"},
    {CKR_KEY_SIZE_RANGE, "CKR_KEY_SIZE_RANGE"},
    {CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT"},
    {CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED"},
    {CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID"},
    {CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID"},
    {CKR_OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID"},
    {CKR_OPERATION_ACTIVE, "CKR_OPERATION_ACTIVE"},
    {CKR_OPERATION_NOT_INITIALIZED, "CKR_OPERATION_NOT_INITIALIZED"},
    {CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT"},
    {CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE"},
    {CKR_SESSION_COUNT, "CKR_SESSION_COUNT"},
    {CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID"},
    {CKR_SESSION_READ_ONLY, "CKR_SESSION_READ_ONLY"},
    {CKR_SESSION_EXISTS, "CKR_SESSION_EXISTS"},
    {CKR_SIGNATURE_INVALID, "CKR_SIGNATURE_INVALID"},
    {CKR_SIGNATURE_LEN_RANGE, "CKR_SIGNATURE_LEN_RANGE"},
    {CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE"},
    {CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT"},
    {CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT"},
    {CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED"},
    {CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN"},
    {CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN"},
    {CKR_USER_PIN_NOT_INITIALIZED, "CKR_USER_PIN_NOT_INITIALIZED"},
    {CKR_USER_TYPE_INVALID, "CKR_USER_TYPE_INVALID"},
    {CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL"},
    {CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED"},
    {CKR_CRYPTOKI_ALREADY_INITIALIZED, "CKR_CRYPTOKI_ALREADY_INITIALIZED"},
    {CKR_CURVE_NOT_SUPPORTED, "CKR_CURVE_NOT_SUPPORTED"},
};

std::string trimmed(const CK_UTF8CHAR* text, std::size_t len) {
  std::string s(reinterpret_cast<const char*>(text), len);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

CK_UTF8CHAR_PTR utf8(const std::string& s) {
  // PKCS#11 takes non-const pointers for input-only strings.
  return reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(s.data()));
}

std::vector<CK_SLOT_ID> slots_with_token(CK_FUNCTION_LIST_PTR fn) {
  CK_ULONG count = 0;
  check(fn->C_GetSlotList(CK_TRUE, nullptr, &count), "C_GetSlotList");
  std::vector<CK_SLOT_ID> slots(count);
  check(fn->C_GetSlotList(CK_TRUE, slots.data(), &count), "C_GetSlotList");
  slots.resize(count);
  return slots;
}

// A 2.40 module (SoftHSMv2 2.6) has no C_GetInterface: that is an answer,
// not an error. The version is checked as well as asked for, so a module
// that hands back another list is not called past its end.
CK_FUNCTION_LIST_3_2_PTR interface_3_2(void* lib) {
  auto get = reinterpret_cast<CK_C_GetInterface>(dlsym(lib, "C_GetInterface"));
  if (!get) return nullptr;
  CK_UTF8CHAR name[] = "PKCS 11";
  CK_VERSION version = {3, 2};
  CK_INTERFACE_PTR iface = nullptr;
  if (get(name, &version, &iface, 0) != CKR_OK || !iface || !iface->pFunctionList) return nullptr;
  auto* list = static_cast<CK_FUNCTION_LIST_3_2_PTR>(iface->pFunctionList);
  const bool is_3_2 = list->version.major == 3 && list->version.minor >= 2;
  return is_3_2 ? list : nullptr;
}

}  // namespace

Error::Error(CK_RV rv, const std::string& call)
    : CaseError(Outcome::failed, rv, call + ": " + rv_text(rv)) {}

std::string rv_hex(CK_RV rv) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%08lX", static_cast<unsigned long>(rv));
  return buf;
}

std::string rv_text(CK_RV rv) {
  for (const auto& [code, name] : kRvNames)
    if (code == rv) return std::string(name) + " (" + rv_hex(rv) + ")";
  return rv_hex(rv);
}

Module::Module(const std::string& path) {
  // RTLD_LOCAL keeps the module's symbols (and its own libcrypto) out of the
  // global namespace, so it cannot collide with the baseline's OpenSSL.
  lib_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib_) throw std::runtime_error("cannot load module " + path + ": " + dlerror());
  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib_, "C_GetFunctionList"));
  if (!get_list) {
    dlclose(lib_);
    throw std::runtime_error(path + " has no C_GetFunctionList");
  }
  CK_RV rv = get_list(&fn_);
  if (rv != CKR_OK || !fn_) {
    dlclose(lib_);
    throw Error(rv, "C_GetFunctionList");
  }
  fn32_ = interface_3_2(lib_);
  CK_C_INITIALIZE_ARGS args;
  std::memset(&args, 0, sizeof args);
  args.flags = CKF_OS_LOCKING_OK;  // we call from several threads at once
  rv = fn_->C_Initialize(&args);
  if (rv != CKR_OK) {
    dlclose(lib_);
    throw Error(rv, "C_Initialize");
  }
}

Module::~Module() {
  fn_->C_Finalize(nullptr);
  dlclose(lib_);
}

std::string Module::description() const {
  CK_INFO info;
  if (fn_->C_GetInfo(&info) != CKR_OK) return "?";
  return trimmed(info.manufacturerID, sizeof info.manufacturerID) + " / " +
         trimmed(info.libraryDescription, sizeof info.libraryDescription) + " " +
         std::to_string(info.libraryVersion.major) + "." +
         std::to_string(info.libraryVersion.minor);
}

bool Module::has_mechanism(CK_SLOT_ID slot, CK_MECHANISM_TYPE mech) const {
  CK_MECHANISM_INFO info;
  return fn_->C_GetMechanismInfo(slot, mech, &info) == CKR_OK;
}

Session::Session(const Module& module, CK_SLOT_ID slot) : fn_(module.fn()) {
  check(fn_->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr,
                           &handle_),
        "C_OpenSession");
}

Session::~Session() { fn_->C_CloseSession(handle_); }

CK_SLOT_ID choose_slot(const Module& module, std::optional<CK_SLOT_ID> requested, bool fresh) {
  if (requested) return *requested;
  const std::vector<CK_SLOT_ID> slots = slots_with_token(module.fn());
  for (CK_SLOT_ID slot : slots) {
    CK_TOKEN_INFO info;
    if (module.fn()->C_GetTokenInfo(slot, &info) != CKR_OK) continue;
    bool initialised = (info.flags & CKF_TOKEN_INITIALIZED) != 0;
    if (initialised != fresh) return slot;
  }
  // Re-initialising is what --init-token asks for, so a module whose only
  // token arrives initialised is fine too.
  if (fresh && !slots.empty()) return slots.front();
  throw std::runtime_error(fresh ? "no slot with a token (use --slot)"
                                 : "no slot with an initialised token (use --init-token)");
}

void init_token(const Module& module, CK_SLOT_ID slot, const std::string& so_pin,
                const std::string& user_pin) {
  CK_FUNCTION_LIST_PTR fn = module.fn();
  CK_UTF8CHAR label[32];
  std::memset(label, ' ', sizeof label);  // labels are blank-padded, not NUL-ended
  std::memcpy(label, "bench", 5);
  check(fn->C_InitToken(slot, utf8(so_pin), so_pin.size(), label), "C_InitToken");
  Session s(module, slot);
  check(fn->C_Login(s.handle(), CKU_SO, utf8(so_pin), so_pin.size()), "C_Login(SO)");
  check(fn->C_InitPIN(s.handle(), utf8(user_pin), user_pin.size()), "C_InitPIN");
  check(fn->C_Logout(s.handle()), "C_Logout");
}

void login_user(const Module& module, CK_SESSION_HANDLE session, const std::string& pin) {
  CK_RV rv = module.fn()->C_Login(session, CKU_USER, utf8(pin), pin.size());
  if (rv != CKR_USER_ALREADY_LOGGED_IN) check(rv, "C_Login(USER)");
}

}  // namespace bench::p11
