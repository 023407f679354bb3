#include "core/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace craton {
namespace {

namespace fs = std::filesystem;

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/craton-config-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& text, mode_t mode = 0600) {
    const fs::path file = dir_ / name;
    std::ofstream(file) << text;
    ::chmod(file.c_str(), mode);
    return file;
  }

  fs::path dir_;
};

TEST_F(ConfigFileTest, ReadsOwnerOnlyFile) {
  const fs::path file = write("craton_hsm.toml", "[token]\nlabel = \"ok\"\nslot_count = 3\n");
  Result<Config> c = Config::load_file(file);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->slot_count, 3u);
  EXPECT_EQ(c->base_dir, dir_);
}

TEST_F(ConfigFileTest, ErrorsNameFileLineAndKey) {
  const fs::path file = write("craton_hsm.toml", "[token]\nlabel = \"ok\"\nslot_count = 999\n");
  Result<Config> c = Config::load_file(file);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.rv(), CKR_GENERAL_ERROR);
  EXPECT_NE(c.status().message().find(file.string() + ":3:"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("slot_count"), std::string::npos) << c.status().message();
}

TEST_F(ConfigFileTest, RefusesGroupOrWorldWritableFile) {
  for (mode_t mode : {0620, 0602, 0666}) {
    const fs::path file = write("craton_hsm.toml", "[token]\n", mode);
    Result<Config> c = Config::load_file(file);
    ASSERT_FALSE(c.ok()) << std::oct << mode;
    EXPECT_NE(c.status().message().find("world-writable"), std::string::npos) << c.status().message();
    EXPECT_NE(c.status().message().find(file.string()), std::string::npos);
  }
  EXPECT_TRUE(Config::load_file(write("craton_hsm.toml", "[token]\n", 0644)).ok());
}

TEST_F(ConfigFileTest, RefusesSymbolicLink) {
  const fs::path real = write("real.toml", "[token]\n");
  const fs::path link = dir_ / "craton_hsm.toml";
  fs::create_symlink(real, link);
  Result<Config> c = Config::load_file(link);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("symbolic link"), std::string::npos) << c.status().message();
}

TEST_F(ConfigFileTest, MissingFileIsNamed) {
  Result<Config> c = Config::load_file(dir_ / "absent.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("absent.toml"), std::string::npos);
}

TEST_F(ConfigFileTest, StoragePathMustBeRelativeWithoutDotDot) {
  EXPECT_FALSE(Config::load_file(write("a.toml", "[token]\nstorage_path = \"/etc/store\"\n")).ok());
  EXPECT_FALSE(Config::load_file(write("b.toml", "[token]\nstorage_path = \"x/../../store\"\n")).ok());
  EXPECT_TRUE(Config::load_file(write("c.toml", "[token]\nstorage_path = \"x/store\"\n")).ok());
}

TEST_F(ConfigFileTest, AuditDefaultsLiveInTheStore) {
  Result<Config> c = Config::load_file(write("craton_hsm.toml", "[token]\nstorage_path = \"s\"\n"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->audit_log_file(), dir_ / "s" / "audit.log");
  EXPECT_EQ(c->audit_key_file(), dir_ / "s" / "audit.key");
  EXPECT_EQ(c->audit_head_file(), dir_ / "s" / "audit_head.sqlite3");
  EXPECT_EQ(c->audit_crypto_ops, "buffered");
  EXPECT_EQ(c->audit_flush_ms, 200u);
}

TEST_F(ConfigFileTest, ReadsTheAuditSection) {
  Result<Config> c = Config::load_file(write(
      "craton_hsm.toml",
      "[audit]\nlog_path = \"logs/audit.jsonl\"\ncrypto_ops = \"durable\"\nflush_ms = 10\nmax_file_bytes = 8192\n"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->audit_log_file(), dir_ / "logs" / "audit.jsonl");
  EXPECT_EQ(c->audit_crypto_ops, "durable");
  EXPECT_EQ(c->audit_flush_ms, 10u);
  EXPECT_EQ(c->audit_max_file_bytes, 8192u);
}

TEST_F(ConfigFileTest, AuditErrorsNameLineAndKey) {
  struct Case {
    const char* text;
    const char* key;
  } cases[] = {
      {"[audit]\n\ncrypto_ops = \"sometimes\"\n", "audit.crypto_ops"},
      {"[audit]\n\nflush_ms = 0\n", "audit.flush_ms"},
      {"[audit]\n\nmax_file_bytes = 100\n", "audit.max_file_bytes"},
      {"[audit]\n\nlog_path = \"/var/log/audit.log\"\n", "audit.log_path"},
      {"[audit]\n\nlog_path = \"../audit.log\"\n", "audit.log_path"},
      {"[audit]\n\nverbose = true\n", "audit.verbose"},
  };
  for (const Case& t : cases) {
    const fs::path file = write("craton_hsm.toml", t.text);
    Result<Config> c = Config::load_file(file);
    ASSERT_FALSE(c.ok()) << t.text;
    EXPECT_NE(c.status().message().find(file.string() + ":3: " + t.key), std::string::npos)
        << c.status().message();
  }
}

}  // namespace
}  // namespace craton
