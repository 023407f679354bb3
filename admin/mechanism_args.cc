#include "mechanism_args.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "context.h"
#include "crypto/key_attributes.h"
#include "crypto/mechanism.h"
#include "errors.h"

namespace craton::admin {
namespace {

struct HashInfo {
  CK_MECHANISM_TYPE hash;
  CK_RSA_PKCS_MGF_TYPE mgf;
  CK_ULONG bytes;
};

const std::map<std::string, HashInfo> kHashes = {
    {"sha1", {CKM_SHA_1, CKG_MGF1_SHA1, 20}},         {"sha224", {CKM_SHA224, CKG_MGF1_SHA224, 28}},
    {"sha256", {CKM_SHA256, CKG_MGF1_SHA256, 32}},     {"sha384", {CKM_SHA384, CKG_MGF1_SHA384, 48}},
    {"sha512", {CKM_SHA512, CKG_MGF1_SHA512, 64}},     {"sha3-224", {CKM_SHA3_224, CKG_MGF1_SHA3_224, 28}},
    {"sha3-256", {CKM_SHA3_256, CKG_MGF1_SHA3_256, 32}}, {"sha3-384", {CKM_SHA3_384, CKG_MGF1_SHA3_384, 48}},
    {"sha3-512", {CKM_SHA3_512, CKG_MGF1_SHA3_512, 64}},
};

// The hash inside a hash-and-sign PSS mechanism.
const std::map<CK_MECHANISM_TYPE, std::string> kPssHash = {
    {CKM_SHA1_RSA_PKCS_PSS, "sha1"},       {CKM_SHA224_RSA_PKCS_PSS, "sha224"},
    {CKM_SHA256_RSA_PKCS_PSS, "sha256"},   {CKM_SHA384_RSA_PKCS_PSS, "sha384"},
    {CKM_SHA512_RSA_PKCS_PSS, "sha512"},   {CKM_SHA3_224_RSA_PKCS_PSS, "sha3-224"},
    {CKM_SHA3_256_RSA_PKCS_PSS, "sha3-256"}, {CKM_SHA3_384_RSA_PKCS_PSS, "sha3-384"},
    {CKM_SHA3_512_RSA_PKCS_PSS, "sha3-512"},
};

std::string canonical(std::string_view name) {
  std::string out;
  for (char c : name) out.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  if (out.rfind("CKM_", 0) != 0) out = "CKM_" + out;
  return out;
}

const HashInfo& hash_named(const std::string& name) {
  auto it = kHashes.find(name);
  if (it == kHashes.end()) fail(Exit::kUsage, "--hash " + name + ": use sha1, sha224, sha256, sha384, sha512 or sha3-*");
  return it->second;
}

void take_iv(PreparedMechanism& p, std::size_t size, AdminSession& session, bool encrypting, ByteView& input) {
  if (encrypting) {
    p.iv.resize(size);
    check(session.core().generate_random(session.handle(), p.iv), "generating an IV");
    return;
  }
  if (input.size() < size) fail(Exit::kFailed, "ciphertext is shorter than its " + std::to_string(size) + "-byte IV");
  p.iv.assign(input.begin(), input.begin() + static_cast<std::ptrdiff_t>(size));
  input = input.subspan(size);
}

}  // namespace

CK_MECHANISM_TYPE mechanism_by_name(std::string_view name) {
  const std::string wanted = canonical(name);
  for (const crypto::MechanismEntry& e : crypto::all_mechanisms()) {
    if (wanted == e.name) return e.type;
  }
  fail(Exit::kUsage, "--mechanism " + std::string(name) + " is not a mechanism this module offers (see docs/mechanisms.md)");
}

std::string mechanism_name(CK_MECHANISM_TYPE type) {
  const crypto::MechanismEntry* e = crypto::find_mechanism(type);
  return e != nullptr ? e->name : "mechanism " + std::to_string(type);
}

CK_MECHANISM_TYPE default_signature_mechanism(const Object& key) {
  switch (key.key_type()) {
    case CKK_RSA: return CKM_SHA256_RSA_PKCS;
    case CKK_EC: {
      const crypto::CurveInfo* curve = crypto::curve_from_ec_params(key.attrs.bytes_or_empty(CKA_EC_PARAMS));
      const CK_ULONG bits = curve != nullptr ? curve->bits : 256;
      return bits > 384 ? CKM_ECDSA_SHA512 : bits > 256 ? CKM_ECDSA_SHA384 : CKM_ECDSA_SHA256;
    }
    case CKK_EC_EDWARDS: return CKM_EDDSA;
    case CKK_ML_DSA: return CKM_ML_DSA;
    case CKK_SLH_DSA: return CKM_SLH_DSA;
    case CKK_GENERIC_SECRET: return CKM_SHA256_HMAC;
    case CKK_AES: return CKM_AES_CMAC;
    default: fail(Exit::kUsage, "this key type has no default signature mechanism; give --mechanism");
  }
}

CK_MECHANISM_TYPE default_cipher_mechanism(const Object& key) {
  switch (key.key_type()) {
    case CKK_RSA: return CKM_RSA_PKCS_OAEP;
    case CKK_AES: return CKM_AES_GCM;
    default: fail(Exit::kUsage, "this key type has no default cipher mechanism; give --mechanism");
  }
}

std::unique_ptr<PreparedMechanism> prepare_mechanism(CK_MECHANISM_TYPE type, const std::string& oaep_hash) {
  auto p = std::make_unique<PreparedMechanism>();
  p->mechanism.mechanism = type;
  if (auto it = kPssHash.find(type); it != kPssHash.end()) {
    const HashInfo& h = hash_named(it->second);
    p->pss = {h.hash, h.mgf, h.bytes};
    p->mechanism.pParameter = &p->pss;
    p->mechanism.ulParameterLen = sizeof p->pss;
  } else if (type == CKM_RSA_PKCS_OAEP) {
    const HashInfo& h = hash_named(oaep_hash);
    p->oaep = {h.hash, h.mgf, CKZ_DATA_SPECIFIED, nullptr, 0};
    p->mechanism.pParameter = &p->oaep;
    p->mechanism.ulParameterLen = sizeof p->oaep;
  } else if (type == CKM_RSA_PKCS_PSS) {
    fail(Exit::kUsage, "CKM_RSA_PKCS_PSS signs a digest computed elsewhere; use CKM_SHA256_RSA_PKCS_PSS (or another hash)");
  }
  return p;
}

std::unique_ptr<PreparedMechanism> prepare_cipher(CK_MECHANISM_TYPE type, const std::string& oaep_hash,
                                                  AdminSession& session, bool encrypting, ByteView& input) {
  auto p = prepare_mechanism(type, oaep_hash);
  if (type == CKM_AES_GCM) {
    take_iv(*p, 12, session, encrypting, input);
    p->gcm = {p->iv.data(), p->iv.size(), p->iv.size() * 8, nullptr, 0, 128};
    p->mechanism.pParameter = &p->gcm;
    p->mechanism.ulParameterLen = sizeof p->gcm;
  } else if (type == CKM_AES_CBC || type == CKM_AES_CBC_PAD) {
    take_iv(*p, 16, session, encrypting, input);
    p->mechanism.pParameter = p->iv.data();
    p->mechanism.ulParameterLen = p->iv.size();
  } else if (type == CKM_AES_CTR) {
    take_iv(*p, 16, session, encrypting, input);
    p->ctr.ulCounterBits = 128;
    std::copy(p->iv.begin(), p->iv.end(), p->ctr.cb);
    p->mechanism.pParameter = &p->ctr;
    p->mechanism.ulParameterLen = sizeof p->ctr;
  }
  return p;
}

}  // namespace craton::admin
