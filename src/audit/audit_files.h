// The audit log's files: naming, discovery, line reading, tail repair.
//
// Naming. The log being written is `log_path`. Rotation renames it to
// `<log_path>.<N>` with N = 1, 2, 3, ... (the oldest file has the smallest N;
// numbers only grow, so a gap means a file was removed) and starts a new
// `log_path`. The ordered file set of a chain is therefore
//   <log_path>.1, <log_path>.2, ..., <log_path>.K, <log_path>
// (audit_log_files()). Files set aside when a new chain is started are named
// `<file>.superseded-<UTC stamp>` and are not part of the set.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace craton {

// `<log_path>.<index>`.
std::filesystem::path rotated_audit_path(const std::filesystem::path& log_path, std::uint64_t index);

// The chain's files in order (rotated ones by index, then `log_path` if it
// exists). CKR_DEVICE_ERROR if the directory cannot be listed; an absent
// directory is an empty set.
Result<std::vector<std::filesystem::path>> audit_log_files(const std::filesystem::path& log_path);

// The largest rotation index present (0 if none).
Result<std::uint64_t> last_rotation_index(const std::filesystem::path& log_path);

// One line of a file set, without its '\n'.
struct AuditLine {
  std::size_t file_index = 0;    // into the reader's file list
  std::uint64_t line_number = 0;  // 1-based within its file
  std::string text;               // at most kAuditMaxLineBytes (see too_long)
  bool terminated = true;         // false: the file ends inside this line (torn write)
  bool too_long = false;          // the line exceeded kAuditMaxLineBytes and was cut
};

// Reads the lines of several files in sequence with bounded memory. Not
// thread-safe. Positions allow a look-ahead with a second reader.
class AuditLineReader {
 public:
  struct Position {
    std::size_t file_index = 0;
    std::uint64_t offset = 0;       // byte offset of the next line in its file
    std::uint64_t line_number = 0;  // lines already read in that file
  };

  explicit AuditLineReader(std::vector<std::filesystem::path> files);
  ~AuditLineReader();
  AuditLineReader(const AuditLineReader&) = delete;
  AuditLineReader& operator=(const AuditLineReader&) = delete;

  // Reads the next line into `line`: true if there was one, false at the end
  // of the last file, CKR_DEVICE_ERROR naming the file if one cannot be read.
  Result<bool> next(AuditLine& line);
  Position position() const { return {file_index_, offset_, line_number_}; }
  void seek(const Position& position);
  const std::vector<std::filesystem::path>& files() const { return files_; }

 private:
  bool fill();
  void close_file();

  std::vector<std::filesystem::path> files_;
  std::size_t file_index_ = 0;
  std::uint64_t offset_ = 0;
  std::uint64_t line_number_ = 0;
  std::FILE* file_ = nullptr;
  std::vector<char> buffer_;
  std::size_t pos_ = 0;
  std::size_t len_ = 0;
};

// The first / last complete line of one file (nullopt when it has none). The
// last line is the one ended by the file's final '\n'; bytes after it (a torn
// write) are ignored. CKR_DEVICE_ERROR on I/O errors, CKR_DATA_INVALID if
// that line is longer than kAuditMaxLineBytes.
Result<std::optional<std::string>> read_first_audit_line(const std::filesystem::path& file);
Result<std::optional<std::string>> read_last_audit_line(const std::filesystem::path& file);

// Cuts a torn last line (bytes after the last '\n') off `file` and fsyncs it.
// Returns how many bytes were removed (0 when the file ends with '\n', is
// empty or does not exist).
Result<std::uint64_t> trim_torn_audit_tail(const std::filesystem::path& file);

// Renames each file to `<file>.superseded-<stamp>` (adding -2, -3, ... if
// taken) and fsyncs the directory. Returns the new names.
Result<std::vector<std::filesystem::path>> supersede_audit_files(const std::vector<std::filesystem::path>& files,
                                                                 const std::string& stamp);

}  // namespace craton
