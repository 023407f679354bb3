#include "crypto/integrity.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>

namespace craton::crypto {
namespace {

namespace fs = std::filesystem;

class IntegrityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "craton-integrity-XXXXXX").string();
    ASSERT_NE(nullptr, ::mkdtemp(pattern.data()));
    dir_ = pattern;
    library_ = (dir_ / "libexample.so").string();
    // Larger than one read chunk (1 MiB), and not a multiple of it.
    std::string content(3 * (1 << 20) + 12345, '\0');
    for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
    write(library_, content);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  static void write(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
  }
  static std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::string content(fs::file_size(path), '\0');
    in.read(content.data(), static_cast<std::streamsize>(content.size()));
    return content;
  }
  void flip_byte(std::size_t offset) {
    std::string content = read(library_);
    content[offset] = static_cast<char>(content[offset] ^ 0x20);
    write(library_, content);
  }
  void expect_failure(const std::string& needle) {
    const Status st = verify_file_hmac(library_);
    EXPECT_EQ(CKR_GENERAL_ERROR, st.rv());
    EXPECT_NE(std::string::npos, st.message().find(needle)) << st.message();
  }

  fs::path dir_;
  std::string library_;
};

TEST_F(IntegrityTest, MacIsHmacSha256UnderTheFixedKey) {
  // Pins the algorithm and the key: changing either invalidates every
  // .hmac file ever built. Value computed independently (Python hmac).
  const std::string path = (dir_ / "abc").string();
  write(path, "abc");
  auto mac = compute_file_hmac(path);
  ASSERT_TRUE(mac.ok()) << mac.status().message();
  EXPECT_EQ("ee49624b9dc569f16480f539156294cab42d32f5307bf1feb59188bf3e365f3a", *mac);
  write(path, "");
  mac = compute_file_hmac(path);
  ASSERT_TRUE(mac.ok());
  EXPECT_EQ("9551e22e76467df413e3b98258bc43513cff35a8c39c295b1e40c3788e58f441", *mac);
}

TEST_F(IntegrityTest, WrittenHmacVerifies) {
  ASSERT_TRUE(write_file_hmac(library_).ok());
  EXPECT_EQ(hmac_file_path(library_), library_ + ".hmac");
  const std::string stored = read(library_ + ".hmac");
  EXPECT_EQ(65u, stored.size());
  EXPECT_EQ('\n', stored.back());
  EXPECT_EQ(*compute_file_hmac(library_), stored.substr(0, 64));
  const Status st = verify_file_hmac(library_);
  EXPECT_TRUE(st.ok()) << st.message();
  EXPECT_FALSE(fs::exists(library_ + ".hmac.tmp." + std::to_string(::getpid())));
}

TEST_F(IntegrityTest, ExplicitOutputPath) {
  const std::string out = (dir_ / "elsewhere.hmac").string();
  ASSERT_TRUE(write_file_hmac(library_, out).ok());
  EXPECT_FALSE(fs::exists(library_ + ".hmac"));
  EXPECT_EQ(*compute_file_hmac(library_) + "\n", read(out));
}

TEST_F(IntegrityTest, UppercaseAndNoNewlineAccepted) {
  std::string hex = *compute_file_hmac(library_);
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  write(library_ + ".hmac", hex);
  const Status st = verify_file_hmac(library_);
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST_F(IntegrityTest, FlippedByteFails) {
  ASSERT_TRUE(write_file_hmac(library_).ok());
  flip_byte(2 * (1 << 20) + 17);  // inside the third chunk
  expect_failure(library_ + " does not match " + library_ + ".hmac");
}

TEST_F(IntegrityTest, FlippedLastByteFails) {
  ASSERT_TRUE(write_file_hmac(library_).ok());
  flip_byte(read(library_).size() - 1);
  expect_failure("does not match");
}

TEST_F(IntegrityTest, LongerOrShorterLibraryFails) {
  ASSERT_TRUE(write_file_hmac(library_).ok());
  const std::string original = read(library_);
  write(library_, original + '\0');
  expect_failure("does not match");
  write(library_, original.substr(0, original.size() - 1));
  expect_failure("does not match");
  write(library_, original);
  EXPECT_TRUE(verify_file_hmac(library_).ok());
}

TEST_F(IntegrityTest, MissingHmacFails) {
  expect_failure(library_ + ".hmac is missing");
}

TEST_F(IntegrityTest, TruncatedHmacFails) {
  ASSERT_TRUE(write_file_hmac(library_).ok());
  const std::string full = read(library_ + ".hmac");
  write(library_ + ".hmac", full.substr(0, 63));
  expect_failure(library_ + ".hmac is malformed");
  write(library_ + ".hmac", "");
  expect_failure(".hmac is malformed");
}

TEST_F(IntegrityTest, MalformedHmacFails) {
  const std::string hex = *compute_file_hmac(library_);
  write(library_ + ".hmac", hex.substr(0, 63) + "g\n");  // not a digit
  expect_failure(".hmac is malformed: not a hex digit");
  write(library_ + ".hmac", hex + "\n\n");  // two newlines
  expect_failure(".hmac is malformed");
  write(library_ + ".hmac", hex + hex);  // too long
  expect_failure(".hmac is malformed");
  write(library_ + ".hmac", " " + hex);  // leading space
  expect_failure(".hmac is malformed");
  write(library_ + ".hmac", std::string(1 << 20, 'a'));  // large file: bounded read
  expect_failure(".hmac is malformed");
}

TEST_F(IntegrityTest, WrongValueFails) {
  write(library_ + ".hmac", std::string(64, '0') + "\n");
  expect_failure("does not match");
}

TEST_F(IntegrityTest, UnreadableLibraryFails) {
  const std::string missing = (dir_ / "nope.so").string();
  write(missing + ".hmac", std::string(64, '0') + "\n");
  Status st = verify_file_hmac(missing);
  EXPECT_EQ(CKR_GENERAL_ERROR, st.rv());
  EXPECT_NE(std::string::npos, st.message().find("cannot open " + missing)) << st.message();
  EXPECT_EQ(CKR_GENERAL_ERROR, compute_file_hmac(missing).rv());

  const std::string directory = (dir_ / "subdir").string();
  fs::create_directory(directory);
  write(directory + ".hmac", std::string(64, '0') + "\n");
  st = verify_file_hmac(directory);
  EXPECT_EQ(CKR_GENERAL_ERROR, st.rv());
  EXPECT_NE(std::string::npos, st.message().find("not a regular file")) << st.message();
}

TEST_F(IntegrityTest, WriteToUnwritableDirectoryFails) {
  const Status st = write_file_hmac(library_, (dir_ / "no-such-dir" / "x.hmac").string());
  EXPECT_EQ(CKR_GENERAL_ERROR, st.rv());
  EXPECT_NE(std::string::npos, st.message().find("cannot create")) << st.message();
}

int function_in_this_program() { return 42; }

TEST(IntegrityPath, PathOfLoadedObjectFindsThisProgram) {
  auto path = path_of_loaded_object(reinterpret_cast<const void*>(&function_in_this_program));
  ASSERT_TRUE(path.ok()) << path.status().message();
  EXPECT_EQ(fs::canonical("/proc/self/exe"), fs::canonical(*path));
}

TEST(IntegrityPath, PathOfLoadedObjectFindsASharedLibrary) {
  auto path = path_of_loaded_object(reinterpret_cast<const void*>(&::getpid));
  ASSERT_TRUE(path.ok()) << path.status().message();
  EXPECT_EQ('/', path->front());
  EXPECT_NE(std::string::npos, path->find("libc")) << *path;
}

TEST(IntegrityPath, AddressOutsideAnyObjectFails) {
  EXPECT_EQ(CKR_GENERAL_ERROR, path_of_loaded_object(nullptr).rv());
  int on_the_stack = 0;
  EXPECT_EQ(CKR_GENERAL_ERROR, path_of_loaded_object(&on_the_stack).rv());
}

}  // namespace
}  // namespace craton::crypto
