// Random number generation (PKCS#11 3.0 §5.19).
#include <span>

#include "abi/args.h"
#include "abi/guard.h"

using namespace craton;
using namespace craton::abi;

CRATON_EXPORT CK_RV C_SeedRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSeed, CK_ULONG ulSeedLen) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (!valid_buffer(pSeed, ulSeedLen)) return CKR_ARGUMENTS_BAD;
    return core.seed_random(hSession, input(pSeed, ulSeedLen)).rv();
  });
}

CRATON_EXPORT CK_RV C_GenerateRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pRandomData, CK_ULONG ulRandomLen) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (!valid_buffer(pRandomData, ulRandomLen)) return CKR_ARGUMENTS_BAD;
    const std::span<std::uint8_t> out =
        pRandomData == nullptr ? std::span<std::uint8_t>() : std::span<std::uint8_t>(pRandomData, ulRandomLen);
    return core.generate_random(hSession, out).rv();
  });
}
