#include "store/store_lock.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <mutex>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

namespace craton {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

Status io_error(std::string_view what, const std::filesystem::path& path, int err) {
  return Status(CKR_DEVICE_ERROR, std::string(what) + " " + path.string() + ": " + errno_text(err));
}

// Takes the exclusive lock without blocking. Returns 0, or the errno of the
// failure (EAGAIN/EWOULDBLOCK/EACCES when someone else holds it).
int try_lock(int fd) {
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = 0;
  fl.l_len = 0;  // whole file
  fl.l_pid = 0;  // required to be 0 for OFD locks
  if (::fcntl(fd, F_OFD_SETLK, &fl) == 0) return 0;
  const int err = errno;
  if (err != EINVAL) return err;
  // Kernels before 3.15 lack OFD locks. flock() has the same per-description
  // semantics on local file systems, so it is the fallback.
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return 0;
  return errno;
}

bool is_contention(int err) { return err == EAGAIN || err == EWOULDBLOCK || err == EACCES; }

// Reads the holder's PID from the lock file; 0 when it has not been written yet.
pid_t read_holder_pid(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0) return 0;
  long pid = 0;
  for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) {
    pid = pid * 10 + (buf[i] - '0');
    if (pid > 0x3fffffff) return 0;  // not a PID; the file was tampered with
  }
  return static_cast<pid_t>(pid);
}

// The holder writes its PID right after locking; give it a moment so the
// message names it instead of "unknown".
pid_t wait_for_holder_pid(int fd) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (pid_t pid = read_holder_pid(fd); pid > 0) return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return 0;
}

Status in_use_error(const std::filesystem::path& dir, pid_t holder) {
  std::string msg = "store " + dir.string() + " is in use by ";
  if (holder <= 0) return Status(CKR_FUNCTION_FAILED, msg + "another process (PID unknown)");
  msg += "process " + std::to_string(holder);
  if (holder == ::getpid()) msg += " (this process)";
  return Status(CKR_FUNCTION_FAILED, msg);
}

Status write_pid(int fd, const std::filesystem::path& file) {
  const std::string text = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0) return io_error("cannot truncate", file, errno);
  if (::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    return io_error("cannot write PID to", file, errno);
  }
  return Status::Ok();
}

}  // namespace

Status make_private_directory(const std::filesystem::path& dir) {
  if (dir.empty()) return Status(CKR_DEVICE_ERROR, "store directory path is empty");
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::Ok();
    return Status(CKR_DEVICE_ERROR, "store path " + dir.string() + " exists and is not a directory");
  }
  if (errno != ENOENT) return io_error("cannot stat", dir, errno);
  const std::filesystem::path parent = dir.parent_path();
  if (!parent.empty() && parent != dir) RETURN_IF_ERROR(make_private_directory(parent));
  if (::mkdir(dir.c_str(), 0700) != 0) {
    if (errno == EEXIST) return make_private_directory(dir);  // lost a race: re-check the type
    return io_error("cannot create directory", dir, errno);
  }
  // Make the new directory entry itself durable.
  return sync_directory(parent.empty() ? std::filesystem::path(".") : parent);
}

Status check_private_directory(const std::filesystem::path& dir) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return io_error("cannot stat", dir, errno);
  if (S_ISLNK(st.st_mode)) {
    return Status(CKR_DEVICE_ERROR, "store directory " + dir.string() + " is a symbolic link; refusing to use it");
  }
  if (!S_ISDIR(st.st_mode)) return Status(CKR_DEVICE_ERROR, "store path " + dir.string() + " is not a directory");
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status(CKR_DEVICE_ERROR, "store directory " + dir.string() + " is group- or world-writable (mode " +
                                        mode + "); run chmod go-w on it");
  }
  return Status::Ok();
}

Status check_no_symlink_below(const std::filesystem::path& base, const std::filesystem::path& relative) {
  std::filesystem::path p = base;
  for (const auto& part : relative) {
    if (part.empty() || part == ".") continue;
    p /= part;
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) {
      if (errno == ENOENT) return Status::Ok();  // created later, as a real directory
      return io_error("cannot stat", p, errno);
    }
    if (S_ISLNK(st.st_mode)) {
      return Status(CKR_DEVICE_ERROR, "store path " + p.string() + " is a symbolic link; refusing to follow it");
    }
  }
  return Status::Ok();
}

Status sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open directory", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("cannot fsync directory", dir, err);
  return Status::Ok();
}

namespace {

// Lock descriptors held by this process, for the fork child handler. Plain
// atomics, no mutex: the handler runs in a child where another thread of the
// parent may have held any lock at the moment of fork().
constexpr int kMaxHeldLocks = 64;
std::atomic<int> g_held[kMaxHeldLocks];
std::once_flag g_atfork_once;

void close_inherited_locks() {
  for (auto& slot : g_held) {
    const int fd = slot.exchange(-1);
    if (fd >= 0) ::close(fd);
  }
}

int register_held(int fd) {
  std::call_once(g_atfork_once, [] {
    for (auto& slot : g_held) slot.store(-1);
    ::pthread_atfork(nullptr, nullptr, close_inherited_locks);
  });
  for (int i = 0; i < kMaxHeldLocks; ++i) {
    int expected = -1;
    if (g_held[i].compare_exchange_strong(expected, fd)) return i;
  }
  return -1;  // registry full: the child would keep sharing this lock
}

}  // namespace

Result<std::unique_ptr<StoreLock>> StoreLock::acquire(const std::filesystem::path& dir) {
  RETURN_IF_ERROR(make_private_directory(dir));
  RETURN_IF_ERROR(check_private_directory(dir));
  const std::filesystem::path file = dir / ".lock";
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return io_error("cannot open lock file", file, errno);

  if (const int err = try_lock(fd); err != 0) {
    Status st = is_contention(err) ? in_use_error(dir, wait_for_holder_pid(fd)) : io_error("cannot lock", file, err);
    ::close(fd);
    return st;
  }
  if (Status st = write_pid(fd, file); !st.ok()) {
    ::close(fd);  // releases the lock we just took
    return st;
  }
  return std::unique_ptr<StoreLock>(new StoreLock(dir, fd, register_held(fd)));
}

StoreLock::~StoreLock() {
  if (slot_ >= 0) {
    int expected = fd_;
    // Failing means a fork child handler already closed our inherited copy.
    if (!g_held[slot_].compare_exchange_strong(expected, -1)) return;
  }
  // Clear the PID so a racing acquirer never reads a stale one. A forked child
  // that destroys its copy must not do this: the parent still holds the lock.
  if (::getpid() == owner_pid_) {
    [[maybe_unused]] const int rc = ::ftruncate(fd_, 0);
  }
  ::close(fd_);
}

}  // namespace craton
