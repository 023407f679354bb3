#include "stress_util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace stress {

CK_FUNCTION_LIST_3_2* p11() { return abi_test::Module::get().v3_2; }

std::filesystem::path make_temp_dir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

std::filesystem::path write_config(const std::filesystem::path& dir, unsigned slot_count, bool set_env) {
  const std::filesystem::path file = dir / "craton_hsm.toml";
  std::ofstream out(file);
  out << "[token]\nstorage_path = \"store\"\nslot_count = " << slot_count << "\n"
      << "[security]\npbkdf2_iterations = 100000\n";
  out.close();
  if (set_env) ::setenv("CRATON_HSM_CONFIG", file.c_str(), 1);
  return file;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

// --- RvLog ---

CK_RV RvLog::check(CK_RV rv, std::initializer_list<CK_RV> allowed, const char* what) {
  bool expected = false;
  for (CK_RV a : allowed) expected = expected || a == rv;
  if (rv == CKR_OK && expected) return rv;  // the hot path takes no lock
  const std::string key = std::string(what) + " -> " + abi_test::rv_name(rv);
  std::lock_guard lock(mu_);
  ++counts_[key];
  if (!expected) {
    ++failures_;
    if (first_failures_.size() < 20) first_failures_.push_back("unexpected " + key);
  }
  return rv;
}

void RvLog::note(CK_RV rv, const char* what) {
  if (rv == CKR_OK) return;
  std::lock_guard lock(mu_);
  ++counts_[std::string(what) + " -> " + abi_test::rv_name(rv)];
}

void RvLog::fail(const std::string& what) {
  std::lock_guard lock(mu_);
  ++failures_;
  if (first_failures_.size() < 20) first_failures_.push_back(what);
}

std::string RvLog::report() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  out << failures_.load() << " failure(s)";
  for (const auto& f : first_failures_) out << "\n  " << f;
  if (!counts_.empty()) out << "\nnon-OK codes seen:";
  for (const auto& [key, n] : counts_) out << "\n  " << key << " x" << n;
  return out.str();
}

std::string RvLog::histogram() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  for (const auto& [key, n] : counts_) out << key << " x" << n << "; ";
  return out.str();
}

// --- session helpers ---

CK_RV init_token(CK_SLOT_ID slot, const std::string& label) {
  std::string padded = label;
  padded.resize(32, ' ');
  CK_RV rv = p11()->C_InitToken(slot, (CK_UTF8CHAR_PTR)abi_test::kSoPin, std::strlen(abi_test::kSoPin),
                                reinterpret_cast<CK_UTF8CHAR_PTR>(padded.data()));
  if (rv != CKR_OK) return rv;
  CK_SESSION_HANDLE so = CK_INVALID_HANDLE;
  if ((rv = open_rw_session(slot, &so)) != CKR_OK) return rv;
  rv = p11()->C_Login(so, CKU_SO, (CK_UTF8CHAR_PTR)abi_test::kSoPin, std::strlen(abi_test::kSoPin));
  if (rv == CKR_OK) {
    rv = p11()->C_InitPIN(so, (CK_UTF8CHAR_PTR)abi_test::kUserPin, std::strlen(abi_test::kUserPin));
  }
  const CK_RV close_rv = p11()->C_CloseSession(so);  // also logs the SO out
  return rv != CKR_OK ? rv : close_rv;
}

CK_RV open_rw_session(CK_SLOT_ID slot, CK_SESSION_HANDLE* session) {
  return p11()->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, session);
}

CK_RV login_user(CK_SESSION_HANDLE session) {
  return p11()->C_Login(session, CKU_USER, (CK_UTF8CHAR_PTR)abi_test::kUserPin, std::strlen(abi_test::kUserPin));
}

CK_RV create_data_object(CK_SESSION_HANDLE session, const std::string& label, bool token, bool is_private,
                         CK_OBJECT_HANDLE* object, const std::string& application) {
  Template t;
  t.add_ulong(CKA_CLASS, CKO_DATA).add_bool(CKA_TOKEN, token).add_bool(CKA_PRIVATE, is_private);
  t.add_string(CKA_LABEL, label).add_string(CKA_APPLICATION, application);
  t.add_string(CKA_VALUE, "payload of " + label);
  return p11()->C_CreateObject(session, t.data(), t.count(), object);
}

CK_RV generate_aes_token_key(CK_SESSION_HANDLE session, const std::string& label, CK_OBJECT_HANDLE* key) {
  Template t;
  t.add_bool(CKA_TOKEN, true).add_bool(CKA_PRIVATE, true).add_bool(CKA_SENSITIVE, true);
  t.add_bool(CKA_ENCRYPT, true).add_bool(CKA_DECRYPT, true);
  t.add_ulong(CKA_VALUE_LEN, 32).add_string(CKA_LABEL, label);
  CK_MECHANISM mech{CKM_AES_KEY_GEN, nullptr, 0};
  return p11()->C_GenerateKey(session, &mech, t.data(), t.count(), key);
}

CK_RV find_all(CK_SESSION_HANDLE session, Template& tmpl, std::vector<CK_OBJECT_HANDLE>* out) {
  out->clear();
  CK_RV rv = p11()->C_FindObjectsInit(session, tmpl.data(), tmpl.count());
  if (rv != CKR_OK) return rv;
  CK_OBJECT_HANDLE batch[64];
  for (;;) {
    CK_ULONG n = 0;
    rv = p11()->C_FindObjects(session, batch, 64, &n);
    if (rv != CKR_OK) break;
    out->insert(out->end(), batch, batch + n);
    if (n == 0) break;
  }
  const CK_RV final_rv = p11()->C_FindObjectsFinal(session);
  return rv != CKR_OK ? rv : final_rv;
}

CK_RV find_by_label(CK_SESSION_HANDLE session, const std::string& label, std::vector<CK_OBJECT_HANDLE>* out) {
  Template t;
  t.add_string(CKA_LABEL, label);
  return find_all(session, t, out);
}

CK_RV read_attribute(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type, Bytes* out) {
  CK_ATTRIBUTE attr{type, nullptr, 0};
  CK_RV rv = p11()->C_GetAttributeValue(session, object, &attr, 1);
  if (rv != CKR_OK) return rv;
  out->assign(attr.ulValueLen, 0);
  attr.pValue = out->data();
  rv = p11()->C_GetAttributeValue(session, object, &attr, 1);
  if (rv == CKR_OK) out->resize(attr.ulValueLen);
  return rv;
}

std::string as_string(const Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

// --- children ---

void ChildReport::send(char tag, const std::string& text) {
  std::string line = text;
  for (char& c : line) {
    if (c == '\n') c = ' ';
  }
  write_all(fd_, std::string(1, tag) + line + "\n");
}

void ChildReport::fail(const std::string& what) {
  failed_ = true;
  send('F', what);
}

void ChildReport::note(const std::string& what) { send('N', what); }

std::string ChildOutcome::describe() const {
  std::ostringstream out;
  out << "child " << pid << ": ";
  if (exited) out << "exit code " << exit_code;
  else out << "killed by signal " << signal;
  for (const auto& f : failures) out << "\n  FAIL " << f;
  for (const auto& n : notes) out << "\n  note " << n;
  return out.str();
}

RunningChild start_child(const std::function<void(ChildReport&)>& body) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::close(fds[0]);
    ChildReport report(fds[1]);
    try {
      body(report);
    } catch (const std::exception& e) {
      report.fail(std::string("exception: ") + e.what());
    } catch (...) {
      report.fail("unknown exception");
    }
    // _exit: no atexit handlers or static destructors of the gtest process.
    ::_exit(report.failed() ? 1 : 0);
  }
  ::close(fds[1]);
  return RunningChild(pid, fds[0]);
}

RunningChild::~RunningChild() {
  if (reaped) return;
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  ::close(report_fd);
}

ChildOutcome run_child(const std::function<void(ChildReport&)>& body) {
  RunningChild child = start_child(body);
  return wait_child(child);
}

ChildOutcome wait_child(RunningChild& child) {
  ChildOutcome outcome;
  if (child.reaped) {
    outcome.failures.push_back("wait_child called twice");
    return outcome;
  }
  child.reaped = true;
  outcome.pid = child.pid;
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(child.report_fd, buf, sizeof buf);
    if (n > 0) {
      text.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  ::close(child.report_fd);
  int status = 0;
  while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  outcome.exited = WIFEXITED(status);
  outcome.exit_code = outcome.exited ? WEXITSTATUS(status) : -1;
  outcome.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    (line[0] == 'F' ? outcome.failures : outcome.notes).push_back(line.substr(1));
  }
  return outcome;
}

Pipe::Pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  read_fd = fds[0];
  write_fd = fds[1];
}

void Pipe::close_read() {
  if (read_fd >= 0) ::close(read_fd);
  read_fd = -1;
}

void Pipe::close_write() {
  if (write_fd >= 0) ::close(write_fd);
  write_fd = -1;
}

Pipe::~Pipe() {
  close_read();
  close_write();
}

bool wait_byte(int fd) {
  char c = 0;
  for (;;) {
    const ssize_t n = ::read(fd, &c, 1);
    if (n == 1) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

bool send_byte(int fd, char c) { return write_all(fd, std::string(1, c)); }

bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace stress
