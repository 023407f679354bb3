#include "store/store_lock.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace craton {
namespace {

class StoreLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::path(::testing::TempDir()) / "craton-lock-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  static std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::filesystem::path root_;
};

// A child process's view of an acquire attempt, sent back through a pipe.
struct ChildAttempt {
  CK_RV rv = CKR_OK;
  std::string message;
};

// Forks a child that tries to acquire `dir` and reports rv + message.
ChildAttempt acquire_in_child(const std::filesystem::path& dir) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    auto lock = StoreLock::acquire(dir);
    const std::string report = std::to_string(lock.rv()) + "\n" + lock.status().message();
    [[maybe_unused]] ssize_t n = ::write(fds[1], report.data(), report.size());
    ::_exit(0);  // no destructors, no gtest teardown in the child
  }
  ::close(fds[1]);
  std::string text;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof(buf))) > 0) text.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ChildAttempt attempt;
  const auto nl = text.find('\n');
  attempt.rv = std::strtoul(text.substr(0, nl).c_str(), nullptr, 10);
  if (nl != std::string::npos) attempt.message = text.substr(nl + 1);
  return attempt;
}

TEST_F(StoreLockTest, CreatesPrivateDirectoryAndWritesPid) {
  const auto dir = root_ / "a" / "b" / "store";
  auto lock = StoreLock::acquire(dir);
  ASSERT_TRUE(lock.ok()) << lock.status().message();
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((dir / ".lock").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u);
  EXPECT_EQ(read_file(dir / ".lock"), std::to_string(::getpid()) + "\n");
}

TEST_F(StoreLockTest, SecondAcquireInSameProcessFailsNamingOurPid) {
  auto first = StoreLock::acquire(root_);
  ASSERT_TRUE(first.ok()) << first.status().message();
  auto second = StoreLock::acquire(root_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.rv(), CKR_FUNCTION_FAILED);
  const std::string expected = "store " + root_.string() + " is in use by process " + std::to_string(::getpid());
  EXPECT_NE(second.status().message().find(expected), std::string::npos) << second.status().message();
  // The failed attempt must not have disturbed the holder's PID record.
  EXPECT_EQ(read_file(root_ / ".lock"), std::to_string(::getpid()) + "\n");
}

TEST_F(StoreLockTest, AcquireFromForkedChildFailsNamingParent) {
  auto lock = StoreLock::acquire(root_);
  ASSERT_TRUE(lock.ok()) << lock.status().message();
  const ChildAttempt attempt = acquire_in_child(root_);
  EXPECT_EQ(attempt.rv, CKR_FUNCTION_FAILED);
  EXPECT_NE(attempt.message.find("in use by process " + std::to_string(::getpid())), std::string::npos)
      << attempt.message;
  EXPECT_NE(attempt.message.find(root_.string()), std::string::npos) << attempt.message;
}

TEST_F(StoreLockTest, LockHeldByAnotherProcessNamesThatProcess) {
  int ready[2], release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(ready[0]);
    ::close(release[1]);
    auto lock = StoreLock::acquire(root_);
    const char ok = lock.ok() ? 'y' : 'n';
    [[maybe_unused]] ssize_t w = ::write(ready[1], &ok, 1);
    char c;
    [[maybe_unused]] ssize_t r = ::read(release[0], &c, 1);  // hold until told (or parent dies)
    ::_exit(0);                                              // the lock goes with the process
  }
  ::close(ready[1]);
  ::close(release[0]);
  char ok = 0;
  ASSERT_EQ(::read(ready[0], &ok, 1), 1);
  ASSERT_EQ(ok, 'y');

  auto mine = StoreLock::acquire(root_);
  ASSERT_FALSE(mine.ok());
  EXPECT_EQ(mine.rv(), CKR_FUNCTION_FAILED);
  EXPECT_NE(mine.status().message().find("in use by process " + std::to_string(child)), std::string::npos)
      << mine.status().message();

  ::close(release[1]);  // child exits
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ::close(ready[0]);
  auto after = StoreLock::acquire(root_);
  EXPECT_TRUE(after.ok()) << after.status().message();
}

TEST_F(StoreLockTest, ReleasedOnDestruction) {
  {
    auto lock = StoreLock::acquire(root_);
    ASSERT_TRUE(lock.ok()) << lock.status().message();
  }
  auto again = StoreLock::acquire(root_);
  ASSERT_TRUE(again.ok()) << again.status().message();
  again.value().reset();
  // ...and visible as released to another process too.
  const ChildAttempt attempt = acquire_in_child(root_);
  EXPECT_EQ(attempt.rv, CKR_OK) << attempt.message;
}

// A forked child never keeps the parent's store locked: its inherited copy
// of the lock descriptor is closed at fork, so once the parent releases, the
// store is free even while the child still runs.
TEST_F(StoreLockTest, ForkedChildDoesNotKeepInheritedLock) {
  auto lock = StoreLock::acquire(root_);
  ASSERT_TRUE(lock.ok()) << lock.status().message();
  int release[2], ready[2];
  ASSERT_EQ(::pipe(release), 0);
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    // The fork handler has run by the time fork() returns here.
    ::close(release[1]);
    [[maybe_unused]] ssize_t w = ::write(ready[1], "r", 1);
    char c;
    [[maybe_unused]] ssize_t r = ::read(release[0], &c, 1);
    ::_exit(0);
  }
  ::close(release[0]);
  ::close(ready[1]);
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  lock.value().reset();  // parent releases while the child is still alive

  auto free_now = StoreLock::acquire(root_);
  EXPECT_TRUE(free_now.ok()) << free_now.status().message();

  ::close(release[1]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
}

TEST_F(StoreLockTest, DestroyingInheritedCopyInChildKeepsParentsLock) {
  auto lock = StoreLock::acquire(root_);
  ASSERT_TRUE(lock.ok()) << lock.status().message();
  const pid_t child = ::fork();
  if (child == 0) {
    lock.value().reset();  // closes only the child's descriptor, leaves the PID alone
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  auto second = StoreLock::acquire(root_);
  EXPECT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("process " + std::to_string(::getpid())), std::string::npos)
      << second.status().message();
}

TEST_F(StoreLockTest, StalePidFromCrashedOwnerIsReplaced) {
  {
    std::ofstream out(root_ / ".lock");
    out << "999999\n";
  }
  auto lock = StoreLock::acquire(root_);
  ASSERT_TRUE(lock.ok()) << lock.status().message();
  EXPECT_EQ(read_file(root_ / ".lock"), std::to_string(::getpid()) + "\n");
}

TEST_F(StoreLockTest, PathThatIsAFileIsDeviceError) {
  const auto file = root_ / "not-a-dir";
  std::ofstream(file) << "x";
  auto lock = StoreLock::acquire(file);
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.rv(), CKR_DEVICE_ERROR);
  EXPECT_NE(lock.status().message().find(file.string()), std::string::npos);
}

TEST_F(StoreLockTest, UnopenableLockFileIsDeviceError) {
  ASSERT_EQ(::mkdir((root_ / ".lock").c_str(), 0700), 0);  // a directory where the file should be
  auto lock = StoreLock::acquire(root_);
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.rv(), CKR_DEVICE_ERROR);
  EXPECT_NE(lock.status().message().find((root_ / ".lock").string()), std::string::npos) << lock.status().message();
}

TEST_F(StoreLockTest, UnwritableParentIsDeviceError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  const auto parent = root_ / "ro";
  ASSERT_EQ(::mkdir(parent.c_str(), 0500), 0);
  auto lock = StoreLock::acquire(parent / "store");
  EXPECT_EQ(lock.rv(), CKR_DEVICE_ERROR);
  ::chmod(parent.c_str(), 0700);
}

}  // namespace
}  // namespace craton

namespace craton {
namespace {

class StoreDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/craton-storedir-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
};

TEST_F(StoreDirectoryTest, RefusesGroupOrWorldWritableStore) {
  const auto store = root_ / "store";
  ASSERT_EQ(::mkdir(store.c_str(), 0700), 0);
  EXPECT_TRUE(check_private_directory(store).ok());
  ASSERT_EQ(::chmod(store.c_str(), 0770), 0);
  Status st = check_private_directory(store);
  EXPECT_EQ(st.rv(), CKR_DEVICE_ERROR);
  EXPECT_NE(st.message().find(store.string()), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("0770"), std::string::npos) << st.message();
  // The lock (the first thing C_Initialize takes) refuses it too.
  EXPECT_FALSE(StoreLock::acquire(store).ok());
}

TEST_F(StoreDirectoryTest, RefusesStoreReachedThroughSymlink) {
  const auto real = root_ / "real";
  ASSERT_EQ(::mkdir(real.c_str(), 0700), 0);
  std::filesystem::create_directory_symlink(real, root_ / "link");
  EXPECT_EQ(check_private_directory(root_ / "link").rv(), CKR_DEVICE_ERROR);
  Status st = check_no_symlink_below(root_, "link/store");
  EXPECT_EQ(st.rv(), CKR_DEVICE_ERROR);
  EXPECT_NE(st.message().find("symbolic link"), std::string::npos) << st.message();
  EXPECT_TRUE(check_no_symlink_below(root_, "real/store").ok());  // missing parts are created later
  EXPECT_TRUE(check_no_symlink_below(root_, "fresh").ok());
}

}  // namespace
}  // namespace craton
