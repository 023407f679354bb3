// DrbgInstance: the continuous health test and prediction-resistance policy
// around one inner DRBG (see drbg_instance.h).
#include "crypto/drbg_instance.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <cstring>

#include "core/test_faults.h"

namespace craton::crypto {

DrbgInstance::DrbgInstance(EVP_RAND_CTX* inner, DrbgShared& shared) noexcept : inner_(inner), shared_(shared) {}

DrbgInstance::~DrbgInstance() {
  EVP_RAND_CTX_free(inner_);
  CRYPTO_THREAD_lock_free(lock_);
  // The last block was handed out (it may be part of a key): wipe it.
  OPENSSL_cleanse(previous_, sizeof(previous_));
}

int DrbgInstance::state() const noexcept {
  if (failed_ || !shared_.healthy()) return EVP_RAND_STATE_ERROR;
  return instantiated_ ? EVP_RAND_STATE_READY : EVP_RAND_STATE_UNINITIALISED;
}

bool DrbgInstance::usable() const noexcept {
  switch (state()) {
    case EVP_RAND_STATE_READY:
      return true;
    case EVP_RAND_STATE_UNINITIALISED:
      ERR_raise(ERR_LIB_RAND, RAND_R_NOT_INSTANTIATED);
      return false;
    default:
      ERR_raise(ERR_LIB_RAND, RAND_R_IN_ERROR_STATE);
      return false;
  }
}

void DrbgInstance::latch_failure(const char* why) noexcept {
  // Latched for the whole library context: after a failure no instance may
  // produce output until the module is initialised again.
  failed_ = true;
  shared_.latch_failure();
  ERR_raise_data(ERR_LIB_RAND, RAND_R_IN_ERROR_STATE, "CRATON-DRBG: %s", why);
}

bool DrbgInstance::instantiate(unsigned strength, const std::uint8_t* pers, std::size_t pers_len,
                               const OSSL_PARAM* inner_params) noexcept {
  if (failed_ || !shared_.healthy()) {
    ERR_raise(ERR_LIB_RAND, RAND_R_IN_ERROR_STATE);
    return false;
  }
  if (instantiated_) {
    ERR_raise(ERR_LIB_RAND, RAND_R_ALREADY_INSTANTIATED);
    return false;
  }
  if (strength > kDrbgStrength) {
    ERR_raise(ERR_LIB_RAND, RAND_R_INSUFFICIENT_DRBG_STRENGTH);
    return false;
  }
  if (pers_len > kDrbgMaxInputLength) {
    ERR_raise(ERR_LIB_RAND, RAND_R_PERSONALISATION_STRING_TOO_LONG);
    return false;
  }
  if (EVP_RAND_instantiate(inner_, strength, 1, pers, pers_len, inner_params) != 1) {
    latch_failure("instantiation failed");
    return false;
  }
  instantiated_ = true;
  // The first block after instantiation is never output; it is the
  // reference the first output block is compared with (the FIPS 140-2
  // continuous test). The DRBG was seeded a moment ago: no reseed needed.
  if (EVP_RAND_generate(inner_, previous_, kDrbgBlockSize, strength, 0, nullptr, 0) != 1) {
    latch_failure("first generate failed");
    return false;
  }
  has_previous_ = true;
  return true;
}

bool DrbgInstance::uninstantiate() noexcept {
  const bool ok = EVP_RAND_uninstantiate(inner_) == 1;
  OPENSSL_cleanse(previous_, sizeof(previous_));
  has_previous_ = false;
  instantiated_ = false;
  return ok;
}

bool DrbgInstance::absorb_published_seed() noexcept {
  if (shared_.seed_generation() == seen_seed_generation_) return true;  // the usual case: one atomic load
  std::uint8_t seed[DrbgShared::kSeedSize];
  seen_seed_generation_ = shared_.copy_seed(seed);
  const bool ok = EVP_RAND_reseed(inner_, 0, nullptr, 0, seed, sizeof(seed)) == 1;
  OPENSSL_cleanse(seed, sizeof(seed));
  if (!ok) latch_failure("reseed with published seed input failed");
  return ok;
}

bool DrbgInstance::publish_seed() noexcept {
  // A block drawn right after the reseed depends on everything this
  // instance was ever given. It is not output, so not part of the
  // continuous test's sequence.
  std::uint8_t block[DrbgShared::kSeedSize];
  const bool ok = EVP_RAND_generate(inner_, block, sizeof(block), 0, 0, nullptr, 0) == 1;
  if (ok) seen_seed_generation_ = shared_.publish_seed(block);
  OPENSSL_cleanse(block, sizeof(block));
  if (!ok) latch_failure("generate for seed publication failed");
  return ok;
}

bool DrbgInstance::accept_block(const std::uint8_t* block, bool force_repeat) noexcept {
  const bool repeat =
      force_repeat || (has_previous_ && CRYPTO_memcmp(block, previous_, kDrbgBlockSize) == 0);
  std::memcpy(previous_, block, kDrbgBlockSize);
  has_previous_ = true;
  if (repeat) {
    latch_failure("continuous health test: repeated output block");
    return false;
  }
  return true;
}

bool DrbgInstance::generate_blocks(std::uint8_t* out, std::size_t len, unsigned strength,
                                   bool prediction_resistance, const std::uint8_t* adin,
                                   std::size_t adin_len, bool force_repeat) noexcept {
  if (EVP_RAND_generate(inner_, out, len, strength, prediction_resistance ? 1 : 0, adin, adin_len) != 1) {
    latch_failure("generate failed");
    return false;
  }
  for (std::size_t pos = 0; pos < len; pos += kDrbgBlockSize) {
    if (!accept_block(out + pos, force_repeat && pos == 0)) return false;
  }
  return true;
}

bool DrbgInstance::generate(std::uint8_t* out, std::size_t len, unsigned strength, const std::uint8_t* adin,
                            std::size_t adin_len) noexcept {
  if (!usable()) return false;
  // Caller errors: refused without touching the health latch.
  if (strength > kDrbgStrength) {
    ERR_raise(ERR_LIB_RAND, RAND_R_INSUFFICIENT_DRBG_STRENGTH);
    return false;
  }
  if (len > kDrbgMaxRequest) {
    ERR_raise(ERR_LIB_RAND, RAND_R_REQUEST_TOO_LARGE_FOR_DRBG);
    return false;
  }
  if (adin_len > kDrbgMaxInputLength) {
    ERR_raise(ERR_LIB_RAND, RAND_R_ADDITIONAL_INPUT_TOO_LONG);
    return false;
  }
  if (len == 0) return true;
  if (!absorb_published_seed()) return false;
  // Debug builds: pretend the first block of this request repeats the last.
  const bool inject_repeat = test_fault("drbg-repeat");
  const std::size_t whole = len - len % kDrbgBlockSize;
  if (whole > 0 && !generate_blocks(out, whole, strength, true, adin, adin_len, inject_repeat)) {
    OPENSSL_cleanse(out, len);
    return false;
  }
  if (whole == len) return true;
  // The partial last block. Prediction resistance and additional input
  // belong to the request, not to each inner call: if the whole blocks were
  // generated, the inner DRBG was reseeded for this request a moment ago.
  const bool first_call = whole == 0;
  std::uint8_t last[kDrbgBlockSize];
  const bool ok = generate_blocks(last, kDrbgBlockSize, strength, first_call, first_call ? adin : nullptr,
                                  first_call ? adin_len : 0, inject_repeat && first_call);
  if (ok) {
    std::memcpy(out + whole, last, len - whole);
  } else {
    OPENSSL_cleanse(out, len);
  }
  OPENSSL_cleanse(last, sizeof(last));
  return ok;
}

bool DrbgInstance::reseed(bool prediction_resistance, const std::uint8_t* entropy, std::size_t entropy_len,
                          const std::uint8_t* adin, std::size_t adin_len) noexcept {
  if (!usable()) return false;
  if (adin_len > kDrbgMaxInputLength || entropy_len > kDrbgMaxInputLength) {
    ERR_raise(ERR_LIB_RAND, RAND_R_ADDITIONAL_INPUT_TOO_LONG);
    return false;
  }
  if (EVP_RAND_reseed(inner_, prediction_resistance ? 1 : 0, entropy, entropy_len, adin, adin_len) != 1) {
    latch_failure("reseed failed");
    return false;
  }
  return adin_len == 0 || publish_seed();
}

namespace {

// State, strength and request size: the parameters this instance answers
// itself. OpenSSL asks for the request size before every generate.
bool is_own_param(const char* key) {
  return std::strcmp(key, OSSL_RAND_PARAM_STATE) == 0 || std::strcmp(key, OSSL_RAND_PARAM_STRENGTH) == 0 ||
         std::strcmp(key, OSSL_RAND_PARAM_MAX_REQUEST) == 0;
}

}  // namespace

bool DrbgInstance::get_params(OSSL_PARAM* params) const noexcept {
  if (params == nullptr) return true;
  // The inner DRBG answers what it knows (reseed counter, reseed bounds,
  // entropy lengths); state, strength and request size are ours.
  bool only_own = true;
  for (const OSSL_PARAM* p = params; p->key != nullptr && only_own; ++p) only_own = is_own_param(p->key);
  if (!only_own && EVP_RAND_CTX_get_params(inner_, params) != 1) return false;
  OSSL_PARAM* p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STATE);
  if (p != nullptr && OSSL_PARAM_set_int(p, state()) != 1) return false;
  p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STRENGTH);
  if (p != nullptr && OSSL_PARAM_set_uint(p, kDrbgStrength) != 1) return false;
  p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_MAX_REQUEST);
  if (p != nullptr && OSSL_PARAM_set_size_t(p, kDrbgMaxRequest) != 1) return false;
  return true;
}

bool DrbgInstance::set_inner_params(const OSSL_PARAM* params) noexcept {
  return params == nullptr || EVP_RAND_CTX_set_params(inner_, params) == 1;
}

bool DrbgInstance::verify_zeroization() const noexcept {
  if (has_previous_) return false;
  for (std::uint8_t b : previous_) {
    if (b != 0) return false;
  }
  return EVP_RAND_verify_zeroization(inner_) == 1;
}

bool DrbgInstance::enable_locking() noexcept {
  if (lock_ != nullptr) return true;
  if (EVP_RAND_enable_locking(inner_) != 1) return false;
  lock_ = CRYPTO_THREAD_lock_new();
  if (lock_ == nullptr) {
    ERR_raise(ERR_LIB_RAND, RAND_R_FAILED_TO_CREATE_LOCK);
    return false;
  }
  return true;
}

bool DrbgInstance::lock() noexcept { return lock_ == nullptr || CRYPTO_THREAD_write_lock(lock_) == 1; }

void DrbgInstance::unlock() noexcept {
  if (lock_ != nullptr) CRYPTO_THREAD_unlock(lock_);
}

}  // namespace craton::crypto
