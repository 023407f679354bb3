#include "pem.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "errors.h"

namespace craton::admin {
namespace {

bool is_pem(ByteView data) {
  static constexpr std::string_view kBegin = "-----BEGIN ";
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  return text.find(kBegin) != std::string_view::npos;
}

[[noreturn]] void io_fail(const std::string& what, const std::string& path) {
  fail(Exit::kFailed, what + " " + path + ": " + std::strerror(errno));
}

void write_all(int fd, ByteView data, const std::string& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) io_fail("cannot write", path);
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

Bytes read_input(const std::string& path) {
  if (path == "-") {
    std::cin >> std::noskipws;
    return Bytes(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(Exit::kUsage, "cannot read " + path + ": " + std::strerror(errno));
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_output(const std::string& path, ByteView data, bool overwrite, unsigned mode) {
  if (path == "-") {
    std::cout.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    std::cout.flush();
    return;
  }
  std::error_code ec;
  if (!overwrite && std::filesystem::exists(path, ec)) {
    fail(Exit::kUsage, path + " exists; choose another file or add --force to replace it");
  }
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) io_fail("cannot create", tmp);
  write_all(fd, data, tmp);
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    io_fail("cannot write", tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    io_fail("cannot rename into place", path);
  }
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
