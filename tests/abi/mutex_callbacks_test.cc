// Application mutex callbacks (PKCS#11 3.0 §5.4 C_Initialize,
// CK_C_INITIALIZE_ARGS): with callbacks and no CKF_OS_LOCKING_OK the module
// locks only through them; with the flag it uses OS locks and never calls
// them; a partial set is refused; a failing callback is an error code, never
// a crash.
#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "module_fixture.h"

namespace abi_test {
namespace {

// Counting callbacks over std::mutex; `fail_*` make the next calls fail.
struct Book {
  std::atomic<long> created{0}, destroyed{0}, locked{0}, unlocked{0};
  std::atomic<CK_RV> fail_create{CKR_OK}, fail_lock{CKR_OK};

  void reset() {
    created = destroyed = locked = unlocked = 0;
    fail_create = fail_lock = CKR_OK;
  }
};
Book g_book;

CK_RV count_create(CK_VOID_PTR_PTR out) {
  if (CK_RV rv = g_book.fail_create.load(); rv != CKR_OK) return rv;
  *out = new std::mutex;
  ++g_book.created;
  return CKR_OK;
}
CK_RV count_destroy(CK_VOID_PTR m) {
  delete static_cast<std::mutex*>(m);
  ++g_book.destroyed;
  return CKR_OK;
}
CK_RV count_lock(CK_VOID_PTR m) {
  if (CK_RV rv = g_book.fail_lock.load(); rv != CKR_OK) return rv;
  static_cast<std::mutex*>(m)->lock();
  ++g_book.locked;
  return CKR_OK;
}
CK_RV count_unlock(CK_VOID_PTR m) {
  ++g_book.unlocked;
  static_cast<std::mutex*>(m)->unlock();
  return CKR_OK;
}

CK_C_INITIALIZE_ARGS counting_args(CK_FLAGS flags) {
  return CK_C_INITIALIZE_ARGS{count_create, count_destroy, count_lock, count_unlock, flags, nullptr};
}

CK_UTF8CHAR_PTR utf8(const char* text) { return reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(text)); }

class MutexCallbacksTest : public AbiTest {
 protected:
  void SetUp() override {
    AbiTest::SetUp();
    init_token();  // with OS locks; the tests re-initialise with their own arguments
    finalize_module();
    g_book.reset();
  }

  // One thread's work in its own session: a token key and a session key
  // pair, signatures, searches. Failures are counted, not asserted, so that
  // a thread never aborts half-way.
  void session_work(int thread, int rounds, std::atomic<int>& failures) {
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    if (p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s) != CKR_OK) {
      ++failures;
      return;
    }
    const std::string label = "mutex-thread-" + std::to_string(thread);
    for (int round = 0; round < rounds; ++round) {
      if (!one_round(s, label)) ++failures;
    }
    if (p11->C_CloseSession(s) != CKR_OK) ++failures;
  }

  bool one_round(CK_SESSION_HANDLE s, const std::string& label) {
    Template pub, priv;
    pub.add_bytes(CKA_EC_PARAMS, p256_params()).add_bool(CKA_VERIFY, true).add_string(CKA_LABEL, label);
    priv.add_bool(CKA_SIGN, true).add_string(CKA_LABEL, label);
    CK_MECHANISM keygen{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
    KeyPair kp;
    if (p11->C_GenerateKeyPair(s, &keygen, pub.data(), pub.count(), priv.data(), priv.count(), &kp.public_key,
                               &kp.private_key) != CKR_OK) {
      return false;
    }
    Template token_key;
    token_key.add_bool(CKA_TOKEN, true).add_ulong(CKA_VALUE_LEN, 32).add_string(CKA_LABEL, label);
    CK_MECHANISM aes_gen{CKM_AES_KEY_GEN, nullptr, 0};
    CK_OBJECT_HANDLE aes = CK_INVALID_HANDLE;
    if (p11->C_GenerateKey(s, &aes_gen, token_key.data(), token_key.count(), &aes) != CKR_OK) return false;

    CK_BYTE digest[32] = {1, 2, 3};
    CK_BYTE signature[64];
    CK_ULONG signature_len = sizeof signature;
    CK_MECHANISM ecdsa{CKM_ECDSA, nullptr, 0};
    if (p11->C_SignInit(s, &ecdsa, kp.private_key) != CKR_OK) return false;
    if (p11->C_Sign(s, digest, sizeof digest, signature, &signature_len) != CKR_OK) return false;
    if (p11->C_VerifyInit(s, &ecdsa, kp.public_key) != CKR_OK) return false;
    if (p11->C_Verify(s, digest, sizeof digest, signature, signature_len) != CKR_OK) return false;

    Template find;
    find.add_string(CKA_LABEL, label);
    if (p11->C_FindObjectsInit(s, find.data(), find.count()) != CKR_OK) return false;
    CK_OBJECT_HANDLE found[16];
    CK_ULONG count = 0;
    const bool searched = p11->C_FindObjects(s, found, 16, &count) == CKR_OK && count >= 3;
    if (p11->C_FindObjectsFinal(s) != CKR_OK || !searched) return false;
    return p11->C_DestroyObject(s, aes) == CKR_OK && p11->C_DestroyObject(s, kp.private_key) == CKR_OK &&
           p11->C_DestroyObject(s, kp.public_key) == CKR_OK;
  }

  void run_threads(int threads, int rounds) {
    std::atomic<int> failures{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([this, t, rounds, &failures] { session_work(t, rounds, failures); });
    }
    for (auto& worker : workers) worker.join();
    EXPECT_EQ(0, failures.load());
  }

  // Logs the user in through a session left open (login is per token).
  // `wrong_pin_first`: a wrong PIN sleeps with the token lock released and
  // then retakes it, which exercises unlock/relock through the callbacks.
  void login_user(bool wrong_pin_first) {
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    ASSERT_CKR(CKR_OK, p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s));
    if (wrong_pin_first) {
      EXPECT_CKR(CKR_PIN_INCORRECT, p11->C_Login(s, CKU_USER, utf8("wrong-pin"), 9));
    }
    ASSERT_CKR(CKR_OK, p11->C_Login(s, CKU_USER, utf8(kUserPin), std::strlen(kUserPin)));
  }
};

TEST_F(MutexCallbacksTest, CallbacksWithoutOsLockingFlagAreUsedForEveryLock) {
  CK_C_INITIALIZE_ARGS args = counting_args(0);
  ASSERT_CKR(CKR_OK, initialize_module(&args)) << Module::get().last_error();
  login_user(/*wrong_pin_first=*/true);
  run_threads(4, 3);
  EXPECT_GT(g_book.created.load(), 0);
  EXPECT_GT(g_book.locked.load(), 0);
  EXPECT_EQ(g_book.locked.load(), g_book.unlocked.load());
  finalize_module();
  EXPECT_EQ(g_book.created.load(), g_book.destroyed.load()) << "application mutexes leaked by C_Finalize";
  EXPECT_EQ(g_book.locked.load(), g_book.unlocked.load());
  std::printf("[          ] application mutexes: %ld created, %ld locks\n", g_book.created.load(),
              g_book.locked.load());

  // The next C_Initialize without callbacks is back on OS locks.
  const long created = g_book.created.load();
  ASSERT_CKR(CKR_OK, initialize_module(nullptr));
  login_user(/*wrong_pin_first=*/false);
  run_threads(2, 1);
  EXPECT_EQ(created, g_book.created.load());
}

TEST_F(MutexCallbacksTest, OsLockingFlagWithCallbacksUsesOsLocks) {
  CK_C_INITIALIZE_ARGS args = counting_args(CKF_OS_LOCKING_OK);
  ASSERT_CKR(CKR_OK, initialize_module(&args)) << Module::get().last_error();
  login_user(/*wrong_pin_first=*/true);
  run_threads(4, 2);
  finalize_module();
  EXPECT_EQ(0, g_book.created.load());
  EXPECT_EQ(0, g_book.locked.load());
}

TEST_F(MutexCallbacksTest, PartialCallbackSetsAndReservedAreRejected) {
  for (int missing = 0; missing < 4; ++missing) {
    CK_C_INITIALIZE_ARGS args = counting_args(0);
    if (missing == 0) args.CreateMutex = nullptr;
    if (missing == 1) args.DestroyMutex = nullptr;
    if (missing == 2) args.LockMutex = nullptr;
    if (missing == 3) args.UnlockMutex = nullptr;
    EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_Initialize(&args)) << "callback " << missing << " missing";
    args.flags = CKF_OS_LOCKING_OK;
    EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_Initialize(&args)) << "callback " << missing << " missing";
  }
  CK_C_INITIALIZE_ARGS args = counting_args(0);
  int reserved = 0;
  args.pReserved = &reserved;
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_Initialize(&args));
  EXPECT_EQ(0, g_book.created.load());
}

TEST_F(MutexCallbacksTest, FailingCreateMutexFailsInitializeCleanly) {
  CK_C_INITIALIZE_ARGS args = counting_args(0);
  g_book.fail_create = CKR_HOST_MEMORY;
  EXPECT_CKR(CKR_HOST_MEMORY, p11->C_Initialize(&args));
  g_book.fail_create = CKR_GENERAL_ERROR;
  EXPECT_CKR(CKR_GENERAL_ERROR, p11->C_Initialize(&args));
  EXPECT_NE(std::string::npos, Module::get().last_error().find("CreateMutex")) << Module::get().last_error();
  EXPECT_EQ(g_book.created.load(), g_book.destroyed.load());
  g_book.fail_create = CKR_OK;
  ASSERT_CKR(CKR_OK, initialize_module(&args));
}

TEST_F(MutexCallbacksTest, FailingLockMutexIsAGeneralErrorNotACrash) {
  CK_C_INITIALIZE_ARGS args = counting_args(0);
  ASSERT_CKR(CKR_OK, initialize_module(&args));
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s));
  g_book.fail_lock = CKR_MUTEX_BAD;
  CK_SESSION_HANDLE other = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_GENERAL_ERROR, p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &other));
  CK_MECHANISM sha{CKM_SHA256, nullptr, 0};
  EXPECT_CKR(CKR_GENERAL_ERROR, p11->C_DigestInit(s, &sha));
  g_book.fail_lock = CKR_OK;
  // Nothing was left locked: the module carries on.
  EXPECT_CKR(CKR_OK, p11->C_DigestInit(s, &sha));
  CK_BYTE out[32];
  CK_ULONG out_len = sizeof out;
  EXPECT_CKR(CKR_OK, p11->C_Digest(s, utf8("abc"), 3, out, &out_len));
  EXPECT_CKR(CKR_OK, p11->C_CloseSession(s));
  EXPECT_EQ(g_book.locked.load(), g_book.unlocked.load());
}

}  // namespace
}  // namespace abi_test
