#include "module_fixture.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>

namespace abi_test {
namespace {

const std::map<CK_RV, const char*>& rv_names() {
  static const std::map<CK_RV, const char*> names = {
#define CRATON_RV(name) {name, #name}
      CRATON_RV(CKR_OK), CRATON_RV(CKR_HOST_MEMORY), CRATON_RV(CKR_SLOT_ID_INVALID),
      CRATON_RV(CKR_GENERAL_ERROR), CRATON_RV(CKR_FUNCTION_FAILED), CRATON_RV(CKR_ARGUMENTS_BAD),
      CRATON_RV(CKR_NO_EVENT), CRATON_RV(CKR_CANT_LOCK), CRATON_RV(CKR_ATTRIBUTE_READ_ONLY),
      CRATON_RV(CKR_ATTRIBUTE_SENSITIVE), CRATON_RV(CKR_ATTRIBUTE_TYPE_INVALID),
      CRATON_RV(CKR_ATTRIBUTE_VALUE_INVALID), CRATON_RV(CKR_DATA_INVALID), CRATON_RV(CKR_DATA_LEN_RANGE),
      CRATON_RV(CKR_DEVICE_ERROR), CRATON_RV(CKR_ENCRYPTED_DATA_INVALID),
      CRATON_RV(CKR_ENCRYPTED_DATA_LEN_RANGE), CRATON_RV(CKR_FUNCTION_NOT_PARALLEL),
      CRATON_RV(CKR_FUNCTION_NOT_SUPPORTED), CRATON_RV(CKR_KEY_HANDLE_INVALID),
      CRATON_RV(CKR_KEY_SIZE_RANGE), CRATON_RV(CKR_KEY_TYPE_INCONSISTENT),
      CRATON_RV(CKR_KEY_FUNCTION_NOT_PERMITTED), CRATON_RV(CKR_KEY_NOT_WRAPPABLE),
      CRATON_RV(CKR_KEY_UNEXTRACTABLE), CRATON_RV(CKR_MECHANISM_INVALID),
      CRATON_RV(CKR_MECHANISM_PARAM_INVALID), CRATON_RV(CKR_OBJECT_HANDLE_INVALID),
      CRATON_RV(CKR_OPERATION_ACTIVE), CRATON_RV(CKR_OPERATION_NOT_INITIALIZED),
      CRATON_RV(CKR_PIN_INCORRECT), CRATON_RV(CKR_PIN_INVALID), CRATON_RV(CKR_PIN_LEN_RANGE),
      CRATON_RV(CKR_PIN_LOCKED), CRATON_RV(CKR_SESSION_CLOSED), CRATON_RV(CKR_SESSION_COUNT),
      CRATON_RV(CKR_SESSION_HANDLE_INVALID), CRATON_RV(CKR_SESSION_PARALLEL_NOT_SUPPORTED),
      CRATON_RV(CKR_SESSION_READ_ONLY), CRATON_RV(CKR_SESSION_EXISTS),
      CRATON_RV(CKR_SESSION_READ_ONLY_EXISTS), CRATON_RV(CKR_SESSION_READ_WRITE_SO_EXISTS),
      CRATON_RV(CKR_SIGNATURE_INVALID), CRATON_RV(CKR_SIGNATURE_LEN_RANGE),
      CRATON_RV(CKR_TEMPLATE_INCOMPLETE), CRATON_RV(CKR_TEMPLATE_INCONSISTENT),
      CRATON_RV(CKR_TOKEN_NOT_PRESENT), CRATON_RV(CKR_TOKEN_NOT_RECOGNIZED),
      CRATON_RV(CKR_TOKEN_WRITE_PROTECTED), CRATON_RV(CKR_USER_ALREADY_LOGGED_IN),
      CRATON_RV(CKR_USER_NOT_LOGGED_IN), CRATON_RV(CKR_USER_PIN_NOT_INITIALIZED),
      CRATON_RV(CKR_USER_TYPE_INVALID), CRATON_RV(CKR_USER_ANOTHER_ALREADY_LOGGED_IN),
      CRATON_RV(CKR_WRAPPED_KEY_INVALID), CRATON_RV(CKR_WRAPPED_KEY_LEN_RANGE),
      CRATON_RV(CKR_WRAPPING_KEY_HANDLE_INVALID), CRATON_RV(CKR_WRAPPING_KEY_TYPE_INCONSISTENT),
      CRATON_RV(CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT), CRATON_RV(CKR_RANDOM_SEED_NOT_SUPPORTED),
      CRATON_RV(CKR_BUFFER_TOO_SMALL), CRATON_RV(CKR_SAVED_STATE_INVALID),
      CRATON_RV(CKR_STATE_UNSAVEABLE), CRATON_RV(CKR_CRYPTOKI_NOT_INITIALIZED),
      CRATON_RV(CKR_CRYPTOKI_ALREADY_INITIALIZED), CRATON_RV(CKR_CURVE_NOT_SUPPORTED),
#undef CRATON_RV
  };
  return names;
}

// The module reports diagnostics only to the file CRATON_HSM_LOG names (and
// to stderr with CRATON_HSM_DEBUG): give this test program its own file. The
// module creates it on the first message, so a program that gets none leaves
// nothing behind; the process that chose the name removes it at exit (forked
// children _exit).
std::string prepare_log_file() {
  if (const char* existing = std::getenv("CRATON_HSM_LOG"); existing != nullptr && *existing != '\0') {
    return existing;
  }
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  const std::string name = "craton-abi-log-" + std::to_string(::getpid()) + "-" + std::to_string(now);
  const std::string path = (std::filesystem::temp_directory_path() / name).string();
  ::setenv("CRATON_HSM_LOG", path.c_str(), 1);
  static std::string created;
  static pid_t creator = 0;
  created = path;
  creator = ::getpid();
  std::atexit([] {
    if (::getpid() == creator) ::unlink(created.c_str());
  });
  return path;
}

Module load_module() {
  Module m;
  m.log_path = prepare_log_file();
  m.handle = ::dlopen(CRATON_MODULE_PATH, RTLD_NOW | RTLD_LOCAL);
  if (m.handle == nullptr) throw std::runtime_error(std::string("dlopen: ") + ::dlerror());
  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(m.handle, "C_GetFunctionList"));
  m.get_interface_list = reinterpret_cast<CK_C_GetInterfaceList>(::dlsym(m.handle, "C_GetInterfaceList"));
  m.get_interface = reinterpret_cast<CK_C_GetInterface>(::dlsym(m.handle, "C_GetInterface"));
  if (get_list == nullptr || m.get_interface_list == nullptr || m.get_interface == nullptr) {
    throw std::runtime_error("module lacks C_GetFunctionList / C_GetInterfaceList / C_GetInterface");
  }
  if (get_list(&m.v2_40) != CKR_OK) throw std::runtime_error("C_GetFunctionList failed");
  CK_UTF8CHAR name[] = "PKCS 11";
  CK_VERSION v30{3, 0};
  CK_VERSION v32{3, 2};
  CK_INTERFACE* interface = nullptr;
  if (m.get_interface(name, &v30, &interface, 0) != CKR_OK) throw std::runtime_error("no PKCS 11 3.0 interface");
  m.v3_0 = static_cast<CK_FUNCTION_LIST_3_0*>(interface->pFunctionList);
  if (m.get_interface(name, &v32, &interface, 0) != CKR_OK) throw std::runtime_error("no PKCS 11 3.2 interface");
  m.v3_2 = static_cast<CK_FUNCTION_LIST_3_2*>(interface->pFunctionList);
  return m;
}

Bytes oid_der(std::initializer_list<std::uint8_t> body) {
  // Built by push_back: GCC 12 at -O2 reports a false -Warray-bounds for
  // vector::insert from an initializer_list here.
  Bytes out;
  out.reserve(body.size() + 2);
  out.push_back(0x06);
  out.push_back(static_cast<std::uint8_t>(body.size()));
  for (std::uint8_t b : body) out.push_back(b);
  return out;
}

std::filesystem::path make_temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "craton-abi-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

}  // namespace

std::string rv_name(CK_RV rv) {
  auto it = rv_names().find(rv);
  if (it != rv_names().end()) return it->second;
  char buf[32];
  std::snprintf(buf, sizeof buf, "CKR_0x%08lx", rv);
  return buf;
}

const Module& Module::get() {
  static const Module module = load_module();
  return module;
}

LogFileIn::LogFileIn(const std::filesystem::path& dir) {
  if (const char* previous = std::getenv("CRATON_HSM_LOG"); previous != nullptr) {
    had_previous_ = true;
    previous_ = previous;
  }
  ::setenv("CRATON_HSM_LOG", (dir / "diagnostics.log").c_str(), 1);
}

LogFileIn::~LogFileIn() {
  if (had_previous_) {
    ::setenv("CRATON_HSM_LOG", previous_.c_str(), 1);
  } else {
    ::unsetenv("CRATON_HSM_LOG");
  }
}

std::string Module::last_error() const {
  std::ifstream in(log_path);
  if (!in) return "<no diagnostic: " + log_path + " does not exist>";
  // "<UTC timestamp> craton-hsm[<pid>]: <message>"
  const std::string tag = " craton-hsm[" + std::to_string(::getpid()) + "]: ";
  std::string line, last = "<no diagnostic from this process in " + log_path + ">";
  while (std::getline(in, line)) {
    if (const std::size_t at = line.find(tag); at != std::string::npos) last = line.substr(at + tag.size());
  }
  return last;
}

// --- Template ---

Template& Template::add_raw(CK_ATTRIBUTE_TYPE type, void* value, CK_ULONG length) {
  attrs_.push_back(CK_ATTRIBUTE{type, value, length});
  return *this;
}

Template& Template::add_bytes(CK_ATTRIBUTE_TYPE type, const Bytes& value) {
  Bytes& stored = storage_.emplace_back(value);
  return add_raw(type, stored.empty() ? nullptr : stored.data(), static_cast<CK_ULONG>(stored.size()));
}

Template& Template::add_bool(CK_ATTRIBUTE_TYPE type, bool value) {
  return add_bytes(type, Bytes{static_cast<std::uint8_t>(value ? CK_TRUE : CK_FALSE)});
}

Template& Template::add_ulong(CK_ATTRIBUTE_TYPE type, CK_ULONG value) {
  Bytes b(sizeof value);
  std::memcpy(b.data(), &value, sizeof value);
  return add_bytes(type, b);
}

Template& Template::add_string(CK_ATTRIBUTE_TYPE type, const std::string& value) {
  return add_bytes(type, Bytes(value.begin(), value.end()));
}

Template& Template::add_template(CK_ATTRIBUTE_TYPE type, Template& nested) {
  return add_raw(type, nested.data(), nested.count() * static_cast<CK_ULONG>(sizeof(CK_ATTRIBUTE)));
}

// --- Curve parameters ---

Bytes p256_params() { return oid_der({0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}); }
Bytes p384_params() { return oid_der({0x2b, 0x81, 0x04, 0x00, 0x22}); }
Bytes ed25519_params() { return oid_der({0x2b, 0x65, 0x70}); }
Bytes x25519_params() { return oid_der({0x2b, 0x65, 0x6e}); }

Bytes to_bytes(const std::string& text) { return Bytes(text.begin(), text.end()); }

// --- AbiTest ---

void AbiTest::write_config(const std::filesystem::path& dir, const std::string& extra_security) {
  std::ofstream out(dir / "craton_hsm.toml");
  out << "[token]\nstorage_path = \"store\"\n"
      << "[security]\npbkdf2_iterations = 100000\npin_min_length = 4\n"
      << extra_security;
  out.close();
  ::setenv("CRATON_HSM_CONFIG", (dir / "craton_hsm.toml").c_str(), 1);
}

void AbiTest::SetUp() {
  p11 = Module::get().v3_2;
  dir_ = make_temp_dir();
  write_config(dir_, extra_security_config());
  const CK_RV rv = p11->C_Initialize(nullptr);
  ASSERT_CKR(CKR_OK, rv) << Module::get().last_error();
  initialized_ = true;
  CK_ULONG count = 1;
  ASSERT_CKR(CKR_OK, p11->C_GetSlotList(CK_TRUE, &slot, &count));
  ASSERT_GE(count, 1u);
}

void AbiTest::TearDown() {
  if (initialized_) {
    EXPECT_CKR(CKR_OK, p11->C_Finalize(nullptr));
  }
  initialized_ = false;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void AbiTest::restart() {
  finalize_module();
  ::setenv("CRATON_HSM_CONFIG", (dir_ / "craton_hsm.toml").c_str(), 1);
  ASSERT_CKR(CKR_OK, initialize_module(nullptr)) << Module::get().last_error();
}

CK_RV AbiTest::initialize_module(CK_VOID_PTR args) {
  const CK_RV rv = p11->C_Initialize(args);
  if (rv == CKR_OK) initialized_ = true;
  return rv;
}

void AbiTest::finalize_module() {
  ASSERT_CKR(CKR_OK, p11->C_Finalize(nullptr));
  initialized_ = false;
}

void AbiTest::init_token(const std::string& label) {
  std::string padded = label;
  padded.resize(32, ' ');
  ASSERT_CKR(CKR_OK, p11->C_InitToken(slot, (CK_UTF8CHAR_PTR)kSoPin, std::strlen(kSoPin),
                                      reinterpret_cast<CK_UTF8CHAR_PTR>(padded.data())));
  CK_SESSION_HANDLE so = open_session();
  login(so, CKU_SO, kSoPin);
  ASSERT_CKR(CKR_OK, p11->C_InitPIN(so, (CK_UTF8CHAR_PTR)kUserPin, std::strlen(kUserPin)));
  ASSERT_CKR(CKR_OK, p11->C_Logout(so));
  ASSERT_CKR(CKR_OK, p11->C_CloseSession(so));
}

CK_SESSION_HANDLE AbiTest::open_session(bool read_write) {
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  const CK_FLAGS flags = CKF_SERIAL_SESSION | (read_write ? CKF_RW_SESSION : 0);
  EXPECT_CKR(CKR_OK, p11->C_OpenSession(slot, flags, nullptr, nullptr, &session));
  return session;
}

void AbiTest::login(CK_SESSION_HANDLE session, CK_USER_TYPE user, const std::string& pin) {
  ASSERT_CKR(CKR_OK, p11->C_Login(session, user, (CK_UTF8CHAR_PTR)pin.data(), pin.size()));
}

CK_SESSION_HANDLE AbiTest::user_session() {
  init_token();
  CK_SESSION_HANDLE session = open_session();
  login(session);
  return session;
}

CK_OBJECT_HANDLE AbiTest::generate_aes(CK_SESSION_HANDLE session, CK_ULONG bytes, Template* extra) {
  Template local;
  local.add_bool(CKA_ENCRYPT, true).add_bool(CKA_DECRYPT, true).add_bool(CKA_WRAP, true).add_bool(CKA_UNWRAP, true);
  Template& t = extra != nullptr ? *extra : local;
  t.add_ulong(CKA_VALUE_LEN, bytes);
  CK_MECHANISM mech{CKM_AES_KEY_GEN, nullptr, 0};
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_OK, p11->C_GenerateKey(session, &mech, t.data(), t.count(), &key));
  return key;
}

CK_OBJECT_HANDLE AbiTest::import_secret(CK_SESSION_HANDLE session, CK_KEY_TYPE key_type, const Bytes& value,
                                        Template* extra, bool sensitive) {
  Template local;
  Template& t = extra != nullptr ? *extra : local;
  t.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, key_type).add_bytes(CKA_VALUE, value);
  t.add_bool(CKA_SENSITIVE, sensitive);
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_OK, p11->C_CreateObject(session, t.data(), t.count(), &key));
  return key;
}

KeyPair AbiTest::generate_rsa(CK_SESSION_HANDLE session, CK_ULONG bits) {
  Template pub;
  pub.add_ulong(CKA_MODULUS_BITS, bits).add_bytes(CKA_PUBLIC_EXPONENT, {0x01, 0x00, 0x01});
  pub.add_bool(CKA_VERIFY, true).add_bool(CKA_ENCRYPT, true).add_bool(CKA_WRAP, true);
  Template priv;
  priv.add_bool(CKA_SIGN, true).add_bool(CKA_DECRYPT, true).add_bool(CKA_UNWRAP, true);
  priv.add_bool(CKA_SENSITIVE, true);
  CK_MECHANISM mech{CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
  KeyPair kp;
  EXPECT_CKR(CKR_OK, p11->C_GenerateKeyPair(session, &mech, pub.data(), pub.count(), priv.data(), priv.count(),
                                            &kp.public_key, &kp.private_key));
  return kp;
}

KeyPair AbiTest::generate_ec(CK_SESSION_HANDLE session, const Bytes& params) {
  Template pub;
  pub.add_bytes(CKA_EC_PARAMS, params).add_bool(CKA_VERIFY, true);
  Template priv;
  priv.add_bool(CKA_SIGN, true).add_bool(CKA_DERIVE, true).add_bool(CKA_SENSITIVE, true);
  CK_MECHANISM mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  KeyPair kp;
  EXPECT_CKR(CKR_OK, p11->C_GenerateKeyPair(session, &mech, pub.data(), pub.count(), priv.data(), priv.count(),
                                            &kp.public_key, &kp.private_key));
  return kp;
}

KeyPair AbiTest::generate_ed25519(CK_SESSION_HANDLE session) {
  Template pub;
  pub.add_bytes(CKA_EC_PARAMS, ed25519_params()).add_bool(CKA_VERIFY, true);
  Template priv;
  priv.add_bool(CKA_SIGN, true).add_bool(CKA_SENSITIVE, true);
  CK_MECHANISM mech{CKM_EC_EDWARDS_KEY_PAIR_GEN, nullptr, 0};
  KeyPair kp;
  EXPECT_CKR(CKR_OK, p11->C_GenerateKeyPair(session, &mech, pub.data(), pub.count(), priv.data(), priv.count(),
                                            &kp.public_key, &kp.private_key));
  return kp;
}

Bytes AbiTest::attribute(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE attr{type, nullptr, 0};
  EXPECT_CKR(CKR_OK, p11->C_GetAttributeValue(session, object, &attr, 1)) << "attribute 0x" << std::hex << type;
  if (attr.ulValueLen == CK_UNAVAILABLE_INFORMATION) return {};
  Bytes value(attr.ulValueLen);
  attr.pValue = value.data();
  EXPECT_CKR(CKR_OK, p11->C_GetAttributeValue(session, object, &attr, 1)) << "attribute 0x" << std::hex << type;
  value.resize(attr.ulValueLen == CK_UNAVAILABLE_INFORMATION ? 0 : attr.ulValueLen);
  return value;
}

CK_ULONG AbiTest::attribute_ulong(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
  const Bytes value = attribute(session, object, type);
  CK_ULONG out = CK_UNAVAILABLE_INFORMATION;
  EXPECT_EQ(sizeof out, value.size());
  if (value.size() == sizeof out) std::memcpy(&out, value.data(), sizeof out);
  return out;
}

bool AbiTest::attribute_bool(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
  const Bytes value = attribute(session, object, type);
  EXPECT_EQ(1u, value.size());
  return value.size() == 1 && value[0] != CK_FALSE;
}

CK_TOKEN_INFO AbiTest::token_info() {
  CK_TOKEN_INFO info{};
  EXPECT_CKR(CKR_OK, p11->C_GetTokenInfo(slot, &info));
  return info;
}

}  // namespace abi_test
