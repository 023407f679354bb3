// Key lifecycle dates (CKA_START_DATE / CKA_END_DATE) through the C ABI:
// a key before its start date does nothing; after its end date it only
// processes (verify, decrypt, unwrap) and protects nothing new.
#include <chrono>
#include <ctime>
#include <string>

#include "module_fixture.h"

namespace abi_test {
namespace {

// "YYYYMMDD" for today + `days` in UTC.
std::string date_from_today(int days) {
  const std::time_t t =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + std::chrono::hours(24 * days));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
  return buf;
}

class LifecycleTest : public AbiTest {
 protected:
  void set_date(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_ATTRIBUTE_TYPE type, const std::string& date) {
    Template t;
    t.add_string(type, date);
    ASSERT_CKR(CKR_OK, p11->C_SetAttributeValue(s, key, t.data(), t.count()));
  }
  CK_RV encrypt_init(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key) {
    CK_MECHANISM mech{CKM_AES_ECB, nullptr, 0};
    const CK_RV rv = p11->C_EncryptInit(s, &mech, key);
    if (rv == CKR_OK) p11->C_EncryptInit(s, nullptr, key);
    return rv;
  }
  CK_RV decrypt_init(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key) {
    CK_MECHANISM mech{CKM_AES_ECB, nullptr, 0};
    const CK_RV rv = p11->C_DecryptInit(s, &mech, key);
    if (rv == CKR_OK) p11->C_DecryptInit(s, nullptr, key);
    return rv;
  }
};

TEST_F(LifecycleTest, KeyBeforeItsStartDateDoesNothing) {
  const CK_SESSION_HANDLE s = user_session();
  const CK_OBJECT_HANDLE key = generate_aes(s, 32);
  set_date(s, key, CKA_START_DATE, date_from_today(1));
  EXPECT_CKR(CKR_KEY_FUNCTION_NOT_PERMITTED, encrypt_init(s, key));
  EXPECT_CKR(CKR_KEY_FUNCTION_NOT_PERMITTED, decrypt_init(s, key));
  set_date(s, key, CKA_START_DATE, date_from_today(0));
  EXPECT_CKR(CKR_OK, encrypt_init(s, key));
  EXPECT_CKR(CKR_OK, decrypt_init(s, key));
}

TEST_F(LifecycleTest, KeyAfterItsEndDateOnlyProcesses) {
  const CK_SESSION_HANDLE s = user_session();
  const CK_OBJECT_HANDLE key = generate_aes(s, 32);
  set_date(s, key, CKA_END_DATE, date_from_today(0));
  EXPECT_CKR(CKR_OK, encrypt_init(s, key));  // the end date itself is still active
  set_date(s, key, CKA_END_DATE, date_from_today(-1));
  EXPECT_CKR(CKR_KEY_FUNCTION_NOT_PERMITTED, encrypt_init(s, key));
  EXPECT_CKR(CKR_OK, decrypt_init(s, key));

  // Wrapping with it is protecting; unwrapping is processing.
  Template extractable;
  extractable.add_bool(CKA_EXTRACTABLE, true);
  const CK_OBJECT_HANDLE target = generate_aes(s, 16, &extractable);
  CK_MECHANISM kw{CKM_AES_KEY_WRAP, nullptr, 0};
  CK_ULONG len = 0;
  EXPECT_CKR(CKR_KEY_FUNCTION_NOT_PERMITTED, p11->C_WrapKey(s, &kw, key, target, nullptr, &len));
}

TEST_F(LifecycleTest, ExpiredSigningKeyStillVerifies) {
  const CK_SESSION_HANDLE s = user_session();
  const KeyPair ec = generate_ec(s, p256_params());
  CK_MECHANISM mech{CKM_ECDSA_SHA256, nullptr, 0};
  Bytes data = to_bytes("dated");
  ASSERT_CKR(CKR_OK, p11->C_SignInit(s, &mech, ec.private_key));
  Bytes sig(64);
  CK_ULONG len = sig.size();
  ASSERT_CKR(CKR_OK, p11->C_Sign(s, data.data(), data.size(), sig.data(), &len));

  set_date(s, ec.private_key, CKA_END_DATE, date_from_today(-30));
  set_date(s, ec.public_key, CKA_END_DATE, date_from_today(-30));
  EXPECT_CKR(CKR_KEY_FUNCTION_NOT_PERMITTED, p11->C_SignInit(s, &mech, ec.private_key));
  ASSERT_CKR(CKR_OK, p11->C_VerifyInit(s, &mech, ec.public_key));
  EXPECT_CKR(CKR_OK, p11->C_Verify(s, data.data(), data.size(), sig.data(), len));
}

TEST_F(LifecycleTest, DatesAreValidatedAtCreation) {
  const CK_SESSION_HANDLE s = user_session();
  Template bad;
  bad.add_string(CKA_END_DATE, "20261341");
  bad.add_ulong(CKA_VALUE_LEN, 32);
  CK_MECHANISM gen{CKM_AES_KEY_GEN, nullptr, 0};
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, p11->C_GenerateKey(s, &gen, bad.data(), bad.count(), &key));
}

}  // namespace
}  // namespace abi_test
