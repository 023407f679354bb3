// Provider: the module's own OSSL_LIB_CTX with the default provider loaded,
// its DRBG (drbg.h), and per-Provider caches of fetched digests, ciphers, MACs.
#include "crypto/provider.h"
#include "crypto/secure_heap.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include "crypto/drbg.h"

namespace craton::crypto {
namespace {

// Digests every family asks for; fetched up front so that md() finds them
// without taking a lock. Names as the hash table (hash_names.cc) spells them.
constexpr const char* kCommonDigests[] = {
    "SHA1",     "SHA2-224", "SHA2-256", "SHA2-384", "SHA2-512", "SHA2-512/224",
    "SHA2-512/256", "SHA3-224", "SHA3-256", "SHA3-384", "SHA3-512",
};
constexpr std::size_t kCommonCount = std::size(kCommonDigests);

// Ciphers and MACs on the hot paths, fetched up front for the same reason.
constexpr const char* kCommonCiphers[] = {
    "AES-128-ECB", "AES-192-ECB", "AES-256-ECB", "AES-128-CBC", "AES-192-CBC", "AES-256-CBC",
    "AES-128-CTR", "AES-192-CTR", "AES-256-CTR", "AES-128-GCM", "AES-192-GCM", "AES-256-GCM",
    "AES-128-CCM", "AES-192-CCM", "AES-256-CCM", "AES-128-WRAP", "AES-192-WRAP", "AES-256-WRAP",
    "AES-128-WRAP-PAD", "AES-192-WRAP-PAD", "AES-256-WRAP-PAD", "DES-EDE3-ECB", "DES-EDE3-CBC",
};
constexpr const char* kCommonMacs[] = {"HMAC", "CMAC"};

// A table of algorithm objects of one kind: the common names fetched in
// create() (read lock-free afterwards), other names on first use under a
// mutex. A failed fetch is remembered as nullptr.
template <class T, std::size_t N, T* (*Fetch)(OSSL_LIB_CTX*, const char*, const char*), void (*Free)(T*)>
class FetchCache {
 public:
  FetchCache(const char* const (&names)[N]) : names_(names) {}
  ~FetchCache() {
    for (T* t : common_) Free(t);
    for (auto& kv : others_) Free(kv.second);
  }
  void prefetch(OSSL_LIB_CTX* ctx) {
    for (std::size_t i = 0; i < N; ++i) common_[i] = Fetch(ctx, names_[i], nullptr);
  }
  const T* get(OSSL_LIB_CTX* ctx, const char* name) {
    if (name == nullptr) return nullptr;
    for (std::size_t i = 0; i < N; ++i) {
      if (std::strcmp(name, names_[i]) == 0) return common_[i];
    }
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = others_.find(std::string_view(name));
    if (it != others_.end()) return it->second;
    T* fetched = Fetch(ctx, name, nullptr);
    others_.emplace(name, fetched);
    return fetched;
  }

 private:
  const char* const (&names_)[N];
  T* common_[N] = {};
  std::mutex mutex_;
  std::map<std::string, T*, std::less<>> others_;
};

using CipherCache = FetchCache<EVP_CIPHER, std::size(kCommonCiphers), EVP_CIPHER_fetch, EVP_CIPHER_free>;
using MacCache = FetchCache<EVP_MAC, std::size(kCommonMacs), EVP_MAC_fetch, EVP_MAC_free>;

// EVP_RAND_reseed takes at most the DRBG's max_adinlen bytes of additional
// input (2^31 - 1 for OpenSSL's DRBGs); feeding long seeds in slices keeps
// us far below that whatever DRBG a later configuration installs.
constexpr std::size_t kSeedSlice = 4096;

}  // namespace

struct Provider::Resources {
  // OSSL_PROVIDER_load returns a reference that must be given back with
  // OSSL_PROVIDER_unload, or the provider outlives its context.
  OSSL_PROVIDER* default_provider = nullptr;
  // The module's DRBG provider and its instances' shared state (health
  // latch; owned by the provider, valid while it is loaded).
  OSSL_PROVIDER* drbg_provider = nullptr;
  const DrbgShared* drbg_shared = nullptr;
  // Written only in create(), before the Provider is shared: read lock-free.
  EVP_MD* common[kCommonCount] = {};
  // Other names, fetched on first use. A failed fetch is remembered as
  // nullptr so an unknown name costs one fetch, not one per call.
  std::mutex mutex;
  std::map<std::string, EVP_MD*, std::less<>> others;
  std::unique_ptr<CipherCache> ciphers = std::make_unique<CipherCache>(kCommonCiphers);
  std::unique_ptr<MacCache> macs = std::make_unique<MacCache>(kCommonMacs);

  ~Resources() {
    // Algorithms hold references into the provider: release them first.
    for (EVP_MD* md : common) EVP_MD_free(md);
    for (auto& kv : others) EVP_MD_free(kv.second);
    ciphers.reset();
    macs.reset();
    if (drbg_provider != nullptr) OSSL_PROVIDER_unload(drbg_provider);
    if (default_provider != nullptr) OSSL_PROVIDER_unload(default_provider);
  }
};

Provider::Provider(OSSL_LIB_CTX* ctx) : ctx_(ctx) {}

Result<std::unique_ptr<Provider>> Provider::create() {
  // Before the first key exists: private-key numbers then live in locked,
  // undumpable memory (crypto/secure_heap.h).
  init_openssl_secure_heap();
  OSSL_LIB_CTX* ctx = OSSL_LIB_CTX_new();
  if (ctx == nullptr) return Status(CKR_HOST_MEMORY, "OSSL_LIB_CTX_new failed");
  // From here the Provider owns ctx (its destructor frees it).
  std::unique_ptr<Provider> provider(new Provider(ctx));
  provider->resources_ = std::make_unique<Resources>();
  Resources& res = *provider->resources_;
  // A context created with OSSL_LIB_CTX_new reads no openssl.cnf: only what
  // we load here is available (DESIGN.md §1).
  res.default_provider = OSSL_PROVIDER_load(ctx, "default");
  if (res.default_provider == nullptr) {
    return Status(CKR_FUNCTION_FAILED, "cannot load the OpenSSL default provider");
  }
  // Before anything in the context asks for random bytes: OpenSSL fixes the
  // DRBG type when it creates the context's first DRBG.
  ASSIGN_OR_RETURN(DrbgInstallation drbg, install_drbg(ctx));
  res.drbg_provider = drbg.provider;
  res.drbg_shared = drbg.shared;
  for (std::size_t i = 0; i < kCommonCount; ++i) {
    // A digest missing from the provider stays nullptr; md() reports it.
    res.common[i] = EVP_MD_fetch(ctx, kCommonDigests[i], nullptr);
  }
  res.ciphers->prefetch(ctx);
  res.macs->prefetch(ctx);
  return provider;
}

Provider::~Provider() {
  resources_.reset();  // digests and the provider go before their context
  OSSL_LIB_CTX_free(ctx_);
}

bool Provider::healthy() const noexcept {
  return resources_->drbg_shared != nullptr && resources_->drbg_shared->healthy();
}

namespace {

// The status of a failed DRBG call: the error state once the health latch
// is set (the call itself may have set it), otherwise a plain failure.
Status drbg_failure(const Provider& provider, const char* what) {
  if (!provider.healthy()) return Status(CKR_GENERAL_ERROR, "DRBG is in the error state");
  return Status(CKR_FUNCTION_FAILED, what);
}

}  // namespace

Status Provider::random(std::span<std::uint8_t> out) const {
  if (!healthy()) return Status(CKR_GENERAL_ERROR, "DRBG is in the error state");
  if (out.empty()) return Status::Ok();
  // The private DRBG: what random() returns is usually secret (keys, the
  // token master key, C_GenerateRandom output an application may use as a
  // key). Both it and the public one are CRATON-DRBG instances.
  if (RAND_priv_bytes_ex(ctx_, out.data(), out.size(), 0) != 1) {
    return drbg_failure(*this, "DRBG generate failed");
  }
  return Status::Ok();
}

Status Provider::add_seed(ByteView seed) const {
  // OpenSSL's RAND_add() does the same on the default context: a reseed of
  // the primary DRBG with the caller's bytes as additional input (fresh OS
  // entropy is drawn as well, so the caller can never lower the entropy).
  // The primary then publishes it to every other DRBG of the context, which
  // mixes it in before its next output (DrbgShared, drbg.h).
  if (!healthy()) return Status(CKR_GENERAL_ERROR, "DRBG is in the error state");
  if (seed.empty()) return Status::Ok();
  EVP_RAND_CTX* primary = RAND_get0_primary(ctx_);
  if (primary == nullptr) return Status(CKR_FUNCTION_FAILED, "no primary DRBG");
  for (std::size_t pos = 0; pos < seed.size(); pos += kSeedSlice) {
    const std::size_t len = std::min(kSeedSlice, seed.size() - pos);
    if (EVP_RAND_reseed(primary, 0, nullptr, 0, seed.data() + pos, len) != 1) {
      return drbg_failure(*this, "DRBG reseed failed");
    }
  }
  return Status::Ok();
}

const EVP_MD* Provider::md(const char* name) const {
  if (name == nullptr) return nullptr;
  for (std::size_t i = 0; i < kCommonCount; ++i) {
    if (std::strcmp(name, kCommonDigests[i]) == 0) return resources_->common[i];
  }
  std::lock_guard<std::mutex> lock(resources_->mutex);
  auto it = resources_->others.find(std::string_view(name));
  if (it != resources_->others.end()) return it->second;
  EVP_MD* md = EVP_MD_fetch(ctx_, name, nullptr);
  resources_->others.emplace(name, md);
  return md;
}

const EVP_CIPHER* Provider::cipher(const char* name) const { return resources_->ciphers->get(ctx_, name); }

const EVP_MAC* Provider::mac(const char* name) const { return resources_->macs->get(ctx_, name); }

}  // namespace craton::crypto
