#include "object/object.h"

namespace craton {

Result<crypto::KeyPtr> Object::key(const crypto::Provider& provider) const {
  std::lock_guard lock(key_mu_);
  if (key_cache_) return key_cache_;
  ASSIGN_OR_RETURN(crypto::KeyPtr parsed, crypto::load_key(provider, attrs));
  key_cache_ = parsed;
  return parsed;
}

void Object::drop_cached_key() const {
  std::lock_guard lock(key_mu_);
  key_cache_.reset();
}

}  // namespace craton
