// HashML-DSA (FIPS 204 §5.4) through the PKCS#11 3.2 interface: every
// CKM_HASH_ML_DSA_<hash> single- and multi-part, and CKM_HASH_ML_DSA with the
// caller's hash, each signature checked by OpenSSL in the test process
// against an M' the test builds itself; the error paths, mechanism info and
// the [algorithms] switches.
#include <string>
#include <vector>

#include "pq_signature_fixture.h"

namespace abi_test {
namespace {

constexpr CK_ULONG kSet = CKP_ML_DSA_65;
constexpr char kAlgorithm[] = "ML-DSA-65";
constexpr std::size_t kSignatureBytes = 3309;

class HashMlDsaTest : public PqSignatureTest {
 protected:
  KeyPair generate_ml_dsa(CK_ULONG set = kSet) { return generate(CKM_ML_DSA_KEY_PAIR_GEN, set); }
};

TEST_F(HashMlDsaTest, EveryHashSingleAndMultiPartVerifiedByOpenSsl) {
  const KeyPair kp = generate_ml_dsa();
  const Bytes pub = attribute(session, kp.public_key, CKA_VALUE);
  Bytes context = to_bytes("hash-ml-dsa context");
  for (const Prehash& p : kPrehashes) {
    SCOPED_TRACE(p.openssl_name);
    const Bytes prime = message_prime(p, context, prehash_of(p, message));
    CK_SIGN_ADDITIONAL_CONTEXT params{};
    const CK_MECHANISM deterministic = with_context(p.ml_dsa, params, CKH_DETERMINISTIC_REQUIRED, context);
    const Bytes one = sign(deterministic, kp.private_key, message);
    const Bytes parts = sign_parts(deterministic, kp.private_key, message);
    ASSERT_EQ(kSignatureBytes, one.size());
    EXPECT_EQ(one, parts) << "deterministic: the streamed hash is the one-shot hash";
    EXPECT_TRUE(ossl::verify_pq_raw(kAlgorithm, pub, prime, one));
    EXPECT_FALSE(ossl::verify_ml_dsa(kAlgorithm, pub, context, message, one)) << "not a pure signature";
    CK_SIGN_ADDITIONAL_CONTEXT hedged_params{};
    const CK_MECHANISM hedged = with_context(p.ml_dsa, hedged_params, CKH_HEDGE_REQUIRED, context);
    const Bytes random = sign_parts(hedged, kp.private_key, message);
    EXPECT_NE(one, random);
    EXPECT_TRUE(ossl::verify_pq_raw(kAlgorithm, pub, prime, random));
    for (const Bytes* sig : {&one, &random}) {
      EXPECT_CKR(CKR_OK, verify(hedged, kp.public_key, message, *sig));
      EXPECT_CKR(CKR_OK, verify_parts(deterministic, kp.public_key, message, *sig));
      EXPECT_CKR(CKR_OK, verify_signature_parts(hedged, kp.public_key, message, *sig));
    }
    // Without the parameter: empty context, so the signature does not verify.
    const CK_MECHANISM bare{p.ml_dsa, nullptr, 0};
    EXPECT_CKR(CKR_SIGNATURE_INVALID, verify(bare, kp.public_key, message, one));
    const Bytes no_context = sign(bare, kp.private_key, message);
    EXPECT_TRUE(ossl::verify_pq_raw(kAlgorithm, pub, message_prime(p, {}, prehash_of(p, message)), no_context));
  }
}

// CKM_HASH_ML_DSA signs PH(M) as given: the same M' as the mechanism that
// hashes on the token, so deterministic signatures are identical.
TEST_F(HashMlDsaTest, CallerHashedMatchesTokenHashed) {
  const KeyPair kp = generate_ml_dsa();
  const Bytes pub = attribute(session, kp.public_key, CKA_VALUE);
  Bytes context = to_bytes("ctx");
  for (const Prehash& p : kPrehashes) {
    SCOPED_TRACE(p.openssl_name);
    const Bytes digest = prehash_of(p, message);
    CK_HASH_SIGN_ADDITIONAL_CONTEXT given{};
    const CK_MECHANISM generic = with_hash(CKM_HASH_ML_DSA, given, CKH_DETERMINISTIC_REQUIRED, context, p.hash);
    CK_SIGN_ADDITIONAL_CONTEXT hashing{};
    const CK_MECHANISM token = with_context(p.ml_dsa, hashing, CKH_DETERMINISTIC_REQUIRED, context);
    const Bytes sig = sign(generic, kp.private_key, digest);
    EXPECT_EQ(sig, sign(token, kp.private_key, message));
    EXPECT_TRUE(ossl::verify_pq_raw(kAlgorithm, pub, message_prime(p, context, digest), sig));
    EXPECT_CKR(CKR_OK, verify(generic, kp.public_key, digest, sig));
    EXPECT_CKR(CKR_OK, verify(token, kp.public_key, message, sig));
  }
}

TEST_F(HashMlDsaTest, CallerHashMustHaveTheHashLength) {
  const KeyPair kp = generate_ml_dsa();
  Bytes context;
  CK_HASH_SIGN_ADDITIONAL_CONTEXT given{};
  CK_MECHANISM mech = with_hash(CKM_HASH_ML_DSA, given, CKH_HEDGE_PREFERRED, context, CKM_SHA384);
  const Bytes digest(48, 0x5c);
  const Bytes sig = sign(mech, kp.private_key, digest);
  for (std::size_t wrong : {std::size_t{32}, std::size_t{47}, std::size_t{49}, std::size_t{64}}) {
    const Bytes data(wrong, 0x5c);
    ASSERT_CKR(CKR_OK, p11->C_SignInit(session, &mech, kp.private_key));
    Bytes out(kSignatureBytes);
    CK_ULONG len = out.size();
    EXPECT_CKR(CKR_DATA_LEN_RANGE, p11->C_Sign(session, ref::ptr(data), data.size(), out.data(), &len)) << wrong;
    EXPECT_CKR(CKR_DATA_LEN_RANGE, verify(mech, kp.public_key, data, sig)) << wrong;
  }
  EXPECT_CKR(CKR_OK, verify(mech, kp.public_key, digest, sig));
}

TEST_F(HashMlDsaTest, ParameterErrors) {
  const KeyPair kp = generate_ml_dsa();
  Bytes context;
  CK_HASH_SIGN_ADDITIONAL_CONTEXT given{};
  // Hashes outside FIPS 204's approved set for HashML-DSA here, or not hashes.
  for (CK_MECHANISM_TYPE unsupported : {CKM_SHA_1, CKM_MD5, CKM_SHA512_256, CKM_ML_DSA, CK_MECHANISM_TYPE{0x12345}}) {
    CK_MECHANISM mech = with_hash(CKM_HASH_ML_DSA, given, CKH_HEDGE_PREFERRED, context, unsupported);
    EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &mech, kp.private_key)) << unsupported;
    EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_VerifyInit(session, &mech, kp.public_key)) << unsupported;
  }
  // The generic mechanism needs its parameter, and the larger structure.
  CK_MECHANISM bare{CKM_HASH_ML_DSA, nullptr, 0};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &bare, kp.private_key));
  CK_SIGN_ADDITIONAL_CONTEXT small{};
  CK_MECHANISM wrong_struct = with_context(CKM_HASH_ML_DSA, small, CKH_HEDGE_PREFERRED, context);
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &wrong_struct, kp.private_key));
  // Contexts of more than 255 bytes, for both forms.
  Bytes long_context(256, 'x');
  CK_MECHANISM long_generic = with_hash(CKM_HASH_ML_DSA, given, CKH_HEDGE_PREFERRED, long_context, CKM_SHA256);
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &long_generic, kp.private_key));
  CK_SIGN_ADDITIONAL_CONTEXT params{};
  CK_MECHANISM long_hashing = with_context(CKM_HASH_ML_DSA_SHA512, params, CKH_HEDGE_PREFERRED, long_context);
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &long_hashing, kp.private_key));
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_VerifyInit(session, &long_hashing, kp.public_key));
  long_context.resize(255);
  long_hashing = with_context(CKM_HASH_ML_DSA_SHA512, params, CKH_HEDGE_PREFERRED, long_context);
  EXPECT_EQ(kSignatureBytes, sign(long_hashing, kp.private_key, message).size()) << "255 bytes is the largest";
  params.hedgeVariant = 7;
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &long_hashing, kp.private_key));
}

TEST_F(HashMlDsaTest, WrongSignaturesAndKeys) {
  const KeyPair kp = generate_ml_dsa();
  CK_MECHANISM mech{CKM_HASH_ML_DSA_SHA3_256, nullptr, 0};
  const Bytes sig = sign(mech, kp.private_key, message);
  EXPECT_CKR(CKR_SIGNATURE_LEN_RANGE, verify(mech, kp.public_key, message, Bytes(sig.begin(), sig.end() - 1)));
  Bytes longer = sig;
  longer.push_back(0);
  EXPECT_CKR(CKR_SIGNATURE_LEN_RANGE, verify(mech, kp.public_key, message, longer));
  Bytes bad = sig;
  bad[100] ^= 0x20;
  EXPECT_CKR(CKR_SIGNATURE_INVALID, verify(mech, kp.public_key, message, bad));
  CK_MECHANISM other_hash{CKM_HASH_ML_DSA_SHA256, nullptr, 0};
  EXPECT_CKR(CKR_SIGNATURE_INVALID, verify(other_hash, kp.public_key, message, sig)) << "the OID is bound";
  // Other key types, and the public key for signing.
  const KeyPair ec = generate_ec(session, p256_params());
  const KeyPair slh = generate(CKM_SLH_DSA_KEY_PAIR_GEN, CKP_SLH_DSA_SHA2_128F);
  for (CK_OBJECT_HANDLE wrong : {ec.private_key, slh.private_key}) {
    EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_SignInit(session, &mech, wrong));
  }
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_VerifyInit(session, &mech, slh.public_key));
}

TEST_F(HashMlDsaTest, BufferTooSmallKeepsTheOperation) {
  const KeyPair kp = generate_ml_dsa(CKP_ML_DSA_87);
  CK_MECHANISM mech{CKM_HASH_ML_DSA_SHAKE256, nullptr, 0};
  ASSERT_CKR(CKR_OK, p11->C_SignInit(session, &mech, kp.private_key));
  ASSERT_CKR(CKR_OK, p11->C_SignUpdate(session, ref::ptr(message), message.size()));
  Bytes sig(4626);
  CK_ULONG len = sig.size();
  EXPECT_CKR(CKR_BUFFER_TOO_SMALL, p11->C_SignFinal(session, sig.data(), &len));
  EXPECT_EQ(4627u, len);
  sig.resize(len);
  EXPECT_CKR(CKR_OK, p11->C_SignFinal(session, sig.data(), &len));
  EXPECT_CKR(CKR_OK, verify(mech, kp.public_key, message, sig));
}

TEST_F(HashMlDsaTest, MechanismInfo) {
  std::vector<CK_MECHANISM_TYPE> all{CKM_HASH_ML_DSA};
  for (const Prehash& p : kPrehashes) all.push_back(p.ml_dsa);
  const auto list = mechanism_list(p11, slot);
  for (CK_MECHANISM_TYPE m : all) {
    EXPECT_TRUE(listed(list, m)) << std::hex << m;
    CK_MECHANISM_INFO info{};
    ASSERT_CKR(CKR_OK, p11->C_GetMechanismInfo(slot, m, &info));
    EXPECT_EQ(CKF_SIGN | CKF_VERIFY, info.flags & (CKF_SIGN | CKF_VERIFY | CKF_GENERATE_KEY_PAIR)) << std::hex << m;
    EXPECT_EQ(1312u, info.ulMinKeySize);
    EXPECT_EQ(2592u, info.ulMaxKeySize);
  }
}

class HashMlDsaDisabledTest : public AbiTest {
 protected:
  std::string extra_security_config() const override { return "[algorithms]\nenable_pqc = false\n"; }
};

TEST_F(HashMlDsaDisabledTest, HiddenAndRefused) {
  const auto list = mechanism_list(p11, slot);
  std::vector<CK_MECHANISM_TYPE> all{CKM_HASH_ML_DSA};
  for (const Prehash& p : kPrehashes) all.push_back(p.ml_dsa);
  for (CK_MECHANISM_TYPE m : all) {
    EXPECT_FALSE(listed(list, m)) << std::hex << m;
    CK_MECHANISM_INFO info{};
    EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_GetMechanismInfo(slot, m, &info));
  }
}

// HashML-DSA is approved (FIPS 204): approved-only mode keeps it.
class HashMlDsaApprovedOnlyTest : public HashMlDsaTest {
 protected:
  std::string extra_security_config() const override { return "[algorithms]\nfips_approved_only = true\n"; }
};

TEST_F(HashMlDsaApprovedOnlyTest, OfferedAndUsable) {
  const auto list = mechanism_list(p11, slot);
  EXPECT_TRUE(listed(list, CKM_HASH_ML_DSA));
  for (const Prehash& p : kPrehashes) EXPECT_TRUE(listed(list, p.ml_dsa)) << p.openssl_name;
  const KeyPair kp = generate_ml_dsa(CKP_ML_DSA_44);
  CK_MECHANISM mech{CKM_HASH_ML_DSA_SHA512, nullptr, 0};
  EXPECT_CKR(CKR_OK, verify(mech, kp.public_key, message, sign(mech, kp.private_key, message)));
}

}  // namespace
}  // namespace abi_test
