// Files the CLI reads and writes: PEM or DER, and "-" for stdin/stdout.
#pragma once

#include <string>

#include "core/bytes.h"

namespace craton::admin {

// The whole file ("-": stdin, unbounded; files up to 256 MiB); Exit::kFailed
// naming the file when it cannot be read.
Bytes read_input(const std::string& path);
// Writes `data` to `path` ("-": stdout) with write_file_atomically
// (atomic_file.h): mode 0600, complete or absent; an existing file is kept
// unless `overwrite`.
void write_output(const std::string& path, ByteView data, bool overwrite);

struct PemBlock {
  std::string label;  // "PRIVATE KEY", "PUBLIC KEY", "CERTIFICATE", ...; empty for DER input
  SecureBytes der;
};

// The first PEM block of `data`, or `data` itself as DER when it is not PEM.
// Exit::kUsage naming `path` for PEM that does not decode.
PemBlock first_block(ByteView data, const std::string& path);

std::string to_pem(const std::string& label, ByteView der);

}  // namespace craton::admin
