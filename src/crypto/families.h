// Each algorithm family's registry rows (see mechanism.h). One function per
// file under src/crypto/; registry.cc joins them.
#pragma once

#include <span>

#include "crypto/mechanism.h"

namespace craton::crypto {

std::span<const MechanismEntry> digest_mechanisms();   // digest.cc: SHA-1/2/3, MD5
std::span<const MechanismEntry> hmac_mechanisms();     // hmac.cc: HMAC(+_GENERAL), generic secret keygen
std::span<const MechanismEntry> kdf_mechanisms();      // kdf.cc: HKDF, PBKDF2
std::span<const MechanismEntry> aes_mechanisms();      // aes.cc: keygen, modes, CMAC, KW/KWP
std::span<const MechanismEntry> des3_mechanisms();     // des3.cc: legacy DES3
std::span<const MechanismEntry> rsa_mechanisms();      // rsa.cc
std::span<const MechanismEntry> ec_mechanisms();       // ec.cc: ECDSA, ECDH (Weierstrass curves)
std::span<const MechanismEntry> edwards_mechanisms();  // edwards.cc: EdDSA, X25519/X448
std::span<const MechanismEntry> ml_dsa_mechanisms();   // ml_dsa.cc: ML-DSA key pairs, ML-DSA, HashML-DSA
std::span<const MechanismEntry> slh_dsa_mechanisms();  // slh_dsa.cc: SLH-DSA key pairs, SLH-DSA, HashSLH-DSA
std::span<const MechanismEntry> ml_kem_mechanisms();   // ml_kem.cc: ML-KEM key pairs, encapsulation
std::span<const MechanismEntry> hybrid_kem_mechanisms();  // hybrid_kem.cc: X25519+ML-KEM-768 (vendor)

}  // namespace craton::crypto
