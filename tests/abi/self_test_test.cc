// The error state through the C ABI: a failing power-on known-answer test,
// a failing pairwise-consistency test and a DRBG that repeats a block each
// latch it; every call but C_GetInfo and C_Finalize then answers
// CKR_GENERAL_ERROR until C_Finalize and a C_Initialize whose self-tests
// pass. Faults are injected through CRATON_HSM_TEST_FAULT, which exists
// only in Debug builds (src/core/test_faults.h); elsewhere these tests skip.
// (A modified library file is covered by integrity_test.cc.)
#include <cstdlib>
#include <string>

#include "module_fixture.h"

namespace abi_test {
namespace {

#ifdef CRATON_TEST_FAULTS
constexpr bool kFaultsCompiledIn = true;
#else
constexpr bool kFaultsCompiledIn = false;
#endif

class ErrorStateTest : public AbiTest {
 protected:
  void SetUp() override {
    if (!kFaultsCompiledIn) GTEST_SKIP() << "fault injection exists only in Debug builds";
    AbiTest::SetUp();
  }
  void TearDown() override {
    ::unsetenv("CRATON_HSM_TEST_FAULT");
    AbiTest::TearDown();
  }
  static void inject(const char* fault) { ::setenv("CRATON_HSM_TEST_FAULT", fault, 1); }

  // Every ordinary call fails; C_GetInfo still answers.
  void expect_error_state() {
    CK_ULONG count = 0;
    EXPECT_CKR(CKR_GENERAL_ERROR, p11->C_GetSlotList(CK_FALSE, nullptr, &count));
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    EXPECT_CKR(CKR_GENERAL_ERROR, p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s));
    CK_BYTE buf[8];
    EXPECT_CKR(CKR_GENERAL_ERROR, p11->C_GenerateRandom(1, buf, sizeof buf));
    EXPECT_CKR(CKR_GENERAL_ERROR, p11->C_Initialize(nullptr));  // not while latched
    CK_INFO info{};
    EXPECT_CKR(CKR_OK, p11->C_GetInfo(&info));
  }
  // C_Finalize clears the state; a clean C_Initialize works again.
  void expect_recovery() {
    ::unsetenv("CRATON_HSM_TEST_FAULT");
    EXPECT_CKR(CKR_OK, p11->C_Finalize(nullptr));
    EXPECT_CKR(CKR_OK, initialize_module(nullptr)) << Module::get().last_error();
    CK_ULONG count = 0;
    EXPECT_CKR(CKR_OK, p11->C_GetSlotList(CK_FALSE, nullptr, &count));
  }
};

TEST_F(ErrorStateTest, FailedKnownAnswerTestLatchesAtInitialize) {
  for (const char* kat : {"kat:SHA-256", "kat:AES-GCM-decrypt", "kat:ECDSA-P256-sign", "kat:DRBG"}) {
    finalize_module();
    inject(kat);
    EXPECT_CKR(CKR_GENERAL_ERROR, p11->C_Initialize(nullptr)) << kat;
    const std::string why = Module::get().last_error();
    EXPECT_NE(why.find("self-test"), std::string::npos) << why;
    EXPECT_NE(why.find(std::string(kat).substr(4)), std::string::npos) << why;
    expect_error_state();
    expect_recovery();
  }
}

TEST_F(ErrorStateTest, FailedPairwiseTestLatchesAndKeepsNoHalfPair) {
  const CK_SESSION_HANDLE s = user_session();
  inject("pairwise");
  Template pub;
  pub.add_bytes(CKA_EC_PARAMS, p256_params()).add_bool(CKA_TOKEN, true).add_string(CKA_LABEL, "pct");
  Template priv;
  priv.add_bool(CKA_TOKEN, true).add_string(CKA_LABEL, "pct").add_bool(CKA_SIGN, true);
  CK_MECHANISM mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE a = CK_INVALID_HANDLE, b = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_GENERAL_ERROR,
             p11->C_GenerateKeyPair(s, &mech, pub.data(), pub.count(), priv.data(), priv.count(), &a, &b));
  EXPECT_NE(Module::get().last_error().find("pairwise"), std::string::npos) << Module::get().last_error();
  expect_error_state();
  expect_recovery();
  // Neither half of the failed pair was stored.
  const CK_SESSION_HANDLE t = open_session();
  login(t);
  Template find;
  find.add_string(CKA_LABEL, "pct");
  ASSERT_CKR(CKR_OK, p11->C_FindObjectsInit(t, find.data(), find.count()));
  CK_OBJECT_HANDLE found[2];
  CK_ULONG n = 9;
  EXPECT_CKR(CKR_OK, p11->C_FindObjects(t, found, 2, &n));
  EXPECT_EQ(n, 0u);
  EXPECT_CKR(CKR_OK, p11->C_FindObjectsFinal(t));
}

TEST_F(ErrorStateTest, RepeatedDrbgBlockLatches) {
  const CK_SESSION_HANDLE s = open_session();
  CK_BYTE buf[32];
  ASSERT_CKR(CKR_OK, p11->C_GenerateRandom(s, buf, sizeof buf));
  inject("drbg-repeat");
  EXPECT_CKR(CKR_GENERAL_ERROR, p11->C_GenerateRandom(s, buf, sizeof buf));
  ::unsetenv("CRATON_HSM_TEST_FAULT");  // the latch holds without the fault
  EXPECT_CKR(CKR_GENERAL_ERROR, p11->C_GenerateRandom(s, buf, sizeof buf));
  expect_error_state();
  expect_recovery();
}

}  // namespace
}  // namespace abi_test
