// HsmCore::backup_token / restore_token: images of real tokens restored on
// fresh stores, into other slots and over other tokens; what restore refuses
// and that a refused restore leaves the slot as it was.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/hsm_core.h"

namespace craton {
namespace {

const std::string kSoPin = "so-pin-1234";
const std::string kUserPin = "user-pin-1234";
const Bytes kAesKey(32, 0x4b);
const Bytes kBlock(16, 0x61);

ByteView pin(const std::string& p) { return as_bytes(p); }

class BackupCallsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::path(::testing::TempDir()) / "craton-backup-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::unique_ptr<HsmCore> make_core(const std::string& store) {
    Config config;
    config.base_dir = root_;
    config.storage_path = store;
    config.slot_count = 2;
    config.pbkdf2_iterations = 1000;  // the unit tests check logic, not PIN hardening
    config.max_failed_logins = 5;
    auto core = HsmCore::create(config);
    EXPECT_TRUE(core.ok()) << core.status().message();
    return core.ok() ? std::move(core).value() : nullptr;
  }

  static CK_SESSION_HANDLE open(HsmCore& core, CK_SLOT_ID slot) {
    auto h = core.open_session(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION);
    EXPECT_TRUE(h.ok()) << h.status().message();
    return h.ok() ? *h : CK_INVALID_HANDLE;
  }

  static Bytes label32(const std::string& label) {
    Bytes out(32, ' ');
    std::copy(label.begin(), label.end(), out.begin());
    return out;
  }

  // A token in `slot` with a user PIN, a private AES key and a public data object.
  static void make_token(HsmCore& core, CK_SLOT_ID slot, const std::string& so_pin = kSoPin) {
    ASSERT_TRUE(core.init_token(slot, pin(so_pin), label32("source")).ok());
    CK_SESSION_HANDLE h = open(core, slot);
    ASSERT_TRUE(core.login(h, CKU_SO, pin(so_pin)).ok());
    ASSERT_TRUE(core.init_pin(h, pin(kUserPin)).ok());
    ASSERT_TRUE(core.logout(h).ok());
    ASSERT_TRUE(core.login(h, CKU_USER, pin(kUserPin)).ok());
    AttributeMap key;
    key.set_ulong(CKA_CLASS, CKO_SECRET_KEY);
    key.set_ulong(CKA_KEY_TYPE, CKK_AES);
    key.set(CKA_VALUE, ByteView(kAesKey));
    key.set_bool(CKA_TOKEN, true);
    key.set_bool(CKA_PRIVATE, true);
    key.set_bool(CKA_ENCRYPT, true);
    key.set_string(CKA_LABEL, "aes");
    ASSERT_TRUE(core.create_object(h, key).ok());
    AttributeMap data;
    data.set_ulong(CKA_CLASS, CKO_DATA);
    data.set_bool(CKA_TOKEN, true);
    data.set_bool(CKA_PRIVATE, false);
    data.set_string(CKA_LABEL, "note");
    data.set_string(CKA_VALUE, "public");
    ASSERT_TRUE(core.create_object(h, data).ok());
    ASSERT_TRUE(core.close_session(h).ok());
  }

  static TokenImage backup(HsmCore& core, CK_SLOT_ID slot, const std::string& so_pin = kSoPin) {
    CK_SESSION_HANDLE h = open(core, slot);
    EXPECT_TRUE(core.login(h, CKU_SO, pin(so_pin)).ok());
    auto image = core.backup_token(h);
    EXPECT_TRUE(image.ok()) << image.status().message();
    EXPECT_TRUE(core.close_session(h).ok());
    return image.ok() ? std::move(image).value() : TokenImage{};
  }

  // AES-ECB of kBlock under the token's "aes" key, as the user.
  static Bytes encrypt_block(HsmCore& core, CK_SLOT_ID slot, const std::string& user_pin = kUserPin) {
    CK_SESSION_HANDLE h = open(core, slot);
    EXPECT_TRUE(core.login(h, CKU_USER, pin(user_pin)).ok());
    AttributeMap tmpl;
    tmpl.set_string(CKA_LABEL, "aes");
    EXPECT_TRUE(core.find_init(h, tmpl).ok());
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    auto found = core.find(h, std::span<CK_OBJECT_HANDLE>(&key, 1));
    EXPECT_TRUE(found.ok() && *found == 1);
    EXPECT_TRUE(core.find_final(h).ok());
    CK_MECHANISM ecb{CKM_AES_ECB, nullptr, 0};
    Bytes out(16);
    CK_ULONG len = out.size();
    EXPECT_TRUE(core.crypto_init(h, OpKind::Encrypt, ecb, key).ok());
    Status st = core.encrypt(h, kBlock, Output{out.data(), &len});
    EXPECT_TRUE(st.ok()) << st.message();
    EXPECT_TRUE(core.close_session(h).ok());
    return out;
  }

  static CK_TOKEN_INFO info(HsmCore& core, CK_SLOT_ID slot) {
    CK_TOKEN_INFO out{};
    EXPECT_TRUE(core.token_info(slot, out).ok());
    std::fill(std::begin(out.utcTime), std::end(out.utcTime), 0);  // the clock is not token state
    return out;
  }

  using Counts = std::pair<std::size_t, std::size_t>;  // {public, private}
  static Counts counts(HsmCore& core, CK_SLOT_ID slot) {
    auto c = core.token_object_counts(slot);
    EXPECT_TRUE(c.ok());
    return c.ok() ? Counts{c->public_objects, c->private_objects} : Counts{};
  }

  std::string audit_log(const std::string& store) {
    std::ifstream in(root_ / store / "audit.log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::filesystem::path root_;
};

TEST_F(BackupCallsTest, RestoredTokenOnAFreshStoreWorksLikeTheOriginal) {
  auto source = make_core("source");
  ASSERT_TRUE(source);
  make_token(*source, 0);
  const Bytes expected = encrypt_block(*source, 0);
  const TokenImage image = backup(*source, 0);
  const CK_TOKEN_INFO source_info = info(*source, 0);
  EXPECT_EQ(image.source_slot, 0u);
  EXPECT_EQ(image.label, "source");
  EXPECT_EQ(image.content.objects.size(), 2u);
  source.reset();

  auto target = make_core("target");
  ASSERT_TRUE(target);
  auto outcome = target->restore_token(0, pin(kSoPin), image);
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_EQ(outcome->objects, 2u);
  EXPECT_TRUE(outcome->user_pin_kept);
  EXPECT_FALSE(outcome->moved);
  const CK_TOKEN_INFO restored = info(*target, 0);
  EXPECT_EQ(0, std::memcmp(restored.label, source_info.label, sizeof restored.label));
  EXPECT_EQ(0, std::memcmp(restored.serialNumber, source_info.serialNumber, sizeof restored.serialNumber));
  EXPECT_EQ(restored.flags, source_info.flags);
  EXPECT_EQ(counts(*target, 0), Counts(1, 1));
  EXPECT_EQ(encrypt_block(*target, 0), expected);

  // New objects get ids past the restored ones.
  CK_SESSION_HANDLE h = open(*target, 0);
  ASSERT_TRUE(target->login(h, CKU_USER, pin(kUserPin)).ok());
  AttributeMap data;
  data.set_ulong(CKA_CLASS, CKO_DATA);
  data.set_bool(CKA_TOKEN, true);
  ASSERT_TRUE(target->create_object(h, data).ok());
  ASSERT_TRUE(target->close_session(h).ok());
  EXPECT_EQ(counts(*target, 0), Counts(2, 1));
  target.reset();
  EXPECT_NE(audit_log("source").find("\"event\":\"backup\""), std::string::npos);
  const std::string log = audit_log("target");
  EXPECT_NE(log.find("\"event\":\"restore\""), std::string::npos);
  EXPECT_NE(log.find("\"user_pin\":\"kept\""), std::string::npos);
}

TEST_F(BackupCallsTest, IntoAnotherSlotTheKeysMoveAndTheUserPinIsSetAgain) {
  auto core = make_core("store");
  ASSERT_TRUE(core);
  make_token(*core, 0);
  const Bytes expected = encrypt_block(*core, 0);
  auto outcome = core->restore_token(1, pin(kSoPin), backup(*core, 0));
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_TRUE(outcome->moved);
  EXPECT_FALSE(outcome->user_pin_kept);
  EXPECT_EQ(info(*core, 1).flags & CKF_USER_PIN_INITIALIZED, 0u);
  CK_SESSION_HANDLE h = open(*core, 1);
  ASSERT_TRUE(core->login(h, CKU_SO, pin(kSoPin)).ok());
  ASSERT_TRUE(core->init_pin(h, pin("new-user-pin")).ok());
  ASSERT_TRUE(core->close_session(h).ok());
  EXPECT_EQ(encrypt_block(*core, 1, "new-user-pin"), expected);
  EXPECT_EQ(encrypt_block(*core, 0), expected);  // the source is untouched
}

TEST_F(BackupCallsTest, BackupNeedsTheSo) {
  auto core = make_core("store");
  ASSERT_TRUE(core);
  make_token(*core, 0);
  CK_SESSION_HANDLE h = open(*core, 0);
  EXPECT_EQ(core->backup_token(h).rv(), CKR_USER_NOT_LOGGED_IN);
  ASSERT_TRUE(core->login(h, CKU_USER, pin(kUserPin)).ok());
  EXPECT_EQ(core->backup_token(h).rv(), CKR_USER_NOT_LOGGED_IN);
}

TEST_F(BackupCallsTest, WrongSoPinLeavesTheTargetAndItsCounterAlone) {
  auto source = make_core("source");
  ASSERT_TRUE(source);
  make_token(*source, 0);
  const TokenImage image = backup(*source, 0);
  auto target = make_core("target");
  ASSERT_TRUE(target);
  const CK_TOKEN_INFO before = info(*target, 0);
  auto r = target->restore_token(0, pin("not-the-so-pin"), image);
  EXPECT_EQ(r.rv(), CKR_PIN_INCORRECT);
  EXPECT_NE(r.status().message().find("does not open this backup"), std::string::npos);
  const CK_TOKEN_INFO after = info(*target, 0);
  EXPECT_EQ(0, std::memcmp(&before, &after, sizeof before));
}

TEST_F(BackupCallsTest, RefusedWhileTheSlotHasSessions) {
  auto core = make_core("store");
  ASSERT_TRUE(core);
  make_token(*core, 0);
  const TokenImage image = backup(*core, 0);
  CK_SESSION_HANDLE h = open(*core, 1);
  EXPECT_EQ(core->restore_token(1, pin(kSoPin), image).rv(), CKR_SESSION_EXISTS);
  ASSERT_TRUE(core->close_session(h).ok());
  EXPECT_TRUE(core->restore_token(1, pin(kSoPin), image).ok());
}

TEST_F(BackupCallsTest, ReplacingATokenTakesItsSoPinToo) {
  auto core = make_core("store");
  ASSERT_TRUE(core);
  make_token(*core, 0);
  const TokenImage image = backup(*core, 0);
  make_token(*core, 1, "other-so-pin");
  const auto objects_before = counts(*core, 1);
  auto r = core->restore_token(1, pin(kSoPin), image);
  EXPECT_EQ(r.rv(), CKR_PIN_INCORRECT);
  EXPECT_NE(r.status().message().find("not the SO PIN of the token in slot 1"), std::string::npos);
  EXPECT_EQ(counts(*core, 1), objects_before);
  EXPECT_NE(info(*core, 1).flags & CKF_SO_PIN_COUNT_LOW, 0u);  // a failed SO login on that token
  // With the SO PINs made equal, the restore goes through.
  CK_SESSION_HANDLE h = open(*core, 1);
  ASSERT_TRUE(core->login(h, CKU_SO, pin("other-so-pin")).ok());
  ASSERT_TRUE(core->set_pin(h, pin("other-so-pin"), pin(kSoPin)).ok());
  ASSERT_TRUE(core->close_session(h).ok());
  ASSERT_TRUE(core->restore_token(1, pin(kSoPin), image).ok());
  EXPECT_EQ(info(*core, 1).flags & CKF_SO_PIN_COUNT_LOW, 0u);
}

TEST_F(BackupCallsTest, DamagedImagesAreRefusedBeforeAnythingIsWritten) {
  auto core = make_core("store");
  ASSERT_TRUE(core);
  make_token(*core, 0);
  const TokenImage image = backup(*core, 0);
  auto private_record = std::find_if(image.content.objects.begin(), image.content.objects.end(),
                                     [](const ObjectRecord& r) { return r.is_private; });
  ASSERT_NE(private_record, image.content.objects.end());
  const std::size_t index = static_cast<std::size_t>(private_record - image.content.objects.begin());

  TokenImage sealed_changed = image;
  sealed_changed.content.objects[index].blob[20] ^= 1;
  TokenImage version_changed = image;
  ++version_changed.content.objects[index].version;
  TokenImage flag_changed = image;
  flag_changed.content.objects[1 - index].is_private = true;
  TokenImage unknown_meta = image;
  unknown_meta.content.meta.emplace_back("future.entry", SecureBytes{1});
  TokenImage no_so_pin = image;
  std::erase_if(no_so_pin.content.meta, [](const auto& e) { return e.first == "pin.so"; });
  for (const TokenImage* bad : {&sealed_changed, &version_changed, &flag_changed, &unknown_meta, &no_so_pin}) {
    auto r = core->restore_token(1, pin(kSoPin), *bad);
    EXPECT_EQ(r.rv(), CKR_DATA_INVALID) << r.status().message();
    EXPECT_EQ(info(*core, 1).flags & CKF_TOKEN_INITIALIZED, 0u);
  }
}

}  // namespace
}  // namespace craton
