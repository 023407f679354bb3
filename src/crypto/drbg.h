// The module's DRBG (DESIGN.md §3 "Randomness").
//
// One DRBG serves every random byte of the module's OSSL_LIB_CTX: OpenSSL's
// SP 800-90A HMAC-DRBG with SHA-256, seeded from the operating system,
// prediction resistance on every generate, a bounded reseed counter, and a
// continuous health test that rejects a repeated output block.
//
// How: a small built-in OpenSSL provider ("craton-drbg", drbg.cc) offers one
// RAND algorithm, "CRATON-DRBG". Each of its instances owns an HMAC-DRBG fed
// by its own OS seed source and passes all output through the health test
// (DrbgInstance, drbg_instance.h).
// install_drbg() loads that provider into the library context and makes
// CRATON-DRBG the type of the context's primary, public and private DRBGs,
// so RAND_bytes_ex / RAND_priv_bytes_ex on the context, and OpenSSL's own key
// generation, nonces and salts inside it, all pass through the health test.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "core/status.h"

typedef struct ossl_lib_ctx_st OSSL_LIB_CTX;
typedef struct ossl_provider_st OSSL_PROVIDER;

namespace craton::crypto {

// Names under which the provider and its RAND algorithm are registered.
inline constexpr const char* kDrbgProviderName = "craton-drbg";
inline constexpr const char* kDrbgAlgorithmName = "CRATON-DRBG";
inline constexpr const char* kDrbgProperties = "provider=craton-drbg";

// State shared by every CRATON-DRBG instance of one library context.
//
// Health: the first failure anywhere (a repeated block, a failed entropy
// read, a failed generate) latches it, and from then on every instance of
// the context refuses to generate. Nothing ever clears it; a new Provider (a
// fresh C_Initialize) starts with a new one.
//
// Seed input: the instances do not feed each other (each one reseeds from
// the OS on every request), so additional input given to one instance
// (C_SeedRandom reseeds the primary) would otherwise stay in that one. The
// instance that receives it publishes a block of its output drawn right
// after (so derived from everything it was ever given) folded into a shared
// value, and every instance mixes a newly published value into its state,
// as additional input, before its next output.
class DrbgShared {
 public:
  static constexpr std::size_t kSeedSize = 32;

  bool healthy() const noexcept { return !failed_.load(std::memory_order_acquire); }
  void latch_failure() noexcept { failed_.store(true, std::memory_order_release); }

  // Changes whenever a seed block is published; 0 before the first.
  std::uint64_t seed_generation() const noexcept { return generation_.load(std::memory_order_acquire); }
  // XORs `block` into the shared value (so concurrent publications all
  // count) and returns the new generation.
  std::uint64_t publish_seed(const std::uint8_t (&block)[kSeedSize]) noexcept;
  // Copies the shared value; returns the generation it belongs to.
  std::uint64_t copy_seed(std::uint8_t (&out)[kSeedSize]) const noexcept;

  ~DrbgShared();

 private:
  std::atomic<bool> failed_{false};
  std::atomic<std::uint64_t> generation_{0};
  mutable std::mutex mutex_;
  std::uint8_t seed_[kSeedSize] = {};
};

// The outcome of install_drbg: the loaded provider (give it back with
// OSSL_PROVIDER_unload before the context is freed) and the instances'
// shared state, owned by the provider and valid while it is loaded.
struct DrbgInstallation {
  OSSL_PROVIDER* provider = nullptr;
  const DrbgShared* shared = nullptr;
};

// Loads the craton-drbg provider into `libctx` (which must already have the
// default provider loaded) and makes CRATON-DRBG the context's DRBG type.
// Must run before anything in the context asks for random bytes: OpenSSL
// fixes the DRBG type when it creates the primary DRBG. On return the primary
// DRBG exists, is instantiated from the OS seed source and has passed a
// first generate.
Result<DrbgInstallation> install_drbg(OSSL_LIB_CTX* libctx);

// Known-answer test of OpenSSL's HMAC-DRBG (SHA-256) in `libctx`: fixed
// entropy and nonce through OpenSSL's TEST-RAND parent, compared with NIST
// CAVP HMAC_DRBG vectors (with and without prediction resistance).
// CKR_GENERAL_ERROR on any mismatch or failure. Debug builds: the fault
// "kat:DRBG" (core/test_faults.h) makes it fail.
Status drbg_known_answer_test(OSSL_LIB_CTX* libctx);

}  // namespace craton::crypto
