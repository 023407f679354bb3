// SignatureInput (key_attributes.h): what one sign/verify operation has
// seen, hashed as it arrives or collected up to a limit.
#include <openssl/evp.h>

#include <algorithm>

#include "crypto/key_attributes.h"

namespace craton::crypto {

Result<SignatureInput> SignatureInput::hashing(const EVP_MD* md, std::size_t xof_bytes) {
  if (md == nullptr) return Status(CKR_FUNCTION_FAILED, "digest unavailable in the module's library context");
  SignatureInput input;
  input.xof_bytes_ = xof_bytes;
  input.md_ctx_.reset(EVP_MD_CTX_new());
  if (!input.md_ctx_ || EVP_DigestInit_ex2(input.md_ctx_.get(), md, nullptr) != 1) {
    return openssl_error(CKR_HOST_MEMORY, "EVP_DigestInit_ex2");
  }
  return input;
}

SignatureInput SignatureInput::collecting(std::size_t limit, Overflow overflow) {
  SignatureInput input;
  input.limit_ = limit;
  input.overflow_ = overflow;
  return input;
}

Status SignatureInput::update(ByteView part) {
  if (md_ctx_) {
    if (EVP_DigestUpdate(md_ctx_.get(), part.data(), part.size()) != 1) {
      return openssl_error(CKR_FUNCTION_FAILED, "EVP_DigestUpdate");
    }
    return Status::Ok();
  }
  const std::size_t room = limit_ - collected_.size();
  if (part.size() > room) overflowed_ = true;
  const std::size_t take = std::min(room, part.size());
  collected_.insert(collected_.end(), part.begin(), part.begin() + static_cast<std::ptrdiff_t>(take));
  return Status::Ok();
}

Result<SecureBytes> SignatureInput::finish() {
  if (md_ctx_ && xof_bytes_ != 0) {
    // An XOF's default output length is not the one the caller needs.
    SecureBytes digest(xof_bytes_);
    if (EVP_DigestFinalXOF(md_ctx_.get(), digest.data(), digest.size()) != 1) {
      return openssl_error(CKR_FUNCTION_FAILED, "EVP_DigestFinalXOF");
    }
    return digest;
  }
  if (md_ctx_) {
    SecureBytes digest(static_cast<std::size_t>(EVP_MD_CTX_get_size(md_ctx_.get())));
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(md_ctx_.get(), digest.data(), &len) != 1) {
      return openssl_error(CKR_FUNCTION_FAILED, "EVP_DigestFinal_ex");
    }
    digest.resize(len);
    return digest;
  }
  if (overflowed_ && overflow_ == Overflow::kError) return Status(CKR_DATA_LEN_RANGE, "input too long");
  return std::move(collected_);
}

}  // namespace craton::crypto
