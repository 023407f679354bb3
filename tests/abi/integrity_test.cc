// Module integrity through the C ABI: the build writes libcraton_hsm.so.hmac
// beside the module, and C_Initialize refuses a library file that no longer
// matches it (DESIGN.md §3). The refusal tests load private copies of the
// module from a temporary directory, so the module the other ABI tests use
// is never touched.
//
// NOTE: CorruptedCopyIsRefused and CopyWithoutHmacIsRefused fail until
// C_Initialize calls crypto::verify_file_hmac (issue #3, item 2 wiring).
#include <dlfcn.h>
#include <elf.h>
#include <openssl/evp.h>
#include <stdlib.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "module_fixture.h"

namespace abi_test {
namespace {

namespace fs = std::filesystem;

// The module's fixed integrity key (src/crypto/integrity.cc), repeated here
// so that this test checks the build's .hmac independently of the module.
constexpr char kIntegrityKey[] = "Craton HSM module integrity key, version 1";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string content(fs::file_size(path), '\0');
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  return content;
}

// HMAC-SHA-256 of `data` under the integrity key, as lowercase hex, in a
// private library context.
std::string hmac_hex(const std::string& data) {
  OSSL_LIB_CTX* ctx = OSSL_LIB_CTX_new();
  unsigned char mac[32];
  std::size_t len = 0;
  const bool ok = EVP_Q_mac(ctx, "HMAC", nullptr, "SHA2-256", nullptr, kIntegrityKey, sizeof kIntegrityKey - 1,
                            reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, sizeof mac,
                            &len) != nullptr;
  OSSL_LIB_CTX_free(ctx);
  if (!ok || len != sizeof mac) return "<HMAC failed>";
  std::string hex;
  char byte[3];
  for (unsigned char b : mac) {
    std::snprintf(byte, sizeof byte, "%02x", b);
    hex += byte;
  }
  return hex;
}

// Offset of a byte in the middle of the ELF section `name`, or 0 if there
// is no such section. Non-allocated sections such as .comment are never
// mapped by the dynamic loader, so changing them leaves the library loadable.
std::size_t section_byte(const std::string& elf, const char* name) {
  if (elf.size() < sizeof(Elf64_Ehdr)) return 0;
  Elf64_Ehdr eh;
  std::memcpy(&eh, elf.data(), sizeof eh);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64) return 0;
  auto header = [&](std::size_t i) {
    Elf64_Shdr sh{};
    const std::size_t at = eh.e_shoff + i * eh.e_shentsize;
    if (at + sizeof sh <= elf.size()) std::memcpy(&sh, elf.data() + at, sizeof sh);
    return sh;
  };
  const Elf64_Shdr names = header(eh.e_shstrndx);
  for (std::size_t i = 0; i < eh.e_shnum; ++i) {
    const Elf64_Shdr sh = header(i);
    const std::size_t name_at = names.sh_offset + sh.sh_name;
    if (name_at >= elf.size() || std::strcmp(elf.c_str() + name_at, name) != 0) continue;
    if ((sh.sh_flags & SHF_ALLOC) != 0 || sh.sh_type == SHT_NOBITS || sh.sh_size == 0) return 0;
    return sh.sh_offset + sh.sh_size / 2;
  }
  return 0;
}

class IntegrityAbiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "craton-integrity-abi-XXXXXX").string();
    ASSERT_NE(nullptr, ::mkdtemp(pattern.data()));
    dir_ = pattern;
    std::ofstream config(dir_ / "craton_hsm.toml");
    config << "[token]\nstorage_path = \"store\"\n[security]\npbkdf2_iterations = 100000\npin_min_length = 4\n";
    config.close();
    ::setenv("CRATON_HSM_CONFIG", (dir_ / "craton_hsm.toml").c_str(), 1);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Copies the module (and its .hmac, if asked) into this test's directory.
  fs::path copy_module(bool with_hmac) {
    const fs::path module = CRATON_MODULE_PATH;
    const fs::path copy = dir_ / module.filename();
    fs::copy_file(module, copy);
    if (with_hmac) fs::copy_file(module.string() + ".hmac", copy.string() + ".hmac");
    return copy;
  }

  // dlopen()s `path` and runs C_Initialize on it; the handle is kept open:
  // the static OpenSSL inside pins the library anyway.
  CK_RV initialize_copy(const fs::path& path, std::string* diagnostic) {
    (void)Module::get();  // sets CRATON_HSM_LOG before the copy reads it
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      ADD_FAILURE() << "dlopen " << path << ": " << ::dlerror();
      return CKR_GENERAL_ERROR;
    }
    auto get_list = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(handle, "C_GetFunctionList"));
    CK_FUNCTION_LIST* list = nullptr;
    if (get_list == nullptr || get_list(&list) != CKR_OK) {
      ADD_FAILURE() << "C_GetFunctionList of " << path;
      return CKR_GENERAL_ERROR;
    }
    const CK_RV rv = list->C_Initialize(nullptr);
    // The copy reports to the same CRATON_HSM_LOG file the fixture set up.
    *diagnostic = Module::get().last_error();
    if (rv == CKR_OK) {
      EXPECT_CKR(CKR_OK, list->C_Finalize(nullptr));
    }
    return rv;
  }

  fs::path dir_;
};

TEST_F(IntegrityAbiTest, BuildWritesMatchingHmacBesideModule) {
  const std::string module = CRATON_MODULE_PATH;
  ASSERT_TRUE(fs::exists(module + ".hmac")) << "the post-build step did not write " << module << ".hmac";
  std::string stored = read_file(module + ".hmac");
  ASSERT_EQ(65u, stored.size()) << stored;
  EXPECT_EQ('\n', stored.back());
  stored.pop_back();
  EXPECT_EQ(hmac_hex(read_file(module)), stored);
}

TEST_F(IntegrityAbiTest, UnmodifiedCopyInitializes) {
  const fs::path copy = copy_module(true);
  std::string diagnostic;
  EXPECT_CKR(CKR_OK, initialize_copy(copy, &diagnostic)) << diagnostic;
}

TEST_F(IntegrityAbiTest, CopyLoadedThroughSymlinkInitializes) {
  // Modules are often installed as links (/usr/lib/pkcs11/...): the .hmac
  // lies beside the real file, not beside the link.
  const fs::path copy = copy_module(true);
  const fs::path link = dir_ / "linked-module.so";
  fs::create_symlink(copy, link);
  std::string diagnostic;
  EXPECT_CKR(CKR_OK, initialize_copy(link, &diagnostic)) << diagnostic;
}

TEST_F(IntegrityAbiTest, CorruptedCopyIsRefused) {
  const fs::path copy = copy_module(true);
  std::string elf = read_file(copy);
  const std::size_t offset = section_byte(elf, ".comment");
  ASSERT_NE(0u, offset) << "no .comment section to modify";
  elf[offset] = static_cast<char>(elf[offset] ^ 0x01);
  {
    std::fstream patch(copy, std::ios::in | std::ios::out | std::ios::binary);
    patch.seekp(static_cast<std::streamoff>(offset));
    patch.put(elf[offset]);
    ASSERT_TRUE(patch.good());
  }
  ASSERT_EQ(elf, read_file(copy));
  ASSERT_NE(hmac_hex(elf) + "\n", read_file(copy.string() + ".hmac"));
  std::string diagnostic;
  EXPECT_CKR(CKR_GENERAL_ERROR, initialize_copy(copy, &diagnostic))
      << "a modified library must be refused (expected to fail until C_Initialize verifies the module's .hmac)";
  if (!diagnostic.empty()) {
    EXPECT_NE(std::string::npos, diagnostic.find("integrity")) << diagnostic;
  }
}

TEST_F(IntegrityAbiTest, CopyWithoutHmacIsRefused) {
  const fs::path copy = copy_module(false);
  std::string diagnostic;
  EXPECT_CKR(CKR_GENERAL_ERROR, initialize_copy(copy, &diagnostic))
      << "a library without its .hmac must be refused (expected to fail until C_Initialize verifies it)";
}

}  // namespace
}  // namespace abi_test
