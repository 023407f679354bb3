// Helpers shared by the stress programs (concurrency, durability, fork).
//
// They sit on top of tests/abi/module_fixture.h (the dlopen()ed module,
// Template, rv_name) and add what those tests need and the ABI fixture does
// not offer: configurations with several slots, a thread-safe record of
// unexpected return codes, and forked children that report their checks back
// to the test process through a pipe.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "module_fixture.h"

namespace stress {

using abi_test::Bytes;
using abi_test::Template;

CK_FUNCTION_LIST_3_2* p11();

// A fresh directory under $TMPDIR; removed by the caller.
std::filesystem::path make_temp_dir(const std::string& prefix);

// make_temp_dir, removed again when the test leaves its scope (also on a
// failed ASSERT).
struct TempDir {
  explicit TempDir(const std::string& prefix) : path(make_temp_dir(prefix)) {}
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path path;
};

// Writes <dir>/craton_hsm.toml (store in <dir>/store) and, unless told not
// to, points CRATON_HSM_CONFIG at it.
std::filesystem::path write_config(const std::filesystem::path& dir, unsigned slot_count = 1,
                                   bool set_env = true);

// --- Return-code bookkeeping for worker threads -------------------------------
//
// Workers must not stop at the first surprise (a TSan report or crash later in
// the run is worth seeing too), and gtest assertions from hundreds of
// iterations would drown the one that matters. RvLog keeps the first few
// unexpected codes verbatim and counts everything else.
class RvLog {
 public:
  // Returns `rv`; records it as a failure unless it is in `allowed`.
  CK_RV check(CK_RV rv, std::initializer_list<CK_RV> allowed, const char* what);
  CK_RV ok(CK_RV rv, const char* what) { return check(rv, {CKR_OK}, what); }
  // Counts a non-OK code without judging it (calls whose outcome is undefined).
  void note(CK_RV rv, const char* what);
  // A failed non-CKR expectation (wrong data, wrong count, ...).
  void fail(const std::string& what);

  bool clean() const { return failures_.load() == 0; }
  std::string report() const;      // the failures
  std::string histogram() const;   // every (call, CKR) seen that was not CKR_OK

 private:
  std::atomic<long> failures_{0};
  mutable std::mutex mu_;
  std::vector<std::string> first_failures_;
  std::map<std::string, long> counts_;
};

// --- Session-level helpers that do not depend on gtest (usable in children) ---

// C_InitToken with abi_test::kSoPin and C_InitPIN with abi_test::kUserPin.
CK_RV init_token(CK_SLOT_ID slot, const std::string& label);
CK_RV open_rw_session(CK_SLOT_ID slot, CK_SESSION_HANDLE* session);
CK_RV login_user(CK_SESSION_HANDLE session);

// A CKO_DATA object with CKA_LABEL = label; CKA_TOKEN / CKA_PRIVATE as given.
CK_RV create_data_object(CK_SESSION_HANDLE session, const std::string& label, bool token, bool is_private,
                         CK_OBJECT_HANDLE* object, const std::string& application = "craton-stress");
// An AES-256 token key (CKA_TOKEN=TRUE, private, sensitive) labelled `label`.
CK_RV generate_aes_token_key(CK_SESSION_HANDLE session, const std::string& label, CK_OBJECT_HANDLE* key);
// Every object matching `tmpl` (C_FindObjectsInit / C_FindObjects / C_FindObjectsFinal).
CK_RV find_all(CK_SESSION_HANDLE session, Template& tmpl, std::vector<CK_OBJECT_HANDLE>* out);
CK_RV find_by_label(CK_SESSION_HANDLE session, const std::string& label, std::vector<CK_OBJECT_HANDLE>* out);
// A variable-length attribute (two-call convention).
CK_RV read_attribute(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type, Bytes* out);
std::string as_string(const Bytes& bytes);

// --- Forked children ----------------------------------------------------------
//
// A child cannot use gtest assertions (its results would die with it), so it
// records failures in a ChildReport; run_child ships them to the parent.
class ChildReport {
 public:
  explicit ChildReport(int fd) : fd_(fd) {}
  void fail(const std::string& what);
  // A line of information for the parent (shown on failure only).
  void note(const std::string& what);
  bool failed() const { return failed_; }

 private:
  void send(char tag, const std::string& text);
  int fd_;
  bool failed_ = false;
};

#define CHILD_EXPECT_CKR(report, expected, expr)                                                       \
  do {                                                                                                 \
    const CK_RV child_rv_ = (expr);                                                                    \
    if (child_rv_ != (expected)) {                                                                     \
      (report).fail(std::string(__FILE__ ":") + std::to_string(__LINE__) + ": " #expr " returned " +   \
                    ::abi_test::rv_name(child_rv_) + ", expected " + ::abi_test::rv_name(expected));   \
    }                                                                                                  \
  } while (0)

#define CHILD_EXPECT_TRUE(report, cond, message)                                                       \
  do {                                                                                                 \
    if (!(cond)) {                                                                                     \
      (report).fail(std::string(__FILE__ ":") + std::to_string(__LINE__) + ": " #cond " is false: " +  \
                    (message));                                                                        \
    }                                                                                                  \
  } while (0)

struct ChildOutcome {
  pid_t pid = -1;
  bool exited = false;      // normal exit (else: killed by a signal)
  int exit_code = -1;
  int signal = 0;
  std::vector<std::string> failures;
  std::vector<std::string> notes;
  std::string describe() const;  // exit status, failures and notes, for assertion messages
};

// A child started by start_child. If the test leaves its scope without
// wait_child (a failed ASSERT), the child is killed and reaped, so that no
// child outlives its test and, say, recreates a store the fixture removed.
class RunningChild {
 public:
  RunningChild(pid_t child_pid, int fd) : pid(child_pid), report_fd(fd) {}
  ~RunningChild();
  RunningChild(const RunningChild&) = delete;
  RunningChild& operator=(const RunningChild&) = delete;

  const pid_t pid;
  const int report_fd;  // read end of the child's report pipe
  bool reaped = false;
};

// Forks; the child runs `body` and _exit()s (0 when no failure was reported),
// never returning into gtest.
RunningChild start_child(const std::function<void(ChildReport&)>& body);
// Waits for the child and collects its report (once).
ChildOutcome wait_child(RunningChild& child);
ChildOutcome run_child(const std::function<void(ChildReport&)>& body);

// A one-way pipe for "go" signals and labels between processes.
struct Pipe {
  Pipe();  // pipe2(O_CLOEXEC); throws on failure
  ~Pipe();
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  void close_read();
  void close_write();

  int read_fd = -1;
  int write_fd = -1;
};
// Blocks until one byte arrives; false on EOF/error.
bool wait_byte(int fd);
bool send_byte(int fd, char c = 'x');
// Writes the whole buffer (a single write() for up to PIPE_BUF bytes is atomic).
bool write_all(int fd, const std::string& text);

}  // namespace stress
