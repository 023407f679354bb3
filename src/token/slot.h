// Slot: one slot and its token — token state, PINs, login, and the token's
// objects (in memory in an ObjectIndex, persisted in a SlotStore).
//
// Login state belongs to the token, shared by every session of the
// application (PKCS#11 §6.7). The token master key is in memory only while
// someone is logged in.
#pragma once

#include <atomic>
#include <functional>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/config.h"
#include "core/mutex.h"
#include "store/record_cipher.h"
#include "store/slot_store.h"
#include "store/token_image.h"
#include "token/object_index.h"
#include "token/pin_record.h"
#include "token/token_meta.h"

namespace craton {

namespace crypto { class Provider; }

// Module-wide unique object handles, so a handle names one object of one slot.
class HandleAllocator {
 public:
  CK_OBJECT_HANDLE next() { return counter_.fetch_add(1, std::memory_order_relaxed); }

 private:
  std::atomic<CK_OBJECT_HANDLE> counter_{1};
};

enum class LoginState { kPublic, kUser, kSecurityOfficer };

class Slot {
 public:
  Slot(CK_SLOT_ID id, const Config& config, const crypto::Provider& provider, HandleAllocator& handles);
  ~Slot();

  // Opens <dir>/token.sqlite3 and loads the token state and public objects.
  Status open(const std::filesystem::path& dir);

  CK_SLOT_ID id() const { return id_; }
  void fill_slot_info(CK_SLOT_INFO& out) const;
  void fill_token_info(CK_TOKEN_INFO& out, CK_ULONG sessions, CK_ULONG rw_sessions) const;
  bool initialized() const;

  // --- Token and PINs ---
  Status init_token(ByteView so_pin, ByteView label32);  // caller ensures no open session
  Status login(CK_USER_TYPE user, ByteView pin);
  Status check_context_pin(ByteView pin);  // CKU_CONTEXT_SPECIFIC re-authentication
  Status logout();
  Status init_pin(ByteView pin);                              // SO logged in
  Status set_pin(ByteView old_pin, ByteView new_pin);         // as the logged-in role (user if none)
  LoginState login_state() const;
  // The CKF_*_PIN_COUNT_LOW / FINAL_TRY / LOCKED flags of CK_TOKEN_INFO.
  CK_FLAGS pin_flags() const;

  // --- Objects ---
  ObjectIndex& objects() { return objects_; }
  const ObjectIndex& objects() const { return objects_; }
  // Whether a session of this application may see `object` right now.
  bool visible(const Object& object) const;
  // Publishes a new object; token objects are durable when this returns OK.
  Result<ObjectPtr> add_object(AttributeMap attrs, CK_SESSION_HANDLE owner);
  // Read-modify-write of one object, atomic against every other change to the
  // slot's objects: `edit` sees the current version (that `may_see` accepts)
  // and returns its new attributes.
  using ObjectEdit = std::function<Result<AttributeMap>(const Object&)>;
  Status modify_object(CK_OBJECT_HANDLE handle, const std::function<bool(const Object&)>& may_see,
                       const ObjectEdit& edit);
  Status destroy_object(const ObjectPtr& object);
  void drop_session_objects(CK_SESSION_HANDLE session);
  // Token objects in the store: {public, private}.
  Result<std::pair<std::size_t, std::size_t>> stored_object_counts() const;

  // --- Backup and restore (slot_backup.cc, docs/backup.md) ---
  // The token as stored, for a backup: needs the SO logged in, and checks
  // first that every sealed record opens with the master key (a damaged
  // store gives CKR_DEVICE_ERROR, not a backup that cannot be restored).
  Result<TokenImage> export_image() const;
  // Replaces this slot's token with `image` (caller ensures no open session).
  // `so_pin` must open the image's SO PIN record (CKR_PIN_INCORRECT, not
  // counted here) and, when this slot holds an initialised token, must also
  // be that token's SO PIN (checked and counted like a login). Every record
  // is opened before anything is written; then the store is replaced in one
  // transaction. Into another slot than the source, private records are
  // re-sealed for this slot, the SO PIN record is made anew and the user PIN
  // is left unset (it cannot be rewrapped without the user PIN).
  Result<RestoreOutcome> restore_image(ByteView so_pin, const TokenImage& image);

 private:
  Status load_meta();
  Status save_meta_locked(std::vector<std::pair<std::string, SecureBytes>> extra);
  Status load_objects(bool private_ones);
  Result<CK_ULONG> failures(PinRole role) const;
  Status record_failures(PinRole role, CK_ULONG count);
  Result<SecureBytes> verify_pin_locked(std::unique_lock<Mutex>& lock, PinRole role, ByteView pin);
  Status check_pin_length(ByteView pin) const;
  Result<Bytes> seal_if_private(const Object& object) const;
  CK_OBJECT_HANDLE handle_for_store_id(std::uint64_t store_id);
  // After the store was replaced (token init, restore): `meta` is the token
  // now, nobody is logged in and no object of the old token stays in memory.
  // Caller holds write_mu_ and mu_.
  void become_new_token(const TokenMeta& meta);

  const CK_SLOT_ID id_;
  const Config& config_;
  const crypto::Provider& provider_;
  HandleAllocator& handles_;
  std::unique_ptr<SlotStore> store_;
  ObjectIndex objects_;

  // Serialises every change to the set of objects (create, modify, destroy,
  // logout, token init) so that no write can resurrect or outlive another.
  // Lock order: write_mu_ before mu_.
  Mutex write_mu_;
  mutable Mutex mu_;  // token meta, login state, master key, failure counters
  TokenMeta meta_;
  std::atomic<LoginState> login_{LoginState::kPublic};  // read lock-free on hot paths
  std::optional<SecureBytes> master_key_;
  std::shared_ptr<const RecordCipher> cipher_;  // present while someone is logged in
  CK_ULONG so_failures_ = 0;
  CK_ULONG user_failures_ = 0;
  std::unordered_map<std::uint64_t, CK_OBJECT_HANDLE> handle_of_store_id_;
};

}  // namespace craton
