// Object management: C_CreateObject, C_CopyObject, C_DestroyObject,
// C_GetObjectSize, C_GetAttributeValue, C_SetAttributeValue, C_FindObjects*.
#include <cstring>
#include <string>
#include <vector>

#include "module_fixture.h"

namespace abi_test {
namespace {

class ObjectTest : public AbiTest {
 protected:
  void SetUp() override {
    AbiTest::SetUp();
    session = user_session();
  }

  CK_OBJECT_HANDLE create_data(const std::string& label, const std::string& value, bool token = false,
                               bool is_private = false, CK_SESSION_HANDLE in = CK_INVALID_HANDLE) {
    Template t;
    t.add_ulong(CKA_CLASS, CKO_DATA).add_bool(CKA_TOKEN, token).add_bool(CKA_PRIVATE, is_private);
    t.add_string(CKA_LABEL, label).add_string(CKA_VALUE, value);
    CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
    EXPECT_CKR(CKR_OK, p11->C_CreateObject(in == CK_INVALID_HANDLE ? session : in, t.data(), t.count(), &object));
    return object;
  }

  std::vector<CK_OBJECT_HANDLE> find_by_label(const std::string& label, CK_SESSION_HANDLE in = CK_INVALID_HANDLE) {
    const CK_SESSION_HANDLE s = in == CK_INVALID_HANDLE ? session : in;
    Template t;
    t.add_string(CKA_LABEL, label);
    EXPECT_CKR(CKR_OK, p11->C_FindObjectsInit(s, t.data(), t.count()));
    std::vector<CK_OBJECT_HANDLE> found(16);
    CK_ULONG count = 0;
    EXPECT_CKR(CKR_OK, p11->C_FindObjects(s, found.data(), found.size(), &count));
    EXPECT_CKR(CKR_OK, p11->C_FindObjectsFinal(s));
    found.resize(count);
    return found;
  }

  CK_OBJECT_HANDLE import_aes(const Bytes& value, bool sensitive) {
    Template t;
    t.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_AES).add_bytes(CKA_VALUE, value);
    t.add_bool(CKA_SENSITIVE, sensitive).add_bool(CKA_EXTRACTABLE, true).add_bool(CKA_ENCRYPT, true);
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    EXPECT_CKR(CKR_OK, p11->C_CreateObject(session, t.data(), t.count(), &key));
    return key;
  }

  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
};

TEST_F(ObjectTest, CreateAndReadBack) {
  const CK_OBJECT_HANDLE object = create_data("data one", "payload");
  EXPECT_EQ(to_bytes("payload"), attribute(session, object, CKA_VALUE));
  EXPECT_EQ(to_bytes("data one"), attribute(session, object, CKA_LABEL));
  EXPECT_EQ(CKO_DATA, attribute_ulong(session, object, CKA_CLASS));
  EXPECT_FALSE(attribute_bool(session, object, CKA_TOKEN));
  CK_ULONG size = 0;
  EXPECT_CKR(CKR_OK, p11->C_GetObjectSize(session, object, &size));
  EXPECT_GT(size, 0u);
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_GetObjectSize(session, object, nullptr));
  EXPECT_CKR(CKR_OBJECT_HANDLE_INVALID, p11->C_GetObjectSize(session, object + 10000, &size));
}

TEST_F(ObjectTest, GetAttributeValueRules) {
  const CK_OBJECT_HANDLE object = create_data("rules", "0123456789");
  CK_BYTE small[4];
  CK_BYTE big[64];
  CK_ULONG cls = 0;
  CK_ATTRIBUTE t[] = {
      {CKA_VALUE, nullptr, 0},          // length query
      {CKA_LABEL, small, sizeof small},  // too small
      {CKA_CLASS, &cls, sizeof cls},     // fits
      {CKA_MODULUS, big, sizeof big},    // not an attribute of a data object
  };
  const CK_RV rv = p11->C_GetAttributeValue(session, object, t, 4);
  // Both TYPE_INVALID and BUFFER_TOO_SMALL apply; the specification lets the
  // module return either.
  EXPECT_TRUE(rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_BUFFER_TOO_SMALL) << rv_name(rv);
  EXPECT_EQ(10u, t[0].ulValueLen);
  EXPECT_EQ(CK_UNAVAILABLE_INFORMATION, t[1].ulValueLen);
  EXPECT_EQ(sizeof cls, t[2].ulValueLen);
  EXPECT_EQ(CKO_DATA, cls);
  EXPECT_EQ(CK_UNAVAILABLE_INFORMATION, t[3].ulValueLen);

  CK_ATTRIBUTE only_small[] = {{CKA_LABEL, small, sizeof small}};
  EXPECT_CKR(CKR_BUFFER_TOO_SMALL, p11->C_GetAttributeValue(session, object, only_small, 1));
  CK_ATTRIBUTE only_invalid[] = {{CKA_MODULUS, big, sizeof big}};
  EXPECT_CKR(CKR_ATTRIBUTE_TYPE_INVALID, p11->C_GetAttributeValue(session, object, only_invalid, 1));
  CK_ATTRIBUTE unknown[] = {{0x7FFF1234UL, big, sizeof big}};
  EXPECT_CKR(CKR_ATTRIBUTE_TYPE_INVALID, p11->C_GetAttributeValue(session, object, unknown, 1));
  EXPECT_EQ(CK_UNAVAILABLE_INFORMATION, unknown[0].ulValueLen);
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_GetAttributeValue(session, object, nullptr, 1));
  EXPECT_CKR(CKR_OK, p11->C_GetAttributeValue(session, object, nullptr, 0));
  EXPECT_CKR(CKR_OBJECT_HANDLE_INVALID, p11->C_GetAttributeValue(session, object + 10000, t, 1));
}

TEST_F(ObjectTest, SensitiveValuesAreNotRevealed) {
  const Bytes value(16, 0x42);
  const CK_OBJECT_HANDLE secret = import_aes(value, true);
  CK_BYTE buf[32];
  CK_ULONG len_value = 0;
  CK_ATTRIBUTE t[] = {{CKA_VALUE, buf, sizeof buf}, {CKA_VALUE_LEN, &len_value, sizeof len_value}};
  EXPECT_CKR(CKR_ATTRIBUTE_SENSITIVE, p11->C_GetAttributeValue(session, secret, t, 2));
  EXPECT_EQ(CK_UNAVAILABLE_INFORMATION, t[0].ulValueLen);
  EXPECT_EQ(sizeof len_value, t[1].ulValueLen);  // the other attribute is still processed
  EXPECT_EQ(16u, len_value);
  EXPECT_TRUE(attribute_bool(session, secret, CKA_SENSITIVE));

  const CK_OBJECT_HANDLE clear = import_aes(value, false);
  EXPECT_EQ(value, attribute(session, clear, CKA_VALUE));
}

TEST_F(ObjectTest, NestedTemplatesRoundTrip) {
  Template wrap_template;
  wrap_template.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_AES);
  Template t;
  t.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_AES).add_bytes(CKA_VALUE, Bytes(32, 7));
  t.add_bool(CKA_WRAP, true).add_template(CKA_WRAP_TEMPLATE, wrap_template);
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_CreateObject(session, t.data(), t.count(), &key));

  CK_ATTRIBUTE outer{CKA_WRAP_TEMPLATE, nullptr, 0};
  ASSERT_CKR(CKR_OK, p11->C_GetAttributeValue(session, key, &outer, 1));
  ASSERT_EQ(2 * sizeof(CK_ATTRIBUTE), outer.ulValueLen);

  CK_ATTRIBUTE inner[2] = {{0, nullptr, 0}, {0, nullptr, 0}};
  CK_ATTRIBUTE too_small{CKA_WRAP_TEMPLATE, inner, sizeof(CK_ATTRIBUTE)};
  EXPECT_CKR(CKR_BUFFER_TOO_SMALL, p11->C_GetAttributeValue(session, key, &too_small, 1));
  EXPECT_EQ(CK_UNAVAILABLE_INFORMATION, too_small.ulValueLen);

  outer.pValue = inner;
  ASSERT_CKR(CKR_OK, p11->C_GetAttributeValue(session, key, &outer, 1));  // inner lengths
  EXPECT_EQ(CKA_CLASS, inner[0].type);
  EXPECT_EQ(CKA_KEY_TYPE, inner[1].type);
  EXPECT_EQ(sizeof(CK_ULONG), inner[0].ulValueLen);
  EXPECT_EQ(sizeof(CK_ULONG), inner[1].ulValueLen);

  CK_ULONG cls = 0;
  CK_ULONG type = 0;
  inner[0] = {0, &cls, sizeof cls};
  inner[1] = {0, &type, 1};  // too small: reported one level down
  EXPECT_CKR(CKR_BUFFER_TOO_SMALL, p11->C_GetAttributeValue(session, key, &outer, 1));
  EXPECT_EQ(CK_UNAVAILABLE_INFORMATION, inner[1].ulValueLen);
  inner[1] = {0, &type, sizeof type};
  ASSERT_CKR(CKR_OK, p11->C_GetAttributeValue(session, key, &outer, 1));
  EXPECT_EQ(CKO_SECRET_KEY, cls);
  EXPECT_EQ(CKK_AES, type);
  EXPECT_EQ(2 * sizeof(CK_ATTRIBUTE), outer.ulValueLen);
}

TEST_F(ObjectTest, MalformedTemplates) {
  CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
  Template null_value;
  null_value.add_ulong(CKA_CLASS, CKO_DATA).add_raw(CKA_VALUE, nullptr, 4);
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, p11->C_CreateObject(session, null_value.data(), null_value.count(), &object));

  CK_MECHANISM_TYPE mechs[2] = {CKM_AES_GCM, CKM_AES_CBC};
  Template allowed;
  allowed.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_AES).add_bytes(CKA_VALUE, Bytes(16, 1));
  allowed.add_raw(CKA_ALLOWED_MECHANISMS, mechs, sizeof mechs - 3);
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, p11->C_CreateObject(session, allowed.data(), allowed.count(), &object));

  CK_ATTRIBUTE nested[1] = {{CKA_CLASS, nullptr, 0}};
  Template bad_array;
  bad_array.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_AES).add_bytes(CKA_VALUE, Bytes(16, 1));
  bad_array.add_raw(CKA_WRAP_TEMPLATE, nested, sizeof(CK_ATTRIBUTE) - 1);
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID,
             p11->C_CreateObject(session, bad_array.data(), bad_array.count(), &object));

  // A template that contains itself must not recurse forever.
  CK_ATTRIBUTE loop{CKA_WRAP_TEMPLATE, nullptr, sizeof(CK_ATTRIBUTE)};
  loop.pValue = &loop;
  Template looping;
  looping.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_AES).add_bytes(CKA_VALUE, Bytes(16, 1));
  looping.add_raw(CKA_WRAP_TEMPLATE, &loop, sizeof loop);
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, p11->C_CreateObject(session, looping.data(), looping.count(), &object));

  Template twice;
  twice.add_ulong(CKA_CLASS, CKO_DATA).add_string(CKA_LABEL, "a").add_string(CKA_LABEL, "b");
  EXPECT_CKR(CKR_TEMPLATE_INCONSISTENT, p11->C_CreateObject(session, twice.data(), twice.count(), &object));

  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_CreateObject(session, nullptr, 2, &object));
  Template ok;
  ok.add_ulong(CKA_CLASS, CKO_DATA);
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_CreateObject(session, ok.data(), ok.count(), nullptr));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_CreateObject(session + 1000, ok.data(), ok.count(), &object));
}

TEST_F(ObjectTest, CopySetAndDestroy) {
  const CK_OBJECT_HANDLE original = create_data("original", "v");
  Template change;
  change.add_string(CKA_LABEL, "copy");
  CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_CopyObject(session, original, change.data(), change.count(), &copy));
  EXPECT_NE(original, copy);
  EXPECT_EQ(to_bytes("copy"), attribute(session, copy, CKA_LABEL));
  EXPECT_EQ(to_bytes("original"), attribute(session, original, CKA_LABEL));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_CopyObject(session, original, change.data(), change.count(), nullptr));

  Template relabel;
  relabel.add_string(CKA_LABEL, "renamed");
  ASSERT_CKR(CKR_OK, p11->C_SetAttributeValue(session, original, relabel.data(), relabel.count()));
  EXPECT_EQ(to_bytes("renamed"), attribute(session, original, CKA_LABEL));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_SetAttributeValue(session, original, nullptr, 1));

  ASSERT_CKR(CKR_OK, p11->C_DestroyObject(session, copy));
  CK_ATTRIBUTE label{CKA_LABEL, nullptr, 0};
  EXPECT_CKR(CKR_OBJECT_HANDLE_INVALID, p11->C_GetAttributeValue(session, copy, &label, 1));
  EXPECT_CKR(CKR_OBJECT_HANDLE_INVALID, p11->C_DestroyObject(session, copy));
}

TEST_F(ObjectTest, FindObjects) {
  const CK_OBJECT_HANDLE a = create_data("find-me", "1");
  const CK_OBJECT_HANDLE b = create_data("find-me", "2");
  create_data("other", "3");
  Template t;
  t.add_string(CKA_LABEL, "find-me");
  CK_OBJECT_HANDLE found[4];
  CK_ULONG count = 99;
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_FindObjects(session, found, 4, &count));
  ASSERT_CKR(CKR_OK, p11->C_FindObjectsInit(session, t.data(), t.count()));
  EXPECT_CKR(CKR_OPERATION_ACTIVE, p11->C_FindObjectsInit(session, t.data(), t.count()));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_FindObjects(session, found, 4, nullptr));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_FindObjects(session, nullptr, 4, &count));
  std::vector<CK_OBJECT_HANDLE> all;
  for (int i = 0; i < 3; ++i) {  // one at a time
    ASSERT_CKR(CKR_OK, p11->C_FindObjects(session, found, 1, &count));
    if (count == 0) break;
    ASSERT_EQ(1u, count);
    all.push_back(found[0]);
  }
  ASSERT_EQ(2u, all.size());
  EXPECT_TRUE((all[0] == a && all[1] == b) || (all[0] == b && all[1] == a));
  ASSERT_CKR(CKR_OK, p11->C_FindObjectsFinal(session));
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_FindObjectsFinal(session));

  // An empty template matches every visible object.
  ASSERT_CKR(CKR_OK, p11->C_FindObjectsInit(session, nullptr, 0));
  ASSERT_CKR(CKR_OK, p11->C_FindObjects(session, found, 4, &count));
  EXPECT_EQ(3u, count);
  ASSERT_CKR(CKR_OK, p11->C_FindObjectsFinal(session));
}

TEST_F(ObjectTest, PrivateObjectsInvisibleWithoutLogin) {
  const CK_OBJECT_HANDLE hidden = create_data("secret-data", "s", true, true);
  const CK_OBJECT_HANDLE shown = create_data("public-data", "p", true, false);
  ASSERT_CKR(CKR_OK, p11->C_Logout(session));
  EXPECT_TRUE(find_by_label("secret-data").empty());
  EXPECT_EQ(std::vector<CK_OBJECT_HANDLE>{shown}, find_by_label("public-data"));
  CK_ATTRIBUTE label{CKA_LABEL, nullptr, 0};
  EXPECT_CKR(CKR_OBJECT_HANDLE_INVALID, p11->C_GetAttributeValue(session, hidden, &label, 1));
  login(session);
  EXPECT_EQ(std::vector<CK_OBJECT_HANDLE>{hidden}, find_by_label("secret-data"));
}

TEST_F(ObjectTest, ReadOnlySessionCannotCreateTokenObjects) {
  CK_SESSION_HANDLE ro = open_session(false);
  Template t;
  t.add_ulong(CKA_CLASS, CKO_DATA).add_bool(CKA_TOKEN, true).add_string(CKA_LABEL, "x");
  CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_SESSION_READ_ONLY, p11->C_CreateObject(ro, t.data(), t.count(), &object));
  // Session objects are fine in a read-only session.
  const CK_OBJECT_HANDLE session_object = create_data("ro-session-object", "v", false, false, ro);
  EXPECT_NE(CK_INVALID_HANDLE, session_object);
  const CK_OBJECT_HANDLE token_object = create_data("token-object", "v", true);
  EXPECT_CKR(CKR_SESSION_READ_ONLY, p11->C_DestroyObject(ro, token_object));
}

TEST_F(ObjectTest, SessionObjectsDieWithTheirSession) {
  CK_SESSION_HANDLE other = open_session();
  const CK_OBJECT_HANDLE object = create_data("short-lived", "v", false, false, other);
  EXPECT_EQ(to_bytes("v"), attribute(session, object, CKA_VALUE));  // visible to the other session
  ASSERT_CKR(CKR_OK, p11->C_CloseSession(other));
  CK_ATTRIBUTE value{CKA_VALUE, nullptr, 0};
  EXPECT_CKR(CKR_OBJECT_HANDLE_INVALID, p11->C_GetAttributeValue(session, object, &value, 1));
}

TEST_F(ObjectTest, TokenObjectsPersistAcrossRestart) {
  create_data("persistent-public", "pub-value", true, false);
  create_data("persistent-private", "priv-value", true, true);
  create_data("volatile", "gone", false, false);
  restart();
  session = open_session();
  std::vector<CK_OBJECT_HANDLE> found = find_by_label("persistent-public");
  ASSERT_EQ(1u, found.size());
  EXPECT_EQ(to_bytes("pub-value"), attribute(session, found[0], CKA_VALUE));
  EXPECT_TRUE(find_by_label("persistent-private").empty());
  EXPECT_TRUE(find_by_label("volatile").empty());
  login(session);
  found = find_by_label("persistent-private");
  ASSERT_EQ(1u, found.size());
  EXPECT_EQ(to_bytes("priv-value"), attribute(session, found[0], CKA_VALUE));
}

}  // namespace
}  // namespace abi_test
