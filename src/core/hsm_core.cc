// HsmCore: lifecycle, slots and tokens, sessions and login (PKCS#11 §5.4-5.6).
#include "core/hsm_core.h"

#include <cstring>
#include <string>

#include "core/core_audit.h"

#include "crypto/mechanism.h"
#include "crypto/provider.h"
#include "session/session_table.h"
#include "store/store_lock.h"
#include "token/slot.h"

namespace craton {

HsmCore::HsmCore(Config config, std::unique_ptr<crypto::Provider> provider)
    : config_(std::move(config)),
      policy_(config_),
      provider_(std::move(provider)),
      sessions_(std::make_unique<SessionTable>()),
      handles_(std::make_unique<HandleAllocator>()) {}

HsmCore::~HsmCore() {
  // Sessions before slots, slots (and their databases) before the store lock.
  sessions_.reset();
  slots_.clear();
  if (audit_) {
    // Nobody is left to tell about a failure here: the entry is written if it can be.
    (void)audit_->record(AuditEvent{.type = AuditEventType::kFinalize}, Status::Ok());
    (void)audit_->close();
    audit_.reset();
  }
  store_lock_.reset();
}

Result<std::unique_ptr<HsmCore>> HsmCore::create(const Config& config) {
  ASSIGN_OR_RETURN(std::unique_ptr<crypto::Provider> provider, crypto::Provider::create());
  return create(config, std::move(provider));
}

Result<std::unique_ptr<HsmCore>> HsmCore::create(const Config& config, std::unique_ptr<crypto::Provider> provider,
                                                 CoreOptions options) {
  std::unique_ptr<HsmCore> core(new HsmCore(config, std::move(provider)));
  const std::filesystem::path root = config.storage_dir();
  RETURN_IF_ERROR(check_no_symlink_below(config.base_dir, config.storage_path));
  ASSIGN_OR_RETURN(core->store_lock_, StoreLock::acquire(root));
  // The audit key and head live in the store: opened under its lock.
  ASSIGN_OR_RETURN(core->audit_, CoreAudit::open(core->config_, *core->provider_, options.may_create_threads));
  AuditEvent started{.type = AuditEventType::kInitialize};
  started.detail = std::move(options.self_test_results);
  started.detail.emplace_back("crypto_ops", config.audit_crypto_ops);
  Status opened = Status::Ok();
  for (CK_SLOT_ID id = 0; id < config.slot_count && opened.ok(); ++id) {
    auto slot = std::make_unique<Slot>(id, core->config_, *core->provider_, *core->handles_);
    opened = slot->open(root / ("slot-" + std::to_string(id)));
    if (opened.ok()) core->slots_.push_back(std::move(slot));
  }
  // A start that failed is recorded too (the store is unusable, not the log).
  if (!opened.ok()) started.detail.emplace_back("error", opened.message());
  RETURN_IF_ERROR(core->audit_->record(std::move(started), opened));
  return core;
}

// --- error state ---

void HsmCore::enter_error_state(std::string reason) {
  std::lock_guard lock(failure_mu_);
  if (!failed_.load(std::memory_order_relaxed)) failure_reason_ = std::move(reason);
  failed_.store(true, std::memory_order_release);
}

// The DRBG's continuous health test latches in the Provider (crypto/drbg.h);
// it counts as a failed run-time self-test of the whole module.
bool HsmCore::in_error_state() const noexcept {
  return failed_.load(std::memory_order_acquire) || !provider_->healthy();
}

void HsmCore::audit_error_state() {
  if (!audit_ || error_state_audited_.exchange(true)) return;
  AuditEvent event{.type = AuditEventType::kSelfTest};
  event.detail.emplace_back("result", "failed");
  event.detail.emplace_back("error_state", error_state_reason());
  (void)audit_->record(std::move(event), Status(CKR_GENERAL_ERROR));
}

std::string HsmCore::error_state_reason() const {
  std::lock_guard lock(failure_mu_);
  if (failure_reason_.empty() && !provider_->healthy()) return "DRBG continuous health test failed";
  return failure_reason_;
}

// --- lookups ---

Result<SessionPtr> HsmCore::session(CK_SESSION_HANDLE h) const { return sessions_->get(h); }

Result<Slot*> HsmCore::slot(CK_SLOT_ID id) const {
  if (id >= slots_.size()) return Status(CKR_SLOT_ID_INVALID);
  return slots_[id].get();
}

Result<ObjectPtr> HsmCore::visible_object(const Session& s, CK_OBJECT_HANDLE h) const {
  ObjectPtr object = s.slot().objects().get(h);
  if (!object || !s.slot().visible(*object)) return Status(CKR_OBJECT_HANDLE_INVALID);
  return object;
}

Result<const crypto::MechanismEntry*> HsmCore::offered_mechanism(CK_MECHANISM_TYPE type) const {
  const crypto::MechanismEntry* entry = crypto::find_mechanism(type);
  if (entry == nullptr || !policy_.offers(*entry)) return Status(CKR_MECHANISM_INVALID);
  return entry;
}

// --- slots and tokens ---

std::vector<CK_SLOT_ID> HsmCore::slot_list(bool /*token_present*/) const {
  // Every slot always holds its (software) token.
  std::vector<CK_SLOT_ID> ids;
  for (const auto& s : slots_) ids.push_back(s->id());
  return ids;
}

Status HsmCore::slot_info(CK_SLOT_ID id, CK_SLOT_INFO& out) const {
  ASSIGN_OR_RETURN(Slot * s, slot(id));
  s->fill_slot_info(out);
  return Status::Ok();
}

Status HsmCore::token_info(CK_SLOT_ID id, CK_TOKEN_INFO& out) const {
  ASSIGN_OR_RETURN(Slot * s, slot(id));
  const SessionCounts c = sessions_->counts(id);
  s->fill_token_info(out, c.total, c.read_write);
  return Status::Ok();
}

Result<std::vector<CK_MECHANISM_TYPE>> HsmCore::mechanism_list(CK_SLOT_ID id) const {
  ASSIGN_OR_RETURN(Slot * s, slot(id));
  (void)s;
  std::vector<CK_MECHANISM_TYPE> out;
  for (const auto& entry : crypto::all_mechanisms()) {
    if (policy_.offers(entry)) out.push_back(entry.type);
  }
  return out;
}

Status HsmCore::mechanism_info(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO& out) const {
  ASSIGN_OR_RETURN(Slot * s, slot(id));
  (void)s;
  ASSIGN_OR_RETURN(const crypto::MechanismEntry* entry, offered_mechanism(type));
  out = policy_.info(*entry);
  return Status::Ok();
}

Result<HsmCore::ObjectCounts> HsmCore::token_object_counts(CK_SLOT_ID id) const {
  ASSIGN_OR_RETURN(Slot * s, slot(id));
  ASSIGN_OR_RETURN(auto counts, s->stored_object_counts());
  return ObjectCounts{counts.first, counts.second};
}

Status HsmCore::init_token(CK_SLOT_ID id, ByteView so_pin, ByteView label32) {
  ASSIGN_OR_RETURN(Slot * s, slot(id));
  RETURN_IF_ERROR(audit_->ready());
  AuditEvent event = CoreAudit::about_slot(AuditEventType::kInitToken, id);
  event.role = AuditRole::kSecurityOfficer;
  std::string label(reinterpret_cast<const char*>(label32.data()), label32.size());
  label.erase(label.find_last_not_of(' ') + 1);
  event.label = std::move(label);
  Status st = sessions_->counts(id).total != 0 ? Status(CKR_SESSION_EXISTS, "close all sessions first")
                                               : s->init_token(so_pin, label32);
  return audit_->record(std::move(event), st);
}

Status HsmCore::init_pin(CK_SESSION_HANDLE h, ByteView pin) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  RETURN_IF_ERROR(audit_->ready());
  AuditEvent event = CoreAudit::about(AuditEventType::kInitPin, *s);
  Status st = s->read_write() ? s->slot().init_pin(pin) : Status(CKR_SESSION_READ_ONLY);
  return audit_->record(std::move(event), st);
}

Status HsmCore::set_pin(CK_SESSION_HANDLE h, ByteView old_pin, ByteView new_pin) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  RETURN_IF_ERROR(audit_->ready());
  AuditEvent event = CoreAudit::about(AuditEventType::kSetPin, *s);
  Status st = s->read_write() ? s->slot().set_pin(old_pin, new_pin) : Status(CKR_SESSION_READ_ONLY);
  return audit_->record(std::move(event), st);
}

// --- sessions ---

Result<CK_SESSION_HANDLE> HsmCore::open_session(CK_SLOT_ID id, CK_FLAGS flags) {
  ASSIGN_OR_RETURN(Slot * s, slot(id));
  if (!(flags & CKF_SERIAL_SESSION)) return Status(CKR_SESSION_PARALLEL_NOT_SUPPORTED);
  if (!(flags & CKF_RW_SESSION) && s->login_state() == LoginState::kSecurityOfficer) {
    return Status(CKR_SESSION_READ_WRITE_SO_EXISTS);
  }
  ASSIGN_OR_RETURN(SessionPtr session,
                   sessions_->open(*s, id, flags, config_.max_sessions, config_.max_rw_sessions));
  return session->handle();
}

Status HsmCore::close_session(CK_SESSION_HANDLE h) {
  SessionPtr s = sessions_->remove(h);
  if (!s) return Status(CKR_SESSION_HANDLE_INVALID);
  Slot& slot = s->slot();
  slot.drop_session_objects(h);
  // Closing the application's last session of a token logs it out (§5.6).
  if (sessions_->counts(slot.id()).total == 0) logout_after_last_session(slot, h);
  return Status::Ok();
}

Status HsmCore::close_all_sessions(CK_SLOT_ID id) {
  ASSIGN_OR_RETURN(Slot * s, slot(id));
  CK_SESSION_HANDLE last = CK_INVALID_HANDLE;
  for (const SessionPtr& session : sessions_->remove_all(id)) {
    s->drop_session_objects(session->handle());
    last = session->handle();
  }
  logout_after_last_session(*s, last);
  return Status::Ok();
}

// Closing sessions cannot be refused, so a failure to record this is left to
// the next audited call (it finds the log failed and is refused).
void HsmCore::logout_after_last_session(Slot& slot, CK_SESSION_HANDLE last) {
  const LoginState login = slot.login_state();
  if (login == LoginState::kPublic) return;
  AuditEvent event = CoreAudit::about_slot(AuditEventType::kLogout, slot.id());
  if (last != CK_INVALID_HANDLE) event.session = last;
  event.role = login == LoginState::kUser ? AuditRole::kUser : AuditRole::kSecurityOfficer;
  event.detail.emplace_back("reason", "last session closed");
  (void)audit_->record(std::move(event), slot.logout());
}

Status HsmCore::session_info(CK_SESSION_HANDLE h, CK_SESSION_INFO& out) const {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  std::memset(&out, 0, sizeof out);
  out.slotID = s->slot().id();
  out.flags = s->flags();
  const LoginState login = s->slot().login_state();
  const bool rw = s->read_write();
  if (login == LoginState::kSecurityOfficer) out.state = CKS_RW_SO_FUNCTIONS;
  else if (login == LoginState::kUser) out.state = rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
  else out.state = rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
  return Status::Ok();
}

Status HsmCore::session_cancel(CK_SESSION_HANDLE h, CK_FLAGS flags) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  std::lock_guard lock(s->mu);
  if (flags & CKF_ENCRYPT) s->encrypt.reset();
  if (flags & CKF_DECRYPT) s->decrypt.reset();
  if (flags & CKF_DIGEST) s->digest.reset();
  if (flags & CKF_SIGN) s->sign.reset();
  if (flags & CKF_VERIFY) s->verify.reset();
  if (flags & CKF_SIGN_RECOVER) s->sign_recover.reset();
  if (flags & CKF_VERIFY_RECOVER) s->verify_recover.reset();
  if (flags & CKF_MESSAGE_ENCRYPT) s->message_encrypt.reset();
  if (flags & CKF_MESSAGE_DECRYPT) s->message_decrypt.reset();
  if (flags & CKF_FIND_OBJECTS) s->find = FindState{};
  return Status::Ok();
}

namespace {

CK_FLAGS locked_pins(const Slot& slot) { return slot.pin_flags() & (CKF_USER_PIN_LOCKED | CKF_SO_PIN_LOCKED); }

}  // namespace

// Every attempt is recorded, and a PIN locked by this attempt also as a lockout.
Status HsmCore::login(CK_SESSION_HANDLE h, CK_USER_TYPE user, ByteView pin) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  RETURN_IF_ERROR(audit_->ready());
  AuditEvent event = CoreAudit::about(AuditEventType::kLogin, *s);
  event.role = audit_role_from_user_type(user);
  const CK_FLAGS locked_before = locked_pins(s->slot());
  const Status st = login_in(*s, user, pin);
  Status result = audit_->record(std::move(event), st);
  const CK_FLAGS newly_locked = locked_pins(s->slot()) & ~locked_before;
  if (newly_locked != 0) {
    AuditEvent lockout = CoreAudit::about(AuditEventType::kLockout, *s);
    lockout.role = (newly_locked & CKF_SO_PIN_LOCKED) ? AuditRole::kSecurityOfficer : AuditRole::kUser;
    lockout.detail.emplace_back("max_failed_logins", std::to_string(config_.max_failed_logins));
    Status recorded = audit_->record(std::move(lockout), st);
    if (recorded.rv() != st.rv()) return recorded;
  }
  return result;
}

Status HsmCore::login_in(Session& session, CK_USER_TYPE user, ByteView pin) {
  Session* s = &session;
  if (user == CKU_CONTEXT_SPECIFIC) {
    std::lock_guard lock(s->mu);
    OpState* waiting = nullptr;
    for (OpState* op : {static_cast<OpState*>(&s->sign), static_cast<OpState*>(&s->decrypt),
                        static_cast<OpState*>(&s->sign_recover)}) {
      if (op->needs_context_login) waiting = op;
    }
    if (waiting == nullptr) return Status(CKR_OPERATION_NOT_INITIALIZED, "no operation awaits re-authentication");
    RETURN_IF_ERROR(s->slot().check_context_pin(pin));
    waiting->needs_context_login = false;
    return Status::Ok();
  }
  if (user != CKU_SO && user != CKU_USER) return Status(CKR_USER_TYPE_INVALID);
  if (user == CKU_SO && sessions_->counts(s->slot().id()).read_only != 0) {
    return Status(CKR_SESSION_READ_ONLY_EXISTS);
  }
  return s->slot().login(user, pin);
}

Status HsmCore::logout(CK_SESSION_HANDLE h) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  RETURN_IF_ERROR(audit_->ready());
  AuditEvent event = CoreAudit::about(AuditEventType::kLogout, *s);
  RETURN_IF_ERROR(audit_->record(std::move(event), s->slot().logout()));
  // Operations may hold private keys: they end with the login.
  for (const SessionPtr& other : sessions_->sessions_of(s->slot().id())) {
    std::lock_guard lock(other->mu);
    other->cancel_crypto_operations();
  }
  return Status::Ok();
}

// --- random ---

Status HsmCore::seed_random(CK_SESSION_HANDLE h, ByteView seed) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  return provider_->add_seed(seed);
}

Status HsmCore::generate_random(CK_SESSION_HANDLE h, std::span<std::uint8_t> out) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  if (!audit_->records_crypto()) return provider_->random(out);
  RETURN_IF_ERROR(audit_->ready());
  AuditEvent event = CoreAudit::about(AuditEventType::kGenerateRandom, *s);
  event.detail.emplace_back("bytes", std::to_string(out.size()));
  return audit_->record(std::move(event), provider_->random(out));
}

}  // namespace craton
