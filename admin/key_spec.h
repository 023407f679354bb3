// What `key generate TYPE` makes: the TYPE names (rsa:2048, ec:p256,
// ed25519, aes:256, ml-dsa:65, slh-dsa:sha2-128s, ...), their generation
// mechanism and templates, and the usage words (sign, verify, ...) that map
// to CKA_SIGN, CKA_VERIFY, ... on the right half of a pair.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "object/attributes.h"

namespace craton::admin {

struct KeySpec {
  std::string name;  // as given, lowercased
  CK_MECHANISM_TYPE mechanism = 0;
  bool pair = false;
  AttributeMap public_template;  // pairs: size/curve/parameter set; secrets: CKA_VALUE_LEN
  std::vector<std::string> default_usage;
  std::vector<std::string> allowed_usage;
  bool slow = false;  // worth a progress indicator (RSA-4096, SLH-DSA "s" sets)
};

// Exit::kUsage naming the accepted forms when `text` is not one.
KeySpec parse_key_spec(std::string_view text);
// The accepted forms, for --help.
std::string key_spec_help();

// The usage rules (default_usage, allowed_usage; name = `what`) of an
// existing key of `key_type`, for imported keys.
KeySpec usage_rules_for(CK_KEY_TYPE key_type, const std::string& what);

// "sign,verify" -> {"sign", "verify"}; Exit::kUsage for unknown words or
// words `spec` does not allow.
std::vector<std::string> parse_usage(const KeySpec& spec, std::string_view list);

// Sets CKA_SIGN/CKA_VERIFY/... TRUE for `usage` and FALSE for the other
// words `spec` allows (so no token default adds a use nobody asked for):
// public words on `pub`, private words on `priv`; for a secret key all on `priv`.
void apply_usage(const KeySpec& spec, const std::vector<std::string>& usage, AttributeMap& pub, AttributeMap& priv);

// The usage words set on an object (CKA_SIGN -> "sign", ...), in a fixed order.
std::vector<std::string> usage_of(const AttributeMap& attrs);

}  // namespace craton::admin
