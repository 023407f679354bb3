#include "object/template_rules.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace craton {
namespace {

// Builds templates fluently: Tmpl().u(CKA_CLASS, CKO_DATA).b(CKA_TOKEN, true).
struct Tmpl {
  AttributeMap m;
  Tmpl& b(CK_ATTRIBUTE_TYPE t, bool v) { return m.set_bool(t, v), *this; }
  Tmpl& u(CK_ATTRIBUTE_TYPE t, CK_ULONG v) { return m.set_ulong(t, v), *this; }
  Tmpl& s(CK_ATTRIBUTE_TYPE t, std::string_view v) { return m.set_string(t, v), *this; }
  Tmpl& raw(CK_ATTRIBUTE_TYPE t, SecureBytes v) { return m.set(t, std::move(v)), *this; }
  Tmpl& nested(CK_ATTRIBUTE_TYPE t, const Tmpl& inner) { return m.set(t, inner.m.encode()), *this; }
  operator const AttributeMap&() const { return m; }  // NOLINT: implicit for brevity
};

RuleContext ctx(Origin origin = Origin::Create, bool user = true) {
  RuleContext c;
  c.origin = origin;
  c.user_logged_in = user;
  return c;
}

RuleContext keygen(Origin origin, CK_OBJECT_CLASS c, CK_KEY_TYPE t, CK_MECHANISM_TYPE mech) {
  RuleContext r = ctx(origin);
  r.implied_class = c;
  r.implied_key_type = t;
  r.mechanism = mech;
  return r;
}

AttributeMap ok(Result<AttributeMap> r) {
  EXPECT_TRUE(r.ok()) << "rv=0x" << std::hex << r.rv() << " " << r.status().message();
  return r.ok() ? std::move(r).value() : AttributeMap{};
}

SecureBytes mechanisms(std::initializer_list<CK_MECHANISM_TYPE> list) {
  SecureBytes out(list.size() * sizeof(CK_MECHANISM_TYPE));
  std::size_t off = 0;
  for (CK_MECHANISM_TYPE m : list) std::memcpy(out.data() + (off++) * sizeof m, &m, sizeof m);
  return out;
}

Tmpl aes() { return Tmpl().u(CKA_CLASS, CKO_SECRET_KEY).u(CKA_KEY_TYPE, CKK_AES).s(CKA_VALUE, std::string(16, 'k')); }
Tmpl data() { return Tmpl().u(CKA_CLASS, CKO_DATA); }
Tmpl cert() {
  return Tmpl().u(CKA_CLASS, CKO_CERTIFICATE).u(CKA_CERTIFICATE_TYPE, CKC_X_509).s(CKA_SUBJECT, "subj").s(CKA_VALUE, "der");
}
Tmpl rsa_public() {
  return Tmpl().u(CKA_CLASS, CKO_PUBLIC_KEY).u(CKA_KEY_TYPE, CKK_RSA).s(CKA_MODULUS, "n").s(CKA_PUBLIC_EXPONENT, "\x01");
}
Tmpl ec_private() {
  return Tmpl().u(CKA_CLASS, CKO_PRIVATE_KEY).u(CKA_KEY_TYPE, CKK_EC).s(CKA_EC_PARAMS, "oid").s(CKA_VALUE, "d");
}

void expect_bool(const AttributeMap& m, CK_ATTRIBUTE_TYPE t, bool v) {
  ASSERT_TRUE(m.get_bool(t).has_value()) << attribute_name(t) << " missing";
  EXPECT_EQ(*m.get_bool(t), v) << attribute_name(t);
}
void expect_empty(const AttributeMap& m, std::initializer_list<CK_ATTRIBUTE_TYPE> types) {
  for (CK_ATTRIBUTE_TYPE t : types) {
    ASSERT_TRUE(m.has(t)) << attribute_name(t) << " missing";
    EXPECT_TRUE(m.find(t)->empty()) << attribute_name(t);
  }
}

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

// ===================== Readability =====================

TEST(TemplateRulesReadability, SensitiveMaterialIsHidden) {
  const AttributeMap key = ok(prepare_new_object(aes(), ctx()));
  EXPECT_EQ(attribute_readability(key, CKA_VALUE), Readability::kSensitive);
  EXPECT_EQ(attribute_readability(key, CKA_LABEL), Readability::kReadable);
  EXPECT_EQ(attribute_readability(key, CKA_MODULUS), Readability::kInvalid);
  EXPECT_EQ(Readability::Sensitive, Readability::kSensitive);
}

TEST(TemplateRulesReadability, FootnoteSevenTruthTable) {
  struct Case { bool sensitive, extractable; Readability want; };
  for (const Case& c : {Case{false, true, Readability::kReadable}, Case{false, false, Readability::kSensitive},
                        Case{true, true, Readability::kSensitive}, Case{true, false, Readability::kSensitive}}) {
    const AttributeMap key =
        ok(prepare_new_object(aes().b(CKA_SENSITIVE, c.sensitive).b(CKA_EXTRACTABLE, c.extractable), ctx()));
    EXPECT_EQ(attribute_readability(key, CKA_VALUE), c.want) << c.sensitive << c.extractable;
  }
  AttributeMap bare;  // no flags at all: treated as protected
  bare.set_ulong(CKA_CLASS, CKO_SECRET_KEY);
  bare.set_string(CKA_VALUE, "k");
  EXPECT_EQ(attribute_readability(bare, CKA_VALUE), Readability::kSensitive);
}

TEST(TemplateRulesReadability, PerComponent) {
  AttributeMap rsa;
  rsa.set_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
  rsa.set_ulong(CKA_KEY_TYPE, CKK_RSA);
  rsa.set_bool(CKA_SENSITIVE, true);
  for (CK_ATTRIBUTE_TYPE t : {CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2,
                              CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT}) {
    rsa.set_string(t, "x");
  }
  EXPECT_EQ(attribute_readability(rsa, CKA_MODULUS), Readability::kReadable);
  EXPECT_EQ(attribute_readability(rsa, CKA_PUBLIC_EXPONENT), Readability::kReadable);
  for (CK_ATTRIBUTE_TYPE t : {CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2,
                              CKA_COEFFICIENT}) {
    EXPECT_EQ(attribute_readability(rsa, t), Readability::kSensitive) << attribute_name(t);
  }
  const AttributeMap kem_pub = ok(prepare_new_object(
      Tmpl().u(CKA_CLASS, CKO_PUBLIC_KEY).u(CKA_KEY_TYPE, CKK_ML_KEM).u(CKA_PARAMETER_SET, 2).s(CKA_VALUE, "ek"), ctx()));
  EXPECT_EQ(attribute_readability(kem_pub, CKA_VALUE), Readability::kReadable);
  const AttributeMap dsa_priv = ok(prepare_new_object(
      Tmpl().u(CKA_CLASS, CKO_PRIVATE_KEY).u(CKA_KEY_TYPE, CKK_ML_DSA).u(CKA_PARAMETER_SET, 2).s(CKA_SEED, "xi"), ctx()));
  EXPECT_EQ(attribute_readability(dsa_priv, CKA_SEED), Readability::kSensitive);
  EXPECT_EQ(attribute_readability(dsa_priv, CKA_VALUE), Readability::kInvalid);  // absent
  const AttributeMap d = ok(prepare_new_object(data().s(CKA_VALUE, "v"), ctx()));
  EXPECT_EQ(attribute_readability(d, CKA_VALUE), Readability::kReadable);
}

// ===================== apply_changes (C_SetAttributeValue) =====================

AttributeMap user_key(Tmpl t = aes()) { return ok(prepare_new_object(t, ctx())); }

TEST(TemplateRulesSet, NonModifiableObjectsRefuseEverything) {
  const AttributeMap key = user_key(aes().b(CKA_MODIFIABLE, false));
  EXPECT_EQ(apply_changes(key, Tmpl().s(CKA_LABEL, "x"), ctx()).rv(), CKR_ACTION_PROHIBITED);
  EXPECT_EQ(apply_changes(key, Tmpl(), ctx()).rv(), CKR_ACTION_PROHIBITED);
}

TEST(TemplateRulesSet, ModifiableAttributesChange) {
  const AttributeMap key = user_key();
  const AttributeMap m = ok(apply_changes(
      key,
      Tmpl().s(CKA_LABEL, "new").s(CKA_ID, "01").raw(CKA_ENCRYPT, SecureBytes{0}).raw(CKA_DERIVE, SecureBytes{9})
          .s(CKA_END_DATE, "20301231").b(CKA_DESTROYABLE, false),
      ctx()));
  EXPECT_EQ(m.string_or_empty(CKA_LABEL), "new");
  EXPECT_EQ(m.string_or_empty(CKA_ID), "01");
  expect_bool(m, CKA_ENCRYPT, false);
  EXPECT_EQ(*m.find(CKA_DERIVE), SecureBytes{CK_TRUE});
  expect_bool(m, CKA_DESTROYABLE, false);
  EXPECT_EQ(*m.find(CKA_VALUE), *key.find(CKA_VALUE));
  expect_bool(ok(apply_changes(m, Tmpl().b(CKA_DESTROYABLE, true), ctx())), CKA_DESTROYABLE, true);
}

TEST(TemplateRulesSet, FixedAttributesAreReadOnly) {
  const AttributeMap key = user_key();
  for (const Tmpl& change : {Tmpl().u(CKA_CLASS, CKO_SECRET_KEY), Tmpl().u(CKA_KEY_TYPE, CKK_AES),
                             Tmpl().s(CKA_VALUE, "other"), Tmpl().b(CKA_TOKEN, true), Tmpl().b(CKA_PRIVATE, false),
                             Tmpl().b(CKA_MODIFIABLE, false), Tmpl().b(CKA_LOCAL, true),
                             Tmpl().u(CKA_KEY_GEN_MECHANISM, 1), Tmpl().b(CKA_ALWAYS_SENSITIVE, false),
                             Tmpl().raw(CKA_ALLOWED_MECHANISMS, mechanisms({CKM_AES_GCM})),
                             Tmpl().nested(CKA_WRAP_TEMPLATE, Tmpl()), Tmpl().s(CKA_UNIQUE_ID, "u")}) {
    EXPECT_EQ(apply_changes(key, change, ctx()).rv(), CKR_ATTRIBUTE_READ_ONLY)
        << attribute_name(change.m.begin()->first);
  }
  EXPECT_EQ(apply_changes(user_key(ec_private()), Tmpl().b(CKA_ALWAYS_AUTHENTICATE, true), ctx()).rv(),
            CKR_ATTRIBUTE_READ_ONLY);
}

TEST(TemplateRulesSet, OneWayAttributes) {
  const AttributeMap open = user_key(aes().b(CKA_SENSITIVE, false).b(CKA_EXTRACTABLE, true));
  const AttributeMap locked = ok(apply_changes(
      open, Tmpl().b(CKA_SENSITIVE, true).b(CKA_EXTRACTABLE, false).b(CKA_WRAP_WITH_TRUSTED, true).b(CKA_COPYABLE, false),
      ctx()));
  expect_bool(locked, CKA_SENSITIVE, true);
  expect_bool(locked, CKA_EXTRACTABLE, false);
  for (const Tmpl& back : {Tmpl().b(CKA_SENSITIVE, false), Tmpl().b(CKA_EXTRACTABLE, true),
                           Tmpl().b(CKA_WRAP_WITH_TRUSTED, false), Tmpl().b(CKA_COPYABLE, true)}) {
    EXPECT_EQ(apply_changes(locked, back, ctx()).rv(), CKR_ATTRIBUTE_READ_ONLY) << attribute_name(back.m.begin()->first);
  }
  // Restating the current value is not a change.
  EXPECT_TRUE(apply_changes(locked, Tmpl().b(CKA_SENSITIVE, true).b(CKA_EXTRACTABLE, false), ctx()).ok());
  // Moving SENSITIVE does not rewrite history.
  expect_bool(locked, CKA_ALWAYS_SENSITIVE, false);
}

TEST(TemplateRulesSet, TrustedNeedsTheSecurityOfficer) {
  const AttributeMap pub = ok(prepare_new_object(rsa_public(), ctx()));
  EXPECT_EQ(apply_changes(pub, Tmpl().b(CKA_TRUSTED, true), ctx()).rv(), CKR_ATTRIBUTE_READ_ONLY);
  RuleContext so = ctx(Origin::Create, false);
  so.so_session = true;
  expect_bool(ok(apply_changes(pub, Tmpl().b(CKA_TRUSTED, true), so)), CKA_TRUSTED, true);
}

TEST(TemplateRulesSet, CertificatesAndDataObjects) {
  const AttributeMap c = ok(prepare_new_object(cert(), ctx()));
  EXPECT_TRUE(apply_changes(c, Tmpl().s(CKA_ID, "i").s(CKA_ISSUER, "is").s(CKA_SERIAL_NUMBER, "1").s(CKA_LABEL, "l"),
                            ctx()).ok());
  for (const Tmpl& fixed : {Tmpl().s(CKA_SUBJECT, "s"), Tmpl().s(CKA_VALUE, "v"), Tmpl().u(CKA_CERTIFICATE_CATEGORY, 1),
                            Tmpl().s(CKA_START_DATE, "20240101")}) {
    EXPECT_EQ(apply_changes(c, fixed, ctx()).rv(), CKR_ATTRIBUTE_READ_ONLY);
  }
  RuleContext so = ctx(Origin::Create, false);
  so.so_session = true;
  const AttributeMap trusted = ok(prepare_new_object(cert().b(CKA_TRUSTED, true), so));
  EXPECT_EQ(apply_changes(trusted, Tmpl().s(CKA_LABEL, "x"), so).rv(), CKR_ATTRIBUTE_READ_ONLY);

  const AttributeMap d = ok(prepare_new_object(data(), ctx()));
  EXPECT_TRUE(apply_changes(d, Tmpl().s(CKA_LABEL, "l"), ctx()).ok());
  EXPECT_EQ(apply_changes(d, Tmpl().s(CKA_APPLICATION, "a"), ctx()).rv(), CKR_ATTRIBUTE_READ_ONLY);
  EXPECT_EQ(apply_changes(d, Tmpl().s(CKA_VALUE, "v"), ctx()).rv(), CKR_ATTRIBUTE_READ_ONLY);
}

TEST(TemplateRulesSet, CheckValueCanOnlyBeCleared) {
  const AttributeMap key = user_key(aes().s(CKA_CHECK_VALUE, "kcv"));
  EXPECT_TRUE(ok(apply_changes(key, Tmpl().s(CKA_CHECK_VALUE, ""), ctx())).find(CKA_CHECK_VALUE)->empty());
  EXPECT_EQ(apply_changes(key, Tmpl().s(CKA_CHECK_VALUE, "abc"), ctx()).rv(), CKR_ATTRIBUTE_READ_ONLY);
}

TEST(TemplateRulesSet, ValueAndTypeErrors) {
  const AttributeMap key = user_key();
  EXPECT_EQ(apply_changes(key, Tmpl().s(CKA_PRIME, "p"), ctx()).rv(), CKR_ATTRIBUTE_TYPE_INVALID);
  EXPECT_EQ(apply_changes(key, Tmpl().s(CKA_MODULUS, "n"), ctx()).rv(), CKR_TEMPLATE_INCONSISTENT);
  EXPECT_EQ(apply_changes(key, Tmpl().raw(CKA_SIGN, SecureBytes{1, 1}), ctx()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(apply_changes(key, Tmpl().s(CKA_START_DATE, "20241232"), ctx()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(TemplateRulesSet, TokenObjectsNeedReadWrite) {
  const AttributeMap key = user_key(aes().b(CKA_TOKEN, true));
  RuleContext read_only = ctx();
  read_only.rw_session = false;
  EXPECT_EQ(apply_changes(key, Tmpl().s(CKA_LABEL, "x"), read_only).rv(), CKR_SESSION_READ_ONLY);
  EXPECT_TRUE(apply_changes(user_key(), Tmpl().s(CKA_LABEL, "x"), read_only).ok());
}

// ===================== prepare_copy (C_CopyObject) =====================

TEST(TemplateRulesCopy, NotCopyable) {
  EXPECT_EQ(prepare_copy(user_key(aes().b(CKA_COPYABLE, false)), Tmpl(), ctx(Origin::Copy)).rv(),
            CKR_ACTION_PROHIBITED);
}

TEST(TemplateRulesCopy, CopyOnlyAttributesAndHistory) {
  AttributeMap original = ok(prepare_new_object(Tmpl().u(CKA_VALUE_LEN, 16).b(CKA_EXTRACTABLE, true),
                                                keygen(Origin::Generate, CKO_SECRET_KEY, CKK_AES, CKM_AES_KEY_GEN)));
  assign_unique_id(original, "7-1");
  EXPECT_EQ(original.string_or_empty(CKA_UNIQUE_ID), "7-1");
  const AttributeMap copy = ok(prepare_copy(
      original, Tmpl().b(CKA_TOKEN, true).b(CKA_MODIFIABLE, false).s(CKA_LABEL, "copy").b(CKA_EXTRACTABLE, false),
      ctx(Origin::Copy)));
  expect_bool(copy, CKA_TOKEN, true);
  expect_bool(copy, CKA_MODIFIABLE, false);
  expect_bool(copy, CKA_EXTRACTABLE, false);
  EXPECT_FALSE(copy.has(CKA_UNIQUE_ID));
  expect_bool(copy, CKA_LOCAL, true);
  EXPECT_EQ(copy.get_ulong(CKA_KEY_GEN_MECHANISM), CKM_AES_KEY_GEN);
  expect_bool(copy, CKA_ALWAYS_SENSITIVE, true);
  expect_bool(copy, CKA_NEVER_EXTRACTABLE, false);  // it was extractable once
}

TEST(TemplateRulesCopy, OnlyTighteningAndOrdinaryChanges) {
  const AttributeMap original = user_key(aes().b(CKA_SENSITIVE, false).b(CKA_MODIFIABLE, false));
  const AttributeMap copy = ok(prepare_copy(original, Tmpl().b(CKA_SENSITIVE, true).b(CKA_SIGN, false), ctx(Origin::Copy)));
  expect_bool(copy, CKA_SENSITIVE, true);
  expect_bool(copy, CKA_ALWAYS_SENSITIVE, false);  // same as the original's
  expect_bool(copy, CKA_SIGN, false);
  EXPECT_EQ(prepare_copy(original, Tmpl().b(CKA_EXTRACTABLE, true), ctx(Origin::Copy)).rv(), CKR_ATTRIBUTE_READ_ONLY);
  EXPECT_EQ(prepare_copy(copy, Tmpl().b(CKA_SENSITIVE, false), ctx(Origin::Copy)).rv(), CKR_ATTRIBUTE_READ_ONLY);
  for (const Tmpl& fixed : {Tmpl().s(CKA_VALUE, "v"), Tmpl().u(CKA_CLASS, CKO_SECRET_KEY), Tmpl().b(CKA_LOCAL, true),
                            Tmpl().s(CKA_UNIQUE_ID, "u")}) {
    EXPECT_EQ(prepare_copy(original, fixed, ctx(Origin::Copy)).rv(), CKR_ATTRIBUTE_READ_ONLY);
  }
  EXPECT_EQ(prepare_copy(original, Tmpl().s(CKA_MODULUS, "n"), ctx(Origin::Copy)).rv(), CKR_TEMPLATE_INCONSISTENT);
}

TEST(TemplateRulesCopy, TrustAndSessionRules) {
  const AttributeMap pub = ok(prepare_new_object(rsa_public(), ctx()));
  EXPECT_EQ(prepare_copy(pub, Tmpl().b(CKA_TRUSTED, true), ctx(Origin::Copy)).rv(), CKR_ATTRIBUTE_READ_ONLY);
  EXPECT_TRUE(prepare_copy(pub, Tmpl().b(CKA_TRUSTED, false), ctx(Origin::Copy)).ok());
  RuleContext so = ctx(Origin::Copy, false);
  so.so_session = true;
  EXPECT_TRUE(prepare_copy(pub, Tmpl().b(CKA_TRUSTED, true), so).ok());

  RuleContext read_only = ctx(Origin::Copy);
  read_only.rw_session = false;
  EXPECT_EQ(prepare_copy(pub, Tmpl().b(CKA_TOKEN, true), read_only).rv(), CKR_SESSION_READ_ONLY);
  EXPECT_EQ(prepare_copy(pub, Tmpl().b(CKA_PRIVATE, true), ctx(Origin::Copy, false)).rv(), CKR_USER_NOT_LOGGED_IN);
  const AttributeMap priv = user_key(ec_private().b(CKA_ALWAYS_AUTHENTICATE, true));
  EXPECT_EQ(prepare_copy(priv, Tmpl().b(CKA_PRIVATE, false), ctx(Origin::Copy)).rv(), CKR_TEMPLATE_INCONSISTENT);
}

// ===================== check_key_usage =====================

TEST(TemplateRulesUsage, UsageFlags) {
  const AttributeMap key = user_key(aes().b(CKA_ENCRYPT, false));
  EXPECT_EQ(check_key_usage(key, CKA_ENCRYPT, CKM_AES_CBC).rv(), CKR_KEY_FUNCTION_NOT_PERMITTED);
  EXPECT_EQ(check_key_usage(key, CKA_DERIVE, CKM_AES_CBC_ENCRYPT_DATA).rv(), CKR_KEY_FUNCTION_NOT_PERMITTED);
  EXPECT_EQ(check_key_usage(key, CKA_SIGN_RECOVER, CKM_AES_CBC).rv(), CKR_KEY_FUNCTION_NOT_PERMITTED);  // absent
  EXPECT_TRUE(check_key_usage(key, CKA_DECRYPT, CKM_AES_CBC).ok());
  EXPECT_EQ(check_key_usage(key, CKA_LABEL, CKM_AES_CBC).rv(), CKR_GENERAL_ERROR);
}

TEST(TemplateRulesUsage, AllowedMechanisms) {
  const AttributeMap key = user_key(aes().raw(CKA_ALLOWED_MECHANISMS, mechanisms({CKM_AES_CBC, CKM_AES_GCM})));
  EXPECT_TRUE(check_key_usage(key, CKA_ENCRYPT, CKM_AES_GCM).ok());
  EXPECT_TRUE(check_key_usage(key, CKA_DECRYPT, CKM_AES_CBC).ok());
  EXPECT_EQ(check_key_usage(key, CKA_ENCRYPT, CKM_AES_ECB).rv(), CKR_MECHANISM_INVALID);
  // The usage flag is checked first.
  const AttributeMap no_sign = ok(apply_changes(key, Tmpl().b(CKA_SIGN, false), ctx()));
  EXPECT_EQ(check_key_usage(no_sign, CKA_SIGN, CKM_AES_ECB).rv(), CKR_KEY_FUNCTION_NOT_PERMITTED);
  // An empty list restricts nothing.
  EXPECT_TRUE(check_key_usage(user_key(), CKA_ENCRYPT, CKM_AES_ECB).ok());
  const AttributeMap kem = ok(prepare_new_object(Tmpl().u(CKA_PARAMETER_SET, 1),
                                                 keygen(Origin::GenerateKeyPair, CKO_PUBLIC_KEY, CKK_ML_KEM,
                                                        CKM_ML_KEM_KEY_PAIR_GEN)));
  EXPECT_TRUE(check_key_usage(kem, CKA_ENCAPSULATE, CKM_ML_KEM).ok());
}

// ===================== check_wrap_allowed =====================

TEST(TemplateRulesWrap, Extractability) {
  const AttributeMap wrapper = user_key();
  EXPECT_EQ(check_wrap_allowed(wrapper, user_key()).rv(), CKR_KEY_UNEXTRACTABLE);
  EXPECT_TRUE(check_wrap_allowed(wrapper, user_key(aes().b(CKA_EXTRACTABLE, true))).ok());
  EXPECT_EQ(check_wrap_allowed(wrapper, ok(prepare_new_object(rsa_public(), ctx()))).rv(), CKR_KEY_NOT_WRAPPABLE);
  EXPECT_TRUE(check_wrap_allowed(wrapper, user_key(ec_private().b(CKA_EXTRACTABLE, true))).ok());
}

TEST(TemplateRulesWrap, WrapWithTrusted) {
  const AttributeMap target = user_key(aes().b(CKA_EXTRACTABLE, true).b(CKA_WRAP_WITH_TRUSTED, true));
  EXPECT_EQ(check_wrap_allowed(user_key(), target).rv(), CKR_KEY_NOT_WRAPPABLE);
  RuleContext so = ctx(Origin::Create, false);
  so.so_session = true;
  const AttributeMap trusted = ok(prepare_new_object(aes().b(CKA_PRIVATE, false).b(CKA_TRUSTED, true), so));
  EXPECT_TRUE(check_wrap_allowed(trusted, target).ok());
}

TEST(TemplateRulesWrap, WrapTemplateMustMatch) {
  const AttributeMap wrapper = user_key(
      aes().nested(CKA_WRAP_TEMPLATE, Tmpl().u(CKA_KEY_TYPE, CKK_AES).raw(CKA_EXTRACTABLE, SecureBytes{0x03})));
  EXPECT_TRUE(check_wrap_allowed(wrapper, user_key(aes().b(CKA_EXTRACTABLE, true))).ok());
  const AttributeMap des3 =
      user_key(aes().u(CKA_KEY_TYPE, CKK_DES3).s(CKA_VALUE, std::string(24, 'd')).b(CKA_EXTRACTABLE, true));
  EXPECT_EQ(check_wrap_allowed(wrapper, des3).rv(), CKR_KEY_HANDLE_INVALID);
  AttributeMap corrupt = wrapper;
  corrupt.set_string(CKA_WRAP_TEMPLATE, "garbage");
  EXPECT_EQ(check_wrap_allowed(corrupt, user_key(aes().b(CKA_EXTRACTABLE, true))).rv(), CKR_GENERAL_ERROR);
}

// ===================== merge_key_template =====================

TEST(TemplateRulesMerge, NoTemplateLeavesTheCallersAlone) {
  const Tmpl mine = Tmpl().u(CKA_KEY_TYPE, CKK_AES);
  EXPECT_EQ(ok(merge_key_template(user_key(), CKA_UNWRAP_TEMPLATE, mine)), mine.m);
  AttributeMap bare;
  EXPECT_EQ(ok(merge_key_template(bare, CKA_DERIVE_TEMPLATE, mine)), mine.m);
  EXPECT_EQ(merge_key_template(bare, CKA_LABEL, mine).rv(), CKR_GENERAL_ERROR);
}

TEST(TemplateRulesMerge, AddsAndChecksConflicts) {
  const AttributeMap unwrapper =
      user_key(aes().nested(CKA_UNWRAP_TEMPLATE, Tmpl().b(CKA_EXTRACTABLE, false).s(CKA_LABEL, "from-key")));
  const AttributeMap merged = ok(merge_key_template(
      unwrapper, CKA_UNWRAP_TEMPLATE, Tmpl().u(CKA_KEY_TYPE, CKK_AES).raw(CKA_EXTRACTABLE, SecureBytes{0})));
  EXPECT_EQ(merged.string_or_empty(CKA_LABEL), "from-key");
  // The merged template then makes an unextractable key although unwrap defaults to extractable.
  const AttributeMap key = ok(prepare_new_object(Tmpl{merged}.u(CKA_CLASS, CKO_SECRET_KEY), ctx(Origin::Unwrap)));
  expect_bool(key, CKA_EXTRACTABLE, false);
  EXPECT_EQ(merge_key_template(unwrapper, CKA_UNWRAP_TEMPLATE, Tmpl().b(CKA_EXTRACTABLE, true)).rv(),
            CKR_TEMPLATE_INCONSISTENT);
  // Booleans compare by truth, not by byte.
  EXPECT_TRUE(merge_key_template(unwrapper, CKA_UNWRAP_TEMPLATE, Tmpl().raw(CKA_EXTRACTABLE, SecureBytes{0})).ok());
}

TEST(TemplateRulesMerge, KemTemplates) {
  const Tmpl kem_pub = Tmpl().u(CKA_CLASS, CKO_PUBLIC_KEY).u(CKA_KEY_TYPE, CKK_ML_KEM).u(CKA_PARAMETER_SET, 1)
                           .s(CKA_VALUE, "ek").nested(CKA_ENCAPSULATE_TEMPLATE, Tmpl().u(CKA_KEY_TYPE, CKK_AES));
  const AttributeMap pub = ok(prepare_new_object(kem_pub, ctx()));
  EXPECT_EQ(ok(merge_key_template(pub, CKA_ENCAPSULATE_TEMPLATE, Tmpl())).get_ulong(CKA_KEY_TYPE), CKK_AES);
  // §5.18 C_EncapsulateKey names CKR_KEY_HANDLE_INVALID for a conflict.
  EXPECT_EQ(merge_key_template(pub, CKA_ENCAPSULATE_TEMPLATE, Tmpl().u(CKA_KEY_TYPE, CKK_GENERIC_SECRET)).rv(),
            CKR_KEY_HANDLE_INVALID);
  const Tmpl kem_priv = Tmpl().u(CKA_CLASS, CKO_PRIVATE_KEY).u(CKA_KEY_TYPE, CKK_ML_KEM).u(CKA_PARAMETER_SET, 1)
                            .s(CKA_SEED, "s").nested(CKA_DECAPSULATE_TEMPLATE, Tmpl().b(CKA_SENSITIVE, true));
  const AttributeMap priv = ok(prepare_new_object(kem_priv, ctx()));
  EXPECT_EQ(merge_key_template(priv, CKA_DECAPSULATE_TEMPLATE, Tmpl().b(CKA_SENSITIVE, false)).rv(),
            CKR_TEMPLATE_INCONSISTENT);
}

}  // namespace
}  // namespace craton
