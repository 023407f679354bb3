// Fork behaviour through the C ABI (DESIGN.md §3 "Fork safety", §4 "One
// process owns a store"):
//   - a forked child sees CKR_CRYPTOKI_NOT_INITIALIZED from every call until
//     it calls C_Initialize itself;
//   - that C_Initialize fails with CKR_FUNCTION_FAILED while the parent holds
//     the store, and the module's diagnostic (CRATON_HSM_LOG) names the
//     parent's PID;
//   - once the parent has called C_Finalize, the child's C_Initialize works
//     and the child sees the parent's token objects;
//   - two unrelated processes: the second is refused naming the first, and
//     gets the store once the first finalizes or dies.
// Children report their checks through a pipe (stress_util.h); they never
// return into gtest.
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "stress_util.h"

namespace stress {
namespace {

using abi_test::Module;

std::string pid_text(pid_t pid) { return "process " + std::to_string(pid); }

// The first line of the store's lock file: the holder's PID, or "".
std::string lock_file_pid(const std::filesystem::path& store) {
  std::ifstream in(store / ".lock");
  std::string line;
  std::getline(in, line);
  return line;
}

class ForkTest : public abi_test::AbiTest {
 protected:
  // Token initialised, a user session, one public and one private token object.
  void prepare_token() {
    init_token();
    session_ = open_session();
    login(session_);
    CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
    ASSERT_CKR(CKR_OK, create_data_object(session_, "before-fork", true, false, &object));
    ASSERT_CKR(CKR_OK, create_data_object(session_, "before-fork-private", true, true, &object));
  }

  std::size_t count_label(CK_SESSION_HANDLE session, const std::string& label) {
    std::vector<CK_OBJECT_HANDLE> found;
    EXPECT_CKR(CKR_OK, find_by_label(session, label, &found));
    return found.size();
  }

  std::filesystem::path store() const { return dir() / "store"; }

  CK_SESSION_HANDLE session_ = CK_INVALID_HANDLE;
};

// In a child of an initialised parent: everything but the functions that need
// no initialisation answers CKR_CRYPTOKI_NOT_INITIALIZED, including calls on
// the parent's session handles.
void expect_not_initialized(ChildReport& r, CK_SLOT_ID slot, CK_SESSION_HANDLE parent_session) {
  CK_FUNCTION_LIST_3_2* f = p11();
  CK_INFO info;
  CK_SLOT_INFO slot_info;
  CK_TOKEN_INFO token_info;
  CK_SESSION_INFO session_info;
  CK_ULONG count = 0;
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  CK_BYTE buf[64];
  CK_ULONG len = sizeof buf;
  CK_MECHANISM sha{CKM_SHA256, nullptr, 0};
  constexpr CK_RV kNot = CKR_CRYPTOKI_NOT_INITIALIZED;
  CHILD_EXPECT_CKR(r, kNot, f->C_GetInfo(&info));
  CHILD_EXPECT_CKR(r, kNot, f->C_GetSlotList(CK_FALSE, nullptr, &count));
  CHILD_EXPECT_CKR(r, kNot, f->C_GetSlotInfo(slot, &slot_info));
  CHILD_EXPECT_CKR(r, kNot, f->C_GetTokenInfo(slot, &token_info));
  CHILD_EXPECT_CKR(r, kNot, f->C_GetMechanismList(slot, nullptr, &count));
  CHILD_EXPECT_CKR(r, kNot, f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &session));
  CHILD_EXPECT_CKR(r, kNot, f->C_GetSessionInfo(parent_session, &session_info));
  CHILD_EXPECT_CKR(r, kNot, login_user(parent_session));
  CHILD_EXPECT_CKR(r, kNot, f->C_Logout(parent_session));
  CHILD_EXPECT_CKR(r, kNot, f->C_FindObjectsInit(parent_session, nullptr, 0));
  CHILD_EXPECT_CKR(r, kNot, f->C_DigestInit(parent_session, &sha));
  CHILD_EXPECT_CKR(r, kNot, f->C_Digest(parent_session, buf, 3, buf, &len));
  CHILD_EXPECT_CKR(r, kNot, f->C_GenerateRandom(parent_session, buf, sizeof buf));
  CHILD_EXPECT_CKR(r, kNot, f->C_CloseSession(parent_session));
  CHILD_EXPECT_CKR(r, kNot, f->C_CloseAllSessions(slot));
  CHILD_EXPECT_CKR(r, kNot, f->C_Finalize(nullptr));
  // These need no initialisation (PKCS#11 3.0 §5.4).
  CK_FUNCTION_LIST_PTR list = nullptr;
  CHILD_EXPECT_CKR(r, CKR_OK, Module::get().v2_40->C_GetFunctionList(&list));
  CK_INTERFACE_PTR interface = nullptr;
  CHILD_EXPECT_CKR(r, CKR_OK, Module::get().get_interface(nullptr, nullptr, &interface, 0));
}

// The child's C_Initialize while the parent holds the store.
void expect_store_refused(ChildReport& r, pid_t holder) {
  CHILD_EXPECT_CKR(r, CKR_FUNCTION_FAILED, stress::p11()->C_Initialize(nullptr));
  const std::string error = Module::get().last_error();
  CHILD_EXPECT_TRUE(r, error.find(pid_text(holder)) != std::string::npos,
                    "last error '" + error + "' does not name " + pid_text(holder));
  CK_ULONG count = 0;
  CHILD_EXPECT_CKR(r, CKR_CRYPTOKI_NOT_INITIALIZED, stress::p11()->C_GetSlotList(CK_FALSE, nullptr, &count));
}

// C_Initialize expected to succeed in process `who`; reports the module's
// diagnostic when it does not.
bool initialize_in(ChildReport& r, const std::string& who) {
  const CK_RV rv = stress::p11()->C_Initialize(nullptr);
  if (rv == CKR_OK) return true;
  r.fail("C_Initialize in " + who + " returned " + abi_test::rv_name(rv) + ", expected CKR_OK; last error: " +
         Module::get().last_error());
  return false;
}

// Initialise, log in, find the parent's objects, write one, finalise.
void use_store_in_child(ChildReport& r, CK_SLOT_ID slot, const std::string& new_label) {
  if (!initialize_in(r, "the child")) return;
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  CHILD_EXPECT_CKR(r, CKR_OK, open_rw_session(slot, &s));
  std::vector<CK_OBJECT_HANDLE> found;
  CHILD_EXPECT_CKR(r, CKR_OK, find_by_label(s, "before-fork", &found));
  CHILD_EXPECT_TRUE(r, found.size() == 1, "public object of the parent found " + std::to_string(found.size()) + "x");
  CHILD_EXPECT_CKR(r, CKR_OK, login_user(s));
  CHILD_EXPECT_CKR(r, CKR_OK, find_by_label(s, "before-fork-private", &found));
  CHILD_EXPECT_TRUE(r, found.size() == 1, "private object of the parent found " + std::to_string(found.size()) + "x");
  CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
  CHILD_EXPECT_CKR(r, CKR_OK, create_data_object(s, new_label, true, true, &object));
  CHILD_EXPECT_CKR(r, CKR_OK, stress::p11()->C_Finalize(nullptr));
}

TEST_F(ForkTest, ChildIsNotInitializedAndCannotTakeTheParentsStore) {
  prepare_token();
  // An operation in progress in the parent, to be finished after the fork.
  CK_MECHANISM sha{CKM_SHA256, nullptr, 0};
  ASSERT_CKR(CKR_OK, p11->C_DigestInit(session_, &sha));
  CK_BYTE abc[] = {'a', 'b', 'c'};
  ASSERT_CKR(CKR_OK, p11->C_DigestUpdate(session_, abc, 1));
  const pid_t parent = ::getpid();
  const ChildOutcome child = run_child([&](ChildReport& r) {
    expect_not_initialized(r, slot, session_);
    expect_store_refused(r, parent);
    expect_store_refused(r, parent);  // a failed attempt leaves nothing half-initialised
  });
  EXPECT_TRUE(child.exited && child.exit_code == 0) << child.describe();

  // The child's attempts did not disturb the parent: same session, same
  // operation, the store still locked under the parent's PID and writable.
  EXPECT_EQ(std::to_string(parent), lock_file_pid(store()));
  ASSERT_CKR(CKR_OK, p11->C_DigestUpdate(session_, abc + 1, 2));
  CK_BYTE digest[32];
  CK_ULONG len = sizeof digest;
  EXPECT_CKR(CKR_OK, p11->C_DigestFinal(session_, digest, &len));
  EXPECT_EQ(0xba, digest[0]);
  CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_OK, create_data_object(session_, "after-fork", true, true, &object));
  EXPECT_EQ(1u, count_label(session_, "before-fork-private"));
  restart();
  CK_SESSION_HANDLE s = open_session();
  login(s);
  EXPECT_EQ(1u, count_label(s, "after-fork"));
}

// Order 1: the parent finalizes first, then tells the child to initialise.
TEST_F(ForkTest, ChildInitializesAfterParentFinalizes) {
  prepare_token();
  Pipe go;
  RunningChild child = start_child([&](ChildReport& r) {
    go.close_write();
    if (!wait_byte(go.read_fd)) return r.fail("no go from the parent");
    use_store_in_child(r, slot, "from-child");
  });
  go.close_read();
  finalize_module();
  ASSERT_TRUE(send_byte(go.write_fd));
  const ChildOutcome outcome = wait_child(child);
  EXPECT_TRUE(outcome.exited && outcome.exit_code == 0) << outcome.describe();

  ASSERT_CKR(CKR_OK, initialize_module(nullptr)) << Module::get().last_error();
  CK_SESSION_HANDLE s = open_session();
  login(s);
  EXPECT_EQ(1u, count_label(s, "from-child")) << "the child's object is not in the store";
}

// Order 2: the child tries while the parent holds the store (refused, naming
// the parent), then the parent finalizes and the child's retry succeeds.
TEST_F(ForkTest, ChildRefusedThenSucceedsOnceParentFinalizes) {
  prepare_token();
  const pid_t parent = ::getpid();
  Pipe go;    // parent -> child
  Pipe done;  // child -> parent
  RunningChild child = start_child([&](ChildReport& r) {
    go.close_write();
    done.close_read();
    expect_store_refused(r, parent);
    send_byte(done.write_fd);
    if (!wait_byte(go.read_fd)) return r.fail("no go from the parent");
    use_store_in_child(r, slot, "from-child-retry");
  });
  go.close_read();
  done.close_write();
  ASSERT_TRUE(wait_byte(done.read_fd)) << wait_child(child).describe();
  finalize_module();
  ASSERT_TRUE(send_byte(go.write_fd));
  const ChildOutcome outcome = wait_child(child);
  EXPECT_TRUE(outcome.exited && outcome.exit_code == 0) << outcome.describe();
  ASSERT_CKR(CKR_OK, initialize_module(nullptr)) << Module::get().last_error();
  CK_SESSION_HANDLE s = open_session();
  login(s);
  EXPECT_EQ(1u, count_label(s, "from-child-retry"));
}

// Fork after C_Finalize: the child owns the store; the parent is refused,
// naming the child, until the child finalizes.
TEST_F(ForkTest, ChildForkedAfterFinalizeOwnsTheStore) {
  prepare_token();
  finalize_module();
  Pipe go, ready;
  RunningChild child = start_child([&](ChildReport& r) {
    go.close_write();
    ready.close_read();
    initialize_in(r, "the child");
    send_byte(ready.write_fd);
    wait_byte(go.read_fd);
    CHILD_EXPECT_CKR(r, CKR_OK, stress::p11()->C_Finalize(nullptr));
  });
  go.close_read();
  ready.close_write();
  ASSERT_TRUE(wait_byte(ready.read_fd)) << wait_child(child).describe();
  EXPECT_CKR(CKR_FUNCTION_FAILED, p11->C_Initialize(nullptr));
  const std::string error = Module::get().last_error();
  EXPECT_NE(std::string::npos, error.find(pid_text(child.pid))) << error;
  ASSERT_TRUE(send_byte(go.write_fd));
  const ChildOutcome outcome = wait_child(child);
  EXPECT_TRUE(outcome.exited && outcome.exit_code == 0) << outcome.describe();
  ASSERT_CKR(CKR_OK, initialize_module(nullptr)) << Module::get().last_error();
  CK_SESSION_HANDLE s = open_session();
  EXPECT_EQ(1u, count_label(s, "before-fork"));
}

// Two processes, neither the parent of the other's module state: A holds the
// store; B's C_Initialize fails naming A's PID; B succeeds after A finalizes,
// and again after an A that was killed with SIGKILL.
TEST(ForkProcesses, SecondProcessIsRefusedNamingTheFirst) {
  const TempDir dir("craton-fork");
  write_config(dir.path);
  const abi_test::LogFileIn log(dir.path);  // before the children load the module
  for (const bool kill_a : {false, true}) {
    SCOPED_TRACE(kill_a ? "A killed" : "A finalizes");
    Pipe a_ready, a_go, b_tried, b_go;
    RunningChild a = start_child([&](ChildReport& r) {
      a_ready.close_read();
      a_go.close_write();
      initialize_in(r, "process A");
      if (!kill_a) CHILD_EXPECT_CKR(r, CKR_OK, stress::init_token(0, "two processes"));
      send_byte(a_ready.write_fd);
      wait_byte(a_go.read_fd);
      CHILD_EXPECT_CKR(r, CKR_OK, stress::p11()->C_Finalize(nullptr));
    });
    a_ready.close_write();
    a_go.close_read();
    ASSERT_TRUE(wait_byte(a_ready.read_fd)) << wait_child(a).describe();

    RunningChild b = start_child([&](ChildReport& r) {
      b_tried.close_read();
      b_go.close_write();
      expect_store_refused(r, a.pid);
      send_byte(b_tried.write_fd);
      wait_byte(b_go.read_fd);
      if (!initialize_in(r, "process B after A let go")) return;
      CK_TOKEN_INFO info{};
      CHILD_EXPECT_CKR(r, CKR_OK, stress::p11()->C_GetTokenInfo(0, &info));
      CHILD_EXPECT_TRUE(r, (info.flags & CKF_TOKEN_INITIALIZED) != 0, "A's C_InitToken is not visible to B");
      CHILD_EXPECT_CKR(r, CKR_OK, stress::p11()->C_Finalize(nullptr));
    });
    b_tried.close_write();
    b_go.close_read();
    ASSERT_TRUE(wait_byte(b_tried.read_fd)) << wait_child(b).describe();
    if (kill_a) {
      ::kill(a.pid, SIGKILL);
    } else {
      ASSERT_TRUE(send_byte(a_go.write_fd));
    }
    const ChildOutcome a_outcome = wait_child(a);
    if (kill_a) {
      EXPECT_EQ(SIGKILL, a_outcome.signal) << a_outcome.describe();
      EXPECT_TRUE(a_outcome.failures.empty()) << a_outcome.describe();
    } else {
      EXPECT_TRUE(a_outcome.exited && a_outcome.exit_code == 0) << a_outcome.describe();
    }
    ASSERT_TRUE(send_byte(b_go.write_fd));
    const ChildOutcome b_outcome = wait_child(b);
    EXPECT_TRUE(b_outcome.exited && b_outcome.exit_code == 0) << b_outcome.describe();
  }
}

}  // namespace
}  // namespace stress
