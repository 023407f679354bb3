// Attribute templates, key generation and the token keys shared by the cases.
#pragma once

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "p11_module.h"

namespace bench::p11 {

// Builds a CK_ATTRIBUTE array that owns its values.
class Template {
 public:
  Template& flag(CK_ATTRIBUTE_TYPE type, bool value);
  Template& ulong(CK_ATTRIBUTE_TYPE type, CK_ULONG value);
  Template& bytes(CK_ATTRIBUTE_TYPE type, const Bytes& value);
  Template& text(CK_ATTRIBUTE_TYPE type, const std::string& value);
  CK_ATTRIBUTE_PTR data() { return attrs_.data(); }
  CK_ULONG size() const { return attrs_.size(); }

 private:
  std::vector<CK_ATTRIBUTE> attrs_;
  std::deque<Bytes> values_;  // a deque never moves what it already holds
};

// A mechanism with a private copy of its (pointer-free) parameter struct.
struct Mech {
  CK_MECHANISM_TYPE type = 0;
  Bytes param;
  CK_MECHANISM get() {
    return {type, param.empty() ? nullptr : param.data(), static_cast<CK_ULONG>(param.size())};
  }
};
template <class T>
Mech mech_with(CK_MECHANISM_TYPE type, const T& param) {
  const auto* p = reinterpret_cast<const unsigned char*>(&param);
  return {type, Bytes(p, p + sizeof param)};
}

// A mechanism and its name, for "not offered" messages.
struct MechName {
  CK_MECHANISM_TYPE type;
  const char* name;
};
#define BENCH_MECH(m) ::bench::p11::MechName{m, #m}

enum class KeyKind {
  rsa2048, rsa3072, p256, p384, ed25519, aes256, hmac256,
  // post-quantum (PKCS#11 3.2): the parameter set is part of the kind
  ml_dsa_44, ml_dsa_65, ml_dsa_87,
  ml_kem_512, ml_kem_768, ml_kem_1024,
  slh_dsa_sha2_128s, slh_dsa_sha2_128f,
};

struct KeyPair {
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE priv = CK_INVALID_HANDLE;
};

// The mechanism that generates keys of `kind`.
MechName keygen_mechanism(KeyKind kind);

// Generate a key pair / secret key. `token` selects token vs session objects.
CK_RV generate_pair(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, KeyKind kind, bool token,
                    const std::string& label, KeyPair* out);
CK_RV generate_secret(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, KeyKind kind, bool token,
                      const std::string& label, CK_OBJECT_HANDLE* out);

// Token keys generated once per run on the login session, destroyed at the end.
class KeyStore {
 public:
  KeyStore(const Module& module, CK_SESSION_HANDLE session, std::string prefix);
  ~KeyStore();
  KeyStore(const KeyStore&) = delete;
  KeyStore& operator=(const KeyStore&) = delete;

  KeyPair pair(KeyKind kind);               // throws p11::Error on failure
  CK_OBJECT_HANDLE secret(KeyKind kind);    // ditto

 private:
  CK_FUNCTION_LIST_PTR fn_;
  CK_SESSION_HANDLE session_;
  std::string prefix_;
  std::map<KeyKind, KeyPair> pairs_;
  std::map<KeyKind, CK_OBJECT_HANDLE> secrets_;
};

}  // namespace bench::p11
