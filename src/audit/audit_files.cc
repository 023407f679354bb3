// Audit log files: discovery by name, bounded line reading, tail handling.
#include "audit/audit_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <system_error>

#include "audit/audit_format.h"
#include "store/store_lock.h"

namespace craton {
namespace {

constexpr std::size_t kReadChunk = 64 * 1024;

Status io_error(std::string_view what, const std::filesystem::path& path, int err) {
  return Status(CKR_DEVICE_ERROR, std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

// N if `name` is exactly "<base>.<N>" with N a positive decimal number.
std::optional<std::uint64_t> rotation_index_of(const std::string& base, const std::string& name) {
  if (name.size() <= base.size() + 1 || name.compare(0, base.size(), base) != 0 || name[base.size()] != '.') {
    return std::nullopt;
  }
  const char* first = name.data() + base.size() + 1;
  const char* last = name.data() + name.size();
  if (*first == '0') return std::nullopt;  // no leading zeros: one spelling per index
  std::uint64_t index = 0;
  const auto res = std::from_chars(first, last, index);
  if (res.ec != std::errc() || res.ptr != last) return std::nullopt;
  return index;
}

Result<std::map<std::uint64_t, std::filesystem::path>> rotated_files(const std::filesystem::path& log_path) {
  std::map<std::uint64_t, std::filesystem::path> found;
  const std::filesystem::path dir = log_path.parent_path().empty() ? "." : log_path.parent_path();
  const std::string base = log_path.filename().string();
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return found;
    return Status(CKR_DEVICE_ERROR, "cannot list audit directory " + dir.string() + ": " + ec.message());
  }
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return Status(CKR_DEVICE_ERROR, "cannot list audit directory " + dir.string() + ": " + ec.message());
    if (auto index = rotation_index_of(base, it->path().filename().string())) found.emplace(*index, it->path());
  }
  return found;
}

// Reads up to `size` bytes at `offset` (short only at end of file).
Result<std::string> read_range(int fd, const std::filesystem::path& file, std::uint64_t offset, std::size_t size) {
  std::string out(size, '\0');
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, out.data() + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read", file, errno);
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return out;
}

// Offset just past the last '\n' in the file (0 if none), scanning backwards.
Result<std::uint64_t> end_of_last_newline(int fd, const std::filesystem::path& file, std::uint64_t size) {
  std::uint64_t end = size;
  while (end > 0) {
    const std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(end, kReadChunk));
    ASSIGN_OR_RETURN(const std::string data, read_range(fd, file, end - chunk, chunk));
    const std::size_t at = data.rfind('\n');
    if (at != std::string::npos) return end - chunk + at + 1;
    end -= chunk;
  }
  return std::uint64_t{0};
}

}  // namespace

std::filesystem::path rotated_audit_path(const std::filesystem::path& log_path, std::uint64_t index) {
  return std::filesystem::path(log_path.string() + "." + std::to_string(index));
}

Result<std::vector<std::filesystem::path>> audit_log_files(const std::filesystem::path& log_path) {
  ASSIGN_OR_RETURN(const auto rotated, rotated_files(log_path));
  std::vector<std::filesystem::path> files;
  files.reserve(rotated.size() + 1);
  for (const auto& entry : rotated) files.push_back(entry.second);
  struct stat st {};
  if (::stat(log_path.c_str(), &st) == 0) files.push_back(log_path);
  return files;
}

Result<std::uint64_t> last_rotation_index(const std::filesystem::path& log_path) {
  ASSIGN_OR_RETURN(const auto rotated, rotated_files(log_path));
  return rotated.empty() ? std::uint64_t{0} : rotated.rbegin()->first;
}

// ---- AuditLineReader ----------------------------------------------------------

AuditLineReader::AuditLineReader(std::vector<std::filesystem::path> files)
    : files_(std::move(files)), buffer_(kReadChunk) {}

AuditLineReader::~AuditLineReader() { close_file(); }

void AuditLineReader::close_file() {
  if (file_ != nullptr) std::fclose(file_);
  file_ = nullptr;
  pos_ = len_ = 0;
}

bool AuditLineReader::fill() {
  pos_ = 0;
  len_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
  return len_ > 0;
}

void AuditLineReader::seek(const Position& position) {
  close_file();
  file_index_ = position.file_index;
  offset_ = position.offset;
  line_number_ = position.line_number;
}

Result<bool> AuditLineReader::next(AuditLine& line) {
  while (file_index_ < files_.size()) {
    if (file_ == nullptr) {
      file_ = std::fopen(files_[file_index_].c_str(), "rbe");
      if (file_ == nullptr) return io_error("cannot open audit log", files_[file_index_], errno);
      if (offset_ > 0 && ::fseeko(file_, static_cast<off_t>(offset_), SEEK_SET) != 0) {
        return io_error("cannot seek in audit log", files_[file_index_], errno);
      }
    }
    line.text.clear();
    line.too_long = false;
    bool got_any = false;
    bool terminated = false;
    while (pos_ < len_ || fill()) {
      got_any = true;
      const char* start = buffer_.data() + pos_;
      const char* nl = static_cast<const char*>(std::memchr(start, '\n', len_ - pos_));
      const std::size_t take = nl != nullptr ? static_cast<std::size_t>(nl - start) : len_ - pos_;
      const std::size_t room = kAuditMaxLineBytes - line.text.size();
      line.text.append(start, std::min(take, room));
      if (take > room) line.too_long = true;
      pos_ += take;
      offset_ += take;
      if (nl != nullptr) {
        ++pos_;
        ++offset_;
        terminated = true;
        break;
      }
    }
    if (std::ferror(file_) != 0) return io_error("cannot read audit log", files_[file_index_], EIO);
    if (!got_any) {  // end of this file: move on
      close_file();
      ++file_index_;
      offset_ = 0;
      line_number_ = 0;
      continue;
    }
    line.file_index = file_index_;
    line.line_number = ++line_number_;
    line.terminated = terminated;
    return true;
  }
  return false;
}

// ---- single-file helpers -----------------------------------------------------

Result<std::optional<std::string>> read_first_audit_line(const std::filesystem::path& file) {
  AuditLineReader reader({file});
  AuditLine line;
  ASSIGN_OR_RETURN(const bool any, reader.next(line));
  if (!any || !line.terminated) return std::optional<std::string>();
  if (line.too_long) return Status(CKR_DATA_INVALID, "first line of " + file.string() + " is too long");
  return std::optional<std::string>(std::move(line.text));
}

Result<std::optional<std::string>> read_last_audit_line(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return io_error("cannot open audit log", file, errno);
  }
  struct FdGuard {
    int fd;
    ~FdGuard() { ::close(fd); }
  } guard{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return io_error("cannot stat audit log", file, errno);
  ASSIGN_OR_RETURN(const std::uint64_t end, end_of_last_newline(fd, file, static_cast<std::uint64_t>(st.st_size)));
  if (end == 0) return std::optional<std::string>();
  // The line ends at end - 1; it starts after the previous '\n' (if any).
  const std::uint64_t window = std::min<std::uint64_t>(end, kAuditMaxLineBytes + 1);
  ASSIGN_OR_RETURN(std::string data, read_range(fd, file, end - window, static_cast<std::size_t>(window)));
  data.pop_back();  // the final '\n'
  const std::size_t prev_nl = data.rfind('\n');
  if (prev_nl == std::string::npos && end > window) {
    return Status(CKR_DATA_INVALID, "last line of " + file.string() + " is too long");
  }
  return std::optional<std::string>(prev_nl == std::string::npos ? data : data.substr(prev_nl + 1));
}

Result<std::uint64_t> trim_torn_audit_tail(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return std::uint64_t{0};
    return io_error("cannot open audit log", file, errno);
  }
  struct FdGuard {
    int fd;
    ~FdGuard() { ::close(fd); }
  } guard{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return io_error("cannot stat audit log", file, errno);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  ASSIGN_OR_RETURN(const std::uint64_t keep, end_of_last_newline(fd, file, size));
  if (keep == size) return std::uint64_t{0};
  if (::ftruncate(fd, static_cast<off_t>(keep)) != 0) return io_error("cannot truncate audit log", file, errno);
  if (::fsync(fd) != 0) return io_error("cannot fsync audit log", file, errno);
  return size - keep;
}

Result<std::vector<std::filesystem::path>> supersede_audit_files(const std::vector<std::filesystem::path>& files,
                                                                 const std::string& stamp) {
  std::vector<std::filesystem::path> renamed;
  for (const auto& file : files) {
    std::filesystem::path target;
    for (int attempt = 1;; ++attempt) {
      std::string name = file.string() + ".superseded-" + stamp;
      if (attempt > 1) name += "-" + std::to_string(attempt);
      target = name;
      struct stat st {};
      if (::lstat(target.c_str(), &st) != 0) break;
    }
    if (::rename(file.c_str(), target.c_str()) != 0) return io_error("cannot rename audit log", file, errno);
    renamed.push_back(target);
    const std::filesystem::path dir = file.parent_path().empty() ? "." : file.parent_path();
    RETURN_IF_ERROR(sync_directory(dir));
  }
  return renamed;
}

}  // namespace craton
