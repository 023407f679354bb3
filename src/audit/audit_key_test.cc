#include "audit/audit_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "audit/audit_chain.h"
#include "audit/audit_test_util.h"

namespace craton {
namespace {

class AuditKeyTest : public audit_test::AuditTestBase {
 protected:
  std::filesystem::path key_path() const { return root_ / "store" / "audit.key"; }
};

TEST_F(AuditKeyTest, CreatesPrivateFileAndLoadsIt) {
  EXPECT_FALSE(audit_key_present(key_path()));
  auto created = create_audit_key(*provider_, key_path());
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(created->size(), kAuditKeyBytes);
  struct stat st {};
  ASSERT_EQ(::stat(key_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  ::stat(key_path().parent_path().c_str(), &st);
  EXPECT_EQ(st.st_mode & 0777, 0700u);  // the directory is created private
  auto loaded = load_audit_key(key_path());
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(*loaded, *created);
  // No temporary file left behind.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(key_path().parent_path())) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST_F(AuditKeyTest, NeverReplacesAnExistingKey) {
  auto first = create_audit_key(*provider_, key_path());
  ASSERT_TRUE(first.ok());
  auto second = create_audit_key(*provider_, key_path());
  EXPECT_EQ(second.rv(), CKR_GENERAL_ERROR);
  EXPECT_EQ(*load_audit_key(key_path()), *first);
}

TEST_F(AuditKeyTest, RefusesGroupOrWorldReadable) {
  ASSERT_TRUE(create_audit_key(*provider_, key_path()).ok());
  for (mode_t mode : {0644, 0640, 0604, 0620}) {
    ASSERT_EQ(::chmod(key_path().c_str(), mode), 0);
    auto loaded = load_audit_key(key_path());
    EXPECT_EQ(loaded.rv(), CKR_GENERAL_ERROR) << std::oct << mode;
    EXPECT_NE(loaded.status().message().find(key_path().string()), std::string::npos);
    EXPECT_NE(loaded.status().message().find("0600"), std::string::npos);
  }
  ASSERT_EQ(::chmod(key_path().c_str(), 0400), 0);  // read-only for the owner is fine
  EXPECT_TRUE(load_audit_key(key_path()).ok());
}

TEST_F(AuditKeyTest, RefusesSymlink) {
  const auto real = root_ / "real.key";
  ASSERT_TRUE(create_audit_key(*provider_, real).ok());
  std::filesystem::create_directories(key_path().parent_path());
  std::filesystem::create_symlink(real, key_path());
  auto loaded = load_audit_key(key_path());
  EXPECT_EQ(loaded.rv(), CKR_GENERAL_ERROR);
  EXPECT_NE(loaded.status().message().find("symbolic link"), std::string::npos);
  EXPECT_TRUE(audit_key_present(key_path()));  // a dangling or not, the name is taken
  // And creation does not write through the link.
  EXPECT_EQ(create_audit_key(*provider_, key_path()).rv(), CKR_GENERAL_ERROR);
}

TEST_F(AuditKeyTest, RefusesWrongSizeAndNonRegular) {
  std::filesystem::create_directories(key_path().parent_path());
  const int fd = ::open(key_path().c_str(), O_WRONLY | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "short", 5), 5);
  ::close(fd);
  EXPECT_EQ(load_audit_key(key_path()).rv(), CKR_GENERAL_ERROR);
  std::filesystem::remove(key_path());
  std::filesystem::create_directory(key_path());
  ::chmod(key_path().c_str(), 0700);
  EXPECT_EQ(load_audit_key(key_path()).rv(), CKR_GENERAL_ERROR);
}

TEST_F(AuditKeyTest, MissingKey) {
  auto loaded = load_audit_key(key_path());
  EXPECT_EQ(loaded.rv(), CKR_GENERAL_ERROR);
  EXPECT_NE(loaded.status().message().find("does not exist"), std::string::npos);
}

}  // namespace
}  // namespace craton
