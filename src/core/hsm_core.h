// HsmCore: the one core behind the PKCS#11 module, the daemon and the CLI.
//
// Every method validates state and arguments that are not pointer problems
// (the C ABI has already checked pointers and lengths), does the work, and
// returns the precise CK_RV in a Status. Methods are thread-safe.
// The facade only routes: slots/tokens live in token/, sessions and their
// operation state in session/, object rules in object/, crypto in crypto/.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <utility>
#include <span>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/output.h"
#include "core/policy.h"
#include "object/attributes.h"
#include "object/object.h"
#include "session/session.h"
#include "store/token_image.h"

namespace craton {

namespace crypto { class Provider; }
class Slot;
class SessionTable;
class StoreLock;
class HandleAllocator;
namespace crypto { struct MechanismEntry; }

class CoreAudit;

// How the caller (module, daemon, CLI) starts the core.
struct CoreOptions {
  // False when the application forbade threads (CKF_LIBRARY_CANT_CREATE_OS_THREADS):
  // the audit log then writes buffered entries without a background thread.
  bool may_create_threads = true;
  // The power-on self-test results the caller obtained, for the audit log's
  // "initialize" entry (name -> result).
  std::vector<std::pair<std::string, std::string>> self_test_results;
};

// Kinds of operation a session holds one of each (PKCS#11 §5.2).
enum class OpKind { Encrypt, Decrypt, Digest, Sign, Verify, SignRecover, VerifyRecover,
                    MessageEncrypt, MessageDecrypt, Find, VerifySignature };

class HsmCore {
 public:
  static Result<std::unique_ptr<HsmCore>> create(const Config& config);
  // With a Provider the caller made (and ran the power-on self-tests on).
  static Result<std::unique_ptr<HsmCore>> create(const Config& config, std::unique_ptr<crypto::Provider> provider,
                                                 CoreOptions options = {});
  // Records "finalize" in the audit log and writes what it still holds.
  ~HsmCore();

  const Config& config() const { return config_; }
  const crypto::Provider& provider() const { return *provider_; }

  // --- Error state (issue: self-tests) ---
  // A failed self-test at run time (pairwise consistency of a new key pair,
  // the DRBG's continuous health test) latches the error state: from then on
  // every call answers CKR_GENERAL_ERROR until the module is finalised and
  // initialised again. The first reason is kept.
  void enter_error_state(std::string reason);
  bool in_error_state() const noexcept;
  std::string error_state_reason() const;
  // Records the error state in the audit log, once (the log's HMAC does not
  // depend on the failed part; if it did, the entry is simply not written).
  void audit_error_state();

  // --- Slots and tokens (PKCS#11 §5.5) ---
  std::vector<CK_SLOT_ID> slot_list(bool token_present) const;
  Status slot_info(CK_SLOT_ID slot, CK_SLOT_INFO& out) const;
  Status token_info(CK_SLOT_ID slot, CK_TOKEN_INFO& out) const;
  Result<std::vector<CK_MECHANISM_TYPE>> mechanism_list(CK_SLOT_ID slot) const;
  Status mechanism_info(CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO& out) const;
  Status init_token(CK_SLOT_ID slot, ByteView so_pin, ByteView label32);
  // How many token objects the slot's store holds, private ones included
  // (counted without decrypting them; for status reports).
  struct ObjectCounts {
    std::size_t public_objects = 0;
    std::size_t private_objects = 0;
  };
  Result<ObjectCounts> token_object_counts(CK_SLOT_ID slot) const;
  Status init_pin(CK_SESSION_HANDLE h, ByteView pin);
  Status set_pin(CK_SESSION_HANDLE h, ByteView old_pin, ByteView new_pin);

  // --- Backup and restore (backup_calls.cc, docs/backup.md) ---
  // The session's token as stored, private records still sealed; the
  // session's token must be logged in as the SO. Audited (kBackup).
  Result<TokenImage> backup_token(CK_SESSION_HANDLE h);
  // Replaces the token in `slot` with `image` (see Slot::restore_image for
  // the checks); CKR_SESSION_EXISTS while the slot has open sessions.
  // Audited (kRestore), success or failure.
  Result<RestoreOutcome> restore_token(CK_SLOT_ID slot, ByteView so_pin, const TokenImage& image);

  // --- Sessions (§5.6) ---
  Result<CK_SESSION_HANDLE> open_session(CK_SLOT_ID slot, CK_FLAGS flags);
  Status close_session(CK_SESSION_HANDLE h);
  Status close_all_sessions(CK_SLOT_ID slot);
  Status session_info(CK_SESSION_HANDLE h, CK_SESSION_INFO& out) const;
  Status session_cancel(CK_SESSION_HANDLE h, CK_FLAGS flags);
  Status login(CK_SESSION_HANDLE h, CK_USER_TYPE user, ByteView pin);
  Status logout(CK_SESSION_HANDLE h);

  // --- Objects (§5.7) ---
  Result<CK_OBJECT_HANDLE> create_object(CK_SESSION_HANDLE h, const AttributeMap& tmpl);
  Result<CK_OBJECT_HANDLE> copy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, const AttributeMap& tmpl);
  Status destroy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj);
  Result<CK_ULONG> object_size(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj);
  // A snapshot of a visible object for C_GetAttributeValue (readability via
  // object/template_rules.h: attribute_readability).
  Result<ObjectPtr> read_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj);
  Status set_attributes(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, const AttributeMap& changes);
  Status find_init(CK_SESSION_HANDLE h, const AttributeMap& tmpl);
  Result<std::size_t> find(CK_SESSION_HANDLE h, std::span<CK_OBJECT_HANDLE> out);
  Status find_final(CK_SESSION_HANDLE h);

  // --- Single- and multi-part crypto (§5.8-5.13) ---
  // kind: Encrypt, Decrypt, Sign, Verify, SignRecover, VerifyRecover.
  Status crypto_init(CK_SESSION_HANDLE h, OpKind kind, const CK_MECHANISM& mech, CK_OBJECT_HANDLE key);
  Status digest_init(CK_SESSION_HANDLE h, const CK_MECHANISM& mech);
  // Cancels an active operation of `kind` (C_*Init with a NULL mechanism).
  Status cancel_operation(CK_SESSION_HANDLE h, OpKind kind);

  Status encrypt(CK_SESSION_HANDLE h, ByteView in, Output out);
  Status encrypt_update(CK_SESSION_HANDLE h, ByteView in, Output out);
  Status encrypt_final(CK_SESSION_HANDLE h, Output out);
  Status decrypt(CK_SESSION_HANDLE h, ByteView in, Output out);
  Status decrypt_update(CK_SESSION_HANDLE h, ByteView in, Output out);
  Status decrypt_final(CK_SESSION_HANDLE h, Output out);
  Status digest(CK_SESSION_HANDLE h, ByteView in, Output out);
  Status digest_update(CK_SESSION_HANDLE h, ByteView in);
  Status digest_key(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key);
  Status digest_final(CK_SESSION_HANDLE h, Output out);
  Status sign(CK_SESSION_HANDLE h, ByteView in, Output out);
  Status sign_update(CK_SESSION_HANDLE h, ByteView in);
  Status sign_final(CK_SESSION_HANDLE h, Output out);
  Status sign_recover(CK_SESSION_HANDLE h, ByteView in, Output out);
  Status verify(CK_SESSION_HANDLE h, ByteView in, ByteView signature);
  Status verify_update(CK_SESSION_HANDLE h, ByteView in);
  Status verify_final(CK_SESSION_HANDLE h, ByteView signature);
  Status verify_recover(CK_SESSION_HANDLE h, ByteView signature, Output out);

  // --- Verification with the signature given first (3.2 C_VerifySignature*) ---
  Status verify_signature_init(CK_SESSION_HANDLE h, const CK_MECHANISM& mech, CK_OBJECT_HANDLE key,
                               ByteView signature);
  Status verify_signature(CK_SESSION_HANDLE h, ByteView in);
  Status verify_signature_update(CK_SESSION_HANDLE h, ByteView in);
  Status verify_signature_final(CK_SESSION_HANDLE h);

  // --- Message-based encryption (§5.14-5.15) ---
  Status message_init(CK_SESSION_HANDLE h, OpKind kind, const CK_MECHANISM& mech, CK_OBJECT_HANDLE key);
  // One whole message (C_EncryptMessage / C_DecryptMessage).
  Status message_run(CK_SESSION_HANDLE h, OpKind kind, void* params, CK_ULONG params_len, ByteView aad,
                     ByteView in, Output out);
  Status message_begin(CK_SESSION_HANDLE h, OpKind kind, void* params, CK_ULONG params_len, ByteView aad);
  Status message_next(CK_SESSION_HANDLE h, OpKind kind, void* params, CK_ULONG params_len, ByteView in,
                      Output out, bool last);
  Status message_final(CK_SESSION_HANDLE h, OpKind kind);

  // --- Keys (§5.16) ---
  Result<CK_OBJECT_HANDLE> generate_key(CK_SESSION_HANDLE h, const CK_MECHANISM& mech, const AttributeMap& tmpl);
  Status generate_key_pair(CK_SESSION_HANDLE h, const CK_MECHANISM& mech, const AttributeMap& public_tmpl,
                           const AttributeMap& private_tmpl, CK_OBJECT_HANDLE& public_key,
                           CK_OBJECT_HANDLE& private_key);
  Status wrap_key(CK_SESSION_HANDLE h, const CK_MECHANISM& mech, CK_OBJECT_HANDLE wrapping_key,
                  CK_OBJECT_HANDLE key, Output out);
  Result<CK_OBJECT_HANDLE> unwrap_key(CK_SESSION_HANDLE h, const CK_MECHANISM& mech, CK_OBJECT_HANDLE unwrapping_key,
                                      ByteView wrapped, const AttributeMap& tmpl);
  Result<CK_OBJECT_HANDLE> derive_key(CK_SESSION_HANDLE h, const CK_MECHANISM& mech, CK_OBJECT_HANDLE base_key,
                                      const AttributeMap& tmpl);

  // --- Key encapsulation (3.2 C_EncapsulateKey / C_DecapsulateKey) ---
  // A length query (ciphertext.is_query()) or a too-small buffer makes no
  // key; otherwise `key` receives the new secret key's handle.
  Status encapsulate_key(CK_SESSION_HANDLE h, const CK_MECHANISM& mech, CK_OBJECT_HANDLE public_key,
                         const AttributeMap& tmpl, Output ciphertext, CK_OBJECT_HANDLE& key);
  Result<CK_OBJECT_HANDLE> decapsulate_key(CK_SESSION_HANDLE h, const CK_MECHANISM& mech,
                                           CK_OBJECT_HANDLE private_key, ByteView ciphertext,
                                           const AttributeMap& tmpl);

  // --- Random (§5.17) ---
  Status seed_random(CK_SESSION_HANDLE h, ByteView seed);
  Status generate_random(CK_SESSION_HANDLE h, std::span<std::uint8_t> out);

 private:
  HsmCore(Config config, std::unique_ptr<crypto::Provider> provider);

  // Lookups shared by the chapters (hsm_core.cc).
  Result<SessionPtr> session(CK_SESSION_HANDLE h) const;
  Result<Slot*> slot(CK_SLOT_ID id) const;
  // An object the session may see (CKR_OBJECT_HANDLE_INVALID otherwise).
  Result<ObjectPtr> visible_object(const Session& s, CK_OBJECT_HANDLE h) const;
  // The registry row for `type` if the configured policy offers it.
  Result<const crypto::MechanismEntry*> offered_mechanism(CK_MECHANISM_TYPE type) const;
  Status check_generated_pair(const AttributeMap& pub, const AttributeMap& priv);
  // Publishes a new object for the session after the rules have produced `attrs`.
  Result<CK_OBJECT_HANDLE> publish(Session& s, AttributeMap attrs);
  // The unaudited bodies of audited calls (the public methods record them).
  Result<CK_OBJECT_HANDLE> create_object_in(Session& s, const AttributeMap& tmpl);
  Result<CK_OBJECT_HANDLE> generate_key_in(Session& s, const CK_MECHANISM& mech, const AttributeMap& tmpl);
  Status generate_key_pair_in(Session& s, const CK_MECHANISM& mech, const AttributeMap& public_tmpl,
                              const AttributeMap& private_tmpl, CK_OBJECT_HANDLE& public_key,
                              CK_OBJECT_HANDLE& private_key);
  Status wrap_key_in(Session& s, const CK_MECHANISM& mech, CK_OBJECT_HANDLE wrapping_key, CK_OBJECT_HANDLE key,
                     Output out);
  Result<CK_OBJECT_HANDLE> unwrap_key_in(Session& s, const CK_MECHANISM& mech, CK_OBJECT_HANDLE unwrapping_key,
                                         ByteView wrapped, const AttributeMap& tmpl);
  Result<CK_OBJECT_HANDLE> derive_key_in(Session& s, const CK_MECHANISM& mech, CK_OBJECT_HANDLE base_key,
                                         const AttributeMap& tmpl);
  Status encapsulate_key_in(Session& s, const CK_MECHANISM& mech, CK_OBJECT_HANDLE public_key,
                            const AttributeMap& tmpl, Output ciphertext, CK_OBJECT_HANDLE& key);
  Result<CK_OBJECT_HANDLE> decapsulate_key_in(Session& s, const CK_MECHANISM& mech, CK_OBJECT_HANDLE private_key,
                                              ByteView ciphertext, const AttributeMap& tmpl);
  // The secret key an encapsulation makes: the caller's template merged with
  // the KEM key's CKA_(EN|DE)CAPSULATE_TEMPLATE, checked by the object rules.
  Result<AttributeMap> kem_key_template(Session& s, const CK_MECHANISM& mech, const Object& kem_key,
                                        const AttributeMap& tmpl, bool encapsulating);
  Result<CK_OBJECT_HANDLE> publish_kem_secret(Session& s, AttributeMap attrs, const SecureBytes& secret);
  Status login_in(Session& s, CK_USER_TYPE user, ByteView pin);
  // Logs the token out after its last session closed, and records it.
  void logout_after_last_session(Slot& slot, CK_SESSION_HANDLE last);

  Config config_;
  MechanismPolicy policy_;
  std::unique_ptr<crypto::Provider> provider_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::unique_ptr<SessionTable> sessions_;
  std::unique_ptr<HandleAllocator> handles_;
  std::unique_ptr<StoreLock> store_lock_;
  std::unique_ptr<CoreAudit> audit_;
  std::atomic<bool> error_state_audited_{false};
  std::atomic<bool> failed_{false};
  mutable std::mutex failure_mu_;
  std::string failure_reason_;  // guarded by failure_mu_
};

}  // namespace craton
