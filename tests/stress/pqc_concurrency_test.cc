// Post-quantum keys shared by threads (TSan runs this, label `concurrency`):
// several sessions encapsulate to and decapsulate with one ML-KEM-768 token
// pair and sign with one ML-DSA-65 token key at the same time, while another
// thread keeps generating and destroying PQC pairs. Every secret must agree
// on both sides, every signature must verify, and nothing a worker made may
// outlive it.
#include <latch>
#include <thread>

#include "stress_util.h"

namespace stress {
namespace {

using abi_test::Module;

constexpr int kWorkers = 4;
constexpr int kIterations = 25;

class PqcConcurrencyTest : public abi_test::AbiTest {
 protected:
  void SetUp() override {
    p11 = Module::get().v3_2;
    dir_ = make_temp_dir("craton-pqc-concurrency");
    stress::write_config(dir_, /*slot_count=*/1);
    ASSERT_CKR(CKR_OK, initialize_module(nullptr)) << Module::get().last_error();
    ASSERT_CKR(CKR_OK, stress::init_token(0, "pqc concurrency"));
    ASSERT_CKR(CKR_OK, open_rw_session(0, &main_));
    ASSERT_CKR(CKR_OK, login_user(main_));
    ASSERT_CKR(CKR_OK, generate(main_, CKM_ML_KEM_KEY_PAIR_GEN, CKP_ML_KEM_768, true, &kem_pub_, &kem_priv_));
    ASSERT_CKR(CKR_OK, generate(main_, CKM_ML_DSA_KEY_PAIR_GEN, CKP_ML_DSA_65, true, &dsa_pub_, &dsa_priv_));
  }

  void TearDown() override {
    AbiTest::TearDown();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  CK_RV generate(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech_type, CK_ULONG set, bool token, CK_OBJECT_HANDLE* pub,
                 CK_OBJECT_HANDLE* priv) {
    Template pub_t;
    pub_t.add_ulong(CKA_PARAMETER_SET, set).add_bool(CKA_TOKEN, token);
    Template priv_t;
    priv_t.add_bool(CKA_TOKEN, token).add_bool(CKA_PRIVATE, true);
    CK_MECHANISM mech{mech_type, nullptr, 0};
    return p11->C_GenerateKeyPair(s, &mech, pub_t.data(), pub_t.count(), priv_t.data(), priv_t.count(), pub, priv);
  }

  // One encapsulation and its decapsulation; both secrets must agree.
  void kem_round(RvLog& log, CK_SESSION_HANDLE s) {
    Template tmpl;
    tmpl.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_bool(CKA_SENSITIVE, false).add_bool(CKA_EXTRACTABLE, true);
    CK_MECHANISM kem{CKM_ML_KEM, nullptr, 0};
    Bytes ciphertext(1088);
    CK_ULONG len = static_cast<CK_ULONG>(ciphertext.size());
    CK_OBJECT_HANDLE sent = CK_INVALID_HANDLE, received = CK_INVALID_HANDLE;
    if (log.ok(p11->C_EncapsulateKey(s, &kem, kem_pub_, tmpl.data(), tmpl.count(), ciphertext.data(), &len, &sent),
               "C_EncapsulateKey") != CKR_OK) {
      return;
    }
    if (log.ok(p11->C_DecapsulateKey(s, &kem, kem_priv_, tmpl.data(), tmpl.count(), ciphertext.data(), len,
                                     &received),
               "C_DecapsulateKey") == CKR_OK) {
      Bytes a, b;
      log.ok(read_attribute(s, sent, CKA_VALUE, &a), "read sent secret");
      log.ok(read_attribute(s, received, CKA_VALUE, &b), "read received secret");
      if (a != b || a.size() != 32) log.fail("encapsulated and decapsulated secrets differ");
      log.ok(p11->C_DestroyObject(s, received), "C_DestroyObject(received)");
    }
    log.ok(p11->C_DestroyObject(s, sent), "C_DestroyObject(sent)");
  }

  void sign_round(RvLog& log, CK_SESSION_HANDLE s, int i) {
    CK_MECHANISM mech{CKM_ML_DSA, nullptr, 0};
    Bytes msg(64, static_cast<std::uint8_t>(i));
    Bytes sig(3309);
    CK_ULONG len = static_cast<CK_ULONG>(sig.size());
    if (log.ok(p11->C_SignInit(s, &mech, dsa_priv_), "C_SignInit") != CKR_OK) return;
    if (log.ok(p11->C_Sign(s, msg.data(), msg.size(), sig.data(), &len), "C_Sign") != CKR_OK) return;
    if (log.ok(p11->C_VerifyInit(s, &mech, dsa_pub_), "C_VerifyInit") != CKR_OK) return;
    log.ok(p11->C_Verify(s, msg.data(), msg.size(), sig.data(), len), "C_Verify");
  }

  std::filesystem::path dir_;
  CK_SESSION_HANDLE main_ = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE kem_pub_ = CK_INVALID_HANDLE, kem_priv_ = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE dsa_pub_ = CK_INVALID_HANDLE, dsa_priv_ = CK_INVALID_HANDLE;
};

TEST_F(PqcConcurrencyTest, SharedKemAndSignatureKeysAcrossThreads) {
  RvLog log;
  std::latch start(kWorkers + 1);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&, w] {
      CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
      log.ok(open_rw_session(0, &s), "C_OpenSession");
      start.arrive_and_wait();
      for (int i = 0; i < kIterations; ++i) {
        if (w % 2 == 0) kem_round(log, s); else sign_round(log, s, i);
      }
      log.ok(p11->C_CloseSession(s), "C_CloseSession");
    });
  }
  // Key generation (with its pairwise tests) and destruction alongside.
  threads.emplace_back([&] {
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    log.ok(open_rw_session(0, &s), "C_OpenSession");
    start.arrive_and_wait();
    for (int i = 0; i < 6; ++i) {
      CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
      const bool kem = i % 2 == 0;
      if (log.ok(generate(s, kem ? CKM_ML_KEM_KEY_PAIR_GEN : CKM_ML_DSA_KEY_PAIR_GEN, kem ? CKP_ML_KEM_512 : CKP_ML_DSA_44,
                          false, &pub, &priv),
                 "C_GenerateKeyPair") != CKR_OK) {
        continue;
      }
      log.ok(p11->C_DestroyObject(s, priv), "C_DestroyObject(priv)");
      log.ok(p11->C_DestroyObject(s, pub), "C_DestroyObject(pub)");
    }
    log.ok(p11->C_CloseSession(s), "C_CloseSession");
  });
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(log.clean()) << log.report();

  Template session_objects;
  session_objects.add_bool(CKA_TOKEN, false);
  std::vector<CK_OBJECT_HANDLE> left;
  ASSERT_CKR(CKR_OK, find_all(main_, session_objects, &left));
  EXPECT_EQ(0u, left.size()) << "a worker's key outlived it";
}

}  // namespace
}  // namespace stress
