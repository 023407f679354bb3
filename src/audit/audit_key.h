// The audit key: 32 random bytes that key the audit chain's HMAC (DESIGN.md §5).
//
// It lives in its own file outside the log (normally in the store directory),
// so that someone who can only write the log cannot recompute the chain.
// File format: exactly kAuditKeyBytes raw bytes, mode 0600, owned by the
// process's effective user.
//
// Creation is atomic and never replaces an existing key: the bytes go to a
// temporary file in the same directory (O_EXCL, 0600), which is fsync'ed, then
// hard-linked to the final name (link() fails if the name exists, where
// rename() would silently overwrite a key another process just created), and
// finally the directory is fsync'ed so the new name survives power loss.
//
// Loading refuses (CKR_GENERAL_ERROR, message naming the file) a symbolic link
// (O_NOFOLLOW), anything but a regular file, a file owned by another user, a
// file readable or writable by group or others, and a file of the wrong size.
#pragma once

#include <filesystem>

#include "core/bytes.h"
#include "core/status.h"

namespace craton {
namespace crypto {
class Provider;
}

// Reads an existing key. A missing file is CKR_GENERAL_ERROR ("... does not exist").
Result<SecureBytes> load_audit_key(const std::filesystem::path& path);

// Creates a fresh key from the provider's DRBG (creating the parent directory
// with mode 0700 if needed). Fails with CKR_GENERAL_ERROR if the file exists.
Result<SecureBytes> create_audit_key(const crypto::Provider& provider, const std::filesystem::path& path);

// True if something (file, link, anything) exists at `path`; lstat semantics.
bool audit_key_present(const std::filesystem::path& path);

}  // namespace craton
