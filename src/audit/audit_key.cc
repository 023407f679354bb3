// Audit key file: strict loading and atomic, non-replacing creation.
#include "audit/audit_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "audit/audit_chain.h"
#include "crypto/provider.h"
#include "store/store_lock.h"

namespace craton {
namespace {

Status io_error(std::string_view what, const std::filesystem::path& path, int err) {
  return Status(CKR_DEVICE_ERROR, std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

Status refuse(const std::filesystem::path& path, std::string_view why) {
  return Status(CKR_GENERAL_ERROR, "audit key " + path.string() + " refused: " + std::string(why));
}

// Closes a descriptor on every path out of a function.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

Status check_key_file(const std::filesystem::path& path, const struct stat& st) {
  if (!S_ISREG(st.st_mode)) return refuse(path, "not a regular file");
  if (st.st_uid != ::geteuid()) return refuse(path, "owned by another user (uid " + std::to_string(st.st_uid) + ")");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return refuse(path, std::string("accessible by group or others (mode ") + mode + ", must be 0600)");
  }
  if (st.st_size != static_cast<off_t>(kAuditKeyBytes)) {
    return refuse(path, "size is " + std::to_string(st.st_size) + " bytes, expected " +
                            std::to_string(kAuditKeyBytes));
  }
  return Status::Ok();
}

Status write_all(int fd, ByteView data, const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error("cannot write", path, n < 0 ? errno : EIO);
    done += static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

// Writes `key` to a new temporary file beside `path`; returns its name.
Result<std::filesystem::path> write_temporary(const crypto::Provider& provider, const std::filesystem::path& path,
                                              ByteView key) {
  std::uint8_t tag[8];
  RETURN_IF_ERROR(provider.random(tag));
  std::string name = path.string() + ".tmp-";
  for (std::uint8_t b : tag) {
    constexpr char kHex[] = "0123456789abcdef";
    name += kHex[b >> 4];
    name += kHex[b & 0x0f];
  }
  const std::filesystem::path tmp = name;
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("cannot create", tmp, errno);
  FdCloser closer(fd);
  Status st = ::fchmod(fd, 0600) == 0 ? Status::Ok() : io_error("cannot chmod", tmp, errno);
  if (st.ok()) st = write_all(fd, key, tmp);
  if (st.ok() && ::fsync(fd) != 0) st = io_error("cannot fsync", tmp, errno);
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  return tmp;
}

}  // namespace

bool audit_key_present(const std::filesystem::path& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

Result<SecureBytes> load_audit_key(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    if (err == ELOOP) return refuse(path, "it is a symbolic link");
    if (err == ENOENT) return Status(CKR_GENERAL_ERROR, "audit key " + path.string() + " does not exist");
    return io_error("cannot open audit key", path, err);
  }
  FdCloser closer(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return io_error("cannot stat audit key", path, errno);
  RETURN_IF_ERROR(check_key_file(path, st));
  SecureBytes key(kAuditKeyBytes);
  std::size_t done = 0;
  while (done < key.size()) {
    const ssize_t n = ::read(fd, key.data() + done, key.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read audit key", path, errno);
    if (n == 0) return refuse(path, "file shrank while being read");
    done += static_cast<std::size_t>(n);
  }
  return key;
}

Result<SecureBytes> create_audit_key(const crypto::Provider& provider, const std::filesystem::path& path) {
  if (path.filename().empty()) return Status(CKR_ARGUMENTS_BAD, "audit key path has no file name");
  const std::filesystem::path dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  RETURN_IF_ERROR(make_private_directory(dir));
  SecureBytes key(kAuditKeyBytes);
  RETURN_IF_ERROR(provider.random(key));
  ASSIGN_OR_RETURN(const std::filesystem::path tmp, write_temporary(provider, path, key));
  const int rc = ::link(tmp.c_str(), path.c_str());
  const int err = errno;
  ::unlink(tmp.c_str());
  if (rc != 0) {
    if (err == EEXIST) return Status(CKR_GENERAL_ERROR, "audit key " + path.string() + " already exists");
    return io_error("cannot install audit key", path, err);
  }
  RETURN_IF_ERROR(sync_directory(dir));
  return key;
}

}  // namespace craton
