// Thread safety of the module through the C ABI (DESIGN.md §3): many threads,
// each with its own session, on the same token keys; races with logout,
// destroy, C_CloseAllSessions and C_SetAttributeValue; a session misused by
// several threads; application mutex callbacks; concurrent C_Initialize.
//
// Every return code is checked. A code other than CKR_OK is accepted only
// where a race makes it legitimate, and then only the precise code for that
// race (see each test). The TSan preset runs this program (label
// `concurrency`), so a data race inside the module fails it too.
#include <chrono>
#include <cstdio>
#include <latch>
#include <random>
#include <thread>

#include "concurrency_workload.h"

namespace stress {
namespace {

using abi_test::Module;
using namespace std::chrono_literals;

class ConcurrencyTest : public abi_test::AbiTest {
 protected:
  // The ABI fixture's SetUp writes a one-slot configuration; these tests
  // want two slots, so they set up their own directory and reuse the rest.
  void SetUp() override {
    p11 = Module::get().v3_2;
    dir_ = make_temp_dir("craton-concurrency");
    stress::write_config(dir_, /*slot_count=*/2);
    ASSERT_CKR(CKR_OK, initialize_module(nullptr)) << Module::get().last_error();
    ASSERT_CKR(CKR_OK, stress::init_token(0, "concurrency slot 0"));
    ASSERT_CKR(CKR_OK, stress::init_token(1, "concurrency slot 1"));
  }

  void TearDown() override {
    AbiTest::TearDown();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // A main R/W session on slot 0 with the user logged in (login is per token,
  // so every session of slot 0 is then a user session) and the shared keys.
  void begin_user_work() {
    ASSERT_CKR(CKR_OK, open_rw_session(0, &main_));
    ASSERT_CKR(CKR_OK, login_user(main_));
    ASSERT_CKR(CKR_OK, create_shared_keys(main_, &keys_));
  }

  // C_Finalize + C_Initialize + login: what is left is what the store kept.
  void reopen() {
    finalize_module();
    ASSERT_CKR(CKR_OK, initialize_module(nullptr)) << Module::get().last_error();
    ASSERT_CKR(CKR_OK, open_rw_session(0, &main_));
    ASSERT_CKR(CKR_OK, login_user(main_));
  }

  std::vector<CK_OBJECT_HANDLE> find(Template& t) {
    std::vector<CK_OBJECT_HANDLE> found;
    EXPECT_CKR(CKR_OK, find_all(main_, t, &found));
    return found;
  }

  std::string read_string(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
    Bytes value;
    EXPECT_CKR(CKR_OK, read_attribute(main_, object, type, &value));
    return as_string(value);
  }

  std::filesystem::path dir_;
  CK_SESSION_HANDLE main_ = CK_INVALID_HANDLE;
  SharedKeys keys_;
};

TEST_F(ConcurrencyTest, EightThreadsShareTokenKeys) {
  begin_user_work();
  RvLog log;
  run_mixed_workload(log, keys_, 8, 200);
  EXPECT_TRUE(log.clean()) << log.report();

  // Nothing a worker created outlives it; the shared objects are intact.
  Template session_objects;
  session_objects.add_bool(CKA_TOKEN, false);
  EXPECT_EQ(0u, find(session_objects).size());
  Template token_objects;
  token_objects.add_bool(CKA_TOKEN, true);
  EXPECT_EQ(6u, find(token_objects).size()) << "RSA pair, EC pair, AES key, label object";
  const std::string label = read_string(keys_.label_object, CKA_LABEL);
  EXPECT_TRUE(is_shared_label(label)) << label;

  // The label the module shows is the one it stored.
  reopen();
  Template shared;
  shared.add_string(CKA_APPLICATION, "shared-label");
  const std::vector<CK_OBJECT_HANDLE> found = find(shared);
  ASSERT_EQ(1u, found.size());
  EXPECT_EQ(label, read_string(found[0], CKA_LABEL)) << "memory and store disagree after concurrent writes";
  EXPECT_EQ(6u, find(token_objects).size());
}

// One thread logs the user out and in again while others use the private
// keys and create private objects. Legitimate outcomes of the race:
//   C_SignInit / C_EncryptInit with a private key: CKR_KEY_HANDLE_INVALID or
//     CKR_USER_NOT_LOGGED_IN (private objects are invisible while logged out);
//   C_Sign / C_Encrypt after a successful init: CKR_OPERATION_NOT_INITIALIZED
//     (C_Logout may end active operations, PKCS#11 3.0 §5.6 C_Logout);
//   C_CreateObject with CKA_PRIVATE=TRUE: CKR_USER_NOT_LOGGED_IN;
//   C_GetAttributeValue / C_DestroyObject of a private object: CKR_OBJECT_HANDLE_INVALID.
// Afterwards: every private session object died with a logout, every
// acknowledged private token object exists exactly once, in memory and on disk.
TEST_F(ConcurrencyTest, LogoutRacesWithPrivateKeyUse) {
  begin_user_work();
  constexpr int kWorkers = 4;
  RvLog log;
  std::atomic<bool> stop{false};
  std::latch start(kWorkers + 1);
  std::mutex acked_mu;
  std::vector<std::string> acked;  // private token objects whose C_CreateObject returned CKR_OK
  std::vector<std::thread> threads;
  for (int t = 0; t < kWorkers; ++t) {
    threads.emplace_back([&, t] {
      CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
      log.ok(open_rw_session(0, &s), "C_OpenSession");
      start.arrive_and_wait();
      for (int i = 0; !stop.load(); ++i) {
        CK_MECHANISM ecdsa{CKM_ECDSA_SHA256, nullptr, 0};
        CK_BYTE data[] = "logout race";
        CK_BYTE sig[128];
        CK_ULONG sig_len = sizeof sig;
        if (log.check(stress::p11()->C_SignInit(s, &ecdsa, keys_.ec_private),
                      {CKR_OK, CKR_KEY_HANDLE_INVALID, CKR_USER_NOT_LOGGED_IN}, "C_SignInit(racing logout)") == CKR_OK &&
            log.check(stress::p11()->C_Sign(s, data, sizeof data, sig, &sig_len), {CKR_OK, CKR_OPERATION_NOT_INITIALIZED},
                      "C_Sign(racing logout)") == CKR_OK) {
          log.ok(stress::p11()->C_VerifyInit(s, &ecdsa, keys_.ec_public), "C_VerifyInit(public key)");
          log.ok(stress::p11()->C_Verify(s, data, sizeof data, sig, sig_len), "C_Verify(public key)");
        }
        CK_BYTE iv[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, static_cast<CK_BYTE>(t), static_cast<CK_BYTE>(i)};
        CK_GCM_PARAMS gcm{iv, sizeof iv, 96, nullptr, 0, 128};
        CK_MECHANISM aes_gcm{CKM_AES_GCM, &gcm, sizeof gcm};
        CK_BYTE out[sizeof data + 16];
        CK_ULONG out_len = sizeof out;
        if (log.check(stress::p11()->C_EncryptInit(s, &aes_gcm, keys_.aes),
                      {CKR_OK, CKR_KEY_HANDLE_INVALID, CKR_USER_NOT_LOGGED_IN}, "C_EncryptInit(racing logout)") == CKR_OK) {
          log.check(stress::p11()->C_Encrypt(s, data, sizeof data, out, &out_len), {CKR_OK, CKR_OPERATION_NOT_INITIALIZED},
                    "C_Encrypt(racing logout)");
        }
        if (i % 4 == 0) {
          const std::string label = "logout-race-" + std::to_string(t) + "-" + std::to_string(i);
          CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
          if (log.check(create_data_object(s, label, true, true, &object, "logout-race"), {CKR_OK, CKR_USER_NOT_LOGGED_IN},
                        "C_CreateObject(private token object, racing logout)") == CKR_OK) {
            std::lock_guard lock(acked_mu);
            acked.push_back(label);
          }
        }
        CK_OBJECT_HANDLE session_object = CK_INVALID_HANDLE;
        if (log.check(create_data_object(s, "private-session", false, true, &session_object, "logout-race"),
                      {CKR_OK, CKR_USER_NOT_LOGGED_IN}, "C_CreateObject(private session object, racing logout)") == CKR_OK &&
            i % 2 == 0) {
          log.check(stress::p11()->C_DestroyObject(s, session_object), {CKR_OK, CKR_OBJECT_HANDLE_INVALID},
                    "C_DestroyObject(private session object, racing logout)");
        }
        Bytes label;
        if (log.check(read_attribute(s, keys_.aes, CKA_LABEL, &label), {CKR_OK, CKR_OBJECT_HANDLE_INVALID},
                      "C_GetAttributeValue(private key, racing logout)") == CKR_OK &&
            as_string(label) != kAesLabel) {
          log.fail("private key label read as '" + as_string(label) + "'");
        }
        std::vector<CK_OBJECT_HANDLE> found;
        if (log.ok(find_by_label(s, kAesLabel, &found), "C_FindObjects(racing logout)") == CKR_OK && !found.empty() &&
            found != std::vector<CK_OBJECT_HANDLE>{keys_.aes}) {
          log.fail("C_FindObjects(private key label) found " + std::to_string(found.size()) + " objects");
        }
        log.ok(read_attribute(s, keys_.ec_public, CKA_EC_POINT, &label), "C_GetAttributeValue(public key)");
      }
      log.ok(stress::p11()->C_CloseSession(s), "C_CloseSession");
    });
  }
  start.arrive_and_wait();
  std::mt19937 rng(12345);
  for (int cycle = 0; cycle < 10; ++cycle) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 20));
    log.ok(p11->C_Logout(main_), "C_Logout");
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 10));
    log.ok(login_user(main_), "C_Login");
  }
  std::this_thread::sleep_for(10ms);
  log.ok(p11->C_Logout(main_), "C_Logout(final)");
  stop = true;
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(log.clean()) << log.report();
  std::printf("[          ] codes seen: %s\n", log.histogram().c_str());

  ASSERT_CKR(CKR_OK, login_user(main_));
  Template private_session;
  private_session.add_ulong(CKA_CLASS, CKO_DATA).add_bool(CKA_TOKEN, false).add_bool(CKA_PRIVATE, true);
  EXPECT_EQ(0u, find(private_session).size()) << "private session objects survived C_Logout";
  Template private_token;
  private_token.add_bool(CKA_TOKEN, true).add_string(CKA_APPLICATION, "logout-race");
  for (int pass = 0; pass < 2; ++pass) {
    SCOPED_TRACE(pass == 0 ? "in memory" : "after C_Finalize/C_Initialize");
    EXPECT_EQ(acked.size(), find(private_token).size());
    for (const std::string& label : acked) {
      std::vector<CK_OBJECT_HANDLE> found;
      ASSERT_CKR(CKR_OK, find_by_label(main_, label, &found));
      std::string handles;
      for (CK_OBJECT_HANDLE h : found) handles += " " + std::to_string(h);
      EXPECT_EQ(1u, found.size()) << label << " has handles" << handles;
    }
    if (pass == 0) reopen();
  }
}


// Two threads destroy the same token objects while others rename them, read
// them and use a key that is being destroyed. Legitimate outcomes:
//   C_DestroyObject: CKR_OK for exactly one of the two destroyers, the other
//     CKR_OBJECT_HANDLE_INVALID;
//   C_SetAttributeValue / C_GetAttributeValue: CKR_OBJECT_HANDLE_INVALID;
//   C_EncryptInit: CKR_KEY_HANDLE_INVALID; C_Encrypt after a successful init:
//     CKR_OK or CKR_KEY_HANDLE_INVALID (the specification leaves it open).
// A destroyed object must stay destroyed, in memory and in the store.
TEST_F(ConcurrencyTest, DestroyRacesWithUse) {
  begin_user_work();
  constexpr int kRounds = 4;
  constexpr int kObjects = 12;
  RvLog log;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<CK_OBJECT_HANDLE> victims(kObjects);
    for (int j = 0; j < kObjects; ++j) {
      const std::string label = "victim-" + std::to_string(round) + "-" + std::to_string(j);
      ASSERT_CKR(CKR_OK, create_data_object(main_, label, true, j % 3 == 0, &victims[j], "destroy-race"));
    }
    CK_OBJECT_HANDLE aes = CK_INVALID_HANDLE;
    ASSERT_CKR(CKR_OK, generate_aes_token_key(main_, "victim-aes-" + std::to_string(round), &aes));
    std::vector<std::atomic<int>> destroyed(kObjects + 1);
    std::atomic<bool> stop{false};
    std::latch start(5);
    auto with_session = [&](auto body) {
      return std::thread([&, body] {
        CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
        log.ok(open_rw_session(0, &s), "C_OpenSession");
        start.arrive_and_wait();
        body(s);
        log.ok(stress::p11()->C_CloseSession(s), "C_CloseSession");
      });
    };
    std::vector<std::thread> users;
    users.push_back(with_session([&](CK_SESSION_HANDLE s) {  // renamer
      for (int j = 0, n = 0; j < kObjects && !stop.load(); ++n) {
        Template t;
        t.add_string(CKA_LABEL, "renamed-" + std::to_string(j) + "-" + std::to_string(n));
        if (log.check(stress::p11()->C_SetAttributeValue(s, victims[j], t.data(), t.count()), {CKR_OK, CKR_OBJECT_HANDLE_INVALID},
                      "C_SetAttributeValue(racing destroy)") == CKR_OBJECT_HANDLE_INVALID) {
          ++j;
        }
      }
    }));
    users.push_back(with_session([&](CK_SESSION_HANDLE s) {  // reader
      while (!stop.load()) {
        for (int j = 0; j < kObjects; ++j) {
          Bytes value;
          const std::string expected = "payload of victim-" + std::to_string(round) + "-" + std::to_string(j);
          if (log.check(read_attribute(s, victims[j], CKA_VALUE, &value), {CKR_OK, CKR_OBJECT_HANDLE_INVALID},
                        "C_GetAttributeValue(racing destroy)") == CKR_OK &&
              as_string(value) != expected) {
            log.fail("object value read as '" + as_string(value) + "'");
          }
        }
      }
    }));
    users.push_back(with_session([&](CK_SESSION_HANDLE s) {  // key user
      for (CK_BYTE n = 0; !stop.load(); ++n) {
        CK_BYTE iv[12] = {9, 9, 9, 9, 9, 9, 9, 9, static_cast<CK_BYTE>(round), 0, 0, n};
        CK_GCM_PARAMS gcm{iv, sizeof iv, 96, nullptr, 0, 128};
        CK_MECHANISM mech{CKM_AES_GCM, &gcm, sizeof gcm};
        CK_BYTE in[16] = {}, out[32];
        CK_ULONG out_len = sizeof out;
        if (log.check(stress::p11()->C_EncryptInit(s, &mech, aes), {CKR_OK, CKR_KEY_HANDLE_INVALID},
                      "C_EncryptInit(racing destroy)") == CKR_OK) {
          log.check(stress::p11()->C_Encrypt(s, in, sizeof in, out, &out_len), {CKR_OK, CKR_KEY_HANDLE_INVALID},
                    "C_Encrypt(racing destroy)");
        }
      }
    }));
    for (int d = 0; d < 2; ++d) {
      users.push_back(with_session([&, d](CK_SESSION_HANDLE s) {  // destroyers
        std::mt19937 rng(round * 10 + d);
        for (int j = 0; j <= kObjects; ++j) {
          std::this_thread::sleep_for(std::chrono::microseconds(rng() % 2000));
          const CK_OBJECT_HANDLE victim = j < kObjects ? victims[j] : aes;
          if (log.check(stress::p11()->C_DestroyObject(s, victim), {CKR_OK, CKR_OBJECT_HANDLE_INVALID},
                        "C_DestroyObject(racing destroy)") == CKR_OK) {
            ++destroyed[j];
          }
        }
      }));
    }
    users[3].join();
    users[4].join();
    stop = true;
    for (int u = 0; u < 3; ++u) users[u].join();
    for (int j = 0; j <= kObjects; ++j) EXPECT_EQ(1, destroyed[j].load()) << "object " << j << " of round " << round;
  }
  EXPECT_TRUE(log.clean()) << log.report();
  std::printf("[          ] codes seen: %s\n", log.histogram().c_str());

  Template victims;
  victims.add_string(CKA_APPLICATION, "destroy-race");
  EXPECT_EQ(0u, find(victims).size()) << "destroyed objects are still in memory";
  reopen();
  EXPECT_EQ(0u, find(victims).size()) << "destroyed objects came back from the store";
  Template keys;
  keys.add_ulong(CKA_CLASS, CKO_SECRET_KEY);
  EXPECT_EQ(1u, find(keys).size()) << "only the shared AES key should remain";
}

// Three threads each rewrite a different modifiable attribute (CKA_LABEL,
// CKA_ID, CKA_END_DATE) of the same two AES token keys, one public, one
// private. C_SetAttributeValue is one call: an update that returned CKR_OK
// must not be undone by another thread's update of a different attribute, in
// memory or in the store.
TEST_F(ConcurrencyTest, ConcurrentSetAttributeValueLosesNoUpdate) {
  begin_user_work();
  constexpr int kWrites = 30;  // also days of January in the CKA_END_DATE values
  CK_OBJECT_HANDLE objects[2];
  for (int i = 0; i < 2; ++i) {
    Template t;
    t.add_bool(CKA_TOKEN, true).add_bool(CKA_PRIVATE, i == 1).add_bool(CKA_ENCRYPT, true);
    t.add_ulong(CKA_VALUE_LEN, 32).add_string(CKA_LABEL, "L-init");
    CK_MECHANISM mech{CKM_AES_KEY_GEN, nullptr, 0};
    ASSERT_CKR(CKR_OK, p11->C_GenerateKey(main_, &mech, t.data(), t.count(), &objects[i]));
  }
  const CK_ATTRIBUTE_TYPE attributes[] = {CKA_LABEL, CKA_ID, CKA_END_DATE};
  auto value_of = [](int writer, int n) {
    char buf[32];  // room for any int, which -Wformat-truncation checks
    if (writer == 0) std::snprintf(buf, sizeof buf, "L-%02d", n);
    if (writer == 1) std::snprintf(buf, sizeof buf, "I-%02d", n);
    if (writer == 2) std::snprintf(buf, sizeof buf, "203001%02d", n + 1);
    return std::string(buf);
  };
  RvLog log;
  std::latch start(3);
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
      log.ok(open_rw_session(0, &s), "C_OpenSession");
      start.arrive_and_wait();
      for (int n = 0; n < kWrites; ++n) {
        for (CK_OBJECT_HANDLE object : objects) {
          Template t;
          t.add_string(attributes[w], value_of(w, n));
          log.ok(stress::p11()->C_SetAttributeValue(s, object, t.data(), t.count()), "C_SetAttributeValue");
        }
      }
      log.ok(stress::p11()->C_CloseSession(s), "C_CloseSession");
    });
  }
  for (auto& writer : writers) writer.join();
  ASSERT_TRUE(log.clean()) << log.report();
  auto check = [&](CK_OBJECT_HANDLE object, const char* which) {
    for (int w = 0; w < 3; ++w) {
      EXPECT_EQ(value_of(w, kWrites - 1), read_string(object, attributes[w])) << which << " key, attribute " << w;
    }
  };
  check(objects[0], "public");
  check(objects[1], "private");
  reopen();
  std::vector<CK_OBJECT_HANDLE> found;
  ASSERT_CKR(CKR_OK, find_by_label(main_, value_of(0, kWrites - 1), &found));
  ASSERT_EQ(2u, found.size()) << "after C_Finalize/C_Initialize";
  for (CK_OBJECT_HANDLE object : found) check(object, "stored");
}

// C_CloseAllSessions(slot 1) while threads open, use and close sessions of
// that slot. Legitimate outcomes for calls on a session closed underneath:
// CKR_SESSION_HANDLE_INVALID or CKR_SESSION_CLOSED. No session object may
// outlive its session.
TEST_F(ConcurrencyTest, CloseAllSessionsRacesWithSessionUse) {
  constexpr int kWorkers = 4;
  RvLog log;
  std::atomic<bool> stop{false};
  std::latch start(kWorkers + 1);
  const std::initializer_list<CK_RV> closed = {CKR_OK, CKR_SESSION_HANDLE_INVALID, CKR_SESSION_CLOSED};
  std::vector<std::thread> threads;
  for (int t = 0; t < kWorkers; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; !stop.load(); ++i) {
        CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
        if (log.ok(open_rw_session(1, &s), "C_OpenSession(slot 1)") != CKR_OK) continue;
        for (int k = 0; k < 4; ++k) {
          CK_MECHANISM sha{CKM_SHA256, nullptr, 0};
          CK_BYTE in[] = "x", out[32];
          CK_ULONG out_len = sizeof out;
          if (log.check(stress::p11()->C_DigestInit(s, &sha), closed, "C_DigestInit(racing close-all)") == CKR_OK) {
            log.check(stress::p11()->C_Digest(s, in, 1, out, &out_len), closed, "C_Digest(racing close-all)");
          }
          CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
          const std::string label = "orphan-" + std::to_string(t) + "-" + std::to_string(i);
          if (log.check(create_data_object(s, label, false, false, &object), closed,
                        "C_CreateObject(racing close-all)") == CKR_OK &&
              k % 2 == 0) {
            log.check(stress::p11()->C_DestroyObject(s, object), {CKR_OK, CKR_SESSION_HANDLE_INVALID, CKR_SESSION_CLOSED,
                                                          CKR_OBJECT_HANDLE_INVALID},
                      "C_DestroyObject(racing close-all)");
          }
        }
        log.check(stress::p11()->C_CloseSession(s), {CKR_OK, CKR_SESSION_HANDLE_INVALID}, "C_CloseSession(racing close-all)");
      }
    });
  }
  start.arrive_and_wait();
  for (int n = 0; n < 30; ++n) {
    std::this_thread::sleep_for(3ms);
    log.ok(p11->C_CloseAllSessions(1), "C_CloseAllSessions");
  }
  stop = true;
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(log.clean()) << log.report();
  std::printf("[          ] codes seen: %s\n", log.histogram().c_str());
  ASSERT_CKR(CKR_OK, p11->C_CloseAllSessions(1));

  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, open_rw_session(1, &s));
  Template session_objects;
  session_objects.add_bool(CKA_TOKEN, false);
  std::vector<CK_OBJECT_HANDLE> found;
  ASSERT_CKR(CKR_OK, find_all(s, session_objects, &found));
  EXPECT_EQ(0u, found.size()) << "session objects outlived their sessions";
  CK_TOKEN_INFO info{};
  ASSERT_CKR(CKR_OK, p11->C_GetTokenInfo(1, &info));
  EXPECT_EQ(1u, info.ulSessionCount);
}

// PKCS#11 forbids using one session from two threads at once; the module must
// still neither crash nor race (TSan). Return codes are only reported.
TEST_F(ConcurrencyTest, SessionSharedByThreadsDoesNotCrash) {
  begin_user_work();
  RvLog log;
  std::latch start(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < 150; ++i) {
        CK_MECHANISM sha{CKM_SHA256, nullptr, 0};
        CK_MECHANISM ecdsa{CKM_ECDSA_SHA256, nullptr, 0};
        CK_BYTE in[] = "shared", out[128];
        CK_ULONG out_len = sizeof out;
        log.note(stress::p11()->C_DigestInit(main_, &sha), "C_DigestInit");
        log.note(stress::p11()->C_Digest(main_, in, sizeof in, out, &out_len), "C_Digest");
        out_len = sizeof out;
        log.note(stress::p11()->C_SignInit(main_, &ecdsa, keys_.ec_private), "C_SignInit");
        log.note(stress::p11()->C_Sign(main_, in, sizeof in, out, &out_len), "C_Sign");
        CK_OBJECT_HANDLE handles[8];
        CK_ULONG n = 0;
        log.note(stress::p11()->C_FindObjectsInit(main_, nullptr, 0), "C_FindObjectsInit");
        log.note(stress::p11()->C_FindObjects(main_, handles, 8, &n), "C_FindObjects");
        log.note(stress::p11()->C_FindObjectsFinal(main_), "C_FindObjectsFinal");
        CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
        if (log.ok(create_data_object(main_, "shared-session-" + std::to_string(t), false, i % 2 == 0, &object),
                   "C_CreateObject") == CKR_OK) {
          log.ok(stress::p11()->C_DestroyObject(main_, object), "C_DestroyObject");
        }
        log.note(stress::p11()->C_GenerateRandom(main_, out, 32), "C_GenerateRandom");
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::printf("[          ] codes seen: %s\n", log.histogram().c_str());
  // The session is still usable once the threads are gone.
  EXPECT_CKR(CKR_OK, p11->C_SessionCancel(main_, CKF_DIGEST | CKF_SIGN | CKF_FIND_OBJECTS));
  CK_MECHANISM sha{CKM_SHA256, nullptr, 0};
  CK_BYTE in[] = "abc", out[32];
  CK_ULONG out_len = sizeof out;
  EXPECT_CKR(CKR_OK, p11->C_DigestInit(main_, &sha));
  EXPECT_CKR(CKR_OK, p11->C_Digest(main_, in, 3, out, &out_len));
  EXPECT_CKR(CKR_OK, p11->C_CloseSession(main_));
}

// Application mutex callbacks that count how the module uses them.
struct MutexBook {
  std::atomic<long> created{0}, destroyed{0}, locked{0}, unlocked{0};
};
MutexBook g_mutexes;

CK_RV app_create_mutex(CK_VOID_PTR_PTR out) {
  *out = new std::mutex;
  ++g_mutexes.created;
  return CKR_OK;
}
CK_RV app_destroy_mutex(CK_VOID_PTR m) {
  delete static_cast<std::mutex*>(m);
  ++g_mutexes.destroyed;
  return CKR_OK;
}
CK_RV app_lock_mutex(CK_VOID_PTR m) {
  static_cast<std::mutex*>(m)->lock();
  ++g_mutexes.locked;
  return CKR_OK;
}
CK_RV app_unlock_mutex(CK_VOID_PTR m) {
  ++g_mutexes.unlocked;
  static_cast<std::mutex*>(m)->unlock();
  return CKR_OK;
}

// Callbacks without CKF_OS_LOCKING_OK (PKCS#11 3.0 §5.4 C_Initialize, case
// 3): every lock of the module's own code goes through the application's
// callbacks, and the module is as thread-safe as with OS locks. Under TSan the
// callbacks' std::mutex makes any lock the module forgot to route show up as
// a race.
TEST_F(ConcurrencyTest, ApplicationMutexCallbacksWithoutOsLocking) {
  finalize_module();
  g_mutexes.created = g_mutexes.destroyed = g_mutexes.locked = g_mutexes.unlocked = 0;
  CK_C_INITIALIZE_ARGS args{app_create_mutex, app_destroy_mutex, app_lock_mutex, app_unlock_mutex, 0, nullptr};
  ASSERT_CKR(CKR_OK, initialize_module(&args)) << Module::get().last_error();
  begin_user_work();
  RvLog log;
  run_mixed_workload(log, keys_, 8, 60);
  EXPECT_TRUE(log.clean()) << log.report();
  EXPECT_GT(g_mutexes.created.load(), 0);
  EXPECT_GT(g_mutexes.locked.load(), 0);
  finalize_module();
  EXPECT_EQ(g_mutexes.created.load(), g_mutexes.destroyed.load()) << "mutexes leaked by C_Finalize";
  EXPECT_EQ(g_mutexes.locked.load(), g_mutexes.unlocked.load());
  std::printf("[          ] application mutexes: %ld created, %ld locks\n", g_mutexes.created.load(),
              g_mutexes.locked.load());
}

// Callbacks + CKF_OS_LOCKING_OK: the module may use either kind of lock
// (case 4); it chooses OS locks, so the callbacks are never called.
TEST_F(ConcurrencyTest, ApplicationMutexCallbacksWithOsLocking) {
  finalize_module();
  g_mutexes.created = g_mutexes.destroyed = g_mutexes.locked = g_mutexes.unlocked = 0;
  CK_C_INITIALIZE_ARGS args{app_create_mutex, app_destroy_mutex, app_lock_mutex, app_unlock_mutex,
                            CKF_OS_LOCKING_OK, nullptr};
  ASSERT_CKR(CKR_OK, initialize_module(&args)) << Module::get().last_error();
  begin_user_work();
  RvLog log;
  run_mixed_workload(log, keys_, 8, 60);
  EXPECT_TRUE(log.clean()) << log.report();
  finalize_module();
  EXPECT_EQ(0, g_mutexes.created.load());
  EXPECT_EQ(0, g_mutexes.locked.load());
}

// Threads racing to initialise: exactly one wins, the others are told
// CKR_CRYPTOKI_ALREADY_INITIALIZED; the module is then usable from all.
TEST_F(ConcurrencyTest, ConcurrentInitializeSucceedsOnce) {
  finalize_module();
  constexpr int kThreads = 8;
  std::vector<CK_RV> results(kThreads, CKR_GENERAL_ERROR);
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      results[t] = p11->C_Initialize(nullptr);
    });
  }
  for (auto& thread : threads) thread.join();
  int winners = 0;
  for (CK_RV rv : results) {
    if (rv == CKR_OK) ++winners;
    else EXPECT_CKR(CKR_CRYPTOKI_ALREADY_INITIALIZED, rv);
  }
  EXPECT_EQ(1, winners);
  RvLog log;
  threads.clear();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        CK_INFO info;
        CK_SLOT_ID slots[4];
        CK_ULONG count = 4;
        CK_TOKEN_INFO token;
        log.ok(stress::p11()->C_GetInfo(&info), "C_GetInfo");
        log.ok(stress::p11()->C_GetSlotList(CK_TRUE, slots, &count), "C_GetSlotList");
        if (count != 2) log.fail("C_GetSlotList: " + std::to_string(count) + " slots");
        log.ok(stress::p11()->C_GetTokenInfo(i % 2, &token), "C_GetTokenInfo");
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(log.clean()) << log.report();
  ASSERT_CKR(CKR_OK, p11->C_Finalize(nullptr));
  ASSERT_CKR(CKR_OK, initialize_module(nullptr));  // so that TearDown finalizes
}

}  // namespace
}  // namespace stress
