// Reading the newest audit entries, and following the log as it grows
// (`craton-hsm-admin audit tail [-f]`).
//
// The follower holds the current file open and reads what is appended to it.
// It polls (no inotify: the log may be on any file system) and survives
// rotation and a restarted chain: when `log_path` names another file than the
// one it holds, it reads the rest of the old file (the writer renames only
// after its last write), then every file of the set that came after the old
// one, then follows the new `log_path` from its start. Files are told apart
// by inode, so several rotations between two polls lose nothing.
//
// Only complete lines are returned: a line still being written (no '\n' yet)
// is kept until its end arrives. The follower does not verify or parse lines.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace craton {

class AuditFollower {
 public:
  using LineFn = std::function<void(std::string_view line)>;

  explicit AuditFollower(std::filesystem::path log_path) : log_path_(std::move(log_path)) {}
  ~AuditFollower();
  AuditFollower(const AuditFollower&) = delete;
  AuditFollower& operator=(const AuditFollower&) = delete;

  // Opens the current file and returns its last `count` complete lines,
  // reaching back into rotated files if needed (oldest first). Following
  // continues right after them. A log that does not exist yet is empty.
  // CKR_DEVICE_ERROR naming the file on I/O errors.
  Result<std::vector<std::string>> start(std::size_t count);

  // Calls `emit` for each complete line appended since the last call, in
  // order, across rotations.
  Status poll(const LineFn& emit);

 private:
  struct Identity {
    dev_t dev = 0;
    ino_t ino = 0;
    bool operator==(const Identity&) const = default;
  };

  Status open_current(bool& opened);
  Status read_new(const LineFn& emit);
  Status switch_file(const LineFn& emit);
  void close_current();

  std::filesystem::path log_path_;
  int fd_ = -1;
  Identity identity_;
  std::uint64_t offset_ = 0;  // bytes of the current file already consumed
  std::string pending_;       // an incomplete last line
};

// The last `count` complete lines of an open file of `size` bytes, oldest
// first, read backwards in blocks so that a large file costs only what is
// returned. Bytes after the last '\n' (a line still being written) are not a
// line; `end` is where they start. A line longer than kAuditMaxLineBytes
// stops the search (nothing older is returned).
struct LastLines {
  std::vector<std::string> lines;
  std::uint64_t end = 0;
};
Result<LastLines> read_last_lines(int fd, std::uint64_t size, std::size_t count, const std::filesystem::path& file);

}  // namespace craton
