// Shared helpers of the template-rule unit tests (template_rules_test.cc,
// template_rules_changes_test.cc): fluent templates and rule contexts.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "object/template_rules.h"

namespace craton::template_test {

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

inline RuleContext ctx(Origin origin = Origin::Create, bool user = true) {
  RuleContext c;
  c.origin = origin;
  c.user_logged_in = user;
  return c;
}

inline RuleContext keygen(Origin origin, CK_OBJECT_CLASS c, CK_KEY_TYPE t, CK_MECHANISM_TYPE mech) {
  RuleContext r = ctx(origin);
  r.implied_class = c;
  r.implied_key_type = t;
  r.mechanism = mech;
  return r;
}

inline AttributeMap ok(Result<AttributeMap> r) {
  EXPECT_TRUE(r.ok()) << "rv=0x" << std::hex << r.rv() << " " << r.status().message();
  return r.ok() ? std::move(r).value() : AttributeMap{};
}

inline SecureBytes mechanisms(std::initializer_list<CK_MECHANISM_TYPE> list) {
  SecureBytes out(list.size() * sizeof(CK_MECHANISM_TYPE));
  std::size_t off = 0;
  for (CK_MECHANISM_TYPE m : list) std::memcpy(out.data() + (off++) * sizeof m, &m, sizeof m);
  return out;
}

inline Tmpl aes() { return Tmpl().u(CKA_CLASS, CKO_SECRET_KEY).u(CKA_KEY_TYPE, CKK_AES).s(CKA_VALUE, std::string(16, 'k')); }
inline Tmpl data() { return Tmpl().u(CKA_CLASS, CKO_DATA); }
inline Tmpl cert() {
  return Tmpl().u(CKA_CLASS, CKO_CERTIFICATE).u(CKA_CERTIFICATE_TYPE, CKC_X_509).s(CKA_SUBJECT, "subj").s(CKA_VALUE, "der");
}
inline Tmpl rsa_public() {
  return Tmpl().u(CKA_CLASS, CKO_PUBLIC_KEY).u(CKA_KEY_TYPE, CKK_RSA).s(CKA_MODULUS, "n").s(CKA_PUBLIC_EXPONENT, "\x01");
}
inline Tmpl ec_private() {
  return Tmpl().u(CKA_CLASS, CKO_PRIVATE_KEY).u(CKA_KEY_TYPE, CKK_EC).s(CKA_EC_PARAMS, "oid").s(CKA_VALUE, "d");
}

inline void expect_bool(const AttributeMap& m, CK_ATTRIBUTE_TYPE t, bool v) {
  ASSERT_TRUE(m.get_bool(t).has_value()) << attribute_name(t) << " missing";
  EXPECT_EQ(*m.get_bool(t), v) << attribute_name(t);
}
inline void expect_empty(const AttributeMap& m, std::initializer_list<CK_ATTRIBUTE_TYPE> types) {
  for (CK_ATTRIBUTE_TYPE t : types) {
    ASSERT_TRUE(m.has(t)) << attribute_name(t) << " missing";
    EXPECT_TRUE(m.find(t)->empty()) << attribute_name(t);
  }
}

}  // namespace craton::template_test
