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

}  // namespace
}  // namespace craton
