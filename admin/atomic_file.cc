#include "atomic_file.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "errors.h"

namespace craton::admin {
namespace {

[[noreturn]] void fail_errno(const std::string& what, const std::filesystem::path& path, int err) {
  fail(Exit::kFailed, what + " " + path.string() + ": " + std::strerror(err));
}

// Closes the descriptor and removes the temporary file unless released.
class TempFile {
 public:
  explicit TempFile(std::string name) : name_(std::move(name)) {
    fd_ = ::mkostemp(name_.data(), O_CLOEXEC);  // mode 0600
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!released_) ::unlink(name_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  int fd() const { return fd_; }
  const std::string& name() const { return name_; }
  void close_fd() {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail_errno("cannot write", name_, errno);
  }
  void release() { released_ = true; }

 private:
  std::string name_;
  int fd_ = -1;
  bool released_ = false;
};

void write_all(int fd, ByteView data, const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail_errno("cannot write", path, n < 0 ? errno : EIO);
    done += static_cast<std::size_t>(n);
  }
}

// rename() replaces silently; renameat2(RENAME_NOREPLACE) refuses an existing
// target atomically (EEXIST), where the file system supports it; otherwise
// link() gives the same guarantee.
int rename_no_replace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  if (::link(from.c_str(), to.c_str()) != 0) return -1;
  ::unlink(from.c_str());
  return 0;
}

void sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail_errno("cannot open directory", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) fail_errno("cannot sync directory", dir, err);
}

}  // namespace

Bytes read_whole_file(const std::filesystem::path& path, std::size_t max_size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_errno("cannot read", path, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(Exit::kFailed, "cannot read " + path.string() + ": not a regular file");
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_size) {
    ::close(fd);
    fail(Exit::kFailed, path.string() + " is " + std::to_string(st.st_size) + " bytes, more than the " +
                            std::to_string(max_size) + " this command reads");
  }
  Bytes data(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::read(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // shorter than fstat said: keep what is there
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  data.resize(done);
  return data;
}

void check_can_write(const std::filesystem::path& path, bool replace) {
  std::error_code ec;
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(dir, ec)) fail(Exit::kFailed, "directory " + dir.string() + " does not exist");
  const auto status = std::filesystem::symlink_status(path, ec);
  if (ec || !std::filesystem::exists(status)) return;
  if (!std::filesystem::is_regular_file(status)) {
    fail(Exit::kFailed, path.string() + " exists and is not a regular file");
  }
  if (!replace) fail(Exit::kFailed, path.string() + " exists; add --force to replace it");
}

void write_file_atomically(const std::filesystem::path& path, ByteView data, bool replace) {
  check_can_write(path, replace);
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  TempFile temp((dir / ("." + path.filename().string() + ".XXXXXX")).string());
  if (temp.fd() < 0) fail_errno("cannot create a temporary file in", dir, errno);
  write_all(temp.fd(), data, temp.name());
  if (::fsync(temp.fd()) != 0) fail_errno("cannot sync", temp.name(), errno);
  temp.close_fd();
  if (replace) {
    if (::rename(temp.name().c_str(), path.c_str()) != 0) fail_errno("cannot rename to", path, errno);
  } else if (rename_no_replace(temp.name(), path.string()) != 0) {
    if (errno == EEXIST) fail(Exit::kFailed, path.string() + " exists; add --force to replace it");
    fail_errno("cannot rename to", path, errno);
  }
  temp.release();
  sync_directory(dir);
}

}  // namespace craton::admin
