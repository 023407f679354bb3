// HsmCore: lifecycle, slots and tokens, sessions and login (PKCS#11 §5.4-5.6).
#include "core/hsm_core.h"

#include <cstring>

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
  store_lock_.reset();
}

Result<std::unique_ptr<HsmCore>> HsmCore::create(const Config& config) {
  ASSIGN_OR_RETURN(std::unique_ptr<crypto::Provider> provider, crypto::Provider::create());
  return create(config, std::move(provider));
}

Result<std::unique_ptr<HsmCore>> HsmCore::create(const Config& config, std::unique_ptr<crypto::Provider> provider) {
  std::unique_ptr<HsmCore> core(new HsmCore(config, std::move(provider)));
  const std::filesystem::path root = config.storage_dir();
  RETURN_IF_ERROR(check_no_symlink_below(config.base_dir, config.storage_path));
  ASSIGN_OR_RETURN(core->store_lock_, StoreLock::acquire(root));
  for (CK_SLOT_ID id = 0; id < config.slot_count; ++id) {
    auto slot = std::make_unique<Slot>(id, core->config_, *core->provider_, *core->handles_);
    RETURN_IF_ERROR(slot->open(root / ("slot-" + std::to_string(id))));
    core->slots_.push_back(std::move(slot));
  }
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

Status HsmCore::init_token(CK_SLOT_ID id, ByteView so_pin, ByteView label32) {
  ASSIGN_OR_RETURN(Slot * s, slot(id));
  if (sessions_->counts(id).total != 0) return Status(CKR_SESSION_EXISTS, "close all sessions first");
  return s->init_token(so_pin, label32);
}

Status HsmCore::init_pin(CK_SESSION_HANDLE h, ByteView pin) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  if (!s->read_write()) return Status(CKR_SESSION_READ_ONLY);
  return s->slot().init_pin(pin);
}

Status HsmCore::set_pin(CK_SESSION_HANDLE h, ByteView old_pin, ByteView new_pin) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  if (!s->read_write()) return Status(CKR_SESSION_READ_ONLY);
  return s->slot().set_pin(old_pin, new_pin);
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
  if (sessions_->counts(slot.id()).total == 0 && slot.login_state() != LoginState::kPublic) {
    (void)slot.logout();
  }
  return Status::Ok();
}

Status HsmCore::close_all_sessions(CK_SLOT_ID id) {
  ASSIGN_OR_RETURN(Slot * s, slot(id));
  for (const SessionPtr& session : sessions_->remove_all(id)) s->drop_session_objects(session->handle());
  if (s->login_state() != LoginState::kPublic) (void)s->logout();
  return Status::Ok();
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

Status HsmCore::login(CK_SESSION_HANDLE h, CK_USER_TYPE user, ByteView pin) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
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
  RETURN_IF_ERROR(s->slot().logout());
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
  return provider_->random(out);
}

}  // namespace craton
