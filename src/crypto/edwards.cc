// Edwards and Montgomery curves: Ed25519/Ed448 key pairs and EdDSA (pure,
// context and pre-hash variants, RFC 8032), X25519/X448 key pairs and their
// shared secret (used by CKM_ECDH1_DERIVE in ec.cc).
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <string>

#include "crypto/families.h"
#include "crypto/key_attributes.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

constexpr CK_ULONG kMinBits = 255;  // Curve25519
constexpr CK_ULONG kMaxBits = 448;  // Curve448
// RFC 8032: contexts are at most 255 bytes.
constexpr CK_ULONG kMaxContext = 255;
// EdDSA needs the whole message before it can sign (pure variants hash it
// twice), so multi-part input is collected; this caps the memory one
// operation can hold.
constexpr std::size_t kMaxMessage = std::size_t{256} << 20;

// Which RFC 8032 variant a CKM_EDDSA call asks for.
struct EddsaVariant {
  std::string instance;  // OpenSSL's OSSL_SIGNATURE_PARAM_INSTANCE value
  Bytes context;
};

Result<EddsaVariant> parse_eddsa(const CK_MECHANISM& mech, const CurveInfo& curve) {
  ASSIGN_OR_RETURN(const CK_EDDSA_PARAMS* params, mechanism_param<CK_EDDSA_PARAMS>(mech));
  const bool ed25519 = curve.bits == 255;
  EddsaVariant v;
  v.instance = ed25519 ? "Ed25519" : "Ed448";
  if (params == nullptr) return v;  // pure EdDSA
  if (params->ulContextDataLen > kMaxContext) return Status(CKR_MECHANISM_PARAM_INVALID, "EdDSA context too long");
  ASSIGN_OR_RETURN(ByteView context, param_buffer(params->pContextData, params->ulContextDataLen));
  v.context = copy_bytes(context);
  if (params->phFlag != CK_FALSE) {
    v.instance += "ph";
  } else if (ed25519 && !context.empty()) {
    // Ed25519ctx; with an empty context RFC 8032 §5.1 says to use plain
    // Ed25519, which is what we do.
    v.instance += "ctx";
  }
  return v;
}

Status check_edwards_key(const KeyPtr& key, bool need_private) {
  if (!key || !key->pkey || key->key_type != CKK_EC_EDWARDS || curve_of_pkey(key->pkey.get()) == nullptr) {
    return Status(CKR_KEY_TYPE_INCONSISTENT, "not an Edwards-curve key");
  }
  if (need_private && key->object_class != CKO_PRIVATE_KEY) {
    return Status(CKR_KEY_TYPE_INCONSISTENT, "operation needs the private key");
  }
  return Status::Ok();
}

// An EVP_MD_CTX set up for one-shot EdDSA on `key` with `variant`.
Result<MdCtxPtr> eddsa_ctx(const Provider& provider, const Key& key, const EddsaVariant& variant, bool sign) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return Status(CKR_HOST_MEMORY, "EVP_MD_CTX_new");
  OSSL_PARAM params[3];
  std::size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_INSTANCE,
                                                 const_cast<char*>(variant.instance.c_str()), 0);
  if (!variant.context.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_CONTEXT_STRING,
                                                    const_cast<std::uint8_t*>(variant.context.data()),
                                                    variant.context.size());
  }
  params[n] = OSSL_PARAM_construct_end();
  const int ok = sign ? EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, provider.libctx(), nullptr,
                                              key.pkey.get(), params)
                      : EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, provider.libctx(), nullptr,
                                                key.pkey.get(), params);
  if (ok != 1) return openssl_error(CKR_FUNCTION_FAILED, "EdDSA init");
  return ctx;
}

std::size_t signature_size(const CurveInfo& curve) { return 2 * curve.public_bytes; }  // R || S

class EddsaSign final : public SignOperation {
 public:
  EddsaSign(const Provider& provider, KeyPtr key, const CurveInfo& curve, EddsaVariant variant)
      : provider_(provider), key_(std::move(key)), curve_(curve), variant_(std::move(variant)),
        input_(SignatureInput::collecting(kMaxMessage, SignatureInput::Overflow::kError)) {}

  std::size_t signature_length() const override { return signature_size(curve_); }
  Status update(ByteView part) override { return input_.update(part); }

  Status final(Bytes& signature) override {
    ASSIGN_OR_RETURN(SecureBytes message, input_.finish());
    ASSIGN_OR_RETURN(MdCtxPtr ctx, eddsa_ctx(provider_, *key_, variant_, true));
    const std::size_t start = signature.size();
    std::size_t len = signature_size(curve_);
    signature.resize(start + len);
    if (EVP_DigestSign(ctx.get(), signature.data() + start, &len, message.data(), message.size()) != 1) {
      signature.resize(start);
      return openssl_error(CKR_FUNCTION_FAILED, "EdDSA sign");
    }
    signature.resize(start + len);
    return Status::Ok();
  }

 private:
  const Provider& provider_;
  KeyPtr key_;
  const CurveInfo& curve_;
  EddsaVariant variant_;
  SignatureInput input_;
};

class EddsaVerify final : public VerifyOperation {
 public:
  EddsaVerify(const Provider& provider, KeyPtr key, const CurveInfo& curve, EddsaVariant variant)
      : provider_(provider), key_(std::move(key)), curve_(curve), variant_(std::move(variant)),
        input_(SignatureInput::collecting(kMaxMessage, SignatureInput::Overflow::kError)) {}

  Status update(ByteView part) override { return input_.update(part); }

  Status final(ByteView signature) override {
    ASSIGN_OR_RETURN(SecureBytes message, input_.finish());
    if (signature.size() != signature_size(curve_)) return Status(CKR_SIGNATURE_LEN_RANGE, "wrong EdDSA signature length");
    ASSIGN_OR_RETURN(MdCtxPtr ctx, eddsa_ctx(provider_, *key_, variant_, false));
    if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(), message.size()) != 1) {
      return openssl_error(CKR_SIGNATURE_INVALID, "EdDSA verify");
    }
    return Status::Ok();
  }

 private:
  const Provider& provider_;
  KeyPtr key_;
  const CurveInfo& curve_;
  EddsaVariant variant_;
  SignatureInput input_;
};

Result<std::unique_ptr<SignOperation>> make_sign(const MechanismCall& call, const KeyPtr& key) {
  RETURN_IF_ERROR(check_edwards_key(key, true));
  const CurveInfo& curve = *curve_of_pkey(key->pkey.get());
  ASSIGN_OR_RETURN(EddsaVariant variant, parse_eddsa(call.mechanism, curve));
  return std::unique_ptr<SignOperation>(new EddsaSign(call.provider, key, curve, std::move(variant)));
}

Result<std::unique_ptr<VerifyOperation>> make_verify(const MechanismCall& call, const KeyPtr& key) {
  RETURN_IF_ERROR(check_edwards_key(key, false));
  const CurveInfo& curve = *curve_of_pkey(key->pkey.get());
  ASSIGN_OR_RETURN(EddsaVariant variant, parse_eddsa(call.mechanism, curve));
  return std::unique_ptr<VerifyOperation>(new EddsaVerify(call.provider, key, curve, std::move(variant)));
}

// ---- Key-pair generation (both curve families) ----------------------------------

template <CK_KEY_TYPE kKeyType>
Status generate_key_pair(const MechanismCall& call, const AttributeMap& public_tmpl, const AttributeMap&,
                         AttributeMap& public_out, AttributeMap& private_out) {
  if (call.mechanism.ulParameterLen != 0) return Status(CKR_MECHANISM_PARAM_INVALID, "takes no parameter");
  const SecureBytes* params = public_tmpl.find(CKA_EC_PARAMS);
  if (params == nullptr) return Status(CKR_TEMPLATE_INCOMPLETE, "CKA_EC_PARAMS is required");
  ASSIGN_OR_RETURN(const CurveInfo* curve, curve_for_key_type(view_of(*params), kKeyType));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(call.provider.libctx(), curve->openssl_name, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return openssl_error(CKR_FUNCTION_FAILED, "key generation");
  }
  EvpPkeyPtr pkey(raw);
  RETURN_IF_ERROR(export_public_attributes(call.provider, pkey.get(), public_out));
  RETURN_IF_ERROR(export_private_attributes(call.provider, pkey.get(), private_out));
  // Keep the caller's spelling of the curve (OID or PrintableString name):
  // applications read back what they asked for.
  public_out.set(CKA_EC_PARAMS, view_of(*params));
  private_out.set(CKA_EC_PARAMS, view_of(*params));
  return Status::Ok();
}

const MechanismEntry kRows[] = {
    {.type = CKM_EC_EDWARDS_KEY_PAIR_GEN, .name = "CKM_EC_EDWARDS_KEY_PAIR_GEN", .key_types = {CKK_EC_EDWARDS},
     .min_key_size = kMinBits, .max_key_size = kMaxBits, .flags = CKF_GENERATE_KEY_PAIR | CKF_EC_OID | CKF_EC_CURVENAME,
     .generate_key_pair = generate_key_pair<CKK_EC_EDWARDS>},
    // X25519/X448 are not SP 800-56A schemes: not approved.
    {.type = CKM_EC_MONTGOMERY_KEY_PAIR_GEN, .name = "CKM_EC_MONTGOMERY_KEY_PAIR_GEN",
     .key_types = {CKK_EC_MONTGOMERY}, .min_key_size = kMinBits, .max_key_size = kMaxBits,
     .flags = CKF_GENERATE_KEY_PAIR | CKF_EC_OID | CKF_EC_CURVENAME, .approved = false,
     .generate_key_pair = generate_key_pair<CKK_EC_MONTGOMERY>},
    {.type = CKM_EDDSA, .name = "CKM_EDDSA", .key_types = {CKK_EC_EDWARDS}, .min_key_size = kMinBits,
     .max_key_size = kMaxBits, .flags = CKF_SIGN | CKF_VERIFY | CKF_EC_OID | CKF_EC_CURVENAME, .sign = make_sign,
     .verify = make_verify},
};

}  // namespace

Result<SecureBytes> montgomery_shared_secret(const Provider& provider, const Key& private_key, ByteView peer_public) {
  const CurveInfo* curve = private_key.pkey ? curve_of_pkey(private_key.pkey.get()) : nullptr;
  if (curve == nullptr || curve->key_type != CKK_EC_MONTGOMERY || private_key.object_class != CKO_PRIVATE_KEY) {
    return Status(CKR_KEY_TYPE_INCONSISTENT, "not an X25519/X448 private key");
  }
  if (peer_public.size() != curve->public_bytes) {
    return Status(CKR_MECHANISM_PARAM_INVALID, "peer public key has the wrong length");
  }
  EvpPkeyPtr peer(EVP_PKEY_new_raw_public_key_ex(provider.libctx(), curve->openssl_name, nullptr, peer_public.data(),
                                                 peer_public.size()));
  if (!peer) return openssl_error(CKR_MECHANISM_PARAM_INVALID, "peer public key");
  ASSIGN_OR_RETURN(PkeyCtxPtr ctx, new_pkey_ctx(provider, private_key.pkey.get()));
  if (EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), 1) != 1) {
    return openssl_error(CKR_MECHANISM_PARAM_INVALID, "peer public key rejected");
  }
  SecureBytes secret(curve->public_bytes);
  std::size_t len = secret.size();
  // Fails for a small-order peer point (all-zero result, RFC 7748 §6).
  if (EVP_PKEY_derive(ctx.get(), secret.data(), &len) != 1) {
    return openssl_error(CKR_MECHANISM_PARAM_INVALID, "X25519/X448 derivation");
  }
  secret.resize(len);
  return secret;
}

std::span<const MechanismEntry> edwards_mechanisms() { return kRows; }

}  // namespace craton::crypto
