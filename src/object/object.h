// Object: one PKCS#11 object (key, certificate, data) as the core holds it.
//
// Objects are immutable once published: C_SetAttributeValue builds a new
// Object with version+1 and swaps it into the token's index (copy-on-write).
// Readers therefore never lock an object, and the parsed-key cache below dies
// with the version it was built from.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "core/mutex.h"
#include "crypto/key.h"
#include "object/attributes.h"

namespace craton {

struct Object {
  CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
  std::uint64_t store_id = 0;                  // token objects: id in the SlotStore; 0 otherwise
  CK_SESSION_HANDLE owner_session = 0;         // session objects: the session that owns it
  std::uint64_t version = 1;
  AttributeMap attrs;

  CK_OBJECT_CLASS object_class() const { return attrs.ulong_or(CKA_CLASS, CK_UNAVAILABLE_INFORMATION); }
  CK_KEY_TYPE key_type() const { return attrs.ulong_or(CKA_KEY_TYPE, CK_UNAVAILABLE_INFORMATION); }
  bool is_token() const { return attrs.bool_or(CKA_TOKEN, false); }
  bool is_private() const { return attrs.bool_or(CKA_PRIVATE, false); }
  bool is_key() const {
    const CK_OBJECT_CLASS c = object_class();
    return c == CKO_SECRET_KEY || c == CKO_PUBLIC_KEY || c == CKO_PRIVATE_KEY;
  }

  // The parsed key, built on first use and cached for this version.
  Result<crypto::KeyPtr> key(const crypto::Provider& provider) const;
  // Drops the cached key (logout: private key material leaves memory).
  void drop_cached_key() const;

 private:
  mutable Mutex key_mu_;
  mutable crypto::KeyPtr key_cache_;
};

using ObjectPtr = std::shared_ptr<const Object>;

}  // namespace craton
