// Pairwise-consistency test of a freshly generated key pair (DESIGN.md §3,
// FIPS 140-3 IG 10.3.A): before a generated pair is returned, the module
// proves that its two halves belong together by using them against each
// other.
//
//   RSA, EC (ECDSA), Ed25519/Ed448, ML-DSA, SLH-DSA: sign a fixed message
//     with the private key, verify with the public key (RSA: PKCS#1 v1.5
//     with SHA-256; EC: ECDSA with SHA-256; the others their pure mode).
//   X25519/X448: key agreement with an ephemeral peer computed from both
//     sides (private x peer-public and peer-private x public) must agree.
//   ML-KEM: encapsulate to the public key, decapsulate with the private key,
//     the two shared secrets must agree.
//
// The method is chosen by the OpenSSL algorithm of the key, so that a new
// family only needs a row in pairwise.cc.
#pragma once

#include "core/status.h"
#include "crypto/key.h"

namespace craton::crypto {

class Provider;

// CKR_KEY_TYPE_INCONSISTENT when the arguments are not a public and a
// private asymmetric key of the same algorithm (or the algorithm has no
// pairwise method); CKR_GENERAL_ERROR when the test itself fails — the pair
// is inconsistent or the module is broken, and the pair must be discarded.
// In Debug builds CRATON_HSM_TEST_FAULT=pairwise makes every test fail by
// corrupting the signature / one shared secret before the comparison.
Status pairwise_consistency_test(const Provider& provider, const Key& public_key, const Key& private_key);

}  // namespace craton::crypto
