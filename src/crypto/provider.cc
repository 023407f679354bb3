// Provider: the module's own OSSL_LIB_CTX with the default provider loaded,
// its DRBG access, and a per-Provider cache of fetched digests.
#include "crypto/provider.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

namespace craton::crypto {
namespace {

// Digests every family asks for; fetched up front so that md() finds them
// without taking a lock. Names as the hash table (hash_names.cc) spells them.
constexpr const char* kCommonDigests[] = {
    "SHA1",     "SHA2-224", "SHA2-256", "SHA2-384", "SHA2-512", "SHA2-512/224",
    "SHA2-512/256", "SHA3-224", "SHA3-256", "SHA3-384", "SHA3-512",
};
constexpr std::size_t kCommonCount = std::size(kCommonDigests);

// EVP_RAND_reseed takes at most the DRBG's max_adinlen bytes of additional
// input (2^31 - 1 for OpenSSL's DRBGs); feeding long seeds in slices keeps
// us far below that whatever DRBG a later configuration installs.
constexpr std::size_t kSeedSlice = 4096;

}  // namespace

struct Provider::Resources {
  // OSSL_PROVIDER_load returns a reference that must be given back with
  // OSSL_PROVIDER_unload, or the provider outlives its context.
  OSSL_PROVIDER* default_provider = nullptr;
  // Written only in create(), before the Provider is shared: read lock-free.
  EVP_MD* common[kCommonCount] = {};
  // Other names, fetched on first use. A failed fetch is remembered as
  // nullptr so an unknown name costs one fetch, not one per call.
  std::mutex mutex;
  std::map<std::string, EVP_MD*, std::less<>> others;

  ~Resources() {
    // Digests hold references into the provider: release them first.
    for (EVP_MD* md : common) EVP_MD_free(md);
    for (auto& kv : others) EVP_MD_free(kv.second);
    if (default_provider != nullptr) OSSL_PROVIDER_unload(default_provider);
  }
};

Provider::Provider(OSSL_LIB_CTX* ctx) : ctx_(ctx) {}

Result<std::unique_ptr<Provider>> Provider::create() {
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
  for (std::size_t i = 0; i < kCommonCount; ++i) {
    // A digest missing from the provider stays nullptr; md() reports it.
    res.common[i] = EVP_MD_fetch(ctx, kCommonDigests[i], nullptr);
  }
  return provider;
}

Provider::~Provider() {
  resources_.reset();  // digests and the provider go before their context
  OSSL_LIB_CTX_free(ctx_);
}

Status Provider::random(std::span<std::uint8_t> out) const {
  if (out.empty()) return Status::Ok();
  if (RAND_bytes_ex(ctx_, out.data(), out.size(), 0) != 1) {
    return Status(CKR_FUNCTION_FAILED, "DRBG generate failed");
  }
  return Status::Ok();
}

Status Provider::add_seed(ByteView seed) const {
  // OpenSSL's RAND_add() does exactly this on the default context: a reseed
  // of the primary DRBG with the caller's bytes as additional input (fresh
  // entropy is drawn as well, so the caller can never lower the entropy).
  // The public and private DRBGs are children of the primary and reseed
  // from it on their next request once its reseed counter moves.
  if (seed.empty()) return Status::Ok();
  EVP_RAND_CTX* primary = RAND_get0_primary(ctx_);
  if (primary == nullptr) return Status(CKR_FUNCTION_FAILED, "no primary DRBG");
  for (std::size_t pos = 0; pos < seed.size(); pos += kSeedSlice) {
    const std::size_t len = std::min(kSeedSlice, seed.size() - pos);
    if (EVP_RAND_reseed(primary, 0, nullptr, 0, seed.data() + pos, len) != 1) {
      return Status(CKR_FUNCTION_FAILED, "DRBG reseed failed");
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

}  // namespace craton::crypto
