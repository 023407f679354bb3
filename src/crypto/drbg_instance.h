// DrbgInstance: one CRATON-DRBG instance — an inner DRBG (OpenSSL's
// HMAC-DRBG in the module; any EVP_RAND in tests) behind the continuous
// health test and the prediction-resistance policy.
//
// The OpenSSL provider glue (drbg.cc) forwards each provider-rand call to
// one of these methods; the EVP layer holds lock() around every call, so the
// methods themselves do not lock.
#pragma once

#include <cstddef>
#include <cstdint>

#include "crypto/drbg.h"

typedef struct evp_rand_ctx_st EVP_RAND_CTX;
typedef struct ossl_param_st OSSL_PARAM;

namespace craton::crypto {

// The continuous test compares whole blocks of this size. 32 bytes is the
// HMAC-SHA256 output length, the unit in which HMAC-DRBG produces output, so
// each block is one fresh HMAC value and an honest DRBG repeats one with
// probability 2^-256 (no false alarms in practice). Every request is served
// in whole blocks: a request that is not a multiple of 32 bytes takes the
// first bytes of its last block and discards the rest, so every byte handed
// out belongs to a block that was tested, and no byte is ever handed out
// twice.
inline constexpr std::size_t kDrbgBlockSize = 32;
// Largest single request (OpenSSL's HMAC-DRBG limit, a multiple of the
// block size). EVP_RAND_generate splits larger requests.
inline constexpr std::size_t kDrbgMaxRequest = std::size_t{1} << 16;
// Security strength of HMAC-DRBG with SHA-256 (SP 800-57 Part 1).
inline constexpr unsigned kDrbgStrength = 256;
// Longest additional input or personalisation string accepted.
inline constexpr std::size_t kDrbgMaxInputLength = 0x7fffffff;
// Reseed bounds of every inner DRBG (the smaller of these and what OpenSSL
// asks for). With prediction resistance every request reseeds anyway; the
// bounds are the backstop SP 800-90A requires (reseed_interval), so that no
// path could ever run a DRBG state for long without fresh entropy.
inline constexpr unsigned kDrbgMaxReseedRequests = 256;
inline constexpr long kDrbgMaxReseedSeconds = 600;

class DrbgInstance {
 public:
  // Takes ownership of `inner`, a created but not yet instantiated DRBG.
  // `shared` is shared by every instance of one library context and must
  // outlive this instance.
  DrbgInstance(EVP_RAND_CTX* inner, DrbgShared& shared) noexcept;
  ~DrbgInstance();
  DrbgInstance(const DrbgInstance&) = delete;
  DrbgInstance& operator=(const DrbgInstance&) = delete;

  // Instantiates the inner DRBG (fresh entropy, `inner_params` passed on)
  // and draws the first block, which is never output: it is the reference
  // the first output block is compared with.
  bool instantiate(unsigned strength, const std::uint8_t* pers, std::size_t pers_len,
                   const OSSL_PARAM* inner_params) noexcept;
  bool uninstantiate() noexcept;

  // Fills `out` (at most kDrbgMaxRequest bytes). Every call reseeds the
  // inner DRBG from its entropy source first (prediction resistance),
  // whatever the caller asked for, and first mixes in newly published seed
  // input (DrbgShared). A repeated block or an inner failure latches the
  // shared health: this call and all later ones fail.
  bool generate(std::uint8_t* out, std::size_t len, unsigned strength, const std::uint8_t* adin,
                std::size_t adin_len) noexcept;
  // Reseeds the inner DRBG, mixing in `adin` as additional input; non-empty
  // `adin` is then published to the other instances (DrbgShared).
  bool reseed(bool prediction_resistance, const std::uint8_t* entropy, std::size_t entropy_len,
              const std::uint8_t* adin, std::size_t adin_len) noexcept;

  // EVP_RAND_STATE_READY / _UNINITIALISED / _ERROR (latched health).
  int state() const noexcept;
  // The inner DRBG's parameters (reseed counter, entropy lengths, ...) with
  // this instance's state, strength and maximum request in place of the
  // inner ones.
  bool get_params(OSSL_PARAM* params) const noexcept;
  bool set_inner_params(const OSSL_PARAM* params) noexcept;
  bool verify_zeroization() const noexcept;

  // Locking as provider-rand(7) defines it: off until enable_locking(),
  // which also enables it on the inner DRBG (and, through OpenSSL, on the
  // inner's seed source).
  bool enable_locking() noexcept;
  bool lock() noexcept;
  void unlock() noexcept;

 private:
  bool usable() const noexcept;
  bool generate_blocks(std::uint8_t* out, std::size_t len, unsigned strength, bool prediction_resistance,
                       const std::uint8_t* adin, std::size_t adin_len, bool force_repeat) noexcept;
  bool accept_block(const std::uint8_t* block, bool force_repeat) noexcept;
  bool absorb_published_seed() noexcept;
  bool publish_seed() noexcept;
  void latch_failure(const char* why) noexcept;

  EVP_RAND_CTX* inner_;
  DrbgShared& shared_;
  std::uint64_t seen_seed_generation_ = 0;
  void* lock_ = nullptr;  // CRYPTO_RWLOCK, created by enable_locking()
  bool instantiated_ = false;
  bool failed_ = false;
  bool has_previous_ = false;
  std::uint8_t previous_[kDrbgBlockSize] = {};
};

}  // namespace craton::crypto
