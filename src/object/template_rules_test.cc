#include "object/template_rules.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "object/template_rules_test_util.h"

namespace craton {
namespace {

using namespace template_test;

// ===================== Defaults =====================

TEST(TemplateRulesDefaults, DataObjectIsPublicWithEmptyFields) {
  const AttributeMap m = ok(prepare_new_object(data(), ctx(Origin::Create, /*user=*/false)));
  expect_bool(m, CKA_TOKEN, false);
  expect_bool(m, CKA_PRIVATE, false);
  expect_bool(m, CKA_MODIFIABLE, true);
  expect_bool(m, CKA_COPYABLE, true);
  expect_bool(m, CKA_DESTROYABLE, true);
  expect_empty(m, {CKA_LABEL, CKA_APPLICATION, CKA_OBJECT_ID, CKA_VALUE});
  EXPECT_FALSE(m.has(CKA_UNIQUE_ID));  // the core assigns it
}

TEST(TemplateRulesDefaults, CertificateDefaults) {
  const AttributeMap m = ok(prepare_new_object(cert(), ctx(Origin::Create, false)));
  expect_bool(m, CKA_PRIVATE, false);
  expect_bool(m, CKA_TRUSTED, false);
  EXPECT_EQ(m.get_ulong(CKA_CERTIFICATE_CATEGORY), CK_CERTIFICATE_CATEGORY_UNSPECIFIED);
  EXPECT_EQ(m.get_ulong(CKA_JAVA_MIDP_SECURITY_DOMAIN), CK_SECURITY_DOMAIN_UNSPECIFIED);
  EXPECT_EQ(m.get_ulong(CKA_NAME_HASH_ALGORITHM), CKM_SHA_1);
  expect_empty(m, {CKA_ID, CKA_ISSUER, CKA_SERIAL_NUMBER, CKA_URL, CKA_HASH_OF_SUBJECT_PUBLIC_KEY,
                   CKA_HASH_OF_ISSUER_PUBLIC_KEY, CKA_START_DATE, CKA_END_DATE, CKA_PUBLIC_KEY_INFO});
  EXPECT_EQ(m.string_or_empty(CKA_VALUE), "der");
}

TEST(TemplateRulesDefaults, CreatedSecretKey) {
  const AttributeMap m = ok(prepare_new_object(aes(), ctx()));
  for (CK_ATTRIBUTE_TYPE t : {CKA_PRIVATE, CKA_SENSITIVE, CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN, CKA_VERIFY, CKA_WRAP,
                              CKA_UNWRAP, CKA_MODIFIABLE}) {
    expect_bool(m, t, true);
  }
  for (CK_ATTRIBUTE_TYPE t : {CKA_TOKEN, CKA_EXTRACTABLE, CKA_DERIVE, CKA_LOCAL, CKA_ALWAYS_SENSITIVE,
                              CKA_NEVER_EXTRACTABLE, CKA_WRAP_WITH_TRUSTED, CKA_TRUSTED}) {
    expect_bool(m, t, false);
  }
  EXPECT_EQ(m.get_ulong(CKA_KEY_GEN_MECHANISM), CK_UNAVAILABLE_INFORMATION);
  expect_empty(m, {CKA_ID, CKA_LABEL, CKA_START_DATE, CKA_END_DATE, CKA_ALLOWED_MECHANISMS, CKA_WRAP_TEMPLATE,
                   CKA_UNWRAP_TEMPLATE, CKA_DERIVE_TEMPLATE});
  // Computed by crypto::complete_key_material, not here.
  EXPECT_FALSE(m.has(CKA_VALUE_LEN));
  EXPECT_FALSE(m.has(CKA_CHECK_VALUE));
}

TEST(TemplateRulesDefaults, MacKeysOnlySignAndVerify) {
  for (CK_KEY_TYPE t : {CKK_GENERIC_SECRET, CKK_SHA256_HMAC}) {
    const AttributeMap m = ok(prepare_new_object(aes().u(CKA_KEY_TYPE, t), ctx()));
    expect_bool(m, CKA_SIGN, true);
    expect_bool(m, CKA_VERIFY, true);
    for (CK_ATTRIBUTE_TYPE f : {CKA_ENCRYPT, CKA_DECRYPT, CKA_WRAP, CKA_UNWRAP, CKA_DERIVE}) expect_bool(m, f, false);
  }
}

TEST(TemplateRulesDefaults, PublicKey) {
  const AttributeMap m = ok(prepare_new_object(rsa_public(), ctx(Origin::Create, false)));
  expect_bool(m, CKA_PRIVATE, false);
  for (CK_ATTRIBUTE_TYPE t : {CKA_ENCRYPT, CKA_VERIFY, CKA_VERIFY_RECOVER, CKA_WRAP}) expect_bool(m, t, true);
  for (CK_ATTRIBUTE_TYPE t : {CKA_ENCAPSULATE, CKA_DERIVE, CKA_TRUSTED, CKA_LOCAL}) expect_bool(m, t, false);
  expect_empty(m, {CKA_SUBJECT, CKA_WRAP_TEMPLATE, CKA_ENCAPSULATE_TEMPLATE});
  EXPECT_FALSE(m.has(CKA_SENSITIVE));
  EXPECT_FALSE(m.has(CKA_ALWAYS_SENSITIVE));
  EXPECT_FALSE(m.has(CKA_PUBLIC_KEY_INFO));  // computed by crypto
}

TEST(TemplateRulesDefaults, PrivateKey) {
  const AttributeMap m = ok(prepare_new_object(ec_private(), ctx()));
  for (CK_ATTRIBUTE_TYPE t : {CKA_PRIVATE, CKA_SENSITIVE, CKA_SIGN}) expect_bool(m, t, true);
  for (CK_ATTRIBUTE_TYPE t : {CKA_DECRYPT, CKA_UNWRAP, CKA_SIGN_RECOVER, CKA_DECAPSULATE, CKA_DERIVE,
                              CKA_EXTRACTABLE, CKA_ALWAYS_AUTHENTICATE, CKA_WRAP_WITH_TRUSTED}) {
    expect_bool(m, t, false);
  }
  expect_empty(m, {CKA_SUBJECT, CKA_UNWRAP_TEMPLATE, CKA_DECAPSULATE_TEMPLATE, CKA_DERIVE_TEMPLATE});
  EXPECT_FALSE(m.has(CKA_TRUSTED));
}

TEST(TemplateRulesDefaults, MlKemPairUsesEncapsulation) {
  const RuleContext pub = keygen(Origin::GenerateKeyPair, CKO_PUBLIC_KEY, CKK_ML_KEM, CKM_ML_KEM_KEY_PAIR_GEN);
  const AttributeMap p = ok(prepare_new_object(Tmpl().u(CKA_PARAMETER_SET, CKP_ML_KEM_768), pub));
  expect_bool(p, CKA_ENCAPSULATE, true);
  expect_bool(p, CKA_VERIFY, false);
  const RuleContext priv = keygen(Origin::GenerateKeyPair, CKO_PRIVATE_KEY, CKK_ML_KEM, CKM_ML_KEM_KEY_PAIR_GEN);
  const AttributeMap s = ok(prepare_new_object(Tmpl(), priv));
  expect_bool(s, CKA_DECAPSULATE, true);
  expect_bool(s, CKA_SIGN, false);
  EXPECT_EQ(s.get_ulong(CKA_CLASS), CKO_PRIVATE_KEY);
  EXPECT_EQ(s.get_ulong(CKA_KEY_TYPE), CKK_ML_KEM);
}

TEST(TemplateRulesDefaults, GeneratedKeyIsLocalAndAlwaysSensitive) {
  const RuleContext c = keygen(Origin::Generate, CKO_SECRET_KEY, CKK_AES, CKM_AES_KEY_GEN);
  const AttributeMap m = ok(prepare_new_object(Tmpl().u(CKA_VALUE_LEN, 32), c));
  EXPECT_EQ(m.get_ulong(CKA_CLASS), CKO_SECRET_KEY);
  EXPECT_EQ(m.get_ulong(CKA_KEY_TYPE), CKK_AES);
  EXPECT_EQ(m.get_ulong(CKA_VALUE_LEN), 32u);
  expect_bool(m, CKA_LOCAL, true);
  EXPECT_EQ(m.get_ulong(CKA_KEY_GEN_MECHANISM), CKM_AES_KEY_GEN);
  expect_bool(m, CKA_ALWAYS_SENSITIVE, true);
  expect_bool(m, CKA_NEVER_EXTRACTABLE, true);

  const AttributeMap open =
      ok(prepare_new_object(Tmpl().u(CKA_VALUE_LEN, 32).b(CKA_SENSITIVE, false).b(CKA_EXTRACTABLE, true), c));
  expect_bool(open, CKA_ALWAYS_SENSITIVE, false);
  expect_bool(open, CKA_NEVER_EXTRACTABLE, false);
}

TEST(TemplateRulesDefaults, GeneratedPairBothLocal) {
  const AttributeMap pub = ok(prepare_new_object(
      Tmpl().u(CKA_MODULUS_BITS, 2048), keygen(Origin::GenerateKeyPair, CKO_PUBLIC_KEY, CKK_RSA, CKM_RSA_PKCS_KEY_PAIR_GEN)));
  expect_bool(pub, CKA_LOCAL, true);
  EXPECT_EQ(pub.get_ulong(CKA_KEY_GEN_MECHANISM), CKM_RSA_PKCS_KEY_PAIR_GEN);
  const AttributeMap priv = ok(prepare_new_object(
      Tmpl(), keygen(Origin::GenerateKeyPair, CKO_PRIVATE_KEY, CKK_RSA, CKM_RSA_PKCS_KEY_PAIR_GEN)));
  expect_bool(priv, CKA_LOCAL, true);
  expect_bool(priv, CKA_ALWAYS_SENSITIVE, true);
  expect_bool(priv, CKA_NEVER_EXTRACTABLE, true);
}

TEST(TemplateRulesDefaults, UnwrappedAndKemKeysAreExtractableButNeverAlwaysSensitive) {
  for (Origin o : {Origin::Unwrap, Origin::Encapsulate, Origin::Decapsulate}) {
    const AttributeMap m = ok(prepare_new_object(Tmpl().u(CKA_CLASS, CKO_SECRET_KEY).u(CKA_KEY_TYPE, CKK_AES), ctx(o)));
    expect_bool(m, CKA_EXTRACTABLE, true);
    expect_bool(m, CKA_SENSITIVE, true);
    expect_bool(m, CKA_ALWAYS_SENSITIVE, false);
    expect_bool(m, CKA_NEVER_EXTRACTABLE, false);
    expect_bool(m, CKA_LOCAL, false);
  }
  // KEMs and derivation make secret keys without being told the class.
  const AttributeMap kem = ok(prepare_new_object(Tmpl().u(CKA_KEY_TYPE, CKK_AES), ctx(Origin::Decapsulate)));
  EXPECT_EQ(kem.get_ulong(CKA_CLASS), CKO_SECRET_KEY);
}

TEST(TemplateRulesDefaults, DerivedKeyInheritsFromBase) {
  const Tmpl derived = Tmpl().u(CKA_KEY_TYPE, CKK_AES).u(CKA_VALUE_LEN, 16);
  AttributeMap base;
  base.set_bool(CKA_ALWAYS_SENSITIVE, true);
  base.set_bool(CKA_NEVER_EXTRACTABLE, true);
  RuleContext c = ctx(Origin::Derive);
  c.base = &base;
  AttributeMap m = ok(prepare_new_object(derived, c));
  EXPECT_EQ(m.get_ulong(CKA_CLASS), CKO_SECRET_KEY);
  expect_bool(m, CKA_EXTRACTABLE, false);
  expect_bool(m, CKA_ALWAYS_SENSITIVE, true);
  expect_bool(m, CKA_NEVER_EXTRACTABLE, true);

  m = ok(prepare_new_object(Tmpl(derived).b(CKA_SENSITIVE, false).b(CKA_EXTRACTABLE, true), c));
  expect_bool(m, CKA_ALWAYS_SENSITIVE, false);
  expect_bool(m, CKA_NEVER_EXTRACTABLE, false);

  base.set_bool(CKA_ALWAYS_SENSITIVE, false);
  m = ok(prepare_new_object(derived, c));
  expect_bool(m, CKA_ALWAYS_SENSITIVE, false);
  expect_bool(m, CKA_NEVER_EXTRACTABLE, true);

  c.base = nullptr;  // unknown history: claim nothing
  m = ok(prepare_new_object(derived, c));
  expect_bool(m, CKA_ALWAYS_SENSITIVE, false);
  expect_bool(m, CKA_NEVER_EXTRACTABLE, false);
}

TEST(TemplateRulesDefaults, CallerValuesWinAndBooleansAreCanonical) {
  const AttributeMap m = ok(prepare_new_object(
      aes().raw(CKA_ENCRYPT, SecureBytes{0x05}).b(CKA_SIGN, false).s(CKA_LABEL, "k").s(CKA_START_DATE, "20240101"),
      ctx()));
  EXPECT_EQ(*m.find(CKA_ENCRYPT), SecureBytes{CK_TRUE});
  expect_bool(m, CKA_SIGN, false);
  EXPECT_EQ(m.string_or_empty(CKA_LABEL), "k");
  EXPECT_EQ(m.string_or_empty(CKA_START_DATE), "20240101");
}

// ===================== prepare_new_object errors =====================

TEST(TemplateRulesErrors, UnknownAttributeType) {
  EXPECT_EQ(prepare_new_object(aes().s(CKA_VENDOR_DEFINED | 7, "x"), ctx()).rv(), CKR_ATTRIBUTE_TYPE_INVALID);
  EXPECT_EQ(prepare_new_object(aes().s(CKA_PRIME, "p"), ctx()).rv(), CKR_ATTRIBUTE_TYPE_INVALID);
}

TEST(TemplateRulesErrors, MalformedValues) {
  EXPECT_EQ(prepare_new_object(aes().raw(CKA_TOKEN, SecureBytes{1, 0}), ctx()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(prepare_new_object(Tmpl().raw(CKA_CLASS, SecureBytes{4, 0, 0, 0}), ctx()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(prepare_new_object(aes().s(CKA_END_DATE, "2024"), ctx()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(prepare_new_object(aes().s(CKA_START_DATE, "20240230"), ctx()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(prepare_new_object(aes().s(CKA_ALLOWED_MECHANISMS, "12345"), ctx()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(prepare_new_object(aes().s(CKA_WRAP_TEMPLATE, "junk"), ctx()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(prepare_new_object(aes().nested(CKA_WRAP_TEMPLATE, Tmpl().s(CKA_PRIME, "p")), ctx()).rv(),
            CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(TemplateRulesErrors, UnknownClassKeyTypeOrCertificateType) {
  EXPECT_EQ(prepare_new_object(Tmpl().u(CKA_CLASS, CKO_HW_FEATURE), ctx()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(prepare_new_object(Tmpl().u(CKA_CLASS, 0x1234), ctx()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(prepare_new_object(aes().u(CKA_KEY_TYPE, CKK_DSA), ctx()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(prepare_new_object(cert().u(CKA_CERTIFICATE_TYPE, CKC_WTLS), ctx()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(TemplateRulesErrors, DomainValues) {
  EXPECT_EQ(prepare_new_object(cert().u(CKA_CERTIFICATE_CATEGORY, 4), ctx()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(prepare_new_object(cert().u(CKA_JAVA_MIDP_SECURITY_DOMAIN, 9), ctx()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_TRUE(prepare_new_object(cert().u(CKA_CERTIFICATE_CATEGORY, CK_CERTIFICATE_CATEGORY_AUTHORITY), ctx()).ok());
  const RuleContext kem = keygen(Origin::GenerateKeyPair, CKO_PUBLIC_KEY, CKK_ML_KEM, CKM_ML_KEM_KEY_PAIR_GEN);
  EXPECT_EQ(prepare_new_object(Tmpl().u(CKA_PARAMETER_SET, 0), kem).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(prepare_new_object(Tmpl().u(CKA_PARAMETER_SET, 4), kem).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  const RuleContext slh = keygen(Origin::GenerateKeyPair, CKO_PUBLIC_KEY, CKK_SLH_DSA, CKM_SLH_DSA_KEY_PAIR_GEN);
  EXPECT_TRUE(prepare_new_object(Tmpl().u(CKA_PARAMETER_SET, CKP_SLH_DSA_SHAKE_256F), slh).ok());
  EXPECT_EQ(prepare_new_object(Tmpl().u(CKA_PARAMETER_SET, 13), slh).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(TemplateRulesErrors, AttributeOfAnotherClassIsInconsistent) {
  EXPECT_EQ(prepare_new_object(aes().s(CKA_MODULUS, "n"), ctx()).rv(), CKR_TEMPLATE_INCONSISTENT);
  EXPECT_EQ(prepare_new_object(aes().b(CKA_SIGN_RECOVER, true), ctx()).rv(), CKR_TEMPLATE_INCONSISTENT);
  EXPECT_EQ(prepare_new_object(data().u(CKA_KEY_TYPE, CKK_AES), ctx()).rv(), CKR_TEMPLATE_INCONSISTENT);
  EXPECT_EQ(prepare_new_object(rsa_public().b(CKA_SENSITIVE, true), ctx()).rv(), CKR_TEMPLATE_INCONSISTENT);
  EXPECT_EQ(prepare_new_object(ec_private().b(CKA_TRUSTED, false), ctx()).rv(), CKR_TEMPLATE_INCONSISTENT);
  EXPECT_EQ(prepare_new_object(aes().u(CKA_KEY_TYPE, CKK_RSA), ctx()).rv(), CKR_TEMPLATE_INCONSISTENT);
}

TEST(TemplateRulesErrors, TokenSetAttributesAreReadOnly) {
  for (CK_ATTRIBUTE_TYPE t : {CKA_LOCAL, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE}) {
    EXPECT_EQ(prepare_new_object(aes().b(t, false), ctx()).rv(), CKR_ATTRIBUTE_READ_ONLY) << attribute_name(t);
    const RuleContext gen = keygen(Origin::Generate, CKO_SECRET_KEY, CKK_AES, CKM_AES_KEY_GEN);
    EXPECT_EQ(prepare_new_object(Tmpl().u(CKA_VALUE_LEN, 16).b(t, true), gen).rv(), CKR_ATTRIBUTE_READ_ONLY);
  }
  EXPECT_EQ(prepare_new_object(aes().u(CKA_KEY_GEN_MECHANISM, CKM_AES_KEY_GEN), ctx()).rv(), CKR_ATTRIBUTE_READ_ONLY);
  EXPECT_EQ(prepare_new_object(data().s(CKA_UNIQUE_ID, "x"), ctx()).rv(), CKR_ATTRIBUTE_READ_ONLY);
  EXPECT_EQ(prepare_new_object(Tmpl().u(CKA_CLASS, CKO_PRIVATE_KEY).u(CKA_KEY_TYPE, CKK_RSA).u(CKA_MODULUS_BITS, 2048),
                               ctx()).rv(),
            CKR_ATTRIBUTE_READ_ONLY);
}

TEST(TemplateRulesErrors, MustNotBeSpecifiedPerFunction) {
  // Footnote 2 (C_CreateObject).
  EXPECT_EQ(prepare_new_object(aes().u(CKA_VALUE_LEN, 16), ctx()).rv(), CKR_ATTRIBUTE_READ_ONLY);
  EXPECT_EQ(prepare_new_object(rsa_public().u(CKA_MODULUS_BITS, 2048), ctx()).rv(), CKR_ATTRIBUTE_READ_ONLY);
  // Footnote 4 (key generation).
  const RuleContext gen = keygen(Origin::Generate, CKO_SECRET_KEY, CKK_AES, CKM_AES_KEY_GEN);
  EXPECT_EQ(prepare_new_object(Tmpl().u(CKA_VALUE_LEN, 16).s(CKA_VALUE, "k"), gen).rv(), CKR_ATTRIBUTE_READ_ONLY);
  const RuleContext rsa_pub = keygen(Origin::GenerateKeyPair, CKO_PUBLIC_KEY, CKK_RSA, CKM_RSA_PKCS_KEY_PAIR_GEN);
  EXPECT_EQ(prepare_new_object(Tmpl().u(CKA_MODULUS_BITS, 2048).s(CKA_MODULUS, "n"), rsa_pub).rv(),
            CKR_ATTRIBUTE_READ_ONLY);
  EXPECT_TRUE(prepare_new_object(Tmpl().u(CKA_MODULUS_BITS, 2048).s(CKA_PUBLIC_EXPONENT, "\x03"), rsa_pub).ok());
  EXPECT_EQ(prepare_new_object(Tmpl().u(CKA_MODULUS_BITS, 2048).s(CKA_PUBLIC_KEY_INFO, "spki"), rsa_pub).rv(),
            CKR_ATTRIBUTE_READ_ONLY);
  const RuleContext ec_priv = keygen(Origin::GenerateKeyPair, CKO_PRIVATE_KEY, CKK_EC, CKM_EC_KEY_PAIR_GEN);
  for (CK_ATTRIBUTE_TYPE t : {CKA_EC_PARAMS, CKA_VALUE, CKA_EC_POINT}) {
    EXPECT_EQ(prepare_new_object(Tmpl().s(t, "x"), ec_priv).rv(), CKR_ATTRIBUTE_READ_ONLY) << attribute_name(t);
  }
  // Footnote 6 (unwrap), also applied to derive and the KEM functions.
  for (Origin o : {Origin::Unwrap, Origin::Derive, Origin::Decapsulate}) {
    EXPECT_EQ(prepare_new_object(aes(), ctx(o)).rv(), CKR_ATTRIBUTE_READ_ONLY);
    EXPECT_TRUE(
        prepare_new_object(Tmpl().u(CKA_CLASS, CKO_SECRET_KEY).u(CKA_KEY_TYPE, CKK_AES).u(CKA_VALUE_LEN, 16), ctx(o)).ok());
  }
}

TEST(TemplateRulesErrors, MissingRequiredAttributes) {
  const auto incomplete = [](const AttributeMap& t, const RuleContext& c) {
    EXPECT_EQ(prepare_new_object(t, c).rv(), CKR_TEMPLATE_INCOMPLETE);
  };
  incomplete(Tmpl().s(CKA_LABEL, "no class"), ctx());
  incomplete(Tmpl().u(CKA_CLASS, CKO_SECRET_KEY).s(CKA_VALUE, "k"), ctx());
  incomplete(Tmpl().u(CKA_CLASS, CKO_SECRET_KEY).u(CKA_KEY_TYPE, CKK_AES), ctx());
  incomplete(Tmpl().u(CKA_CLASS, CKO_CERTIFICATE).s(CKA_SUBJECT, "s").s(CKA_VALUE, "v"), ctx());
  incomplete(Tmpl().u(CKA_CLASS, CKO_CERTIFICATE).u(CKA_CERTIFICATE_TYPE, CKC_X_509).s(CKA_VALUE, "v"), ctx());
  incomplete(Tmpl().u(CKA_CLASS, CKO_CERTIFICATE).u(CKA_CERTIFICATE_TYPE, CKC_X_509).s(CKA_SUBJECT, "s"), ctx());
  incomplete(cert().s(CKA_VALUE, ""), ctx());
  incomplete(Tmpl().u(CKA_CLASS, CKO_PUBLIC_KEY).u(CKA_KEY_TYPE, CKK_RSA).s(CKA_MODULUS, "n"), ctx());
  incomplete(Tmpl().u(CKA_CLASS, CKO_PRIVATE_KEY).u(CKA_KEY_TYPE, CKK_EC).s(CKA_VALUE, "d"), ctx());
  incomplete(Tmpl().u(CKA_CLASS, CKO_PRIVATE_KEY).u(CKA_KEY_TYPE, CKK_ML_KEM).u(CKA_PARAMETER_SET, 1), ctx());
  incomplete(Tmpl(), keygen(Origin::Generate, CKO_SECRET_KEY, CKK_AES, CKM_AES_KEY_GEN));
  incomplete(Tmpl(), keygen(Origin::GenerateKeyPair, CKO_PUBLIC_KEY, CKK_RSA, CKM_RSA_PKCS_KEY_PAIR_GEN));
  incomplete(Tmpl(), keygen(Origin::GenerateKeyPair, CKO_PUBLIC_KEY, CKK_EC, CKM_EC_KEY_PAIR_GEN));
  incomplete(Tmpl(), keygen(Origin::GenerateKeyPair, CKO_PUBLIC_KEY, CKK_ML_DSA, CKM_ML_DSA_KEY_PAIR_GEN));
  incomplete(Tmpl().u(CKA_CLASS, CKO_SECRET_KEY), ctx(Origin::Unwrap));
  incomplete(Tmpl(), ctx(Origin::Derive));
}

TEST(TemplateRulesErrors, RequirementsThatAreSatisfiedDifferently) {
  // A certificate by URL needs the key hashes instead of the value.
  const Tmpl by_url = cert().s(CKA_VALUE, "").s(CKA_URL, "https://ca.example/c.der");
  EXPECT_EQ(prepare_new_object(by_url, ctx()).rv(), CKR_TEMPLATE_INCOMPLETE);
  EXPECT_TRUE(prepare_new_object(Tmpl(by_url).s(CKA_HASH_OF_SUBJECT_PUBLIC_KEY, "h1").s(CKA_HASH_OF_ISSUER_PUBLIC_KEY, "h2"),
                                 ctx()).ok());
  // ML-KEM / ML-DSA private keys: CKA_SEED or CKA_VALUE.
  const Tmpl kem = Tmpl().u(CKA_CLASS, CKO_PRIVATE_KEY).u(CKA_KEY_TYPE, CKK_ML_KEM).u(CKA_PARAMETER_SET, 1);
  EXPECT_TRUE(prepare_new_object(Tmpl(kem).s(CKA_SEED, std::string(64, 's')), ctx()).ok());
  EXPECT_TRUE(prepare_new_object(Tmpl(kem).s(CKA_VALUE, "dk"), ctx()).ok());
  // DES3 has a fixed length: no CKA_VALUE_LEN needed to generate one.
  EXPECT_TRUE(prepare_new_object(Tmpl(), keygen(Origin::Generate, CKO_SECRET_KEY, CKK_DES3, CKM_DES3_KEY_GEN)).ok());
  // EC private keys may carry their public point on creation.
  EXPECT_TRUE(prepare_new_object(ec_private().s(CKA_EC_POINT, "Q"), ctx()).ok());
  // A copy of the parameter set in the private key-pair template is tolerated.
  const RuleContext priv = keygen(Origin::GenerateKeyPair, CKO_PRIVATE_KEY, CKK_ML_DSA, CKM_ML_DSA_KEY_PAIR_GEN);
  EXPECT_TRUE(prepare_new_object(Tmpl().u(CKA_PARAMETER_SET, CKP_ML_DSA_65), priv).ok());
}

TEST(TemplateRulesErrors, ClassOrTypeContradictingTheMechanism) {
  const RuleContext gen = keygen(Origin::Generate, CKO_SECRET_KEY, CKK_AES, CKM_AES_KEY_GEN);
  EXPECT_EQ(prepare_new_object(Tmpl().u(CKA_VALUE_LEN, 16).u(CKA_CLASS, CKO_PUBLIC_KEY), gen).rv(),
            CKR_TEMPLATE_INCONSISTENT);
  EXPECT_EQ(prepare_new_object(Tmpl().u(CKA_VALUE_LEN, 16).u(CKA_KEY_TYPE, CKK_DES3), gen).rv(),
            CKR_TEMPLATE_INCONSISTENT);
  EXPECT_TRUE(prepare_new_object(Tmpl().u(CKA_VALUE_LEN, 16).u(CKA_CLASS, CKO_SECRET_KEY).u(CKA_KEY_TYPE, CKK_AES), gen).ok());
  const RuleContext pub = keygen(Origin::GenerateKeyPair, CKO_PUBLIC_KEY, CKK_EC, CKM_EC_KEY_PAIR_GEN);
  EXPECT_EQ(prepare_new_object(Tmpl().s(CKA_EC_PARAMS, "oid").u(CKA_CLASS, CKO_PRIVATE_KEY), pub).rv(),
            CKR_TEMPLATE_INCONSISTENT);
  // What each function can make at all.
  EXPECT_EQ(prepare_new_object(Tmpl().u(CKA_CLASS, CKO_PUBLIC_KEY).u(CKA_KEY_TYPE, CKK_RSA), ctx(Origin::Unwrap)).rv(),
            CKR_TEMPLATE_INCONSISTENT);
  EXPECT_EQ(prepare_new_object(Tmpl().u(CKA_CLASS, CKO_PRIVATE_KEY).u(CKA_KEY_TYPE, CKK_EC), ctx(Origin::Derive)).rv(),
            CKR_TEMPLATE_INCONSISTENT);
  EXPECT_EQ(prepare_new_object(Tmpl().u(CKA_CLASS, CKO_DATA), ctx(Origin::Generate)).rv(), CKR_TEMPLATE_INCONSISTENT);
}

TEST(TemplateRulesErrors, TrustedOnlyBySecurityOfficer) {
  EXPECT_EQ(prepare_new_object(rsa_public().b(CKA_TRUSTED, true), ctx()).rv(), CKR_ATTRIBUTE_READ_ONLY);
  EXPECT_EQ(prepare_new_object(cert().b(CKA_TRUSTED, true), ctx()).rv(), CKR_ATTRIBUTE_READ_ONLY);
  EXPECT_TRUE(prepare_new_object(rsa_public().b(CKA_TRUSTED, false), ctx()).ok());
  RuleContext so = ctx(Origin::Create, /*user=*/false);
  so.so_session = true;
  EXPECT_TRUE(prepare_new_object(cert().b(CKA_TRUSTED, true), so).ok());
}

TEST(TemplateRulesErrors, LoginAndSessionRequirements) {
  const RuleContext anon = ctx(Origin::Create, /*user=*/false);
  EXPECT_EQ(prepare_new_object(data().b(CKA_PRIVATE, true), anon).rv(), CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(prepare_new_object(aes(), anon).rv(), CKR_USER_NOT_LOGGED_IN);  // private by default
  EXPECT_TRUE(prepare_new_object(aes().b(CKA_PRIVATE, false), anon).ok());   // public session key
  EXPECT_EQ(prepare_new_object(aes().b(CKA_PRIVATE, false).b(CKA_TOKEN, true), anon).rv(), CKR_USER_NOT_LOGGED_IN);
  EXPECT_TRUE(prepare_new_object(rsa_public().b(CKA_TOKEN, true), anon).ok());
  RuleContext so = anon;
  so.so_session = true;
  EXPECT_EQ(prepare_new_object(data().b(CKA_PRIVATE, true), so).rv(), CKR_USER_NOT_LOGGED_IN);

  RuleContext read_only = ctx();
  read_only.rw_session = false;
  EXPECT_EQ(prepare_new_object(data().b(CKA_TOKEN, true), read_only).rv(), CKR_SESSION_READ_ONLY);
  EXPECT_TRUE(prepare_new_object(data(), read_only).ok());
}

TEST(TemplateRulesErrors, AlwaysAuthenticateNeedsPrivate) {
  EXPECT_EQ(prepare_new_object(ec_private().b(CKA_ALWAYS_AUTHENTICATE, true).b(CKA_PRIVATE, false), ctx()).rv(),
            CKR_TEMPLATE_INCONSISTENT);
  EXPECT_TRUE(prepare_new_object(ec_private().b(CKA_ALWAYS_AUTHENTICATE, true), ctx()).ok());
}

TEST(TemplateRulesErrors, NestedTemplatesAreStoredCanonically) {
  const AttributeMap m = ok(prepare_new_object(
      aes().nested(CKA_UNWRAP_TEMPLATE, Tmpl().raw(CKA_EXTRACTABLE, SecureBytes{0}).raw(CKA_SENSITIVE, SecureBytes{7})),
      ctx()));
  Result<AttributeMap> inner = AttributeMap::decode(m.bytes_or_empty(CKA_UNWRAP_TEMPLATE));
  ASSERT_TRUE(inner.ok());
  EXPECT_EQ(*inner->find(CKA_SENSITIVE), SecureBytes{CK_TRUE});
}

}  // namespace
}  // namespace craton
