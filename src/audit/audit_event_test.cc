#include "audit/audit_event.h"

#include <gtest/gtest.h>

#include <set>

namespace craton {
namespace {

TEST(AuditEventTest, NamesAreUniqueAndSnakeCase) {
  std::set<std::string> names;
  for (int i = 0; i <= static_cast<int>(AuditEventType::kGenerateRandom); ++i) {
    const std::string name(audit_event_name(static_cast<AuditEventType>(i)));
    EXPECT_TRUE(names.insert(name).second) << name;
    for (char c : name) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << name;
  }
  EXPECT_EQ(audit_event_name(AuditEventType::kLogin), "login");
  EXPECT_EQ(audit_event_name(AuditEventType::kGenerateKeyPair), "generate_key_pair");
  EXPECT_EQ(audit_event_name(AuditEventType::kSign), "sign");
}

TEST(AuditEventTest, NamesMapBackToTypes) {
  for (int i = 0; i <= static_cast<int>(AuditEventType::kGenerateRandom); ++i) {
    const auto type = static_cast<AuditEventType>(i);
    EXPECT_EQ(audit_event_from_name(audit_event_name(type)), type);
  }
  EXPECT_EQ(audit_event_from_name("no_such_event"), std::nullopt);
  EXPECT_EQ(audit_event_from_name(""), std::nullopt);
}

TEST(AuditEventTest, ManagementVersusCrypto) {
  for (AuditEventType t : {AuditEventType::kInitialize, AuditEventType::kFinalize, AuditEventType::kLogin,
                           AuditEventType::kLogout, AuditEventType::kLockout, AuditEventType::kInitToken,
                           AuditEventType::kInitPin, AuditEventType::kSetPin, AuditEventType::kGenerateKey,
                           AuditEventType::kCreateObject, AuditEventType::kCopyObject,
                           AuditEventType::kDestroyObject, AuditEventType::kSetAttribute, AuditEventType::kWrapKey,
                           AuditEventType::kUnwrapKey, AuditEventType::kDeriveKey, AuditEventType::kBackup}) {
    EXPECT_TRUE(is_management_event(t)) << audit_event_name(t);
  }
  for (AuditEventType t : {AuditEventType::kSign, AuditEventType::kVerify, AuditEventType::kEncrypt,
                           AuditEventType::kDecrypt, AuditEventType::kDigest, AuditEventType::kGenerateRandom}) {
    EXPECT_FALSE(is_management_event(t)) << audit_event_name(t);
  }
  // An out-of-range value errs on the durable side.
  EXPECT_TRUE(is_management_event(static_cast<AuditEventType>(250)));
}

TEST(AuditEventTest, Roles) {
  EXPECT_EQ(audit_role_name(AuditRole::kUnspecified), nullptr);
  EXPECT_STREQ(audit_role_name(AuditRole::kSecurityOfficer), "so");
  EXPECT_STREQ(audit_role_name(AuditRole::kUser), "user");
  EXPECT_EQ(audit_role_from_user_type(CKU_SO), AuditRole::kSecurityOfficer);
  EXPECT_EQ(audit_role_from_user_type(CKU_USER), AuditRole::kUser);
  EXPECT_EQ(audit_role_from_user_type(CKU_CONTEXT_SPECIFIC), AuditRole::kContextSpecific);
  EXPECT_EQ(audit_role_from_user_type(99), AuditRole::kUnspecified);
}

TEST(AuditEventTest, ReturnValueNames) {
  EXPECT_EQ(audit_rv_name(CKR_OK), "CKR_OK");
  EXPECT_EQ(audit_rv_name(CKR_PIN_INCORRECT), "CKR_PIN_INCORRECT");
  EXPECT_EQ(audit_rv_name(CKR_PIN_LOCKED), "CKR_PIN_LOCKED");
  EXPECT_EQ(audit_rv_name(CKR_VENDOR_DEFINED + 5), "0x80000005");
}

TEST(AuditEventTest, MechanismNames) {
  EXPECT_EQ(audit_mechanism_name(CKM_AES_GCM), "CKM_AES_GCM");
  EXPECT_EQ(audit_mechanism_name(CKM_VENDOR_DEFINED + 1), "0x80000001");
}

}  // namespace
}  // namespace craton
