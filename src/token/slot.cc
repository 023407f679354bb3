// Slot: token state, PINs and login. Object persistence is in slot_objects.cc.
#include "token/slot.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <thread>

#include "crypto/provider.h"

namespace craton {
namespace {

constexpr std::size_t kMasterKeyBytes = 32;

void pad_copy(CK_UTF8CHAR* dst, std::size_t n, std::string_view src) {
  std::memset(dst, ' ', n);
  std::memcpy(dst, src.data(), std::min(n, src.size()));
}

std::string padded(std::string_view s, std::size_t n) {
  std::string out(s.substr(0, n));
  out.resize(n, ' ');
  return out;
}

// Back-off after a failed login: 100 ms doubling to 5 s (DESIGN.md §4).
std::chrono::milliseconds backoff_for(CK_ULONG failures) {
  if (failures == 0) return std::chrono::milliseconds(0);
  const CK_ULONG shift = std::min<CK_ULONG>(failures - 1, 6);
  return std::chrono::milliseconds(std::min<long>(100L << shift, 5000L));
}

PinRole role_of(CK_USER_TYPE user) { return user == CKU_SO ? PinRole::kSecurityOfficer : PinRole::kUser; }

}  // namespace

Slot::Slot(CK_SLOT_ID id, const Config& config, const crypto::Provider& provider, HandleAllocator& handles)
    : id_(id), config_(config), provider_(provider), handles_(handles) {}

Slot::~Slot() = default;

Status Slot::open(const std::filesystem::path& dir) {
  ASSIGN_OR_RETURN(store_, SlotStore::open(dir));
  RETURN_IF_ERROR(load_meta());
  return load_objects(/*private_ones=*/false);
}

Status Slot::load_meta() {
  ASSIGN_OR_RETURN(auto token, store_->get_meta(kMetaToken));
  meta_ = TokenMeta{};
  if (token) {
    ASSIGN_OR_RETURN(meta_, TokenMeta::decode(*token));
  }
  ASSIGN_OR_RETURN(so_failures_, failures(PinRole::kSecurityOfficer));
  ASSIGN_OR_RETURN(user_failures_, failures(PinRole::kUser));
  return Status::Ok();
}

Result<CK_ULONG> Slot::failures(PinRole role) const {
  ASSIGN_OR_RETURN(auto blob, store_->get_meta(role == PinRole::kUser ? kMetaUserFailures : kMetaSoFailures));
  if (!blob) return CK_ULONG{0};
  return decode_failure_counter(*blob);
}

Status Slot::record_failures(PinRole role, CK_ULONG count) {
  (role == PinRole::kUser ? user_failures_ : so_failures_) = count;
  return store_->put_meta(role == PinRole::kUser ? kMetaUserFailures : kMetaSoFailures, encode_failure_counter(count));
}

Status Slot::save_meta_locked(std::vector<std::pair<std::string, SecureBytes>> extra) {
  extra.emplace_back(kMetaToken, meta_.encode());
  return store_->put_meta(extra);
}

bool Slot::initialized() const {
  std::lock_guard lock(mu_);
  return meta_.initialized;
}

LoginState Slot::login_state() const { return login_.load(std::memory_order_acquire); }

void Slot::fill_slot_info(CK_SLOT_INFO& out) const {
  std::memset(&out, 0, sizeof out);
  pad_copy(out.slotDescription, sizeof out.slotDescription, "Craton HSM slot " + std::to_string(id_));
  pad_copy(out.manufacturerID, sizeof out.manufacturerID, "Craton HSM");
  out.flags = CKF_TOKEN_PRESENT;
  out.hardwareVersion = {0, 1};
  out.firmwareVersion = {0, 1};
}

CK_FLAGS Slot::pin_flags() const {
  CK_FLAGS flags = 0;
  const CK_ULONG max = config_.max_failed_logins;
  if (user_failures_ > 0) flags |= CKF_USER_PIN_COUNT_LOW;
  if (user_failures_ + 1 == max) flags |= CKF_USER_PIN_FINAL_TRY;
  if (user_failures_ >= max) flags |= CKF_USER_PIN_LOCKED;
  if (so_failures_ > 0) flags |= CKF_SO_PIN_COUNT_LOW;
  if (so_failures_ + 1 == max) flags |= CKF_SO_PIN_FINAL_TRY;
  if (so_failures_ >= max) flags |= CKF_SO_PIN_LOCKED;
  return flags;
}

void Slot::fill_token_info(CK_TOKEN_INFO& out, CK_ULONG sessions, CK_ULONG rw_sessions) const {
  std::lock_guard lock(mu_);
  std::memset(&out, 0, sizeof out);
  pad_copy(out.label, sizeof out.label, meta_.initialized ? meta_.label : "");
  pad_copy(out.manufacturerID, sizeof out.manufacturerID, "Craton HSM");
  pad_copy(out.model, sizeof out.model, "Software HSM");
  std::string serial = meta_.serial;
  if (serial.empty()) serial = config_.serial_number.empty() ? "CRATON" + std::to_string(id_) : config_.serial_number;
  pad_copy(out.serialNumber, sizeof out.serialNumber, serial);
  out.flags = CKF_RNG | CKF_LOGIN_REQUIRED | CKF_CLOCK_ON_TOKEN | pin_flags();
  if (meta_.initialized) out.flags |= CKF_TOKEN_INITIALIZED;
  if (meta_.user_pin_initialized) out.flags |= CKF_USER_PIN_INITIALIZED;
  out.ulMaxSessionCount = config_.max_sessions;
  out.ulSessionCount = sessions;
  out.ulMaxRwSessionCount = config_.max_rw_sessions;
  out.ulRwSessionCount = rw_sessions;
  out.ulMaxPinLen = config_.pin_max_length;
  out.ulMinPinLen = config_.pin_min_length;
  out.ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
  out.ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
  out.ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
  out.ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
  out.hardwareVersion = {0, 1};
  out.firmwareVersion = {0, 1};
  // utcTime is YYYYMMDDhhmmss00 (PKCS#11 §3.2, CK_TOKEN_INFO).
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char utc[17];
  std::strftime(utc, sizeof utc, "%Y%m%d%H%M%S00", &tm);
  std::memcpy(out.utcTime, utc, sizeof out.utcTime);
}

Status Slot::check_pin_length(ByteView pin) const {
  if (pin.size() < config_.pin_min_length || pin.size() > config_.pin_max_length) {
    return Status(CKR_PIN_LEN_RANGE, "PIN length outside [pin_min_length, pin_max_length]");
  }
  return Status::Ok();
}

Status Slot::init_token(ByteView so_pin, ByteView label32) {
  std::lock_guard write(write_mu_);
  std::unique_lock lock(mu_);
  if (meta_.initialized) {
    // Re-initialisation requires the current SO PIN (PKCS#11 §5.6 C_InitToken).
    ASSIGN_OR_RETURN(SecureBytes old_key, verify_pin_locked(lock, PinRole::kSecurityOfficer, so_pin));
    (void)old_key;
  } else {
    RETURN_IF_ERROR(check_pin_length(so_pin));
  }
  SecureBytes master(kMasterKeyBytes);
  RETURN_IF_ERROR(provider_.random(master));
  ASSIGN_OR_RETURN(PinRecord so, PinRecord::create(provider_, id_, PinRole::kSecurityOfficer, so_pin,
                                                   config_.pbkdf2_iterations, master));
  TokenMeta meta;
  meta.initialized = true;
  meta.label = padded(std::string(label32.begin(), label32.end()), 32);
  meta.serial = meta_.serial;
  if (meta.serial.empty()) {
    std::uint8_t raw[8];
    RETURN_IF_ERROR(provider_.random(raw));
    static const char* hex = "0123456789abcdef";
    for (std::uint8_t b : raw) {
      meta.serial.push_back(hex[b >> 4]);
      meta.serial.push_back(hex[b & 15]);
    }
    if (!config_.serial_number.empty()) meta.serial = config_.serial_number;
  }
  RETURN_IF_ERROR(store_->reset({{kMetaToken, meta.encode()}, {kMetaSoPin, so.encode()}}));
  become_new_token(meta);
  return Status::Ok();
}

void Slot::become_new_token(const TokenMeta& meta) {
  // The store now holds another token: forget everything of the old one.
  meta_ = meta;
  so_failures_ = user_failures_ = 0;
  login_ = LoginState::kPublic;
  master_key_.reset();
  cipher_.reset();
  objects_.erase_if([](const Object&) { return true; });
  handle_of_store_id_.clear();
}

// Checks a PIN against its record, maintaining the persistent failure counter
// before the answer is given, so killing the process cannot erase a failure.
// `lock` holds mu_; it is released while sleeping. Relocking can throw with
// application mutex callbacks (core/mutex.h): the unique_lock then knows it
// does not own mu_, so no caller unlocks a mutex it does not hold.
Result<SecureBytes> Slot::verify_pin_locked(std::unique_lock<Mutex>& lock, PinRole role, ByteView pin) {
  CK_ULONG& failures = role == PinRole::kUser ? user_failures_ : so_failures_;
  if (failures >= config_.max_failed_logins) return Status(CKR_PIN_LOCKED, "PIN locked after too many failures");
  ASSIGN_OR_RETURN(auto blob, store_->get_meta(role == PinRole::kUser ? kMetaUserPin : kMetaSoPin));
  if (!blob) return Status(CKR_USER_PIN_NOT_INITIALIZED, "PIN not initialised");
  ASSIGN_OR_RETURN(PinRecord record, PinRecord::decode(*blob));
  RETURN_IF_ERROR(record_failures(role, failures + 1));
  Result<SecureBytes> key = record.unlock(provider_, id_, role, pin);
  if (key.ok()) {
    RETURN_IF_ERROR(record_failures(role, 0));
    return key;
  }
  if (key.rv() != CKR_PIN_INCORRECT) {
    (void)record_failures(role, failures - 1);  // not a wrong PIN: do not count it
    return key.status();
  }
  const auto delay = backoff_for(failures);
  lock.unlock();  // never sleep holding the token lock
  std::this_thread::sleep_for(delay);
  lock.lock();
  // The attempt that uses up the last try still answers "incorrect"; the
  // token flags (CKF_USER_PIN_LOCKED) and every later attempt say "locked".
  return Status(CKR_PIN_INCORRECT, "wrong PIN");
}

Status Slot::login(CK_USER_TYPE user, ByteView pin) {
  std::unique_lock lock(mu_);
  if (!meta_.initialized) return Status(CKR_USER_PIN_NOT_INITIALIZED, "token not initialised");
  const LoginState wanted = user == CKU_SO ? LoginState::kSecurityOfficer : LoginState::kUser;
  if (login_ == wanted) return Status(CKR_USER_ALREADY_LOGGED_IN);
  if (login_ != LoginState::kPublic) return Status(CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
  if (user == CKU_USER && !meta_.user_pin_initialized) return Status(CKR_USER_PIN_NOT_INITIALIZED);
  ASSIGN_OR_RETURN(SecureBytes master, verify_pin_locked(lock, role_of(user), pin));
  if (login_ != LoginState::kPublic) return Status(CKR_USER_ANOTHER_ALREADY_LOGGED_IN);  // raced while sleeping
  cipher_ = std::make_shared<const RecordCipher>(provider_, master, id_);
  master_key_ = std::move(master);
  login_ = wanted;
  if (wanted == LoginState::kUser) {
    Status st = load_objects(/*private_ones=*/true);
    if (!st.ok()) {
      login_ = LoginState::kPublic;
      master_key_.reset();
      cipher_.reset();
      return st;
    }
  }
  return Status::Ok();
}

Status Slot::check_context_pin(ByteView pin) {
  std::unique_lock lock(mu_);
  if (login_ != LoginState::kUser) return Status(CKR_USER_NOT_LOGGED_IN);
  ASSIGN_OR_RETURN(SecureBytes master, verify_pin_locked(lock, PinRole::kUser, pin));
  return Status::Ok();
}

Status Slot::logout() {
  std::lock_guard write(write_mu_);  // waits for object writes that checked the login
  std::lock_guard lock(mu_);
  if (login_ == LoginState::kPublic) return Status(CKR_USER_NOT_LOGGED_IN);
  login_ = LoginState::kPublic;
  master_key_.reset();
  cipher_.reset();
  // Private objects (token and session) leave memory with the login.
  objects_.erase_if([](const Object& o) { return o.is_private(); });
  return Status::Ok();
}

Status Slot::init_pin(ByteView pin) {
  std::lock_guard lock(mu_);
  if (login_ != LoginState::kSecurityOfficer) return Status(CKR_USER_NOT_LOGGED_IN, "C_InitPIN needs the SO");
  RETURN_IF_ERROR(check_pin_length(pin));
  ASSIGN_OR_RETURN(PinRecord user, PinRecord::create(provider_, id_, PinRole::kUser, pin,
                                                     config_.pbkdf2_iterations, *master_key_));
  meta_.user_pin_initialized = true;
  RETURN_IF_ERROR(save_meta_locked({{kMetaUserPin, user.encode()}, {kMetaUserFailures, encode_failure_counter(0)}}));
  user_failures_ = 0;
  return Status::Ok();
}

Status Slot::set_pin(ByteView old_pin, ByteView new_pin) {
  std::unique_lock lock(mu_);
  const PinRole role = login_ == LoginState::kSecurityOfficer ? PinRole::kSecurityOfficer : PinRole::kUser;
  if (role == PinRole::kUser && !meta_.user_pin_initialized) return Status(CKR_USER_PIN_NOT_INITIALIZED);
  RETURN_IF_ERROR(check_pin_length(new_pin));
  ASSIGN_OR_RETURN(SecureBytes master, verify_pin_locked(lock, role, old_pin));
  ASSIGN_OR_RETURN(PinRecord record,
                   PinRecord::create(provider_, id_, role, new_pin, config_.pbkdf2_iterations, master));
  return store_->put_meta(role == PinRole::kUser ? kMetaUserPin : kMetaSoPin, record.encode());
}

}  // namespace craton
