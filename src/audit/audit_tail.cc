// Newest entries and following the log (audit_tail.h).
#include "audit/audit_tail.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "audit/audit_files.h"
#include "audit/audit_format.h"

namespace craton {
namespace {

constexpr std::size_t kBlock = 64 * 1024;

Status io_error(std::string_view what, const std::filesystem::path& path, int err) {
  return Status(CKR_DEVICE_ERROR, std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

// Reads up to `size` bytes at `offset`; returns how many (0 at the end).
Result<std::size_t> read_at(int fd, char* out, std::size_t size, std::uint64_t offset,
                            const std::filesystem::path& file) {
  while (true) {
    const ssize_t n = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) return io_error("cannot read audit log", file, errno);
  }
}

// Moves the complete lines at the end of `acc` (which ends with '\n') into
// `lines`, newest first, until there are `count`. The first line in `acc` is
// known to be complete only when `acc` starts the file (`at_start`).
void take_lines(std::string& acc, bool at_start, std::size_t count, std::vector<std::string>& lines) {
  while (lines.size() < count && !acc.empty()) {
    const std::size_t prev = acc.size() >= 2 ? acc.rfind('\n', acc.size() - 2) : std::string::npos;
    if (prev == std::string::npos) {
      if (!at_start) return;
      lines.push_back(acc.substr(0, acc.size() - 1));
      acc.clear();
    } else {
      lines.push_back(acc.substr(prev + 1, acc.size() - prev - 2));
      acc.resize(prev + 1);
    }
  }
}

// Every complete line of a file that no longer grows (a rotated one).
Status emit_whole_file(const std::filesystem::path& file, const AuditFollower::LineFn& emit) {
  AuditLineReader reader({file});
  AuditLine line;
  while (true) {
    ASSIGN_OR_RETURN(const bool more, reader.next(line));
    if (!more) return Status::Ok();
    if (line.terminated) emit(line.text);
  }
}

struct FileId {
  dev_t dev;
  ino_t ino;
  bool operator==(const FileId&) const = default;
};

std::optional<FileId> file_id(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileId{st.st_dev, st.st_ino};
}

// Index of the file with `id` in `files`, or nullopt.
std::optional<std::size_t> find_file(const std::vector<std::filesystem::path>& files, const FileId& id) {
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (file_id(files[i]) == id) return i;
  }
  return std::nullopt;
}

}  // namespace

Result<LastLines> read_last_lines(int fd, std::uint64_t size, std::size_t count, const std::filesystem::path& file) {
  LastLines result;
  std::uint64_t pos = size;  // `acc` holds the bytes [pos, pos + acc.size())
  std::string acc;
  bool have_end = false;
  while (true) {
    if (!have_end) {
      const std::size_t nl = acc.rfind('\n');
      if (nl != std::string::npos || pos == 0) {
        acc.resize(nl == std::string::npos ? 0 : nl + 1);
        result.end = pos + acc.size();
        have_end = true;
      }
    }
    if (have_end) take_lines(acc, pos == 0, count, result.lines);
    if (have_end && (result.lines.size() >= count || pos == 0)) break;
    if (acc.size() > kAuditMaxLineBytes + kBlock) {  // no line this long is valid: stop here
      if (!have_end) result.end = size;
      break;
    }
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kBlock, pos));
    pos -= n;
    std::string block(n, '\0');
    ASSIGN_OR_RETURN(const std::size_t got, read_at(fd, block.data(), n, pos, file));
    if (got != n) return Status(CKR_DEVICE_ERROR, "audit log " + file.string() + " shrank while being read");
    acc.insert(0, block);
  }
  std::reverse(result.lines.begin(), result.lines.end());
  return result;
}

AuditFollower::~AuditFollower() { close_current(); }

void AuditFollower::close_current() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  offset_ = 0;
  pending_.clear();
}

Status AuditFollower::open_current(bool& opened) {
  opened = false;
  const int fd = ::open(log_path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? Status::Ok() : io_error("cannot open audit log", log_path_, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return io_error("cannot stat audit log", log_path_, err);
  }
  close_current();
  fd_ = fd;
  identity_ = {st.st_dev, st.st_ino};
  opened = true;
  return Status::Ok();
}

Result<std::vector<std::string>> AuditFollower::start(std::size_t count) {
  close_current();
  bool opened = false;
  RETURN_IF_ERROR(open_current(opened));
  std::vector<std::string> lines;
  if (opened) {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return io_error("cannot stat audit log", log_path_, errno);
    ASSIGN_OR_RETURN(LastLines last, read_last_lines(fd_, static_cast<std::uint64_t>(st.st_size), count, log_path_));
    offset_ = last.end;
    lines = std::move(last.lines);
  }
  if (lines.size() >= count) return lines;
  // Older entries are in the rotated files before the one held.
  ASSIGN_OR_RETURN(const auto files, audit_log_files(log_path_));
  std::size_t index = files.size();
  if (opened) index = find_file(files, FileId{identity_.dev, identity_.ino}).value_or(0);
  while (index-- > 0 && lines.size() < count) {
    const int fd = ::open(files[index].c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return io_error("cannot open audit log", files[index], errno);
    struct stat st {};
    Result<LastLines> older =
        ::fstat(fd, &st) == 0
            ? read_last_lines(fd, static_cast<std::uint64_t>(st.st_size), count - lines.size(), files[index])
            : Result<LastLines>(io_error("cannot stat audit log", files[index], errno));
    ::close(fd);
    if (!older.ok()) return older.status();
    lines.insert(lines.begin(), older->lines.begin(), older->lines.end());
  }
  return lines;
}

Status AuditFollower::read_new(const LineFn& emit) {
  if (fd_ < 0) return Status::Ok();
  std::string chunk(kBlock, '\0');
  while (true) {
    ASSIGN_OR_RETURN(const std::size_t n, read_at(fd_, chunk.data(), chunk.size(), offset_, log_path_));
    if (n == 0) return Status::Ok();
    offset_ += n;
    pending_.append(chunk.data(), n);
    std::size_t from = 0;
    for (std::size_t nl; (nl = pending_.find('\n', from)) != std::string::npos; from = nl + 1) {
      emit(std::string_view(pending_).substr(from, nl - from));
    }
    pending_.erase(0, from);
    // A "line" this long is no entry; pass it on (it will not parse) rather
    // than buffer without bound.
    if (pending_.size() > kAuditMaxLineBytes) {
      emit(pending_);
      pending_.clear();
    }
  }
}

Status AuditFollower::poll(const LineFn& emit) {
  if (fd_ < 0) {
    // The log did not exist yet: everything in it, once it does, is new.
    bool opened = false;
    RETURN_IF_ERROR(open_current(opened));
    if (!opened) return Status::Ok();
  }
  RETURN_IF_ERROR(read_new(emit));
  const std::optional<FileId> now = file_id(log_path_);
  if (!now || (now->dev == identity_.dev && now->ino == identity_.ino)) return Status::Ok();  // absent: mid-rotation
  return switch_file(emit);
}

Status AuditFollower::switch_file(const LineFn& emit) {
  // log_path_ names a new file, so the writer has renamed the old one after
  // its last write: read what is left of it, then drop a torn tail that can
  // no longer be completed.
  RETURN_IF_ERROR(read_new(emit));
  const FileId old{identity_.dev, identity_.ino};
  bool opened = false;
  RETURN_IF_ERROR(open_current(opened));  // also clears pending_
  if (!opened) close_current();
  ASSIGN_OR_RETURN(const auto files, audit_log_files(log_path_));
  // Files between the old one and the new current one appeared in between
  // (several rotations); if the old one left the set (a new chain), the
  // whole new set is new.
  const std::optional<std::size_t> from = find_file(files, old);
  const std::optional<std::size_t> to =
      opened ? find_file(files, FileId{identity_.dev, identity_.ino}) : std::optional<std::size_t>();
  for (std::size_t i = from ? *from + 1 : 0; i < to.value_or(files.size()); ++i) {
    if (opened && !to && files[i] == log_path_) continue;
    RETURN_IF_ERROR(emit_whole_file(files[i], emit));
  }
  return read_new(emit);
}

}  // namespace craton
