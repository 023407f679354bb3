// Test fixture for the ABI suite: the module is dlopen()ed and reached only
// through C_GetFunctionList / C_GetInterface, exactly as a consumer does.
// Each test gets its own directory with a craton_hsm.toml and a store, and
// runs between its own C_Initialize and C_Finalize.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <filesystem>
#include <string>
#include <vector>

#include "craton/pkcs11.h"

namespace abi_test {

using Bytes = std::vector<std::uint8_t>;

inline constexpr char kSoPin[] = "so-secret-1";
inline constexpr char kUserPin[] = "user-pin-1";

// "CKR_OK", "CKR_ARGUMENTS_BAD", ... or hex: readable assertion failures.
std::string rv_name(CK_RV rv);

#define EXPECT_CKR(expected, expr) EXPECT_EQ(::abi_test::rv_name(expected), ::abi_test::rv_name(expr))
#define ASSERT_CKR(expected, expr) ASSERT_EQ(::abi_test::rv_name(expected), ::abi_test::rv_name(expr))

// The loaded module: one dlopen for the whole test program.
struct Module {
  void* handle = nullptr;
  CK_FUNCTION_LIST* v2_40 = nullptr;   // from C_GetFunctionList
  CK_FUNCTION_LIST_3_0* v3_0 = nullptr;  // from C_GetInterface("PKCS 11", 3.0)
  CK_FUNCTION_LIST_3_2* v3_2 = nullptr;  // from C_GetInterface("PKCS 11", 3.2)
  CK_C_GetInterfaceList get_interface_list = nullptr;
  CK_C_GetInterface get_interface = nullptr;

  // The diagnostics file (CRATON_HSM_LOG) of this test program: set before
  // the module is loaded, unless the environment already names one.
  std::string log_path;

  static const Module& get();
  // The module's last diagnostic in this process (e.g. why C_Initialize
  // failed): the message of the last line of log_path written by this PID.
  std::string last_error() const;
};

// For tests whose forked children load the module themselves (the parent
// never does, so each child would create its own diagnostics file and, being
// killed or _exit()ing, never remove it): points CRATON_HSM_LOG at
// <dir>/diagnostics.log, which the test's own directory cleanup removes.
// The previous value comes back when this goes out of scope.
class LogFileIn {
 public:
  explicit LogFileIn(const std::filesystem::path& dir);
  ~LogFileIn();
  LogFileIn(const LogFileIn&) = delete;
  LogFileIn& operator=(const LogFileIn&) = delete;

 private:
  bool had_previous_ = false;
  std::string previous_;
};

// A template whose values live as long as it does.
class Template {
 public:
  Template() = default;
  Template(const Template&) = delete;
  Template& operator=(const Template&) = delete;

  Template& add_bool(CK_ATTRIBUTE_TYPE type, bool value);
  Template& add_ulong(CK_ATTRIBUTE_TYPE type, CK_ULONG value);
  Template& add_bytes(CK_ATTRIBUTE_TYPE type, const Bytes& value);
  Template& add_string(CK_ATTRIBUTE_TYPE type, const std::string& value);
  // An array attribute pointing at `nested` (which must outlive this template).
  Template& add_template(CK_ATTRIBUTE_TYPE type, Template& nested);
  // A raw attribute, for malformed-input tests.
  Template& add_raw(CK_ATTRIBUTE_TYPE type, void* value, CK_ULONG length);

  CK_ATTRIBUTE* data() { return attrs_.data(); }
  CK_ULONG count() const { return static_cast<CK_ULONG>(attrs_.size()); }

 private:
  std::deque<Bytes> storage_;
  std::vector<CK_ATTRIBUTE> attrs_;
};

struct KeyPair {
  CK_OBJECT_HANDLE public_key = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE private_key = CK_INVALID_HANDLE;
};

// DER of the namedCurve OIDs the tests use.
Bytes p256_params();
Bytes p384_params();
Bytes ed25519_params();
Bytes x25519_params();

Bytes to_bytes(const std::string& text);

class AbiTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Lines appended to the [security] section of this test's configuration.
  virtual std::string extra_security_config() const { return ""; }

  // Writes <dir>/craton_hsm.toml and points CRATON_HSM_CONFIG at it.
  static void write_config(const std::filesystem::path& dir, const std::string& extra_security = "");
  const std::filesystem::path& dir() const { return dir_; }

  // C_Finalize then C_Initialize (persistence across module restarts).
  void restart();
  // C_Initialize / C_Finalize keeping track of whether TearDown must finalize.
  CK_RV initialize_module(CK_VOID_PTR args);
  void finalize_module();

  // Token initialised with kSoPin and the user PIN set to kUserPin.
  void init_token(const std::string& label = "abi test token");
  CK_SESSION_HANDLE open_session(bool read_write = true);
  void login(CK_SESSION_HANDLE session, CK_USER_TYPE user = CKU_USER, const std::string& pin = kUserPin);
  // init_token + an R/W session with the user logged in.
  CK_SESSION_HANDLE user_session();

  // An AES session key; without `extra` it may encrypt, decrypt, wrap and unwrap.
  // CKA_VALUE_LEN is appended to `extra`.
  CK_OBJECT_HANDLE generate_aes(CK_SESSION_HANDLE session, CK_ULONG bytes, Template* extra = nullptr);
  // A secret key of `key_type` with a known value (CKA_SENSITIVE as given);
  // `extra` adds or overrides attributes (usage flags default to the token's).
  CK_OBJECT_HANDLE import_secret(CK_SESSION_HANDLE session, CK_KEY_TYPE key_type, const Bytes& value,
                                 Template* extra = nullptr, bool sensitive = true);
  KeyPair generate_rsa(CK_SESSION_HANDLE session, CK_ULONG bits = 2048);
  KeyPair generate_ec(CK_SESSION_HANDLE session, const Bytes& params);
  KeyPair generate_ed25519(CK_SESSION_HANDLE session);

  // An attribute's value; fails the test when it is not readable.
  Bytes attribute(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type);
  CK_ULONG attribute_ulong(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type);
  bool attribute_bool(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type);

  CK_TOKEN_INFO token_info();

  CK_FUNCTION_LIST_3_2* p11 = nullptr;
  CK_SLOT_ID slot = 0;

 private:
  std::filesystem::path dir_;
  bool initialized_ = false;
};

}  // namespace abi_test
