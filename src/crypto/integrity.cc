// Module integrity: HMAC-SHA-256 of the shared-library file, compared with
// the value the build wrote to <library>.hmac.
#include "crypto/integrity.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <memory>
#include <system_error>

#include "core/bytes.h"

namespace craton::crypto {
namespace {

// The HMAC key is a public constant, and that is fine: the check protects
// against modification of the library file (a damaged download, a patched
// binary, a disk error), not against an attacker who can rewrite both the
// library and its .hmac; such an attacker could equally remove the check
// from the code. FIPS 140-3 accepts a fixed-key MAC (or a digest) as the
// integrity technique for exactly this reason: it is an error-detection
// code, not authentication.
constexpr char kIntegrityKey[] = "Craton HSM module integrity key, version 1";

constexpr std::size_t kMacBytes = 32;                 // SHA-256
constexpr std::size_t kChunk = std::size_t{1} << 20;  // read 1 MiB at a time
// A well-formed .hmac file is 64 digits and a newline; read a little more
// than that to tell "too long" from "right length".
constexpr std::size_t kMaxHmacFile = 2 * kMacBytes + 8;

Status integrity_error(const std::string& what) { return Status(CKR_GENERAL_ERROR, "module integrity: " + what); }

// Thread-safe text of an errno value (std::strerror is not).
std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// A short-lived library context with the default provider and HMAC-SHA-256
// keyed with the integrity key. Its own context, not the Provider's: the
// integrity check runs first, before the module's crypto is trusted, and
// must not depend on any state the rest of the module sets up.
class FileMac {
 public:
  FileMac() {
    libctx_ = OSSL_LIB_CTX_new();
    if (libctx_ == nullptr) return;
    provider_ = OSSL_PROVIDER_load(libctx_, "default");
    mac_ = EVP_MAC_fetch(libctx_, "HMAC", nullptr);
    if (provider_ == nullptr || mac_ == nullptr) return;
    ctx_ = EVP_MAC_CTX_new(mac_);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA2-256"), 0),
        OSSL_PARAM_construct_end()};
    const auto* key = reinterpret_cast<const unsigned char*>(kIntegrityKey);
    ready_ = ctx_ != nullptr && EVP_MAC_init(ctx_, key, sizeof kIntegrityKey - 1, params) == 1;
  }
  ~FileMac() {
    EVP_MAC_CTX_free(ctx_);
    EVP_MAC_free(mac_);
    if (provider_ != nullptr) OSSL_PROVIDER_unload(provider_);
    OSSL_LIB_CTX_free(libctx_);
  }
  FileMac(const FileMac&) = delete;
  FileMac& operator=(const FileMac&) = delete;

  bool ready() const { return ready_; }
  bool update(const std::uint8_t* data, std::size_t len) { return EVP_MAC_update(ctx_, data, len) == 1; }
  bool final(std::uint8_t (&out)[kMacBytes]) {
    std::size_t len = 0;
    return EVP_MAC_final(ctx_, out, &len, sizeof out) == 1 && len == sizeof out;
  }

 private:
  OSSL_LIB_CTX* libctx_ = nullptr;
  OSSL_PROVIDER* provider_ = nullptr;
  EVP_MAC* mac_ = nullptr;
  EVP_MAC_CTX* ctx_ = nullptr;
  bool ready_ = false;
};

// The raw MAC of the file at `path`, streamed in kChunk pieces.
Result<Bytes> mac_of_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    return integrity_error("cannot open " + path + ": " + errno_text(err));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    const int err = errno;
    return integrity_error("cannot stat " + path + ": " + errno_text(err));
  }
  if (!S_ISREG(st.st_mode)) return integrity_error(path + " is not a regular file");
  FileMac mac;
  if (!mac.ready()) return integrity_error("HMAC-SHA-256 unavailable");
  auto buffer = std::make_unique<std::uint8_t[]>(kChunk);
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer.get(), kChunk);
    const int err = errno;
    if (n < 0 && err == EINTR) continue;
    if (n < 0) return integrity_error("cannot read " + path + ": " + errno_text(err));
    if (n == 0) break;
    if (!mac.update(buffer.get(), static_cast<std::size_t>(n))) return integrity_error("HMAC update failed");
  }
  std::uint8_t out[kMacBytes];
  if (!mac.final(out)) return integrity_error("HMAC final failed");
  return Bytes(out, out + kMacBytes);
}

std::string to_hex(ByteView bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The expected MAC from the contents of a .hmac file: exactly 64 hex digits,
// then at most one newline.
Result<Bytes> parse_hmac_file(std::string content, const std::string& hmac_path) {
  if (!content.empty() && content.back() == '\n') content.pop_back();
  if (content.size() != 2 * kMacBytes) {
    return integrity_error(hmac_path + " is malformed: expected " + std::to_string(2 * kMacBytes) +
                           " hex digits, found " + std::to_string(content.size()) + " characters");
  }
  Bytes mac(kMacBytes);
  for (std::size_t i = 0; i < kMacBytes; ++i) {
    const int hi = hex_value(content[2 * i]);
    const int lo = hex_value(content[2 * i + 1]);
    if (hi < 0 || lo < 0) return integrity_error(hmac_path + " is malformed: not a hex digit");
    mac[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return mac;
}

Result<Bytes> read_expected_mac(const std::string& hmac_path) {
  Fd fd(::open(hmac_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT) return integrity_error(hmac_path + " is missing");
    return integrity_error("cannot open " + hmac_path + ": " + errno_text(err));
  }
  std::string content;
  char buffer[kMaxHmacFile + 1];
  while (content.size() <= kMaxHmacFile) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    const int err = errno;
    if (n < 0 && err == EINTR) continue;
    if (n < 0) return integrity_error("cannot read " + hmac_path + ": " + errno_text(err));
    if (n == 0) break;
    content.append(buffer, static_cast<std::size_t>(n));
  }
  return parse_hmac_file(std::move(content), hmac_path);
}

Status write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    const int err = errno;
    if (n < 0 && err == EINTR) continue;
    if (n <= 0) return Status(CKR_GENERAL_ERROR, errno_text(n < 0 ? err : EIO));
    done += static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

std::string hmac_file_path(const std::string& library_path) { return library_path + ".hmac"; }

Result<std::string> compute_file_hmac(const std::string& path) {
  ASSIGN_OR_RETURN(Bytes mac, mac_of_file(path));
  return to_hex(mac);
}

Status write_file_hmac(const std::string& library_path, const std::string& output_path) {
  ASSIGN_OR_RETURN(std::string hex, compute_file_hmac(library_path));
  const std::string out = output_path.empty() ? hmac_file_path(library_path) : output_path;
  const std::string tmp = out + ".tmp." + std::to_string(::getpid());
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0) {
      const int err = errno;
      return integrity_error("cannot create " + tmp + ": " + errno_text(err));
    }
    const Status st = write_all(fd.get(), hex + "\n");
    if (!st.ok()) {
      ::unlink(tmp.c_str());
      return integrity_error("cannot write " + tmp + ": " + st.message());
    }
  }
  if (::rename(tmp.c_str(), out.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return integrity_error("cannot rename " + tmp + " to " + out + ": " + errno_text(err));
  }
  return Status::Ok();
}

Status verify_file_hmac(const std::string& library_path) {
  const std::string hmac_path = hmac_file_path(library_path);
  // The expected value first: a missing .hmac is reported as such without
  // reading megabytes of library.
  ASSIGN_OR_RETURN(Bytes expected, read_expected_mac(hmac_path));
  ASSIGN_OR_RETURN(Bytes actual, mac_of_file(library_path));
  if (!constant_time_equal(actual, expected)) {
    return integrity_error(library_path + " does not match " + hmac_path + " (the library file was modified)");
  }
  return Status::Ok();
}

Result<std::string> path_of_loaded_object(const void* address) {
  Dl_info info{};
  if (address == nullptr || ::dladdr(address, &info) == 0 || info.dli_fname == nullptr || info.dli_fname[0] == '\0') {
    return integrity_error("cannot find the file of the loaded module");
  }
  // dli_fname is the name the object was loaded under: possibly relative
  // (resolved against the working directory, hopefully still the same) and
  // possibly a symbolic link (/usr/lib/pkcs11/x.so -> the real library).
  // The build writes the .hmac beside the real file, so resolve both.
  char resolved[PATH_MAX];
  if (::realpath(info.dli_fname, resolved) == nullptr) {
    const int err = errno;
    return integrity_error(std::string("cannot resolve the module path ") + info.dli_fname + ": " + errno_text(err));
  }
  return std::string(resolved);
}

}  // namespace craton::crypto
