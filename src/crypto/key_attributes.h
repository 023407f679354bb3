// Helpers shared by the asymmetric families (key.cc, rsa.cc, ec.cc,
// edwards.cc): the supported curves, the PKCS#11 attributes of an EVP_PKEY,
// EC point encodings, mechanism-parameter access and small OpenSSL handles.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>

#include "core/bytes.h"
#include "core/status.h"
#include "craton/pkcs11.h"
#include "crypto/key.h"
#include "object/attributes.h"

typedef struct evp_pkey_ctx_st EVP_PKEY_CTX;
typedef struct evp_md_ctx_st EVP_MD_CTX;
typedef struct evp_md_st EVP_MD;

namespace craton::crypto {

class Provider;

// ---- Curves ----------------------------------------------------------------

// One supported curve. Weierstrass curves are CKK_EC; Ed25519/Ed448 are
// CKK_EC_EDWARDS; X25519/X448 are CKK_EC_MONTGOMERY.
struct CurveInfo {
  const char* name;            // for messages: "P-256", "Ed25519", ...
  CK_KEY_TYPE key_type;
  const char* openssl_name;    // EC group name, or the EVP_PKEY algorithm for Edwards/Montgomery
  const char* openssl_alias;   // the other spelling OpenSSL may report ("prime256v1"), or nullptr
  int nid;                     // EC group NID (0 for Edwards/Montgomery)
  CK_ULONG bits;               // Key::bits and the registry's size unit
  std::size_t scalar_bytes;    // EC: order/field length; Edwards/Montgomery: raw private key length
  std::size_t public_bytes;    // raw public key: EC uncompressed point 1 + 2 * field; else raw key
  ByteView oid;                // DER OBJECT IDENTIFIER: the CKA_EC_PARAMS we produce
};

// The curve named by a CKA_EC_PARAMS value (namedCurve OID; for Edwards and
// Montgomery also the PrintableString names and the older GnuPG OIDs), or
// nullptr if unsupported.
const CurveInfo* curve_from_ec_params(ByteView ec_params);
// As above, but the curve must belong to `key_type`: CKR_CURVE_NOT_SUPPORTED
// otherwise (an empty value is CKR_ATTRIBUTE_VALUE_INVALID).
Result<const CurveInfo*> curve_for_key_type(ByteView ec_params, CK_KEY_TYPE key_type);
// The curve of an EC/Edwards/Montgomery EVP_PKEY, or nullptr (RSA, or an
// unsupported curve).
const CurveInfo* curve_of_pkey(const EVP_PKEY* pkey);

// ---- EC points ---------------------------------------------------------------

// DER OCTET STRING wrapping `content` (the stored form of CKA_EC_POINT).
Bytes der_octet_string(ByteView content);
// A CKA_EC_POINT or ECDH public value, DER OCTET STRING or raw, as the raw
// point. Without a curve the DER form wins whenever the value parses as one.
Result<Bytes> ec_point_from_attribute(ByteView encoded);
// Curve-aware: DER is accepted only when the wrapped length is a valid point
// length for `curve`, so a raw point that happens to look like DER is not
// misread. CKR_ATTRIBUTE_VALUE_INVALID for impossible lengths.
Result<Bytes> ec_point_from_attribute(ByteView encoded, const CurveInfo& curve);

// The raw public point of an EC private value (ec.cc). Checks 1 <= d < n:
// CKR_ATTRIBUTE_VALUE_INVALID otherwise.
Result<Bytes> ec_public_from_private(const Provider& provider, const CurveInfo& curve, ByteView scalar);

// An EC public key on a Weierstrass `curve` from a raw point (the ECDH peer).
// CKR_ATTRIBUTE_VALUE_INVALID when the point is not on the curve.
Result<EvpPkeyPtr> ec_public_key(const Provider& provider, const CurveInfo& curve, ByteView raw_point);

// ---- Attributes of generated or decoded keys ----------------------------------

// Component attributes of a key pair's public half (RSA: CKA_MODULUS,
// CKA_PUBLIC_EXPONENT, CKA_MODULUS_BITS; EC/Edwards/Montgomery: CKA_EC_PARAMS
// (OID), CKA_EC_POINT (DER OCTET STRING)) plus CKA_KEY_TYPE and
// CKA_PUBLIC_KEY_INFO. `pkey` must not be shared with other threads (its EC
// point format is set to uncompressed).
Status export_public_attributes(const Provider& provider, EVP_PKEY* pkey, AttributeMap& out);
// The private half: RSA: CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT
// and the CRT values the key has; EC: CKA_EC_PARAMS, CKA_VALUE (fixed length),
// CKA_EC_POINT; Edwards/Montgomery: CKA_EC_PARAMS, CKA_VALUE (raw key),
// CKA_EC_POINT; plus CKA_KEY_TYPE and CKA_PUBLIC_KEY_INFO.
Status export_private_attributes(const Provider& provider, EVP_PKEY* pkey, AttributeMap& out);
// DER SubjectPublicKeyInfo of `pkey`.
Result<Bytes> subject_public_key_info(const EVP_PKEY* pkey);


// X25519/X448 shared secret of `private_key` with the raw peer public key
// (edwards.cc; CKM_ECDH1_DERIVE dispatches here for CKK_EC_MONTGOMERY).
Result<SecureBytes> montgomery_shared_secret(const Provider& provider, const Key& private_key,
                                             ByteView peer_public);

// ---- Mechanism parameters ------------------------------------------------------

// The mechanism's parameter as a T: nullptr when absent (NULL and length 0),
// CKR_MECHANISM_PARAM_INVALID when the length is not sizeof(T) or only one of
// pointer/length is set.
template <class T>
Result<const T*> mechanism_param(const CK_MECHANISM& mechanism) {
  if (mechanism.pParameter == nullptr && mechanism.ulParameterLen == 0) return static_cast<const T*>(nullptr);
  if (mechanism.pParameter == nullptr || mechanism.ulParameterLen != sizeof(T)) {
    return Status(CKR_MECHANISM_PARAM_INVALID, "mechanism parameter has the wrong size");
  }
  return static_cast<const T*>(mechanism.pParameter);
}

// A nested (pointer, length) buffer of a mechanism parameter: a null pointer
// with a non-zero length is CKR_MECHANISM_PARAM_INVALID.
Result<ByteView> param_buffer(const void* data, CK_ULONG length);

// ---- OpenSSL handles --------------------------------------------------------------

struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const noexcept;
};
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const noexcept;
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// An OpenSSL call failed with `rv` as the PKCS#11 meaning (e.g.
// CKR_ATTRIBUTE_VALUE_INVALID for rejected key material): the first queued
// OpenSSL error goes into the message and the thread's error queue is
// emptied so that later calls start clean.
Status openssl_error(CK_RV rv, const char* what);

// The data of one sign/verify operation: hashed as it arrives for the
// hash-and-sign mechanisms, or collected for single-shot primitives (raw RSA,
// ECDSA on a caller's hash, EdDSA), which PKCS#11 callers may still feed
// through C_SignUpdate.
class SignatureInput {
 public:
  enum class Overflow { kError, kTruncate };
  // Hashing with `md` (from Provider::md). CKR_FUNCTION_FAILED if md is null.
  // For an XOF (SHAKE) `xof_bytes` is the output length; 0 for fixed hashes.
  static Result<SignatureInput> hashing(const EVP_MD* md, std::size_t xof_bytes = 0);
  // Collecting at most `limit` bytes. Beyond it, kError makes finish() fail
  // with CKR_DATA_LEN_RANGE; kTruncate keeps the leftmost `limit` bytes
  // (ECDSA uses only the leftmost bits of its input anyway).
  static SignatureInput collecting(std::size_t limit, Overflow overflow);

  Status update(ByteView part);
  // The digest or the collected data. Call once.
  Result<SecureBytes> finish();

 private:
  SignatureInput() = default;
  MdCtxPtr md_ctx_;
  std::size_t xof_bytes_ = 0;
  SecureBytes collected_;
  std::size_t limit_ = 0;
  Overflow overflow_ = Overflow::kError;
  bool overflowed_ = false;
};

// CKR_MECHANISM_PARAM_INVALID ("<name> takes no parameter") unless
// `mechanism` carries no parameter.
Status require_no_parameter(const CK_MECHANISM& mechanism, const char* name);

// A fresh EVP_PKEY_CTX for one operation on the key's cached EVP_PKEY, in the
// module's library context (CKR_HOST_MEMORY if it cannot be allocated).
Result<PkeyCtxPtr> new_pkey_ctx(const Provider& provider, EVP_PKEY* pkey);

}  // namespace craton::crypto
