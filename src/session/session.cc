#include "session/session.h"

namespace craton {

void Session::cancel_crypto_operations() {
  encrypt.reset();
  decrypt.reset();
  sign_recover.reset();
  verify_recover.reset();
  sign.reset();
  verify.reset();
  verify_signature.reset();
  signature_to_verify.clear();
  digest.reset();
  message_encrypt.reset();
  message_decrypt.reset();
}

}  // namespace craton
