#include "pem.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>

#include <filesystem>
#include <iostream>
#include <iterator>

#include "atomic_file.h"
#include "errors.h"

namespace craton::admin {
namespace {

// Inputs are keys, certificates, messages to sign: read whole.
constexpr std::size_t kMaxInputBytes = 256u << 20;

bool is_pem(ByteView data) {
  static constexpr std::string_view kBegin = "-----BEGIN ";
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  return text.find(kBegin) != std::string_view::npos;
}

}  // namespace

Bytes read_input(const std::string& path) {
  if (path == "-") {
    std::cin >> std::noskipws;
    return Bytes(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) fail(Exit::kUsage, "cannot read " + path + ": no such file");
  return read_whole_file(path, kMaxInputBytes);
}

void write_output(const std::string& path, ByteView data, bool overwrite) {
  if (path == "-") {
    std::cout.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    std::cout.flush();
    return;
  }
  write_file_atomically(path, data, overwrite);
}

PemBlock first_block(ByteView data, const std::string& path) {
  PemBlock block;
  if (!is_pem(data)) {
    block.der.assign(data.begin(), data.end());
    return block;
  }
  BIO* bio = BIO_new_mem_buf(data.data(), static_cast<int>(data.size()));
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* der = nullptr;
  long len = 0;
  const int ok = bio != nullptr && PEM_read_bio(bio, &name, &header, &der, &len) == 1;
  BIO_free(bio);
  if (ok) {
    block.label = name;
    block.der.assign(der, der + len);
  }
  OPENSSL_free(name);
  OPENSSL_free(header);
  if (der != nullptr) OPENSSL_clear_free(der, static_cast<std::size_t>(len));
  if (!ok) fail(Exit::kUsage, path + ": malformed PEM (bad base64 or missing END line)");
  return block;
}

std::string to_pem(const std::string& label, ByteView der) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr || PEM_write_bio(bio, label.c_str(), "", der.data(), static_cast<long>(der.size())) <= 0) {
    BIO_free(bio);
    fail(Exit::kFailed, "PEM encoding failed");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

}  // namespace craton::admin
