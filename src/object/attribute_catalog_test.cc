#include "object/attribute_catalog.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace craton {
namespace {

ByteView view(std::string_view s) { return as_bytes(s); }

SecureBytes ulong_bytes(CK_ULONG v) {
  AttributeMap m;
  m.set_ulong(CKA_CLASS, v);
  return *m.find(CKA_CLASS);
}

// --- Known attributes and kinds ---

TEST(AttributeCatalog, KnowsTheSupportedAttributes) {
  for (CK_ATTRIBUTE_TYPE t : {CKA_CLASS, CKA_LABEL, CKA_UNIQUE_ID, CKA_VALUE, CKA_SEED, CKA_PARAMETER_SET,
                              CKA_ENCAPSULATE, CKA_DECAPSULATE, CKA_ENCAPSULATE_TEMPLATE, CKA_DECAPSULATE_TEMPLATE,
                              CKA_ALLOWED_MECHANISMS, CKA_WRAP_TEMPLATE, CKA_NAME_HASH_ALGORITHM}) {
    EXPECT_TRUE(is_known_attribute(t)) << attribute_name(t);
  }
}

TEST(AttributeCatalog, RejectsUnsupportedAndVendorAttributes) {
  // DSA/DH/OTP attributes are PKCS#11 attributes, but no object here has them.
  for (CK_ATTRIBUTE_TYPE t : {CKA_PRIME, CKA_BASE, CKA_VALUE_BITS, CKA_OTP_FORMAT, CKA_HW_FEATURE_TYPE,
                              CKA_VENDOR_DEFINED | 0x42UL, CK_ATTRIBUTE_TYPE{0x12345}}) {
    EXPECT_FALSE(is_known_attribute(t)) << std::hex << t;
    EXPECT_FALSE(attribute_kind(t).has_value());
    EXPECT_STREQ(attribute_name(t), "unknown attribute");
  }
}

TEST(AttributeCatalog, KindsFollowTheSpecificationTypes) {
  EXPECT_EQ(attribute_kind(CKA_TOKEN), AttributeKind::kBool);
  EXPECT_EQ(attribute_kind(CKA_CLASS), AttributeKind::kUlong);
  EXPECT_EQ(attribute_kind(CKA_PARAMETER_SET), AttributeKind::kUlong);
  EXPECT_EQ(attribute_kind(CKA_MODULUS), AttributeKind::kBytes);
  EXPECT_EQ(attribute_kind(CKA_START_DATE), AttributeKind::kDate);
  EXPECT_EQ(attribute_kind(CKA_UNWRAP_TEMPLATE), AttributeKind::kTemplate);
  // The CKF_ARRAY_ATTRIBUTE bit is not a reliable guide; is_array_attribute
  // follows the value kind, not the bit.
  EXPECT_FALSE(is_array_attribute(CKA_ALLOWED_MECHANISMS));
  EXPECT_EQ(attribute_kind(CKA_ALLOWED_MECHANISMS), AttributeKind::kMechanisms);
  EXPECT_TRUE(is_array_attribute(CKA_ENCAPSULATE_TEMPLATE));
  EXPECT_TRUE(is_array_attribute(CKA_WRAP_TEMPLATE));
  EXPECT_EQ(attribute_kind(CKA_ENCAPSULATE_TEMPLATE), AttributeKind::kTemplate);
  EXPECT_EQ(attribute_kind(CKA_DECAPSULATE_TEMPLATE), AttributeKind::kTemplate);
  EXPECT_STREQ(attribute_name(CKA_WRAP_WITH_TRUSTED), "CKA_WRAP_WITH_TRUSTED");
}

// --- Dates ---

TEST(AttributeCatalog, AcceptsValidDates) {
  for (const char* d : {"", "19000101", "20240229", "20000229", "99991231", "20250430"}) {
    EXPECT_TRUE(is_valid_date(view(d))) << d;
  }
}

TEST(AttributeCatalog, RejectsInvalidDates) {
  for (const char* d : {"2024", "2024013", "202401011", "2024AB01", "18991231", "20241301", "20240001",
                        "20240100", "20240431", "20230229", "21000229", "2024-1-1"}) {
    EXPECT_FALSE(is_valid_date(view(d))) << d;
  }
}

// --- Well-formedness ---

TEST(AttributeCatalog, ChecksScalarLengths) {
  const std::uint8_t one[] = {1}, two[] = {1, 0};
  EXPECT_TRUE(check_well_formed(CKA_TOKEN, one).ok());
  EXPECT_EQ(check_well_formed(CKA_TOKEN, two).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(check_well_formed(CKA_TOKEN, {}).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  const SecureBytes ul = ulong_bytes(7);
  EXPECT_TRUE(check_well_formed(CKA_VALUE_LEN, ul).ok());
  EXPECT_EQ(check_well_formed(CKA_VALUE_LEN, ByteView(ul).first(4)).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(check_well_formed(CKA_START_DATE, view("20241301")).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_TRUE(check_well_formed(CKA_END_DATE, view("20301231")).ok());
  EXPECT_TRUE(check_well_formed(CKA_LABEL, {}).ok());
  EXPECT_EQ(check_well_formed(CKA_PRIME, one).rv(), CKR_ATTRIBUTE_TYPE_INVALID);
}

TEST(AttributeCatalog, ChecksMechanismLists) {
  SecureBytes two_mechs = ulong_bytes(CKM_AES_GCM);
  const SecureBytes second = ulong_bytes(CKM_AES_CBC);
  two_mechs.insert(two_mechs.end(), second.begin(), second.end());
  EXPECT_TRUE(check_well_formed(CKA_ALLOWED_MECHANISMS, two_mechs).ok());
  EXPECT_TRUE(check_well_formed(CKA_ALLOWED_MECHANISMS, {}).ok());
  EXPECT_EQ(check_well_formed(CKA_ALLOWED_MECHANISMS, ByteView(two_mechs).first(11)).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(AttributeCatalog, ValidatesNestedTemplatesRecursively) {
  AttributeMap inner;
  inner.set_ulong(CKA_KEY_TYPE, CKK_AES);
  inner.set_bool(CKA_EXTRACTABLE, false);
  EXPECT_TRUE(check_well_formed(CKA_WRAP_TEMPLATE, inner.encode()).ok());
  EXPECT_TRUE(check_well_formed(CKA_DECAPSULATE_TEMPLATE, AttributeMap().encode()).ok());

  AttributeMap outer;  // an unwrap template that carries a derive template
  outer.set(CKA_DERIVE_TEMPLATE, inner.encode());
  EXPECT_TRUE(check_well_formed(CKA_UNWRAP_TEMPLATE, outer.encode()).ok());

  AttributeMap unknown_inside;
  unknown_inside.set_string(CKA_PRIME, "p");
  EXPECT_EQ(check_well_formed(CKA_WRAP_TEMPLATE, unknown_inside.encode()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);

  AttributeMap bad_bool_inside;
  bad_bool_inside.set_string(CKA_SENSITIVE, "yes");
  EXPECT_EQ(check_well_formed(CKA_WRAP_TEMPLATE, bad_bool_inside.encode()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);

  AttributeMap bad_date_deeper;
  AttributeMap date_holder;
  date_holder.set_string(CKA_END_DATE, "20241340");
  bad_date_deeper.set(CKA_DERIVE_TEMPLATE, date_holder.encode());
  EXPECT_EQ(check_well_formed(CKA_UNWRAP_TEMPLATE, bad_date_deeper.encode()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);

  const std::uint8_t truncated[] = {0x03, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 'a'};
  EXPECT_EQ(check_well_formed(CKA_WRAP_TEMPLATE, truncated).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(AttributeCatalog, BoundsTemplateNesting) {
  AttributeMap level;
  level.set_bool(CKA_TOKEN, true);
  for (int depth = 0; depth < 6; ++depth) {
    AttributeMap next;
    next.set(CKA_DERIVE_TEMPLATE, level.encode());
    level = next;
  }
  EXPECT_EQ(check_well_formed(CKA_UNWRAP_TEMPLATE, level.encode()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(AttributeCatalog, CanonicalizesBooleansAtEveryLevel) {
  AttributeMap inner;
  inner.set(CKA_SIGN, SecureBytes{0xFF});
  inner.set_string(CKA_LABEL, "x");
  AttributeMap m;
  m.set(CKA_ENCRYPT, SecureBytes{0x02});
  m.set(CKA_DECRYPT, SecureBytes{0x00});
  m.set(CKA_WRAP_TEMPLATE, inner.encode());
  m.set_string(CKA_ID, "\x02");
  canonicalize_booleans(m);
  EXPECT_EQ(*m.find(CKA_ENCRYPT), SecureBytes{CK_TRUE});
  EXPECT_EQ(*m.find(CKA_DECRYPT), SecureBytes{CK_FALSE});
  EXPECT_EQ(m.string_or_empty(CKA_ID), "\x02");  // byte arrays untouched
  Result<AttributeMap> nested = AttributeMap::decode(m.bytes_or_empty(CKA_WRAP_TEMPLATE));
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ(*nested->find(CKA_SIGN), SecureBytes{CK_TRUE});
  EXPECT_EQ(nested->string_or_empty(CKA_LABEL), "x");
}

// --- Classes, key types, tables ---

TEST(AttributeCatalog, KnowsClassesAndKeyTypes) {
  for (CK_OBJECT_CLASS c : {CKO_DATA, CKO_CERTIFICATE, CKO_PUBLIC_KEY, CKO_PRIVATE_KEY, CKO_SECRET_KEY}) {
    EXPECT_TRUE(is_supported_class(c));
  }
  for (CK_OBJECT_CLASS c : {CKO_HW_FEATURE, CKO_DOMAIN_PARAMETERS, CKO_MECHANISM, CKO_PROFILE, CKO_VENDOR_DEFINED}) {
    EXPECT_FALSE(is_supported_class(c));
  }
  EXPECT_TRUE(key_type_fits_class(CKK_RSA, CKO_PRIVATE_KEY));
  EXPECT_TRUE(key_type_fits_class(CKK_ML_KEM, CKO_PUBLIC_KEY));
  EXPECT_TRUE(key_type_fits_class(CKK_SHA256_HMAC, CKO_SECRET_KEY));
  EXPECT_TRUE(key_type_fits_class(CKK_HKDF, CKO_SECRET_KEY));
  EXPECT_FALSE(key_type_fits_class(CKK_AES, CKO_PUBLIC_KEY));
  EXPECT_FALSE(key_type_fits_class(CKK_EC, CKO_SECRET_KEY));
  EXPECT_FALSE(key_type_fits_class(CKK_RSA, CKO_DATA));
  EXPECT_FALSE(is_supported_key_type(CKK_DSA));
  EXPECT_FALSE(is_supported_key_type(CKK_DES));
}

std::vector<ObjectShape> all_shapes() {
  std::vector<ObjectShape> shapes = {{CKO_DATA}, {CKO_CERTIFICATE, CK_UNAVAILABLE_INFORMATION, CKC_X_509}};
  for (CK_KEY_TYPE t : {CKK_RSA, CKK_EC, CKK_EC_EDWARDS, CKK_EC_MONTGOMERY, CKK_ML_KEM, CKK_ML_DSA, CKK_SLH_DSA}) {
    shapes.push_back({CKO_PUBLIC_KEY, t});
    shapes.push_back({CKO_PRIVATE_KEY, t});
  }
  for (CK_KEY_TYPE t : {CKK_AES, CKK_DES3, CKK_GENERIC_SECRET, CKK_SHA_1_HMAC, CKK_SHA512_HMAC, CKK_HKDF}) {
    shapes.push_back({CKO_SECRET_KEY, t});
  }
  return shapes;
}

TEST(AttributeCatalog, TablesAreConsistent) {
  for (const ObjectShape& shape : all_shapes()) {
    std::set<CK_ATTRIBUTE_TYPE> seen;
    for (auto table : rule_tables(shape)) {
      for (const AttributeRule& rule : table) {
        EXPECT_TRUE(is_known_attribute(rule.type)) << std::hex << rule.type;
        EXPECT_TRUE(seen.insert(rule.type).second)
            << attribute_name(rule.type) << " twice for class " << shape.object_class << " type " << shape.key_type;
        // A token-set attribute is never also caller-required.
        if ((rule.flags & attr_flag::kTokenOnly) != 0) {
          EXPECT_EQ(rule.flags & (attr_flag::kCreateRequired | attr_flag::kModifiable), 0u);
        }
      }
    }
    for (CK_ATTRIBUTE_TYPE usage : usage_flags(shape.object_class)) {
      EXPECT_NE(find_rule(shape, usage), nullptr) << attribute_name(usage);
    }
  }
}

TEST(AttributeCatalog, FindsRulesPerShape) {
  const ObjectShape aes{CKO_SECRET_KEY, CKK_AES};
  const ObjectShape rsa_private{CKO_PRIVATE_KEY, CKK_RSA};
  EXPECT_EQ(find_rule(aes, CKA_MODULUS), nullptr);
  EXPECT_EQ(find_rule(aes, CKA_SIGN_RECOVER), nullptr);
  ASSERT_NE(find_rule(aes, CKA_VALUE_LEN), nullptr);
  EXPECT_NE(find_rule(aes, CKA_VALUE_LEN)->flags & attr_flag::kGenerateRequired, 0u);
  ASSERT_NE(find_rule(rsa_private, CKA_PRIME_1), nullptr);
  EXPECT_NE(find_rule(rsa_private, CKA_PRIME_1)->flags & attr_flag::kSensitive, 0u);
  EXPECT_EQ(find_rule({CKO_DATA}, CKA_KEY_TYPE), nullptr);
  EXPECT_NE(find_rule({CKO_DATA}, CKA_APPLICATION), nullptr);
  EXPECT_NE(find_rule({CKO_CERTIFICATE, CK_UNAVAILABLE_INFORMATION, CKC_X_509}, CKA_SUBJECT), nullptr);
  EXPECT_EQ(find_rule({CKO_CERTIFICATE, CK_UNAVAILABLE_INFORMATION, CKC_WTLS}, CKA_SUBJECT), nullptr);
  EXPECT_EQ(find_rule({CKO_PUBLIC_KEY, CKK_EC}, CKA_SENSITIVE), nullptr);
  EXPECT_NE(find_rule({CKO_PUBLIC_KEY, CKK_ML_KEM}, CKA_ENCAPSULATE_TEMPLATE), nullptr);
  EXPECT_NE(find_rule({CKO_PRIVATE_KEY, CKK_ML_KEM}, CKA_DECAPSULATE_TEMPLATE), nullptr);
}

TEST(AttributeCatalog, MarksKeyMaterialSensitive) {
  const ObjectShape rsa_private{CKO_PRIVATE_KEY, CKK_RSA};
  for (CK_ATTRIBUTE_TYPE t : {CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2,
                              CKA_COEFFICIENT}) {
    EXPECT_TRUE(is_sensitive_component(rsa_private, t)) << attribute_name(t);
  }
  EXPECT_FALSE(is_sensitive_component(rsa_private, CKA_MODULUS));
  EXPECT_FALSE(is_sensitive_component(rsa_private, CKA_PUBLIC_EXPONENT));
  EXPECT_TRUE(is_sensitive_component({CKO_SECRET_KEY, CKK_AES}, CKA_VALUE));
  EXPECT_TRUE(is_sensitive_component({CKO_PRIVATE_KEY, CKK_EC}, CKA_VALUE));
  EXPECT_FALSE(is_sensitive_component({CKO_PRIVATE_KEY, CKK_EC}, CKA_EC_POINT));
  EXPECT_TRUE(is_sensitive_component({CKO_PRIVATE_KEY, CKK_ML_DSA}, CKA_SEED));
  EXPECT_TRUE(is_sensitive_component({CKO_PRIVATE_KEY, CKK_ML_KEM}, CKA_VALUE));
  EXPECT_FALSE(is_sensitive_component({CKO_PUBLIC_KEY, CKK_ML_KEM}, CKA_VALUE));
  EXPECT_FALSE(is_sensitive_component({CKO_DATA}, CKA_VALUE));
  EXPECT_FALSE(is_sensitive_component({CKO_CERTIFICATE, CK_UNAVAILABLE_INFORMATION, CKC_X_509}, CKA_VALUE));
  // A key of a type we cannot place still hides its value.
  EXPECT_TRUE(is_sensitive_component({CKO_SECRET_KEY, CKK_DSA}, CKA_VALUE));
}

std::set<CK_ATTRIBUTE_TYPE> usages(CK_OBJECT_CLASS c, CK_KEY_TYPE t) {
  auto s = default_usages(c, t);
  return {s.begin(), s.end()};
}

TEST(AttributeCatalog, DefaultUsagesAreWhatTheKeyTypeCanDo) {
  using S = std::set<CK_ATTRIBUTE_TYPE>;
  EXPECT_EQ(usages(CKO_PUBLIC_KEY, CKK_RSA), (S{CKA_ENCRYPT, CKA_VERIFY, CKA_VERIFY_RECOVER, CKA_WRAP}));
  EXPECT_EQ(usages(CKO_PRIVATE_KEY, CKK_RSA), (S{CKA_DECRYPT, CKA_SIGN, CKA_SIGN_RECOVER, CKA_UNWRAP}));
  EXPECT_EQ(usages(CKO_PUBLIC_KEY, CKK_EC), S{CKA_VERIFY});
  EXPECT_EQ(usages(CKO_PRIVATE_KEY, CKK_EC_EDWARDS), S{CKA_SIGN});
  EXPECT_EQ(usages(CKO_PRIVATE_KEY, CKK_SLH_DSA), S{CKA_SIGN});
  EXPECT_EQ(usages(CKO_PUBLIC_KEY, CKK_ML_KEM), S{CKA_ENCAPSULATE});
  EXPECT_EQ(usages(CKO_PRIVATE_KEY, CKK_ML_KEM), S{CKA_DECAPSULATE});
  EXPECT_EQ(usages(CKO_PRIVATE_KEY, CKK_EC_MONTGOMERY), S{});
  EXPECT_EQ(usages(CKO_SECRET_KEY, CKK_AES),
            (S{CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN, CKA_VERIFY, CKA_WRAP, CKA_UNWRAP}));
  EXPECT_EQ(usages(CKO_SECRET_KEY, CKK_SHA256_HMAC), (S{CKA_SIGN, CKA_VERIFY}));
  EXPECT_EQ(usages(CKO_SECRET_KEY, CKK_GENERIC_SECRET), (S{CKA_SIGN, CKA_VERIFY}));
  EXPECT_EQ(usages(CKO_SECRET_KEY, CKK_HKDF), S{});
  EXPECT_EQ(usages(CKO_SECRET_KEY, CKK_RSA), S{});  // mismatched class
}

TEST(AttributeCatalog, ShapeOfReadsClassAndTypes) {
  AttributeMap key;
  key.set_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
  key.set_ulong(CKA_KEY_TYPE, CKK_EC);
  const ObjectShape shape = shape_of(key);
  EXPECT_EQ(shape.object_class, CKO_PRIVATE_KEY);
  EXPECT_EQ(shape.key_type, CKK_EC);
  EXPECT_EQ(shape.certificate_type, CK_UNAVAILABLE_INFORMATION);
  AttributeMap cert;
  cert.set_ulong(CKA_CLASS, CKO_CERTIFICATE);
  cert.set_ulong(CKA_CERTIFICATE_TYPE, CKC_X_509);
  EXPECT_EQ(shape_of(cert).certificate_type, CKC_X_509);
  EXPECT_EQ(shape_of(AttributeMap()).object_class, CK_UNAVAILABLE_INFORMATION);
}

}  // namespace
}  // namespace craton
