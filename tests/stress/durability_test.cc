// "kill -9" durability (DESIGN.md §4: every acknowledged write is durable).
//
// A writer process logs in and creates token objects in a loop — public data,
// private data and AES keys from C_GenerateKey — sending each label to the
// test through a pipe right after the call returned CKR_OK. The test kills it
// with SIGKILL at a random moment, then a fresh verifier process opens the
// same store and checks that it opens cleanly and that every acknowledged
// object is there exactly once, readable and usable. 25+ rounds share one
// store, so damage from one kill would be seen by every later round.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "stress_util.h"

namespace stress {
namespace {

using abi_test::Module;

constexpr int kRounds = 26;
constexpr int kRoundsKilledAnytime = 5;  // every 5th round: killed without waiting for the login

// Labels say what the object is: "r<round>-<n>-<kind>", kind p (public
// data), s (private data) or k (AES key).
char kind_of(const std::string& label) { return label.back(); }

void writer(ChildReport& r, int label_fd, int round) {
  const CK_RV init = p11()->C_Initialize(nullptr);
  if (init != CKR_OK) return r.fail("writer C_Initialize: " + abi_test::rv_name(init) + " " + Module::get().last_error());
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  CHILD_EXPECT_CKR(r, CKR_OK, open_rw_session(0, &s));
  CHILD_EXPECT_CKR(r, CKR_OK, login_user(s));
  if (r.failed()) return;
  write_all(label_fd, "READY\n");
  for (int n = 0; n < 100000; ++n) {
    const char kind = "pspk"[n % 4];
    const std::string label = "r" + std::to_string(round) + "-" + std::to_string(n) + "-" + kind;
    CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
    const CK_RV rv = kind == 'k' ? generate_aes_token_key(s, label, &object)
                                 : create_data_object(s, label, true, kind == 's', &object);
    if (rv != CKR_OK) return r.fail("creating " + label + ": " + abi_test::rv_name(rv));
    // One write() of less than PIPE_BUF bytes: the test reads whole lines.
    write_all(label_fd, label + "\n");
  }
  r.fail("the writer was not killed");
}

// Opens the store in this (fresh) process and checks every acknowledged label.
void verifier(ChildReport& r, const std::vector<std::string>& acknowledged) {
  const CK_RV init = p11()->C_Initialize(nullptr);
  if (init != CKR_OK) {
    return r.fail("store does not open after kill -9: C_Initialize " + abi_test::rv_name(init) + ": " +
                  Module::get().last_error());
  }
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  CHILD_EXPECT_CKR(r, CKR_OK, open_rw_session(0, &s));
  CHILD_EXPECT_CKR(r, CKR_OK, login_user(s));
  int missing = 0;
  CK_OBJECT_HANDLE last_key = CK_INVALID_HANDLE;
  for (const std::string& label : acknowledged) {
    std::vector<CK_OBJECT_HANDLE> found;
    CHILD_EXPECT_CKR(r, CKR_OK, find_by_label(s, label, &found));
    if (found.size() != 1) {
      if (++missing <= 10) r.fail("acknowledged object " + label + " found " + std::to_string(found.size()) + " times");
      continue;
    }
    CK_OBJECT_CLASS cls = 0;
    CK_BBOOL is_private = CK_FALSE;
    CK_ATTRIBUTE attrs[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_PRIVATE, &is_private, sizeof is_private}};
    CHILD_EXPECT_CKR(r, CKR_OK, p11()->C_GetAttributeValue(s, found[0], attrs, 2));
    const char kind = kind_of(label);
    CHILD_EXPECT_TRUE(r, cls == (kind == 'k' ? CKO_SECRET_KEY : CKO_DATA), label + ": wrong CKA_CLASS");
    CHILD_EXPECT_TRUE(r, (is_private == CK_TRUE) == (kind != 'p'), label + ": wrong CKA_PRIVATE");
    if (kind != 'k') {
      Bytes value;
      CHILD_EXPECT_CKR(r, CKR_OK, read_attribute(s, found[0], CKA_VALUE, &value));
      CHILD_EXPECT_TRUE(r, as_string(value) == "payload of " + label, label + ": wrong CKA_VALUE");
    } else {
      last_key = found[0];
    }
  }
  if (missing > 10) r.fail(std::to_string(missing) + " acknowledged objects missing in all");
  if (last_key != CK_INVALID_HANDLE) {  // the newest key's material decrypts and works
    CK_BYTE iv[12] = {};
    CK_GCM_PARAMS gcm{iv, sizeof iv, 96, nullptr, 0, 128};
    CK_MECHANISM mech{CKM_AES_GCM, &gcm, sizeof gcm};
    CK_BYTE in[16] = {}, out[32];
    CK_ULONG out_len = sizeof out;
    CHILD_EXPECT_CKR(r, CKR_OK, p11()->C_EncryptInit(s, &mech, last_key));
    CHILD_EXPECT_CKR(r, CKR_OK, p11()->C_Encrypt(s, in, sizeof in, out, &out_len));
  }
  // No two objects share a CKA_UNIQUE_ID (a crash must not make the store
  // hand out an id that a surviving object already has).
  Template everything;
  std::vector<CK_OBJECT_HANDLE> all;
  CHILD_EXPECT_CKR(r, CKR_OK, find_all(s, everything, &all));
  std::set<std::string> ids;
  for (CK_OBJECT_HANDLE object : all) {
    Bytes id;
    CHILD_EXPECT_CKR(r, CKR_OK, read_attribute(s, object, CKA_UNIQUE_ID, &id));
    CHILD_EXPECT_TRUE(r, ids.insert(as_string(id)).second, "duplicate CKA_UNIQUE_ID " + as_string(id));
  }
  CHILD_EXPECT_TRUE(r, all.size() >= acknowledged.size(), "fewer objects than acknowledged");
  r.note(std::to_string(all.size()) + " objects in the store");
  CHILD_EXPECT_CKR(r, CKR_OK, p11()->C_Finalize(nullptr));
}

// Reads lines until EOF (the writer is dead) or, with `until`, until that line.
bool read_lines(int fd, std::string& pending, std::vector<std::string>& lines, const char* until) {
  char buf[4096];
  for (;;) {
    for (std::size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (until != nullptr && line == until) return true;
      if (line != "READY") lines.push_back(line);
    }
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      pending.append(buf, static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return until == nullptr;
    }
  }
}

TEST(DurabilityTest, AcknowledgedObjectsSurviveKill9) {
  const TempDir dir("craton-durability");
  write_config(dir.path);
  const abi_test::LogFileIn log(dir.path);  // before the children load the module
  const ChildOutcome setup = run_child([](ChildReport& r) {
    CHILD_EXPECT_CKR(r, CKR_OK, p11()->C_Initialize(nullptr));
    CHILD_EXPECT_CKR(r, CKR_OK, stress::init_token(0, "durability"));
    CHILD_EXPECT_CKR(r, CKR_OK, p11()->C_Finalize(nullptr));
  });
  ASSERT_TRUE(setup.exited && setup.exit_code == 0) << setup.describe();

  // CRATON_STRESS_SEED=<n> replays a run's kill delays.
  const char* seed_env = std::getenv("CRATON_STRESS_SEED");
  const unsigned seed = seed_env != nullptr ? static_cast<unsigned>(std::strtoul(seed_env, nullptr, 10))
                                            : std::random_device{}();
  std::printf("[          ] seed %u (CRATON_STRESS_SEED)\n", seed);
  std::mt19937 rng(seed);
  std::vector<std::string> acknowledged;
  const auto started = std::chrono::steady_clock::now();
  for (int round = 0; round < kRounds; ++round) {
    const bool anytime = round % kRoundsKilledAnytime == kRoundsKilledAnytime - 1;
    const int delay_ms = 5 + static_cast<int>(rng() % 196);
    SCOPED_TRACE("round " + std::to_string(round) + ", killed " + std::to_string(delay_ms) + " ms after " +
                 (anytime ? "fork" : "login"));
    Pipe labels;
    RunningChild child = start_child([&](ChildReport& r) {
      labels.close_read();
      writer(r, labels.write_fd, round);
    });
    labels.close_write();
    std::string pending;
    std::vector<std::string> acked_now;
    if (!anytime && !read_lines(labels.read_fd, pending, acked_now, "READY")) {
      FAIL() << "the writer died before logging in: " << wait_child(child).describe();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(child.pid, SIGKILL);
    read_lines(labels.read_fd, pending, acked_now, nullptr);
    const ChildOutcome killed = wait_child(child);
    ASSERT_EQ(SIGKILL, killed.signal) << killed.describe();
    ASSERT_TRUE(killed.failures.empty()) << killed.describe();
    acknowledged.insert(acknowledged.end(), acked_now.begin(), acked_now.end());

    const ChildOutcome check = run_child([&](ChildReport& r) { verifier(r, acknowledged); });
    ASSERT_TRUE(check.exited && check.exit_code == 0)
        << acked_now.size() << " acknowledged this round, " << acknowledged.size() << " in all\n"
        << check.describe();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("[          ] %d rounds, %zu acknowledged objects, %.1f s\n", kRounds, acknowledged.size(), seconds);
  EXPECT_GT(acknowledged.size(), static_cast<std::size_t>(kRounds)) << "the writer hardly wrote: the test proves little";
}

}  // namespace
}  // namespace stress
