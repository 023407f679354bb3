// The building blocks of the concurrency tests: one set of token keys that
// every thread uses, and short PKCS#11 round trips over them that check every
// return code and every output through an RvLog.
#pragma once

#include <cstdint>
#include <string>

#include "stress_util.h"

namespace stress {

// Token objects created once per test and shared by all threads.
struct SharedKeys {
  CK_OBJECT_HANDLE rsa_public = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE rsa_private = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE ec_public = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE ec_private = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE aes = CK_INVALID_HANDLE;           // private, sensitive
  CK_OBJECT_HANDLE label_object = CK_INVALID_HANDLE;  // public CKO_DATA whose CKA_LABEL threads rewrite
  Bytes rsa_modulus;
  Bytes ec_point;
};

inline constexpr char kRsaId[] = "stress-rsa";
inline constexpr char kAesLabel[] = "stress-aes";

// RSA-2048 and EC P-256 key pairs, an AES-256 key (all CKA_TOKEN=TRUE, the
// private halves CKA_PRIVATE=TRUE) and the shared label object. Needs a
// logged-in user. Returns the first failing code.
CK_RV create_shared_keys(CK_SESSION_HANDLE session, SharedKeys* keys);

// Labels written to the shared object: "shared-TT-IIII", fixed length, so
// that a torn or mixed-up value is recognisable.
std::string shared_label(int thread, int iteration);
bool is_shared_label(const std::string& label);

// One thread's view: its session and its log. Every call checks the CKRs
// (CKR_OK unless the caller knows a race makes another code legitimate) and
// the results (signatures verify, plaintext round-trips, digests match).
class Ops {
 public:
  Ops(RvLog& log, const SharedKeys& keys, CK_SESSION_HANDLE session) : log_(log), keys_(keys), session_(session) {}

  void ec_sign_verify(int thread, int iteration);
  void rsa_sign_verify(int thread, int iteration);
  void aes_gcm_round_trip(int thread, int iteration);
  void digest_known_answer();
  void find_shared_rsa_pair();
  void read_shared_attributes();
  void write_shared_label(int thread, int iteration);
  // Create, read back and destroy a session object (private on odd iterations).
  void session_object_cycle(int thread, int iteration);
  // Create, find by label, destroy and no longer find a token object
  // (public data, private data, or an AES key generated on the token).
  void token_object_cycle(int thread, int iteration);
  void random_bytes();
  // Open a second (read-only) session, check its state, close it.
  void extra_session_cycle(CK_SLOT_ID slot, CK_STATE expected_state);

  CK_SESSION_HANDLE session() const { return session_; }

 private:
  // Sign `data` with `key`/`mech` and verify with `public_key`; a flipped
  // signature must be CKR_SIGNATURE_INVALID.
  void sign_verify(CK_MECHANISM_TYPE mech, CK_OBJECT_HANDLE key, CK_OBJECT_HANDLE public_key,
                   const std::string& data, bool also_negative);

  RvLog& log_;
  const SharedKeys& keys_;
  CK_SESSION_HANDLE session_;
  Bytes last_random_;
};

// `workers` threads × `iterations` on their own slot-0 sessions (the mix of
// Ops above), and one thread doing login/logout cycles on slot 1, which must
// not disturb slot 0. Needs the user logged in on slot 0. Nothing here races
// legitimately, so every call must return CKR_OK.
void run_mixed_workload(RvLog& log, const SharedKeys& keys, int workers, int iterations);

}  // namespace stress
