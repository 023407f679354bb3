// Template rules after creation: readability, C_SetAttributeValue,
// C_CopyObject, usage checks, wrapping and the key templates that shape new
// keys (unwrap, derive, encapsulate, decapsulate). Creation rules are in
// template_rules_test.cc.
#include "object/template_rules.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "object/template_rules_test_util.h"

namespace craton {
namespace {

using namespace template_test;

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
