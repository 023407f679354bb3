// The audit log as an application produces it through the C ABI: which
// calls leave which entries, that the chain verifies under the audit key
// (checked here independently of the module's own verifier, with OpenSSL's
// HMAC), that no PIN or key byte reaches the log or the diagnostics file,
// and that a log edited or cut while the module was down stops it starting.
#include <dirent.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "module_fixture.h"
#include "openssl_check.h"

namespace abi_test {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string hex(const unsigned char* data, std::size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 15];
  }
  return out;
}

std::string hmac_sha256_hex(const std::string& key, const std::string& data) {
  unsigned char mac[32];
  std::size_t len = 0;
  EXPECT_NE(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                      reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, sizeof mac, &len),
            nullptr);
  return hex(mac, len);
}

// The value of a string member ("event", "rv", ...) of one entry, or "" when absent/null.
std::string member(const std::string& line, const std::string& name) {
  const std::string key = "\"" + name + "\":\"";
  const std::size_t at = line.find(key);
  if (at == std::string::npos) return "";
  const std::size_t begin = at + key.size();
  return line.substr(begin, line.find('"', begin) - begin);
}

std::size_t thread_count() {
  std::size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/task")) {
    while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
    ::closedir(d);
  }
  return n;
}

class AuditTest : public AbiTest {
 protected:
  std::string extra_security_config() const override {
    return "max_failed_logins = 3\n[audit]\ncrypto_ops = \"" + crypto_ops() + "\"\nflush_ms = 50\n";
  }
  virtual std::string crypto_ops() const { return "buffered"; }

  std::filesystem::path log_path() const { return dir() / "store" / "audit.log"; }
  std::vector<std::string> entries() const { return lines_of(read_file(log_path())); }
  std::vector<std::string> events() const {
    std::vector<std::string> names;
    for (const std::string& line : entries()) names.push_back(member(line, "event"));
    return names;
  }
  std::size_t count(const std::string& event) const {
    std::size_t n = 0;
    for (const std::string& e : events()) n += e == event;
    return n;
  }

  // Checks every link with the key from the store: hash = HMAC(key, prev || payload).
  void expect_chain_verifies() const {
    const std::string key = read_file(dir() / "store" / "audit.key");
    ASSERT_EQ(key.size(), 32u);
    std::string prev = hmac_sha256_hex(key, "craton-hsm audit genesis v1");
    std::uint64_t seq = 0;
    for (const std::string& line : entries()) {
      const std::size_t at = line.find(",\"hash\":\"");
      ASSERT_NE(at, std::string::npos) << line;
      const std::string payload = line.substr(0, at) + "}";
      EXPECT_EQ(member(line, "prev"), prev) << line;
      EXPECT_EQ(member(line, "hash"), hmac_sha256_hex(key, prev + payload)) << line;
      EXPECT_NE(line.find("{\"seq\":" + std::to_string(++seq) + ","), std::string::npos) << line;
      prev = member(line, "hash");
    }
  }

  CK_RV sign_once(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key) {
    CK_MECHANISM mech{CKM_ECDSA_SHA256, nullptr, 0};
    CK_RV rv = p11->C_SignInit(s, &mech, key);
    if (rv != CKR_OK) return rv;
    Bytes data = to_bytes("audited message");
    CK_BYTE sig[128];
    CK_ULONG len = sizeof sig;
    return p11->C_Sign(s, data.data(), data.size(), sig, &len);
  }
};

TEST_F(AuditTest, ManagementEventsAreRecordedInOrderAndTheChainVerifies) {
  const CK_SESSION_HANDLE s = user_session();
  const CK_OBJECT_HANDLE aes = generate_aes(s, 32);
  const KeyPair ec = generate_ec(s, p256_params());
  Template data;
  data.add_ulong(CKA_CLASS, CKO_DATA).add_string(CKA_LABEL, "audited data").add_bytes(CKA_VALUE, to_bytes("x"));
  CK_OBJECT_HANDLE obj = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_CreateObject(s, data.data(), data.count(), &obj));
  CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_CopyObject(s, obj, nullptr, 0, &copy));
  Template relabel;
  relabel.add_string(CKA_LABEL, "renamed");
  ASSERT_CKR(CKR_OK, p11->C_SetAttributeValue(s, copy, relabel.data(), relabel.count()));
  ASSERT_CKR(CKR_OK, p11->C_DestroyObject(s, copy));
  ASSERT_CKR(CKR_OK, sign_once(s, ec.private_key));
  (void)aes;
  ASSERT_CKR(CKR_OK, p11->C_Logout(s));
  EXPECT_CKR(CKR_PIN_INCORRECT, p11->C_Login(s, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>("wrong")), 5));
  finalize_module();

  const std::vector<std::string> want = {"initialize", "init_token", "login", "init_pin", "logout", "login",
                                         "generate_key", "generate_key_pair", "create_object", "copy_object",
                                         "set_attribute", "destroy_object", "sign", "logout", "login", "finalize"};
  std::vector<std::string> got = events();
  // The fixture's helper calls may add entries between these; the order is what counts.
  std::size_t next = 0;
  for (const std::string& e : got) {
    if (next < want.size() && e == want[next]) ++next;
  }
  EXPECT_EQ(next, want.size()) << "missing \"" << (next < want.size() ? want[next] : "") << "\"";
  const std::vector<std::string> lines = entries();
  const std::string& failed_login = lines[lines.size() - 2];
  EXPECT_EQ(member(failed_login, "event"), "login");
  EXPECT_EQ(member(failed_login, "rv"), "CKR_PIN_INCORRECT");
  EXPECT_EQ(member(failed_login, "role"), "user");
  bool saw_relabel = false;
  for (const std::string& line : lines) {
    if (member(line, "event") == "set_attribute") {
      saw_relabel = true;
      EXPECT_EQ(member(line, "label"), "renamed");
      EXPECT_NE(line.find("CKA_LABEL"), std::string::npos) << line;
    }
    if (member(line, "event") == "sign") {
      EXPECT_EQ(member(line, "mechanism"), "CKM_ECDSA_SHA256");
      EXPECT_NE(line.find("\"object\":" + std::to_string(ec.private_key) + ","), std::string::npos) << line;
    }
  }
  EXPECT_TRUE(saw_relabel);
  expect_chain_verifies();
}

TEST_F(AuditTest, NoPinOrKeyByteReachesTheLogOrTheDiagnostics) {
  const CK_SESSION_HANDLE s = user_session();
  const Bytes secret = ossl::from_hex("5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7");
  const CK_OBJECT_HANDLE key = import_secret(s, CKK_AES, secret, nullptr, /*sensitive=*/false);
  CK_MECHANISM mech{CKM_AES_ECB, nullptr, 0};
  ASSERT_CKR(CKR_OK, p11->C_EncryptInit(s, &mech, key));
  CK_BYTE block[16] = {};
  CK_BYTE out[16];
  CK_ULONG out_len = sizeof out;
  ASSERT_CKR(CKR_OK, p11->C_Encrypt(s, block, sizeof block, out, &out_len));
  ASSERT_CKR(CKR_OK, p11->C_Logout(s));
  EXPECT_CKR(CKR_PIN_INCORRECT, p11->C_Login(s, CKU_SO, reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>("sopin-typo")), 10));
  finalize_module();

  const std::string log = read_file(log_path());
  const std::string diagnostics = read_file(Module::get().log_path);
  const std::string raw(secret.begin(), secret.end());
  for (const std::string& secret_text : {std::string(kUserPin), std::string(kSoPin), std::string("sopin-typo"),
                                         std::string("5ec7e75ec7e7"), std::string("5EC7E75EC7E7"), raw}) {
    EXPECT_EQ(log.find(secret_text), std::string::npos) << secret_text;
    EXPECT_EQ(diagnostics.find(secret_text), std::string::npos) << secret_text;
  }
  EXPECT_EQ(count("encrypt"), 1u);
}

TEST_F(AuditTest, LockoutIsRecorded) {
  init_token();
  const CK_SESSION_HANDLE s = open_session();
  auto* bad = reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>("bad-pin"));
  for (int i = 0; i < 3; ++i) (void)p11->C_Login(s, CKU_USER, bad, 7);
  EXPECT_CKR(CKR_PIN_LOCKED, p11->C_Login(s, CKU_USER, bad, 7));
  finalize_module();
  EXPECT_EQ(count("lockout"), 1u);
  for (const std::string& line : entries()) {
    if (member(line, "event") == "lockout") {
      EXPECT_EQ(member(line, "role"), "user");
    }
  }
  expect_chain_verifies();
}

TEST_F(AuditTest, BufferedCryptoEntriesAreWrittenWithoutBeingAskedTo) {
  const CK_SESSION_HANDLE s = user_session();
  const KeyPair ec = generate_ec(s, p256_params());
  ASSERT_CKR(CKR_OK, sign_once(s, ec.private_key));
  // flush_ms = 50: the flusher writes the entry on its own, while the module runs.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (count("sign") == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(count("sign"), 1u);
}

TEST_F(AuditTest, LengthQueriesAreNotOperations) {
  const CK_SESSION_HANDLE s = user_session();
  const KeyPair ec = generate_ec(s, p256_params());
  CK_MECHANISM mech{CKM_ECDSA_SHA256, nullptr, 0};
  ASSERT_CKR(CKR_OK, p11->C_SignInit(s, &mech, ec.private_key));
  Bytes data = to_bytes("m");
  CK_ULONG len = 0;
  ASSERT_CKR(CKR_OK, p11->C_Sign(s, data.data(), data.size(), nullptr, &len));
  CK_BYTE small[1];
  CK_ULONG small_len = sizeof small;
  ASSERT_CKR(CKR_BUFFER_TOO_SMALL, p11->C_Sign(s, data.data(), data.size(), small, &small_len));
  std::vector<CK_BYTE> sig(len);
  ASSERT_CKR(CKR_OK, p11->C_Sign(s, data.data(), data.size(), sig.data(), &len));
  finalize_module();
  EXPECT_EQ(count("sign"), 1u);
}

// C_Initialize checks the end of the chain (an edit further back is the
// verifier's to find: src/audit/audit_verify_test.cc).
TEST_F(AuditTest, AnEditedLastEntryStopsTheModuleStarting) {
  user_session();
  finalize_module();
  std::string log = read_file(log_path());
  const std::size_t at = log.rfind("\"event\":\"finalize\"");
  ASSERT_NE(at, std::string::npos);
  log.replace(at, 19, "\"event\":\"finalise\"");
  std::ofstream(log_path(), std::ios::binary | std::ios::trunc) << log;
  EXPECT_CKR(CKR_GENERAL_ERROR, initialize_module(nullptr));
  EXPECT_NE(Module::get().last_error().find("audit.log"), std::string::npos) << Module::get().last_error();
}

TEST_F(AuditTest, ACutLogStopsTheModuleStarting) {
  user_session();
  finalize_module();
  std::vector<std::string> lines = entries();
  ASSERT_GT(lines.size(), 2u);
  lines.pop_back();
  std::ofstream out(log_path(), std::ios::binary | std::ios::trunc);
  for (const std::string& line : lines) out << line << '\n';
  out.close();
  EXPECT_CKR(CKR_GENERAL_ERROR, initialize_module(nullptr));
  EXPECT_NE(Module::get().last_error().find("audit.log"), std::string::npos) << Module::get().last_error();
}

TEST_F(AuditTest, TheChainContinuesAcrossRestarts) {
  user_session();
  restart();
  user_session();  // C_InitToken again: a second init_token entry in the same chain
  finalize_module();
  EXPECT_EQ(count("initialize"), 2u);
  EXPECT_EQ(count("finalize"), 2u);
  expect_chain_verifies();
}

TEST_F(AuditTest, WithoutThreadsBufferedEntriesAreWrittenByLaterCalls) {
  finalize_module();
  const std::size_t threads_before = thread_count();
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_LIBRARY_CANT_CREATE_OS_THREADS | CKF_OS_LOCKING_OK;
  ASSERT_CKR(CKR_OK, initialize_module(&args)) << Module::get().last_error();
  EXPECT_EQ(thread_count(), threads_before);  // no flusher thread
  const CK_SESSION_HANDLE s = user_session();
  const KeyPair ec = generate_ec(s, p256_params());
  ASSERT_CKR(CKR_OK, sign_once(s, ec.private_key));
  EXPECT_EQ(thread_count(), threads_before);
  finalize_module();
  EXPECT_EQ(count("sign"), 1u);  // written at C_Finalize at the latest
  expect_chain_verifies();
}

// A log that can no longer be written (here: the file-size limit reached)
// refuses every later audited call instead of running it unrecorded. In a
// child process, since the limit is process-wide.
TEST_F(AuditTest, AnUnwritableLogFailsClosed) {
  finalize_module();
  LogFileIn diagnostics(dir());
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);  // EFBIG instead of the signal
    if (p11->C_Initialize(nullptr) != CKR_OK) ::_exit(10);
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s);
    CK_RV rv = p11->C_InitToken(slot, (CK_UTF8CHAR_PTR)kSoPin, std::strlen(kSoPin),
                                (CK_UTF8CHAR_PTR) "fail closed                     ");
    if (rv != CKR_SESSION_EXISTS) ::_exit(11);  // recorded, refused: the log works
    struct stat st {};
    if (::stat(log_path().c_str(), &st) != 0) ::_exit(12);
    const rlimit limit{static_cast<rlim_t>(st.st_size), static_cast<rlim_t>(st.st_size)};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(13);
    CK_BYTE random[8];
    CK_MECHANISM gen{CKM_AES_KEY_GEN, nullptr, 0};
    CK_ULONG len = 32;
    CK_ATTRIBUTE tmpl[] = {{CKA_VALUE_LEN, &len, sizeof len}};
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    auto device_error = [](CK_RV r) { return r == CKR_DEVICE_ERROR || r == CKR_DEVICE_MEMORY; };
    if (!device_error(p11->C_InitToken(slot, (CK_UTF8CHAR_PTR)kSoPin, std::strlen(kSoPin),
                                       (CK_UTF8CHAR_PTR) "fail closed                     "))) {
      ::_exit(14);  // the entry of this refusal could not be written
    }
    if (!device_error(p11->C_GenerateKey(s, &gen, tmpl, 1, &key))) ::_exit(15);  // refused up front
    if (key != CK_INVALID_HANDLE) ::_exit(16);
    if (!device_error(p11->C_GenerateRandom(s, random, sizeof random))) ::_exit(17);  // crypto too
    ::_exit(p11->C_Finalize(nullptr) == CKR_OK ? 0 : 18);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // The next start recovers the log (a torn last line, never acknowledged, is cut off).
  ASSERT_CKR(CKR_OK, initialize_module(nullptr)) << Module::get().last_error();
  finalize_module();
  expect_chain_verifies();
}

class DurableCryptoAuditTest : public AuditTest {
 protected:
  std::string crypto_ops() const override { return "durable"; }
};

TEST_F(DurableCryptoAuditTest, TheEntryIsInTheFileWhenTheCallReturns) {
  const CK_SESSION_HANDLE s = user_session();
  const KeyPair ec = generate_ec(s, p256_params());
  ASSERT_CKR(CKR_OK, sign_once(s, ec.private_key));
  EXPECT_EQ(count("sign"), 1u);
  const std::string last = entries().back();
  EXPECT_EQ(member(last, "event"), "sign");
  EXPECT_EQ(member(last, "rv"), "CKR_OK");
}

class CryptoAuditOffTest : public AuditTest {
 protected:
  std::string crypto_ops() const override { return "off"; }
};

TEST_F(CryptoAuditOffTest, OnlyManagementEventsAreRecorded) {
  const CK_SESSION_HANDLE s = user_session();
  const KeyPair ec = generate_ec(s, p256_params());
  ASSERT_CKR(CKR_OK, sign_once(s, ec.private_key));
  CK_BYTE random[8];
  ASSERT_CKR(CKR_OK, p11->C_GenerateRandom(s, random, sizeof random));
  finalize_module();
  EXPECT_EQ(count("sign"), 0u);
  EXPECT_EQ(count("generate_random"), 0u);
  EXPECT_EQ(count("generate_key_pair"), 1u);
  expect_chain_verifies();
}

}  // namespace
}  // namespace abi_test
