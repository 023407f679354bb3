// Whole-file reads and crash-safe writes for the files the CLI produces
// (backups): a file is either absent or complete, never half written.
#pragma once

#include <cstddef>
#include <filesystem>

#include "core/bytes.h"

namespace craton::admin {

// The whole file; Exit::kFailed (naming the file) when it cannot be read or
// is larger than `max_size` bytes.
Bytes read_whole_file(const std::filesystem::path& path, std::size_t max_size);

// Fails with Exit::kFailed when `path` exists and `replace` is false, or its
// directory does not exist, so a command can refuse before it asks for any secret.
void check_can_write(const std::filesystem::path& path, bool replace);

// Writes `data` to a temporary file (mode 0600) in the same directory,
// fsyncs it, renames it to `path` (without replacing an existing file unless
// `replace`) and fsyncs the directory. On failure nothing is left behind.
void write_file_atomically(const std::filesystem::path& path, ByteView data, bool replace);

}  // namespace craton::admin
