// Shared pieces of the HashML-DSA and SLH-DSA ABI tests: a fixture with a
// logged-in session and sign/verify helpers (single-part, C_*Update in three
// parts, C_VerifySignature*), the M' of the pre-hash mechanisms computed
// independently with OpenSSL, and mechanism-list helpers.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "coverage_reference.h"
#include "module_fixture.h"
#include "openssl_check.h"

namespace abi_test {

// One pre-hash function of FIPS 204 §5.4 / FIPS 205 §10.2.2, as the tests
// name it: the mechanisms, the hash identifier of CK_HASH_SIGN_ADDITIONAL_CONTEXT,
// OpenSSL's name, the output length and the DER OID (hex) that goes into M'.
struct Prehash {
  CK_MECHANISM_TYPE ml_dsa;
  CK_MECHANISM_TYPE slh_dsa;
  CK_MECHANISM_TYPE hash;
  const char* openssl_name;
  std::size_t length;
  bool xof;
  const char* oid_hex;
};
inline constexpr Prehash kPrehashes[] = {
    {CKM_HASH_ML_DSA_SHA224, CKM_HASH_SLH_DSA_SHA224, CKM_SHA224, "SHA2-224", 28, false, "0609608648016503040204"},
    {CKM_HASH_ML_DSA_SHA256, CKM_HASH_SLH_DSA_SHA256, CKM_SHA256, "SHA2-256", 32, false, "0609608648016503040201"},
    {CKM_HASH_ML_DSA_SHA384, CKM_HASH_SLH_DSA_SHA384, CKM_SHA384, "SHA2-384", 48, false, "0609608648016503040202"},
    {CKM_HASH_ML_DSA_SHA512, CKM_HASH_SLH_DSA_SHA512, CKM_SHA512, "SHA2-512", 64, false, "0609608648016503040203"},
    {CKM_HASH_ML_DSA_SHA3_224, CKM_HASH_SLH_DSA_SHA3_224, CKM_SHA3_224, "SHA3-224", 28, false,
     "0609608648016503040207"},
    {CKM_HASH_ML_DSA_SHA3_256, CKM_HASH_SLH_DSA_SHA3_256, CKM_SHA3_256, "SHA3-256", 32, false,
     "0609608648016503040208"},
    {CKM_HASH_ML_DSA_SHA3_384, CKM_HASH_SLH_DSA_SHA3_384, CKM_SHA3_384, "SHA3-384", 48, false,
     "0609608648016503040209"},
    {CKM_HASH_ML_DSA_SHA3_512, CKM_HASH_SLH_DSA_SHA3_512, CKM_SHA3_512, "SHA3-512", 64, false,
     "060960864801650304020a"},
    {CKM_HASH_ML_DSA_SHAKE128, CKM_HASH_SLH_DSA_SHAKE128, CKM_SHAKE_128_KEY_DERIVATION, "SHAKE128", 32, true,
     "060960864801650304020b"},
    {CKM_HASH_ML_DSA_SHAKE256, CKM_HASH_SLH_DSA_SHAKE256, CKM_SHAKE_256_KEY_DERIVATION, "SHAKE256", 64, true,
     "060960864801650304020c"},
};

// PH(M) with OpenSSL in the test process.
inline Bytes prehash_of(const Prehash& p, const Bytes& message) {
  return p.xof ? ossl::xof(p.openssl_name, message, p.length) : ossl::digest(p.openssl_name, message);
}

// M' = 0x01 || len(ctx) || ctx || OID || PH(M) (FIPS 204 Algorithm 4, FIPS 205 Algorithm 23).
inline Bytes message_prime(const Prehash& p, const Bytes& context, const Bytes& digest) {
  Bytes out{0x01, static_cast<std::uint8_t>(context.size())};
  out.insert(out.end(), context.begin(), context.end());
  const Bytes oid = ossl::from_hex(p.oid_hex);
  out.insert(out.end(), oid.begin(), oid.end());
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

inline std::vector<CK_MECHANISM_TYPE> mechanism_list(CK_FUNCTION_LIST_3_2* p11, CK_SLOT_ID slot) {
  CK_ULONG count = 0;
  EXPECT_CKR(CKR_OK, p11->C_GetMechanismList(slot, nullptr, &count));
  std::vector<CK_MECHANISM_TYPE> list(count);
  EXPECT_CKR(CKR_OK, p11->C_GetMechanismList(slot, list.data(), &count));
  list.resize(count);
  return list;
}

inline bool listed(const std::vector<CK_MECHANISM_TYPE>& list, CK_MECHANISM_TYPE m) {
  return std::find(list.begin(), list.end(), m) != list.end();
}

class PqSignatureTest : public AbiTest {
 protected:
  void SetUp() override {
    AbiTest::SetUp();
    session = user_session();
  }

  // A key pair of `keygen` (CKM_ML_DSA_KEY_PAIR_GEN / CKM_SLH_DSA_KEY_PAIR_GEN)
  // with `set`; `extra_private` adds attributes to the private template.
  KeyPair generate(CK_MECHANISM_TYPE keygen, CK_ULONG set, Template* extra_private = nullptr) {
    Template pub;
    pub.add_ulong(CKA_PARAMETER_SET, set).add_bool(CKA_VERIFY, true);
    Template local_priv;
    Template& priv = extra_private != nullptr ? *extra_private : local_priv;
    priv.add_bool(CKA_SIGN, true);
    CK_MECHANISM mech{keygen, nullptr, 0};
    KeyPair kp;
    EXPECT_CKR(CKR_OK, p11->C_GenerateKeyPair(session, &mech, pub.data(), pub.count(), priv.data(), priv.count(),
                                              &kp.public_key, &kp.private_key));
    return kp;
  }

  Bytes sign(CK_MECHANISM mech, CK_OBJECT_HANDLE key, const Bytes& data) {
    EXPECT_CKR(CKR_OK, p11->C_SignInit(session, &mech, key));
    CK_ULONG len = 0;
    EXPECT_CKR(CKR_OK, p11->C_Sign(session, ref::ptr(data), data.size(), nullptr, &len));
    Bytes sig(len);
    EXPECT_CKR(CKR_OK, p11->C_Sign(session, ref::ptr(data), data.size(), sig.data(), &len));
    sig.resize(len);
    return sig;
  }

  Bytes sign_parts(CK_MECHANISM mech, CK_OBJECT_HANDLE key, const Bytes& data) {
    EXPECT_CKR(CKR_OK, p11->C_SignInit(session, &mech, key));
    for (const Bytes& part : split(data)) {
      EXPECT_CKR(CKR_OK, p11->C_SignUpdate(session, ref::ptr(part), part.size()));
    }
    CK_ULONG len = 0;
    EXPECT_CKR(CKR_OK, p11->C_SignFinal(session, nullptr, &len));
    Bytes sig(len);
    EXPECT_CKR(CKR_OK, p11->C_SignFinal(session, sig.data(), &len));
    sig.resize(len);
    return sig;
  }

  CK_RV verify(CK_MECHANISM mech, CK_OBJECT_HANDLE key, const Bytes& data, const Bytes& sig) {
    EXPECT_CKR(CKR_OK, p11->C_VerifyInit(session, &mech, key));
    return p11->C_Verify(session, ref::ptr(data), data.size(), ref::ptr(sig), sig.size());
  }

  CK_RV verify_parts(CK_MECHANISM mech, CK_OBJECT_HANDLE key, const Bytes& data, const Bytes& sig) {
    EXPECT_CKR(CKR_OK, p11->C_VerifyInit(session, &mech, key));
    for (const Bytes& part : split(data)) {
      EXPECT_CKR(CKR_OK, p11->C_VerifyUpdate(session, ref::ptr(part), part.size()));
    }
    return p11->C_VerifyFinal(session, ref::ptr(sig), sig.size());
  }

  CK_RV verify_signature_parts(CK_MECHANISM mech, CK_OBJECT_HANDLE key, const Bytes& data, const Bytes& sig) {
    EXPECT_CKR(CKR_OK, p11->C_VerifySignatureInit(session, &mech, key, ref::ptr(sig), sig.size()));
    for (const Bytes& part : split(data)) {
      EXPECT_CKR(CKR_OK, p11->C_VerifySignatureUpdate(session, ref::ptr(part), part.size()));
    }
    return p11->C_VerifySignatureFinal(session);
  }

  static std::vector<Bytes> split(const Bytes& data) {
    const std::size_t third = data.size() / 3;
    return {Bytes(data.begin(), data.begin() + static_cast<long>(third)),
            Bytes(data.begin() + static_cast<long>(third), data.begin() + static_cast<long>(2 * third)),
            Bytes(data.begin() + static_cast<long>(2 * third), data.end())};
  }

  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  const Bytes message = to_bytes("a message signed with a post-quantum signature scheme, hashed first");
};

// CK_SIGN_ADDITIONAL_CONTEXT / CK_HASH_SIGN_ADDITIONAL_CONTEXT mechanisms
// whose parameter lives in the caller's struct.
inline CK_MECHANISM with_context(CK_MECHANISM_TYPE type, CK_SIGN_ADDITIONAL_CONTEXT& params, CK_HEDGE_TYPE hedge,
                                 Bytes& context) {
  params = {hedge, context.empty() ? nullptr : context.data(), static_cast<CK_ULONG>(context.size())};
  return CK_MECHANISM{type, &params, sizeof params};
}
inline CK_MECHANISM with_hash(CK_MECHANISM_TYPE type, CK_HASH_SIGN_ADDITIONAL_CONTEXT& params, CK_HEDGE_TYPE hedge,
                              Bytes& context, CK_MECHANISM_TYPE hash) {
  params = {hedge, context.empty() ? nullptr : context.data(), static_cast<CK_ULONG>(context.size()), hash};
  return CK_MECHANISM{type, &params, sizeof params};
}

}  // namespace abi_test
