// ML-KEM (FIPS 203) through the PKCS#11 3.2 interface: CKM_ML_KEM_KEY_PAIR_GEN
// for the three parameter sets, C_EncapsulateKey / C_DecapsulateKey with
// CKM_ML_KEM (length query, short buffer, templates), secrets checked against
// OpenSSL in the test process both ways, the ACVP known answers, import by
// CKA_SEED and CKA_VALUE, persistence, wrapping, copying, the error paths and
// the [algorithms] switches.
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "coverage_reference.h"
#include "ml_kem_vectors.h"
#include "module_fixture.h"
#include "openssl_check.h"
#include "openssl_kem.h"

namespace abi_test {
namespace {

using ref::ptr;

struct ParameterSet {
  CK_ULONG value;
  const char* name;
  std::size_t public_bytes;
  std::size_t private_bytes;
  std::size_t ciphertext_bytes;
};
constexpr ParameterSet kSets[] = {
    {CKP_ML_KEM_512, "ML-KEM-512", 800, 1632, 768},
    {CKP_ML_KEM_768, "ML-KEM-768", 1184, 2400, 1088},
    {CKP_ML_KEM_1024, "ML-KEM-1024", 1568, 3168, 1568},
};

const ParameterSet& set_of(CK_ULONG value) {
  return *std::find_if(std::begin(kSets), std::end(kSets), [&](const ParameterSet& s) { return s.value == value; });
}

CK_MECHANISM kKem{CKM_ML_KEM, nullptr, 0};

class MlKemTest : public AbiTest {
 protected:
  void SetUp() override {
    AbiTest::SetUp();
    session = user_session();
    readable_secret(readable);
  }

  // `readable_private`: the private key may be read back, for the OpenSSL checks.
  KeyPair generate(CK_ULONG set, bool readable_private = false, const std::function<void(Template&)>& extra_public = {},
                   const std::function<void(Template&)>& extra_private = {}) {
    Template pub;
    pub.add_ulong(CKA_PARAMETER_SET, set).add_bool(CKA_ENCAPSULATE, true);
    if (extra_public) extra_public(pub);
    Template priv;
    priv.add_bool(CKA_DECAPSULATE, true);
    if (readable_private) priv.add_bool(CKA_SENSITIVE, false).add_bool(CKA_EXTRACTABLE, true);
    if (extra_private) extra_private(priv);
    CK_MECHANISM mech{CKM_ML_KEM_KEY_PAIR_GEN, nullptr, 0};
    KeyPair kp;
    EXPECT_CKR(CKR_OK, p11->C_GenerateKeyPair(session, &mech, pub.data(), pub.count(), priv.data(), priv.count(),
                                              &kp.public_key, &kp.private_key));
    return kp;
  }

  // A readable generic secret: the shared secret can be compared.
  static void readable_secret(Template& t) {
    t.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET);
    t.add_bool(CKA_SENSITIVE, false).add_bool(CKA_EXTRACTABLE, true);
  }

  // C_EncapsulateKey with the length query first; returns the ciphertext.
  Bytes encapsulate(CK_OBJECT_HANDLE public_key, Template& tmpl, CK_OBJECT_HANDLE& key) {
    CK_ULONG len = 0;
    EXPECT_CKR(CKR_OK, p11->C_EncapsulateKey(session, &kKem, public_key, tmpl.data(), tmpl.count(), nullptr, &len,
                                             &key));
    Bytes ciphertext(len);
    EXPECT_CKR(CKR_OK, p11->C_EncapsulateKey(session, &kKem, public_key, tmpl.data(), tmpl.count(),
                                             ciphertext.data(), &len, &key));
    ciphertext.resize(len);
    return ciphertext;
  }

  CK_RV decapsulate(CK_OBJECT_HANDLE private_key, const Bytes& ciphertext, Template& tmpl, CK_OBJECT_HANDLE& key) {
    return p11->C_DecapsulateKey(session, &kKem, private_key, tmpl.data(), tmpl.count(),
                                 const_cast<CK_BYTE*>(ptr(ciphertext)), ciphertext.size(), &key);
  }

  Bytes value(CK_OBJECT_HANDLE key) { return attribute(session, key, CKA_VALUE); }

  CK_RV create(CK_OBJECT_CLASS cls, CK_ULONG set, const Bytes& seed, const Bytes& material, CK_OBJECT_HANDLE& key) {
    Template t;
    t.add_ulong(CKA_CLASS, cls).add_ulong(CKA_KEY_TYPE, CKK_ML_KEM).add_ulong(CKA_PARAMETER_SET, set);
    t.add_bool(cls == CKO_PRIVATE_KEY ? CKA_DECAPSULATE : CKA_ENCAPSULATE, true);
    if (cls == CKO_PRIVATE_KEY) t.add_bool(CKA_SENSITIVE, false).add_bool(CKA_EXTRACTABLE, true);
    if (!seed.empty()) t.add_bytes(CKA_SEED, seed);
    if (!material.empty()) t.add_bytes(CKA_VALUE, material);
    return p11->C_CreateObject(session, t.data(), t.count(), &key);
  }

  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  Template readable;  // a readable generic secret key
  Template empty;
};

TEST_F(MlKemTest, KeyPairsForEveryParameterSet) {
  for (const ParameterSet& set : kSets) {
    const KeyPair kp = generate(set.value);
    EXPECT_EQ(CKK_ML_KEM, attribute_ulong(session, kp.public_key, CKA_KEY_TYPE)) << set.name;
    EXPECT_EQ(set.value, attribute_ulong(session, kp.public_key, CKA_PARAMETER_SET));
    EXPECT_EQ(set.value, attribute_ulong(session, kp.private_key, CKA_PARAMETER_SET));
    EXPECT_EQ(CKM_ML_KEM_KEY_PAIR_GEN, attribute_ulong(session, kp.private_key, CKA_KEY_GEN_MECHANISM));
    EXPECT_TRUE(attribute_bool(session, kp.private_key, CKA_LOCAL));
    EXPECT_TRUE(attribute_bool(session, kp.public_key, CKA_ENCAPSULATE));
    EXPECT_TRUE(attribute_bool(session, kp.private_key, CKA_DECAPSULATE));
    const Bytes ek = value(kp.public_key);
    EXPECT_EQ(set.public_bytes, ek.size());
    std::string algorithm;
    EXPECT_EQ(ek, ossl::raw_public_key_of_spki(attribute(session, kp.private_key, CKA_PUBLIC_KEY_INFO), algorithm));
    EXPECT_EQ(set.name, algorithm);
    for (CK_ATTRIBUTE_TYPE secret : {CKA_SEED, CKA_VALUE}) {
      CK_ATTRIBUTE a{secret, nullptr, 0};
      EXPECT_CKR(CKR_ATTRIBUTE_SENSITIVE, p11->C_GetAttributeValue(session, kp.private_key, &a, 1));
    }
  }
}

TEST_F(MlKemTest, EncapsulationAndDecapsulationAgree) {
  for (const ParameterSet& set : kSets) {
    const KeyPair kp = generate(set.value);
    Template& tmpl = readable;
    CK_ULONG len = 0;
    CK_OBJECT_HANDLE untouched = 0x4242;
    // The length query makes no key (and phKey may be omitted).
    ASSERT_CKR(CKR_OK, p11->C_EncapsulateKey(session, &kKem, kp.public_key, tmpl.data(), tmpl.count(), nullptr,
                                             &len, &untouched));
    EXPECT_EQ(set.ciphertext_bytes, len) << set.name;
    EXPECT_EQ(0x4242u, untouched);
    EXPECT_CKR(CKR_OK, p11->C_EncapsulateKey(session, &kKem, kp.public_key, tmpl.data(), tmpl.count(), nullptr,
                                             &len, nullptr));
    Bytes small(len - 1);
    CK_ULONG small_len = small.size();
    EXPECT_CKR(CKR_BUFFER_TOO_SMALL, p11->C_EncapsulateKey(session, &kKem, kp.public_key, tmpl.data(),
                                                           tmpl.count(), small.data(), &small_len, &untouched));
    EXPECT_EQ(set.ciphertext_bytes, small_len);
    EXPECT_EQ(0x4242u, untouched);

    CK_OBJECT_HANDLE sent = CK_INVALID_HANDLE;
    const Bytes ciphertext = encapsulate(kp.public_key, readable, sent);
    ASSERT_EQ(set.ciphertext_bytes, ciphertext.size());
    CK_OBJECT_HANDLE received = CK_INVALID_HANDLE;
    ASSERT_CKR(CKR_OK, decapsulate(kp.private_key, ciphertext, readable, received));
    EXPECT_EQ(32u, value(sent).size());
    EXPECT_EQ(value(sent), value(received)) << set.name;
    EXPECT_EQ(CKO_SECRET_KEY, attribute_ulong(session, received, CKA_CLASS));
    EXPECT_EQ(32u, attribute_ulong(session, received, CKA_VALUE_LEN));
    // PKCS#11 3.2: not local, never "always sensitive" or "never extractable".
    EXPECT_FALSE(attribute_bool(session, received, CKA_LOCAL));
    EXPECT_FALSE(attribute_bool(session, received, CKA_ALWAYS_SENSITIVE));
    EXPECT_FALSE(attribute_bool(session, received, CKA_NEVER_EXTRACTABLE));
    // A damaged ciphertext is not reported (implicit rejection) but yields
    // an unrelated secret.
    Bytes damaged = ciphertext;
    damaged[7] ^= 0x10;
    CK_OBJECT_HANDLE rejected = CK_INVALID_HANDLE;
    ASSERT_CKR(CKR_OK, decapsulate(kp.private_key, damaged, readable, rejected));
    EXPECT_NE(value(sent), value(rejected));
  }
}

TEST_F(MlKemTest, SecretsMatchOpenSslBothWays) {
  for (const ParameterSet& set : kSets) {
    const KeyPair kp = generate(set.value, true);
    const Bytes seed = attribute(session, kp.private_key, CKA_SEED);
    ASSERT_EQ(64u, seed.size());
    // Module encapsulates, OpenSSL decapsulates (from the seed and from dk).
    CK_OBJECT_HANDLE sent = CK_INVALID_HANDLE;
    const Bytes ciphertext = encapsulate(kp.public_key, readable, sent);
    EXPECT_EQ(value(sent), ossl::kem_decapsulate(set.name, "seed", seed, ciphertext)) << set.name;
    EXPECT_EQ(value(sent), ossl::kem_decapsulate(set.name, "priv", value(kp.private_key), ciphertext));
    // OpenSSL encapsulates to the module's public key, the module decapsulates.
    Bytes theirs;
    const Bytes secret = ossl::kem_encapsulate(set.name, value(kp.public_key), theirs);
    CK_OBJECT_HANDLE received = CK_INVALID_HANDLE;
    ASSERT_CKR(CKR_OK, decapsulate(kp.private_key, theirs, readable, received));
    EXPECT_EQ(secret, value(received)) << set.name;
  }
}

// FIPS 203 ACVP vectors: key generation from the seed d||z, decapsulation
// of the encapsulation vector's ciphertext (its fixed randomness cannot be
// given through C_EncapsulateKey; src/crypto/ml_kem_test.cc checks it), and
// decapsulation with an imported expanded key.
TEST_F(MlKemTest, KnownAnswersThroughTheAbi) {
  for (const test_vectors::MlKemKat& kat : test_vectors::kMlKemKats) {
    const ParameterSet& set = set_of(kat.parameter_set);
    CK_OBJECT_HANDLE priv = CK_INVALID_HANDLE;
    ASSERT_CKR(CKR_OK, create(CKO_PRIVATE_KEY, set.value, ossl::from_hex(kat.seed), {}, priv)) << set.name;
    EXPECT_EQ(ossl::from_hex(kat.dk), value(priv)) << set.name;
    std::string algorithm;
    EXPECT_EQ(ossl::from_hex(kat.ek),
              ossl::raw_public_key_of_spki(attribute(session, priv, CKA_PUBLIC_KEY_INFO), algorithm));
    CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE;
    ASSERT_CKR(CKR_OK, create(CKO_PUBLIC_KEY, set.value, {}, ossl::from_hex(kat.ek), pub));
    CK_OBJECT_HANDLE secret = CK_INVALID_HANDLE;
    ASSERT_CKR(CKR_OK, decapsulate(priv, ossl::from_hex(kat.ciphertext), readable, secret));
    EXPECT_EQ(ossl::from_hex(kat.secret), value(secret)) << set.name;

    CK_OBJECT_HANDLE expanded = CK_INVALID_HANDLE;
    ASSERT_CKR(CKR_OK, create(CKO_PRIVATE_KEY, set.value, {}, ossl::from_hex(kat.decap_dk), expanded));
    ASSERT_CKR(CKR_OK, decapsulate(expanded, ossl::from_hex(kat.decap_ciphertext), readable, secret));
    EXPECT_EQ(ossl::from_hex(kat.decap_secret), value(secret)) << set.name;
  }
}

TEST_F(MlKemTest, ImportRejectsInconsistentOrMisSizedMaterial) {
  const test_vectors::MlKemKat& kat = test_vectors::kMlKemKats[1];
  const Bytes seed = ossl::from_hex(kat.seed);
  const Bytes dk = ossl::from_hex(kat.dk);
  const Bytes other_dk = attribute(session, generate(CKP_ML_KEM_768, true).private_key, CKA_VALUE);
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_OK, create(CKO_PRIVATE_KEY, CKP_ML_KEM_768, seed, dk, key));
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, create(CKO_PRIVATE_KEY, CKP_ML_KEM_768, seed, other_dk, key));
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, create(CKO_PRIVATE_KEY, CKP_ML_KEM_512, seed, dk, key));
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID,
             create(CKO_PRIVATE_KEY, CKP_ML_KEM_768, Bytes(seed.begin(), seed.begin() + 32), {}, key));
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID,
             create(CKO_PUBLIC_KEY, CKP_ML_KEM_768, {}, Bytes(dk.begin(), dk.begin() + 1183), key));
  // dk carries H(ek): a changed public part inside it is refused.
  Bytes tampered = dk;
  tampered[1152 + 5] ^= 0x01;
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, create(CKO_PRIVATE_KEY, CKP_ML_KEM_768, {}, tampered, key));
  EXPECT_CKR(CKR_TEMPLATE_INCOMPLETE, create(CKO_PRIVATE_KEY, CKP_ML_KEM_768, {}, {}, key));
}

TEST_F(MlKemTest, TheTemplateShapesTheKey) {
  const KeyPair kp = generate(CKP_ML_KEM_768);
  CK_OBJECT_HANDLE generic = CK_INVALID_HANDLE;
  const Bytes ciphertext = encapsulate(kp.public_key, readable, generic);
  const Bytes secret = value(generic);
  // An AES key takes the whole 32-byte secret, or its first CKA_VALUE_LEN bytes.
  Template aes;
  aes.add_ulong(CKA_KEY_TYPE, CKK_AES).add_bool(CKA_SENSITIVE, false).add_bool(CKA_EXTRACTABLE, true);
  aes.add_bool(CKA_ENCRYPT, true);
  CK_OBJECT_HANDLE aes256 = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, decapsulate(kp.private_key, ciphertext, aes, aes256));
  EXPECT_EQ(secret, value(aes256));
  EXPECT_EQ(CKK_AES, attribute_ulong(session, aes256, CKA_KEY_TYPE));
  Template aes128;
  aes128.add_ulong(CKA_KEY_TYPE, CKK_AES).add_bool(CKA_SENSITIVE, false).add_bool(CKA_EXTRACTABLE, true);
  aes128.add_ulong(CKA_VALUE_LEN, 16);
  CK_OBJECT_HANDLE short_key = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, decapsulate(kp.private_key, ciphertext, aes128, short_key));
  EXPECT_EQ(Bytes(secret.begin(), secret.begin() + 16), value(short_key));
  // Longer than the secret, or a class KEMs cannot make.
  Template too_long;
  readable_secret(too_long);
  too_long.add_ulong(CKA_VALUE_LEN, 33);
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_KEY_SIZE_RANGE, decapsulate(kp.private_key, ciphertext, too_long, key));
  Template private_class;
  private_class.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
  EXPECT_CKR(CKR_TEMPLATE_INCONSISTENT, decapsulate(kp.private_key, ciphertext, private_class, key));
  CK_ULONG len = 0;
  EXPECT_CKR(CKR_TEMPLATE_INCONSISTENT, p11->C_EncapsulateKey(session, &kKem, kp.public_key, private_class.data(),
                                                              private_class.count(), nullptr, &len, &key));
  // A session key from a read-only template is fine; a token key needs R/W.
  Template token;
  readable_secret(token);
  token.add_bool(CKA_TOKEN, true);
  ASSERT_CKR(CKR_OK, decapsulate(kp.private_key, ciphertext, token, key));
  EXPECT_TRUE(attribute_bool(session, key, CKA_TOKEN));
}

TEST_F(MlKemTest, EncapsulateAndDecapsulateTemplatesApply) {
  Template forced_public;
  forced_public.add_bool(CKA_EXTRACTABLE, false);
  Template forced_private;
  forced_private.add_ulong(CKA_KEY_TYPE, CKK_AES);
  const KeyPair kp = generate(
      CKP_ML_KEM_512, false, [&](Template& t) { t.add_template(CKA_ENCAPSULATE_TEMPLATE, forced_public); },
      [&](Template& t) { t.add_template(CKA_DECAPSULATE_TEMPLATE, forced_private); });
  Template extractable;
  extractable.add_bool(CKA_EXTRACTABLE, true);
  CK_ULONG len = 0;
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  // PKCS#11 3.2 C_EncapsulateKey: a template contradicting the public key's
  // CKA_ENCAPSULATE_TEMPLATE is CKR_KEY_HANDLE_INVALID.
  EXPECT_CKR(CKR_KEY_HANDLE_INVALID, p11->C_EncapsulateKey(session, &kKem, kp.public_key, extractable.data(),
                                                           extractable.count(), nullptr, &len, &key));
  const Bytes ciphertext = encapsulate(kp.public_key, empty, key);
  EXPECT_FALSE(attribute_bool(session, key, CKA_EXTRACTABLE));
  EXPECT_EQ(CKK_GENERIC_SECRET, attribute_ulong(session, key, CKA_KEY_TYPE));
  // The private key's template makes an AES key; a contradiction is refused.
  CK_OBJECT_HANDLE received = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, decapsulate(kp.private_key, ciphertext, extractable, received));
  EXPECT_EQ(CKK_AES, attribute_ulong(session, received, CKA_KEY_TYPE));
  EXPECT_TRUE(attribute_bool(session, received, CKA_EXTRACTABLE));
  EXPECT_CKR(CKR_TEMPLATE_INCONSISTENT, decapsulate(kp.private_key, ciphertext, readable, received));
}

TEST_F(MlKemTest, ErrorPaths) {
  const KeyPair kp = generate(CKP_ML_KEM_768);
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  const Bytes ciphertext = encapsulate(kp.public_key, readable, key);
  Template& tmpl = readable;
  CK_ULONG len = 0;
  // Wrong key class or type for the function.
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_EncapsulateKey(session, &kKem, kp.private_key, tmpl.data(),
                                                              tmpl.count(), nullptr, &len, &key));
  // C_DecapsulateKey names its key errors as C_UnwrapKey does (3.2 return values).
  EXPECT_CKR(CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT, decapsulate(kp.public_key, ciphertext, tmpl, key));
  const KeyPair ec = generate_ec(session, p256_params());
  EXPECT_CKR(CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT, decapsulate(ec.private_key, ciphertext, tmpl, key));
  CK_MECHANISM ml_dsa{CKM_ML_DSA, nullptr, 0};
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_SignInit(session, &ml_dsa, kp.private_key));
  // Not a KEM mechanism; a parameter where none is taken.
  CK_MECHANISM aes{CKM_AES_GCM, nullptr, 0};
  EXPECT_CKR(CKR_MECHANISM_INVALID,
             p11->C_DecapsulateKey(session, &aes, kp.private_key, tmpl.data(), tmpl.count(),
                                   const_cast<CK_BYTE*>(ptr(ciphertext)), ciphertext.size(), &key));
  CK_BYTE junk[4] = {};
  CK_MECHANISM with_param{CKM_ML_KEM, junk, sizeof junk};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID,
             p11->C_DecapsulateKey(session, &with_param, kp.private_key, tmpl.data(), tmpl.count(),
                                   const_cast<CK_BYTE*>(ptr(ciphertext)), ciphertext.size(), &key));
  // Wrong ciphertext length; unknown handle.
  EXPECT_CKR(CKR_WRAPPED_KEY_LEN_RANGE,
             decapsulate(kp.private_key, Bytes(ciphertext.begin(), ciphertext.end() - 1), tmpl, key));
  EXPECT_CKR(CKR_UNWRAPPING_KEY_HANDLE_INVALID, decapsulate(0x7777, ciphertext, tmpl, key));
  EXPECT_CKR(CKR_KEY_HANDLE_INVALID, p11->C_EncapsulateKey(session, &kKem, 0x7777, tmpl.data(), tmpl.count(),
                                                           nullptr, &len, &key));
  // Usage attributes are honoured.
  Template no_use;
  no_use.add_ulong(CKA_PARAMETER_SET, CKP_ML_KEM_512).add_bool(CKA_ENCAPSULATE, false);
  CK_MECHANISM keygen{CKM_ML_KEM_KEY_PAIR_GEN, nullptr, 0};
  KeyPair restricted;
  ASSERT_CKR(CKR_OK, p11->C_GenerateKeyPair(session, &keygen, no_use.data(), no_use.count(), nullptr, 0,
                                            &restricted.public_key, &restricted.private_key));
  EXPECT_CKR(CKR_KEY_FUNCTION_NOT_PERMITTED, p11->C_EncapsulateKey(session, &kKem, restricted.public_key,
                                                                   tmpl.data(), tmpl.count(), nullptr, &len, &key));
  // Argument shapes.
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_EncapsulateKey(session, &kKem, kp.public_key, tmpl.data(), tmpl.count(),
                                                      nullptr, nullptr, &key));
  Bytes buffer(2000);
  len = buffer.size();
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_EncapsulateKey(session, &kKem, kp.public_key, tmpl.data(), tmpl.count(),
                                                      buffer.data(), &len, nullptr));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_DecapsulateKey(session, &kKem, kp.private_key, tmpl.data(), tmpl.count(),
                                                      nullptr, 10, &key));
}

TEST_F(MlKemTest, KeyGenerationNeedsAKnownParameterSet) {
  CK_MECHANISM mech{CKM_ML_KEM_KEY_PAIR_GEN, nullptr, 0};
  KeyPair kp;
  Template none;
  none.add_bool(CKA_ENCAPSULATE, true);
  EXPECT_CKR(CKR_TEMPLATE_INCOMPLETE, p11->C_GenerateKeyPair(session, &mech, none.data(), none.count(), nullptr, 0,
                                                             &kp.public_key, &kp.private_key));
  Template unknown;
  unknown.add_ulong(CKA_PARAMETER_SET, 4);
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, p11->C_GenerateKeyPair(session, &mech, unknown.data(), unknown.count(),
                                                                 nullptr, 0, &kp.public_key, &kp.private_key));
  CK_BYTE junk[1] = {};
  CK_MECHANISM with_param{CKM_ML_KEM_KEY_PAIR_GEN, junk, sizeof junk};
  Template ok;
  ok.add_ulong(CKA_PARAMETER_SET, CKP_ML_KEM_512);
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_GenerateKeyPair(session, &with_param, ok.data(), ok.count(),
                                                                 nullptr, 0, &kp.public_key, &kp.private_key));
}

TEST_F(MlKemTest, PersistenceCopyAndWrapKeepTheKey) {
  const auto token = [](Template& t) { t.add_bool(CKA_TOKEN, true); };
  const KeyPair kp = generate(CKP_ML_KEM_1024, true, token, token);
  const Bytes seed = attribute(session, kp.private_key, CKA_SEED);
  CK_OBJECT_HANDLE sent = CK_INVALID_HANDLE;
  const Bytes ciphertext = encapsulate(kp.public_key, readable, sent);
  const Bytes secret = value(sent);

  // C_CopyObject, then AES-KWP wrap and unwrap of the private key.
  CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_CopyObject(session, kp.private_key, nullptr, 0, &copy));
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, decapsulate(copy, ciphertext, readable, key));
  EXPECT_EQ(secret, value(key));
  const CK_OBJECT_HANDLE kek = generate_aes(session, 32);
  CK_MECHANISM kwp{CKM_AES_KEY_WRAP_KWP, nullptr, 0};
  CK_ULONG len = 0;
  ASSERT_CKR(CKR_OK, p11->C_WrapKey(session, &kwp, kek, kp.private_key, nullptr, &len));
  Bytes wrapped(len);
  ASSERT_CKR(CKR_OK, p11->C_WrapKey(session, &kwp, kek, kp.private_key, wrapped.data(), &len));
  wrapped.resize(len);
  Template t;
  t.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY).add_ulong(CKA_KEY_TYPE, CKK_ML_KEM).add_bool(CKA_DECAPSULATE, true);
  CK_OBJECT_HANDLE unwrapped = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_UnwrapKey(session, &kwp, kek, wrapped.data(), wrapped.size(), t.data(), t.count(),
                                      &unwrapped));
  EXPECT_EQ(CKP_ML_KEM_1024, attribute_ulong(session, unwrapped, CKA_PARAMETER_SET));
  ASSERT_CKR(CKR_OK, decapsulate(unwrapped, ciphertext, readable, key));
  EXPECT_EQ(secret, value(key));

  // The token pair survives a restart.
  restart();
  session = open_session();
  login(session);
  Template find;
  find.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY).add_ulong(CKA_KEY_TYPE, CKK_ML_KEM);
  ASSERT_CKR(CKR_OK, p11->C_FindObjectsInit(session, find.data(), find.count()));
  CK_OBJECT_HANDLE found = CK_INVALID_HANDLE;
  CK_ULONG count = 0;
  ASSERT_CKR(CKR_OK, p11->C_FindObjects(session, &found, 1, &count));
  ASSERT_CKR(CKR_OK, p11->C_FindObjectsFinal(session));
  ASSERT_EQ(1u, count);
  EXPECT_EQ(seed, attribute(session, found, CKA_SEED));
  ASSERT_CKR(CKR_OK, decapsulate(found, ciphertext, readable, key));
  EXPECT_EQ(secret, value(key));
}

TEST_F(MlKemTest, MechanismInfo) {
  CK_MECHANISM_INFO info{};
  const CK_FLAGS ops = CKF_GENERATE_KEY_PAIR | CKF_ENCAPSULATE | CKF_DECAPSULATE | CKF_DERIVE | CKF_ENCRYPT;
  ASSERT_CKR(CKR_OK, p11->C_GetMechanismInfo(slot, CKM_ML_KEM_KEY_PAIR_GEN, &info));
  EXPECT_EQ(CKF_GENERATE_KEY_PAIR, info.flags & ops);
  EXPECT_EQ(800u, info.ulMinKeySize);
  EXPECT_EQ(1568u, info.ulMaxKeySize);
  ASSERT_CKR(CKR_OK, p11->C_GetMechanismInfo(slot, CKM_ML_KEM, &info));
  EXPECT_EQ(CKF_ENCAPSULATE | CKF_DECAPSULATE, info.flags & ops);
  EXPECT_EQ(800u, info.ulMinKeySize);
  EXPECT_EQ(1568u, info.ulMaxKeySize);
}

bool listed(CK_FUNCTION_LIST_3_2* p11, CK_SLOT_ID slot, CK_MECHANISM_TYPE m) {
  CK_ULONG count = 0;
  EXPECT_CKR(CKR_OK, p11->C_GetMechanismList(slot, nullptr, &count));
  std::vector<CK_MECHANISM_TYPE> list(count);
  EXPECT_CKR(CKR_OK, p11->C_GetMechanismList(slot, list.data(), &count));
  return std::find(list.begin(), list.begin() + static_cast<long>(count), m) != list.begin() + static_cast<long>(count);
}

class MlKemDisabledTest : public MlKemTest {
 protected:
  std::string extra_security_config() const override { return "[algorithms]\nenable_pqc = false\n"; }
};

TEST_F(MlKemDisabledTest, HiddenAndRefused) {
  CK_MECHANISM_INFO info{};
  for (CK_MECHANISM_TYPE m : {CKM_ML_KEM_KEY_PAIR_GEN, CKM_ML_KEM}) {
    EXPECT_FALSE(listed(p11, slot, m));
    EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_GetMechanismInfo(slot, m, &info));
  }
  Template pub;
  pub.add_ulong(CKA_PARAMETER_SET, CKP_ML_KEM_768);
  CK_MECHANISM mech{CKM_ML_KEM_KEY_PAIR_GEN, nullptr, 0};
  KeyPair kp;
  EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_GenerateKeyPair(session, &mech, pub.data(), pub.count(), nullptr, 0,
                                                           &kp.public_key, &kp.private_key));
  // An imported key cannot be used either.
  const test_vectors::MlKemKat& kat = test_vectors::kMlKemKats[0];
  CK_OBJECT_HANDLE priv = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, create(CKO_PRIVATE_KEY, CKP_ML_KEM_512, ossl::from_hex(kat.seed), {}, priv));
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_MECHANISM_INVALID, decapsulate(priv, ossl::from_hex(kat.ciphertext), readable, key));
}

// ML-KEM is FIPS-approved: approved-only mode keeps it.
class MlKemApprovedOnlyTest : public MlKemTest {
 protected:
  std::string extra_security_config() const override { return "[algorithms]\nfips_approved_only = true\n"; }
};

TEST_F(MlKemApprovedOnlyTest, OfferedAndUsable) {
  EXPECT_TRUE(listed(p11, slot, CKM_ML_KEM_KEY_PAIR_GEN));
  EXPECT_TRUE(listed(p11, slot, CKM_ML_KEM));
  const KeyPair kp = generate(CKP_ML_KEM_768);
  CK_OBJECT_HANDLE sent = CK_INVALID_HANDLE;
  const Bytes ciphertext = encapsulate(kp.public_key, empty, sent);
  CK_OBJECT_HANDLE received = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_OK, decapsulate(kp.private_key, ciphertext, empty, received));
  EXPECT_TRUE(attribute_bool(session, received, CKA_EXTRACTABLE)) << "CKA_EXTRACTABLE defaults to true";
}

}  // namespace
}  // namespace abi_test
