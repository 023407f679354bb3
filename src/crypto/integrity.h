// Module integrity (DESIGN.md §3): at C_Initialize the module recomputes an
// HMAC-SHA-256 over its own shared-library file and compares it with the
// value the build wrote beside it, `<library>.hmac` (tools/module_hmac runs
// compute/write_file_hmac below as a post-build step, so the build tool and
// the module share one implementation).
//
// The .hmac file holds the MAC as 64 hexadecimal digits, optionally followed
// by one newline.
#pragma once

#include <string>

#include "core/status.h"

namespace craton::crypto {

// The file the build writes beside `library_path`: library_path + ".hmac".
std::string hmac_file_path(const std::string& library_path);

// HMAC-SHA-256 of the bytes of the file at `path` under the module's fixed
// integrity key, as 64 lowercase hex digits. The file is streamed in chunks.
// CKR_GENERAL_ERROR naming the file if it cannot be opened or read.
Result<std::string> compute_file_hmac(const std::string& path);

// Computes the MAC of `library_path` and writes it to `output_path`
// (default: hmac_file_path(library_path)) through a temporary file and a
// rename, so that a reader never sees half a value.
Status write_file_hmac(const std::string& library_path, const std::string& output_path = {});

// Recomputes the MAC of `library_path` and compares it, in constant time,
// with the value in hmac_file_path(library_path). Every failure is
// CKR_GENERAL_ERROR with a message naming the file: library unreadable,
// .hmac missing or unreadable, .hmac malformed, or MAC mismatch.
Status verify_file_hmac(const std::string& library_path);

// The path of the loaded object (shared library or executable) that
// contains `address`, e.g. the address of one of the module's own
// functions, found with dladdr(). The name is made absolute and symbolic
// links are resolved, so that the .hmac is looked for beside the real file.
// CKR_GENERAL_ERROR if the address belongs to no loaded file.
Result<std::string> path_of_loaded_object(const void* address);

}  // namespace craton::crypto
