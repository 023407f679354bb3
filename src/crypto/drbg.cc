// The craton-drbg built-in OpenSSL provider: the provider-rand(7) dispatch
// functions of CRATON-DRBG over DrbgInstance, and install_drbg().
//
// Instance topology once installed in a library context (OpenSSL creates the
// primary, and a public and a private DRBG per thread; rand_lib.c):
//   every instance: CRATON-DRBG ── inner HMAC-DRBG ── own SEED-SRC (the OS)
// OpenSSL hands each instance a parent (the context's seed source for the
// primary, the primary for the others); it is not used. With prediction
// resistance on every request, chaining to the primary as OpenSSL's stock
// DRBGs do would add a second DRBG and the primary's lock to every request
// (measured: about twice the cost, and a lock every thread contends for) for no
// gain: each request reseeds from the OS anyway. What the chain did carry,
// C_SeedRandom's additional input from the primary to the others, travels
// through DrbgShared instead (drbg.h).
#include "crypto/drbg.h"

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include <cstring>
#include <ctime>
#include <new>

#include "crypto/drbg_instance.h"

namespace craton::crypto {
namespace {

// Where the inner DRBG, its digest and its seed source come from: OpenSSL's
// default provider, never this provider (no recursion) or another one.
constexpr const char* kInnerProperties = "provider=default";

// The provider context: one per library context the provider is loaded into.
struct DrbgProviderContext {
  OSSL_LIB_CTX* libctx = nullptr;
  DrbgShared shared;
};

DrbgInstance* instance_of(void* vctx) { return static_cast<DrbgInstance*>(vctx); }

// ---- Instance creation -------------------------------------------------------

// A fresh, instantiated OS seed source.
EVP_RAND_CTX* new_seed_source(OSSL_LIB_CTX* libctx) {
  EVP_RAND* rand = EVP_RAND_fetch(libctx, "SEED-SRC", kInnerProperties);
  EVP_RAND_CTX* seed = rand != nullptr ? EVP_RAND_CTX_new(rand, nullptr) : nullptr;
  EVP_RAND_free(rand);
  if (seed != nullptr && EVP_RAND_instantiate(seed, 0, 0, nullptr, 0, nullptr) != 1) {
    EVP_RAND_CTX_free(seed);
    return nullptr;
  }
  return seed;
}

// The parent OpenSSL passes is not used (see the top of this file).
void* drbg_newctx(void* provctx, void* /*parent*/, const OSSL_DISPATCH* /*parent_calls*/) {
  auto* pc = static_cast<DrbgProviderContext*>(provctx);
  EVP_RAND_CTX* seed = new_seed_source(pc->libctx);
  if (seed == nullptr) return nullptr;
  EVP_RAND* hmac = EVP_RAND_fetch(pc->libctx, "HMAC-DRBG", kInnerProperties);
  EVP_RAND_CTX* inner = hmac != nullptr ? EVP_RAND_CTX_new(hmac, seed) : nullptr;
  EVP_RAND_free(hmac);
  EVP_RAND_CTX_free(seed);  // the inner DRBG holds its own reference
  if (inner == nullptr) return nullptr;
  auto* instance = new (std::nothrow) DrbgInstance(inner, pc->shared);
  if (instance == nullptr) EVP_RAND_CTX_free(inner);
  return instance;
}

void drbg_freectx(void* vctx) { delete instance_of(vctx); }

// ---- Reseed bounds -------------------------------------------------------------

// The bounds a caller asks for are honoured only when tighter than ours;
// 0 ("never reseed") is not.
unsigned clamp_requests(unsigned asked) {
  return asked == 0 || asked > kDrbgMaxReseedRequests ? kDrbgMaxReseedRequests : asked;
}
time_t clamp_seconds(time_t asked) {
  return asked <= 0 || asked > kDrbgMaxReseedSeconds ? static_cast<time_t>(kDrbgMaxReseedSeconds) : asked;
}

struct ReseedBounds {
  unsigned requests = kDrbgMaxReseedRequests;
  time_t seconds = kDrbgMaxReseedSeconds;
  bool has_requests = false;
  bool has_seconds = false;
};

bool read_reseed_bounds(const OSSL_PARAM* params, ReseedBounds& bounds) {
  if (params == nullptr) return true;
  if (const OSSL_PARAM* p = OSSL_PARAM_locate_const(params, OSSL_DRBG_PARAM_RESEED_REQUESTS)) {
    unsigned asked = 0;
    if (OSSL_PARAM_get_uint(p, &asked) != 1) return false;
    bounds.requests = clamp_requests(asked);
    bounds.has_requests = true;
  }
  if (const OSSL_PARAM* p = OSSL_PARAM_locate_const(params, OSSL_DRBG_PARAM_RESEED_TIME_INTERVAL)) {
    time_t asked = 0;
    if (OSSL_PARAM_get_time_t(p, &asked) != 1) return false;
    bounds.seconds = clamp_seconds(asked);
    bounds.has_seconds = true;
  }
  return true;
}

// ---- provider-rand functions ------------------------------------------------------

int drbg_instantiate(void* vctx, unsigned int strength, int /*prediction_resistance*/, const unsigned char* pstr,
                     size_t pstr_len, const OSSL_PARAM params[]) {
  ReseedBounds bounds;
  if (!read_reseed_bounds(params, bounds)) return 0;
  // Whatever else the caller passed (OpenSSL passes its provider name and
  // property query) is not for us: the inner DRBG is always HMAC-SHA256.
  char mac[] = "HMAC";
  char digest[] = "SHA2-256";
  char properties[] = "provider=default";
  const OSSL_PARAM inner[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_DRBG_PARAM_MAC, mac, 0),
      OSSL_PARAM_construct_utf8_string(OSSL_DRBG_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_utf8_string(OSSL_DRBG_PARAM_PROPERTIES, properties, 0),
      OSSL_PARAM_construct_uint(OSSL_DRBG_PARAM_RESEED_REQUESTS, &bounds.requests),
      OSSL_PARAM_construct_time_t(OSSL_DRBG_PARAM_RESEED_TIME_INTERVAL, &bounds.seconds),
      OSSL_PARAM_construct_end(),
  };
  return instance_of(vctx)->instantiate(strength, pstr, pstr_len, inner) ? 1 : 0;
}

int drbg_uninstantiate(void* vctx) { return instance_of(vctx)->uninstantiate() ? 1 : 0; }

int drbg_generate(void* vctx, unsigned char* out, size_t outlen, unsigned int strength,
                  int /*prediction_resistance: always on*/, const unsigned char* adin, size_t adin_len) {
  return instance_of(vctx)->generate(out, outlen, strength, adin, adin_len) ? 1 : 0;
}

int drbg_reseed(void* vctx, int prediction_resistance, const unsigned char* entropy, size_t entropy_len,
                const unsigned char* adin, size_t adin_len) {
  return instance_of(vctx)->reseed(prediction_resistance != 0, entropy, entropy_len, adin, adin_len) ? 1 : 0;
}

// Seed material for a DRBG a caller chains to a CRATON-DRBG instance (a
// parent must offer it). Health-tested output, like any other.
size_t drbg_get_seed(void* vctx, unsigned char** pout, int entropy, size_t min_len, size_t max_len,
                     int /*prediction_resistance: always on*/, const unsigned char* adin, size_t adin_len) {
  size_t len = entropy > 0 ? (static_cast<size_t>(entropy) + 7) / 8 : 0;
  if (len < min_len) len = min_len;
  if (len > max_len) len = max_len;
  if (len == 0 || len > kDrbgMaxRequest) return 0;
  auto* buffer = static_cast<unsigned char*>(OPENSSL_secure_malloc(len));
  if (buffer == nullptr) return 0;
  if (!instance_of(vctx)->generate(buffer, len, kDrbgStrength, adin, adin_len)) {
    OPENSSL_secure_clear_free(buffer, len);
    return 0;
  }
  *pout = buffer;
  return len;
}

void drbg_clear_seed(void* /*vctx*/, unsigned char* out, size_t outlen) { OPENSSL_secure_clear_free(out, outlen); }

int drbg_enable_locking(void* vctx) { return instance_of(vctx)->enable_locking() ? 1 : 0; }
int drbg_lock(void* vctx) { return instance_of(vctx)->lock() ? 1 : 0; }
void drbg_unlock(void* vctx) { instance_of(vctx)->unlock(); }

int drbg_get_ctx_params(void* vctx, OSSL_PARAM params[]) { return instance_of(vctx)->get_params(params) ? 1 : 0; }

int drbg_set_ctx_params(void* vctx, const OSSL_PARAM params[]) {
  ReseedBounds bounds;
  if (!read_reseed_bounds(params, bounds)) return 0;
  OSSL_PARAM inner[3];
  OSSL_PARAM* p = inner;
  if (bounds.has_requests) *p++ = OSSL_PARAM_construct_uint(OSSL_DRBG_PARAM_RESEED_REQUESTS, &bounds.requests);
  if (bounds.has_seconds) *p++ = OSSL_PARAM_construct_time_t(OSSL_DRBG_PARAM_RESEED_TIME_INTERVAL, &bounds.seconds);
  *p = OSSL_PARAM_construct_end();
  if (p == inner) return 1;  // nothing for us: other parameters are ignored
  return instance_of(vctx)->set_inner_params(inner) ? 1 : 0;
}

const OSSL_PARAM* drbg_gettable_ctx_params(void* /*vctx*/, void* /*provctx*/) {
  static const OSSL_PARAM kGettable[] = {
      OSSL_PARAM_int(OSSL_RAND_PARAM_STATE, nullptr),
      OSSL_PARAM_uint(OSSL_RAND_PARAM_STRENGTH, nullptr),
      OSSL_PARAM_size_t(OSSL_RAND_PARAM_MAX_REQUEST, nullptr),
      OSSL_PARAM_uint(OSSL_DRBG_PARAM_RESEED_COUNTER, nullptr),
      OSSL_PARAM_uint(OSSL_DRBG_PARAM_RESEED_REQUESTS, nullptr),
      OSSL_PARAM_time_t(OSSL_DRBG_PARAM_RESEED_TIME, nullptr),
      OSSL_PARAM_time_t(OSSL_DRBG_PARAM_RESEED_TIME_INTERVAL, nullptr),
      OSSL_PARAM_END,
  };
  return kGettable;
}

const OSSL_PARAM* drbg_settable_ctx_params(void* /*vctx*/, void* /*provctx*/) {
  static const OSSL_PARAM kSettable[] = {
      OSSL_PARAM_uint(OSSL_DRBG_PARAM_RESEED_REQUESTS, nullptr),
      OSSL_PARAM_time_t(OSSL_DRBG_PARAM_RESEED_TIME_INTERVAL, nullptr),
      OSSL_PARAM_END,
  };
  return kSettable;
}

int drbg_verify_zeroization(void* vctx) { return instance_of(vctx)->verify_zeroization() ? 1 : 0; }

template <class F>
OSSL_DISPATCH entry(int id, F* function) {
  return OSSL_DISPATCH{id, reinterpret_cast<void (*)()>(function)};
}

const OSSL_DISPATCH kRandFunctions[] = {
    entry(OSSL_FUNC_RAND_NEWCTX, &drbg_newctx),
    entry(OSSL_FUNC_RAND_FREECTX, &drbg_freectx),
    entry(OSSL_FUNC_RAND_INSTANTIATE, &drbg_instantiate),
    entry(OSSL_FUNC_RAND_UNINSTANTIATE, &drbg_uninstantiate),
    entry(OSSL_FUNC_RAND_GENERATE, &drbg_generate),
    entry(OSSL_FUNC_RAND_RESEED, &drbg_reseed),
    entry(OSSL_FUNC_RAND_ENABLE_LOCKING, &drbg_enable_locking),
    entry(OSSL_FUNC_RAND_LOCK, &drbg_lock),
    entry(OSSL_FUNC_RAND_UNLOCK, &drbg_unlock),
    entry(OSSL_FUNC_RAND_GETTABLE_CTX_PARAMS, &drbg_gettable_ctx_params),
    entry(OSSL_FUNC_RAND_GET_CTX_PARAMS, &drbg_get_ctx_params),
    entry(OSSL_FUNC_RAND_SETTABLE_CTX_PARAMS, &drbg_settable_ctx_params),
    entry(OSSL_FUNC_RAND_SET_CTX_PARAMS, &drbg_set_ctx_params),
    entry(OSSL_FUNC_RAND_VERIFY_ZEROIZATION, &drbg_verify_zeroization),
    entry(OSSL_FUNC_RAND_GET_SEED, &drbg_get_seed),
    entry(OSSL_FUNC_RAND_CLEAR_SEED, &drbg_clear_seed),
    OSSL_DISPATCH_END,
};

const OSSL_ALGORITHM kRandAlgorithms[] = {
    {kDrbgAlgorithmName, kDrbgProperties, kRandFunctions,
     "HMAC-DRBG (SHA-256), prediction resistance, continuous health test"},
    {nullptr, nullptr, nullptr, nullptr},
};

// ---- Provider entry points ------------------------------------------------------------

const OSSL_ALGORITHM* provider_query(void* /*provctx*/, int operation_id, int* no_cache) {
  *no_cache = 0;
  return operation_id == OSSL_OP_RAND ? kRandAlgorithms : nullptr;
}

const OSSL_PARAM* provider_gettable_params(void* /*provctx*/) {
  static const OSSL_PARAM kGettable[] = {
      OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_NAME, nullptr, 0),
      OSSL_PARAM_int(OSSL_PROV_PARAM_STATUS, nullptr),
      OSSL_PARAM_END,
  };
  return kGettable;
}

// OSSL_PROVIDER_get_params: "status" is 0 once the health latch is set.
int provider_get_params(void* provctx, OSSL_PARAM params[]) {
  const auto* pc = static_cast<const DrbgProviderContext*>(provctx);
  OSSL_PARAM* p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_NAME);
  if (p != nullptr && OSSL_PARAM_set_utf8_ptr(p, "Craton HSM DRBG") != 1) return 0;
  p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_STATUS);
  if (p != nullptr && OSSL_PARAM_set_int(p, pc->shared.healthy() ? 1 : 0) != 1) return 0;
  return 1;
}

void provider_teardown(void* provctx) { delete static_cast<DrbgProviderContext*>(provctx); }

const OSSL_DISPATCH kProviderFunctions[] = {
    entry(OSSL_FUNC_PROVIDER_TEARDOWN, &provider_teardown),
    entry(OSSL_FUNC_PROVIDER_QUERY_OPERATION, &provider_query),
    entry(OSSL_FUNC_PROVIDER_GETTABLE_PARAMS, &provider_gettable_params),
    entry(OSSL_FUNC_PROVIDER_GET_PARAMS, &provider_get_params),
    OSSL_DISPATCH_END,
};

int provider_init(const OSSL_CORE_HANDLE* handle, const OSSL_DISPATCH* in, const OSSL_DISPATCH** out,
                  void** provctx) {
  OSSL_FUNC_core_get_libctx_fn* get_libctx = nullptr;
  for (; in != nullptr && in->function_id != 0; ++in) {
    if (in->function_id == OSSL_FUNC_CORE_GET_LIBCTX) get_libctx = OSSL_FUNC_core_get_libctx(in);
  }
  if (get_libctx == nullptr) return 0;
  auto* pc = new (std::nothrow) DrbgProviderContext;
  if (pc == nullptr) return 0;
  // A built-in provider shares libcrypto with its core, so the core context
  // is the library context itself (OpenSSL's default provider relies on the
  // same): the inner DRBGs are fetched from the context we are loaded into.
  pc->libctx = reinterpret_cast<OSSL_LIB_CTX*>(get_libctx(handle));
  *out = kProviderFunctions;
  *provctx = pc;
  return 1;
}

// The primary DRBG exists, is a CRATON-DRBG, and produces output.
Status check_primary(OSSL_LIB_CTX* libctx) {
  EVP_RAND_CTX* primary = RAND_get0_primary(libctx);
  if (primary == nullptr) return Status(CKR_FUNCTION_FAILED, "cannot instantiate the primary DRBG");
  if (EVP_RAND_is_a(EVP_RAND_CTX_get0_rand(primary), kDrbgAlgorithmName) != 1) {
    return Status(CKR_FUNCTION_FAILED, "the primary DRBG is not CRATON-DRBG");
  }
  unsigned char probe[kDrbgBlockSize];
  const int ok = EVP_RAND_generate(primary, probe, sizeof(probe), 0, 1, nullptr, 0);
  OPENSSL_cleanse(probe, sizeof(probe));
  if (ok != 1) return Status(CKR_FUNCTION_FAILED, "the primary DRBG fails to generate");
  return Status::Ok();
}

}  // namespace

// ---- DrbgShared ----------------------------------------------------------------------

std::uint64_t DrbgShared::publish_seed(const std::uint8_t (&block)[kSeedSize]) noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  for (std::size_t i = 0; i < kSeedSize; ++i) seed_[i] ^= block[i];
  return generation_.fetch_add(1, std::memory_order_acq_rel) + 1;
}

std::uint64_t DrbgShared::copy_seed(std::uint8_t (&out)[kSeedSize]) const noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  std::memcpy(out, seed_, kSeedSize);
  return generation_.load(std::memory_order_acquire);
}

DrbgShared::~DrbgShared() { OPENSSL_cleanse(seed_, sizeof(seed_)); }

Result<DrbgInstallation> install_drbg(OSSL_LIB_CTX* libctx) {
  if (OSSL_PROVIDER_add_builtin(libctx, kDrbgProviderName, &provider_init) != 1) {
    return Status(CKR_FUNCTION_FAILED, "cannot register the craton-drbg provider");
  }
  OSSL_PROVIDER* provider = OSSL_PROVIDER_load(libctx, kDrbgProviderName);
  if (provider == nullptr) return Status(CKR_FUNCTION_FAILED, "cannot load the craton-drbg provider");
  Status status;
  if (RAND_set_DRBG_type(libctx, kDrbgAlgorithmName, kDrbgProperties, nullptr, nullptr) != 1) {
    status = Status(CKR_FUNCTION_FAILED, "cannot set the DRBG type (the context already has a DRBG)");
  } else {
    status = check_primary(libctx);
  }
  if (!status.ok()) {
    OSSL_PROVIDER_unload(provider);
    return status;
  }
  const auto* pc = static_cast<const DrbgProviderContext*>(OSSL_PROVIDER_get0_provider_ctx(provider));
  return DrbgInstallation{provider, &pc->shared};
}

}  // namespace craton::crypto
