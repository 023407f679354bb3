#include "core/mutex.h"

#include <gtest/gtest.h>

#include <atomic>
#include <new>
#include <thread>
#include <vector>

namespace craton {
namespace {

// Application callbacks backed by std::mutex, counting every call; the
// failure switches make one kind of call fail with the given code.
struct Book {
  std::atomic<int> created{0}, destroyed{0}, locked{0}, unlocked{0};
  std::atomic<CK_RV> create_rv{CKR_OK}, lock_rv{CKR_OK}, unlock_rv{CKR_OK};
};
Book g_book;

CK_RV create_cb(CK_VOID_PTR_PTR out) {
  if (CK_RV rv = g_book.create_rv.load(); rv != CKR_OK) return rv;
  *out = new std::mutex;
  ++g_book.created;
  return CKR_OK;
}
CK_RV destroy_cb(CK_VOID_PTR m) {
  delete static_cast<std::mutex*>(m);
  ++g_book.destroyed;
  return CKR_OK;
}
CK_RV lock_cb(CK_VOID_PTR m) {
  if (CK_RV rv = g_book.lock_rv.load(); rv != CKR_OK) return rv;
  static_cast<std::mutex*>(m)->lock();
  ++g_book.locked;
  return CKR_OK;
}
CK_RV unlock_cb(CK_VOID_PTR m) {
  if (CK_RV rv = g_book.unlock_rv.load(); rv != CKR_OK) return rv;
  ++g_book.unlocked;
  static_cast<std::mutex*>(m)->unlock();
  return CKR_OK;
}

class MutexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    use_os_mutexes();
    g_book.created = g_book.destroyed = g_book.locked = g_book.unlocked = 0;
    g_book.create_rv = g_book.lock_rv = g_book.unlock_rv = CKR_OK;
  }
  void TearDown() override { use_os_mutexes(); }

  static void install() {
    CK_C_INITIALIZE_ARGS args{create_cb, destroy_cb, lock_cb, unlock_cb, 0, nullptr};
    install_application_mutexes(args);
  }
};

TEST_F(MutexTest, OsLocksAreTheDefault) {
  EXPECT_FALSE(application_mutexes_installed());
  EXPECT_TRUE(os_locking_available());
  Mutex m;
  {
    std::lock_guard lock(m);
    EXPECT_FALSE(m.try_lock());
  }
  {
    std::unique_lock lock(m);
    EXPECT_TRUE(lock.owns_lock());
    lock.unlock();
    EXPECT_TRUE(m.try_lock());
    m.unlock();
  }
  Mutex other;
  { std::scoped_lock both(m, other); }
  EXPECT_EQ(0, g_book.created.load());
  EXPECT_EQ(0, g_book.locked.load());
}

TEST_F(MutexTest, OsSharedMutexHasSharedAndExclusiveOwners) {
  SharedMutex m;
  {
    std::shared_lock reader(m);
    EXPECT_TRUE(m.try_lock_shared());  // a second reader is admitted
    m.unlock_shared();
    EXPECT_FALSE(m.try_lock());        // a writer is not
  }
  {
    std::unique_lock writer(m);
    EXPECT_FALSE(m.try_lock_shared());
  }
  EXPECT_TRUE(m.try_lock());
  m.unlock();
}

TEST_F(MutexTest, ApplicationLocksGoThroughTheCallbacks) {
  install();
  EXPECT_TRUE(application_mutexes_installed());
  {
    Mutex m;
    EXPECT_EQ(1, g_book.created.load());
    { std::lock_guard lock(m); }
    {
      std::unique_lock lock(m);
      lock.unlock();
      lock.lock();
    }
    EXPECT_TRUE(m.try_lock());
    m.unlock();
    EXPECT_EQ(4, g_book.locked.load());  // guard, unique_lock twice, try_lock
    EXPECT_EQ(4, g_book.unlocked.load());
  }
  EXPECT_EQ(1, g_book.destroyed.load());
}

TEST_F(MutexTest, ALockKeepsTheModeItWasCreatedIn) {
  Mutex os_mutex;
  install();
  Mutex app_mutex;
  use_os_mutexes();
  { std::lock_guard lock(os_mutex); }
  EXPECT_EQ(0, g_book.locked.load());
  { std::lock_guard lock(app_mutex); }  // still the application's after the mode changed
  EXPECT_EQ(1, g_book.locked.load());
  EXPECT_EQ(1, g_book.unlocked.load());
}

TEST_F(MutexTest, ApplicationSharedMutexIsExclusive) {
  install();
  SharedMutex m;
  // Readers increment a plain counter: only correct (and TSan-clean) because
  // shared ownership is exclusive in this mode.
  long counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        std::shared_lock lock(m);
        ++counter;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(4000, counter);
  { std::unique_lock writer(m); }
  EXPECT_EQ(4001, g_book.locked.load());
  EXPECT_EQ(4001, g_book.unlocked.load());
}

TEST_F(MutexTest, CreateFailuresThrow) {
  install();
  g_book.create_rv = CKR_HOST_MEMORY;
  EXPECT_THROW(Mutex(), std::bad_alloc);
  g_book.create_rv = CKR_GENERAL_ERROR;
  try {
    SharedMutex m;
    FAIL() << "CreateMutex failure not reported";
  } catch (const MutexError& e) {
    EXPECT_EQ(CKR_GENERAL_ERROR, e.rv());
  }
  EXPECT_EQ(0, g_book.destroyed.load());  // nothing was created, nothing destroyed
}

TEST_F(MutexTest, LockFailureThrowsAndLeavesTheMutexUnlocked) {
  install();
  Mutex m;
  g_book.lock_rv = CKR_MUTEX_BAD;
  try {
    std::lock_guard lock(m);
    FAIL() << "LockMutex failure not reported";
  } catch (const MutexError& e) {
    EXPECT_EQ(CKR_MUTEX_BAD, e.rv());
  }
  EXPECT_EQ(0, g_book.unlocked.load());  // the guard never owned it
  g_book.lock_rv = CKR_OK;
  { std::lock_guard lock(m); }
  EXPECT_EQ(1, g_book.unlocked.load());
}

TEST_F(MutexTest, UnlockFailureIsCountedNotThrown) {
  install();
  Mutex m;
  const long before = application_unlock_failures();
  m.lock();
  g_book.unlock_rv = CKR_MUTEX_NOT_LOCKED;
  m.unlock();  // noexcept: reaching the next line is the test
  EXPECT_EQ(before + 1, application_unlock_failures());
  g_book.unlock_rv = CKR_OK;
  m.unlock();  // the callback refused, so the test's std::mutex is still held
}

TEST_F(MutexTest, ReinstallingTheSameCallbacksReusesTheSet) {
  install();
  Mutex first;
  install();
  Mutex second;
  use_os_mutexes();
  { std::scoped_lock both(first, second); }
  EXPECT_EQ(2, g_book.locked.load());
}

}  // namespace
}  // namespace craton
