#include "crypto/pkey_octets.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/key_attributes.h"
#include "crypto/provider.h"

namespace craton::crypto {

Result<EvpPkeyPtr> pkey_from_octets(const Provider& provider, const char* algorithm, int selection, const char* param,
                                    ByteView value, const std::string& what) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(provider.libctx(), algorithm, nullptr));
  if (!ctx) return openssl_error(CKR_HOST_MEMORY, "EVP_PKEY_CTX_new_from_name");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(param, const_cast<std::uint8_t*>(value.data()), value.size()),
      OSSL_PARAM_construct_end(),
  };
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 || EVP_PKEY_fromdata(ctx.get(), &raw, selection, params) != 1) {
    return openssl_error(CKR_ATTRIBUTE_VALUE_INVALID, (what + " rejected").c_str());
  }
  return EvpPkeyPtr(raw);
}

std::optional<SecureBytes> pkey_octets(const EVP_PKEY* pkey, const char* param, std::size_t size) {
  SecureBytes out(size);
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(pkey, param, out.data(), out.size(), &len) != 1 || len != size) {
    ERR_clear_error();
    return std::nullopt;
  }
  return out;
}

Status check_octet_length(ByteView value, std::size_t want, const std::string& what) {
  if (value.size() == want) return Status::Ok();
  return Status(CKR_ATTRIBUTE_VALUE_INVALID, what + " has the wrong length (" + std::to_string(value.size()) +
                                                 " bytes, expected " + std::to_string(want) + ")");
}

}  // namespace craton::crypto
