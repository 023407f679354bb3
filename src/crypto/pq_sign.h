// Sign and verify operations of the post-quantum signature mechanisms, for
// ML-DSA (ml_dsa.cc) and SLH-DSA (slh_dsa.cc): pure signatures of the
// message, and HashML-DSA / HashSLH-DSA pre-hash signatures of M'
// (pq_prehash.h) made with OpenSSL's pure algorithm and its message encoding
// switched off, so that OpenSSL signs M' exactly as FIPS 204 Algorithm 4 and
// FIPS 205 Algorithm 23 hand it to the internal signing function.
#pragma once

#include <cstddef>
#include <memory>

#include "core/status.h"
#include "crypto/mechanism.h"

namespace craton::crypto {

// The parameter set of the key, as far as signing cares.
struct PqSignatureAlgorithm {
  const char* openssl_name;     // "ML-DSA-65", "SLH-DSA-SHA2-128s", ...
  std::size_t signature_bytes;
};

// An operation for `call.mechanism` (any mechanism parse_pq_signature_mechanism
// knows) with `key`, which the family has checked to be of `algorithm`.
// Pure signatures collect the message (OpenSSL 3.5 has no streaming
// interface for them; at most 256 MiB, CKR_DATA_LEN_RANGE beyond); the
// CKM_HASH_*_<hash> forms hash it as it arrives; CKM_HASH_ML_DSA and
// CKM_HASH_SLH_DSA take PH(M), whose length must be the hash's
// (CKR_DATA_LEN_RANGE otherwise).
Result<std::unique_ptr<SignOperation>> make_pq_sign(const MechanismCall& call, const KeyPtr& key,
                                                    const PqSignatureAlgorithm& algorithm);
Result<std::unique_ptr<VerifyOperation>> make_pq_verify(const MechanismCall& call, const KeyPtr& key,
                                                        const PqSignatureAlgorithm& algorithm);

}  // namespace craton::crypto
