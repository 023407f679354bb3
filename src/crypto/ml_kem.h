// ML-KEM (FIPS 203) encapsulation on OpenSSL, shared by CKM_ML_KEM
// (ml_kem.cc), the hybrid X25519+ML-KEM-768 mechanism and the self-tests.
#pragma once

#include <cstddef>

#include "core/bytes.h"
#include "core/status.h"
#include "craton/pkcs11.h"
#include "crypto/key.h"
#include "crypto/mechanism.h"

namespace craton::crypto {

class Provider;

// The ciphertext size of one parameter set (FIPS 203 Table 3); the shared
// secret is always 32 bytes.
struct MlKemSizes {
  CK_ULONG parameter_set;  // CKP_ML_KEM_512/768/1024
  std::size_t ciphertext_bytes;
};
inline constexpr std::size_t kMlKemSecretBytes = 32;

// The smallest and largest encapsulation key (the CK_MECHANISM_INFO unit).
inline constexpr CK_ULONG kMlKemMinPublicBytes = 800;
inline constexpr CK_ULONG kMlKemMaxPublicBytes = 1568;

// CKR_KEY_TYPE_INCONSISTENT for a value that is no ML-KEM parameter set.
Result<const MlKemSizes*> ml_kem_sizes(CK_ULONG parameter_set);

// Encapsulation to `public_key` (any OpenSSL KEM key). `fixed_randomness`
// replaces the random message m when not empty: known-answer tests only.
Result<Encapsulated> kem_encapsulate(const Provider& provider, EVP_PKEY* public_key, ByteView fixed_randomness);
// Decapsulation with `private_key`. ML-KEM itself never reports a wrong
// ciphertext of the right length (implicit rejection).
Result<SecureBytes> kem_decapsulate(const Provider& provider, EVP_PKEY* private_key, ByteView ciphertext);

}  // namespace craton::crypto
