// Message digests: SHA-1, SHA-2, SHA-3 and legacy MD5 (C_Digest*).
#include <openssl/evp.h>

#include <memory>

#include "crypto/families.h"
#include "crypto/hash_names.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

struct EvpMdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxDeleter>;

class EvpDigestOperation final : public DigestOperation {
 public:
  EvpDigestOperation(EvpMdCtxPtr ctx, std::size_t length) : ctx_(std::move(ctx)), length_(length) {}

  std::size_t digest_length() const override { return length_; }

  Status update(ByteView part) override {
    if (finished_) return Status(CKR_OPERATION_NOT_INITIALIZED, "digest already finished");
    if (EVP_DigestUpdate(ctx_.get(), part.data(), part.size()) != 1) {
      return openssl_failure("EVP_DigestUpdate");
    }
    return Status::Ok();
  }

  Status final(Bytes& out) override {
    if (finished_) return Status(CKR_OPERATION_NOT_INITIALIZED, "digest already finished");
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), md, &md_len) != 1) return openssl_failure("EVP_DigestFinal_ex");
    finished_ = true;
    out.insert(out.end(), md, md + md_len);
    return Status::Ok();
  }

  // The ABI clones to run a step speculatively (operation.h); a failed copy
  // returns nullptr, which the ABI treats as "cannot clone".
  std::unique_ptr<DigestOperation> clone() const override {
    EvpMdCtxPtr copy(EVP_MD_CTX_new());
    if (!copy || EVP_MD_CTX_copy_ex(copy.get(), ctx_.get()) != 1) return nullptr;
    auto op = std::make_unique<EvpDigestOperation>(std::move(copy), length_);
    op->finished_ = finished_;
    return op;
  }

 private:
  EvpMdCtxPtr ctx_;
  std::size_t length_;
  bool finished_ = false;
};

Result<std::unique_ptr<DigestOperation>> make_digest(const MechanismCall& call) {
  const CK_MECHANISM& mech = call.mechanism;
  if (mech.pParameter != nullptr || mech.ulParameterLen != 0) {
    return Status(CKR_MECHANISM_PARAM_INVALID, "digest mechanisms take no parameter");
  }
  const HashInfo* hash = hash_by_mechanism_including_legacy(mech.mechanism);
  if (hash == nullptr) return Status(CKR_MECHANISM_INVALID, "not a digest mechanism");
  ASSIGN_OR_RETURN(const EVP_MD* md, digest_md(call.provider, *hash));  // cached per Provider
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return Status(CKR_HOST_MEMORY, "EVP_MD_CTX_new");
  if (EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1) return openssl_failure("EVP_DigestInit_ex2");
  return std::unique_ptr<DigestOperation>(
      std::make_unique<EvpDigestOperation>(std::move(ctx), hash->digest_size));
}

// A digest row: no key, CKF_DIGEST only.
constexpr MechanismEntry digest_row(CK_MECHANISM_TYPE type, const char* name, bool legacy = false) {
  MechanismEntry row;
  row.type = type;
  row.name = name;
  row.flags = CKF_DIGEST;
  row.approved = !legacy;
  row.legacy = legacy;
  row.digest = &make_digest;
  return row;
}

const MechanismEntry kDigestRows[] = {
    digest_row(CKM_SHA_1, "CKM_SHA_1"),
    digest_row(CKM_SHA224, "CKM_SHA224"),
    digest_row(CKM_SHA256, "CKM_SHA256"),
    digest_row(CKM_SHA384, "CKM_SHA384"),
    digest_row(CKM_SHA512, "CKM_SHA512"),
    digest_row(CKM_SHA512_224, "CKM_SHA512_224"),
    digest_row(CKM_SHA512_256, "CKM_SHA512_256"),
    digest_row(CKM_SHA3_224, "CKM_SHA3_224"),
    digest_row(CKM_SHA3_256, "CKM_SHA3_256"),
    digest_row(CKM_SHA3_384, "CKM_SHA3_384"),
    digest_row(CKM_SHA3_512, "CKM_SHA3_512"),
    digest_row(CKM_MD5, "CKM_MD5", /*legacy=*/true),
};

}  // namespace

std::span<const MechanismEntry> digest_mechanisms() { return kDigestRows; }

}  // namespace craton::crypto
