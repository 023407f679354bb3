// Files the CLI reads and writes: PEM or DER, and "-" for stdin/stdout.
#pragma once

#include <string>

#include "core/bytes.h"

namespace craton::admin {

// The whole file ("-": stdin); Exit::kUsage naming the file when unreadable.
Bytes read_input(const std::string& path);
// Writes `data` to `path` ("-": stdout). A new file is created with `mode`
// and written atomically (temporary file, fsync, rename); an existing file
// is refused unless `overwrite`.
void write_output(const std::string& path, ByteView data, bool overwrite, unsigned mode = 0644);

struct PemBlock {
  std::string label;  // "PRIVATE KEY", "PUBLIC KEY", "CERTIFICATE", ...; empty for DER input
  SecureBytes der;
};

// The first PEM block of `data`, or `data` itself as DER when it is not PEM.
// Exit::kUsage naming `path` for PEM that does not decode.
PemBlock first_block(ByteView data, const std::string& path);

std::string to_pem(const std::string& label, ByteView der);

}  // namespace craton::admin
