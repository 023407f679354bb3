#include "key_spec.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "crypto/slh_dsa_key.h"
#include "errors.h"

namespace craton::admin {
namespace {

struct Usage {
  const char* word;
  CK_ATTRIBUTE_TYPE attribute;
  bool on_public;  // which half of a pair carries it
};
constexpr Usage kUsages[] = {
    {"sign", CKA_SIGN, false},       {"verify", CKA_VERIFY, true},         {"encrypt", CKA_ENCRYPT, true},
    {"decrypt", CKA_DECRYPT, false}, {"wrap", CKA_WRAP, true},             {"unwrap", CKA_UNWRAP, false},
    {"derive", CKA_DERIVE, false},   {"encapsulate", CKA_ENCAPSULATE, true}, {"decapsulate", CKA_DECAPSULATE, false},
};

// DER namedCurve OIDs (SEC 2, RFC 8410) for CKA_EC_PARAMS.
const std::map<std::string, Bytes, std::less<>> kCurves = {
    {"p256", {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}},
    {"p384", {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22}},
    {"p521", {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23}},
};
const Bytes kEd25519 = {0x06, 0x03, 0x2b, 0x65, 0x70};
const Bytes kEd448 = {0x06, 0x03, 0x2b, 0x65, 0x71};
const Bytes kX25519 = {0x06, 0x03, 0x2b, 0x65, 0x6e};
const Bytes kX448 = {0x06, 0x03, 0x2b, 0x65, 0x6f};

const std::vector<std::string> kSignUsage = {"sign", "verify"};
const std::vector<std::string> kSecretUsage = {"encrypt", "decrypt", "wrap", "unwrap"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

[[noreturn]] void bad_spec(std::string_view text) {
  fail(Exit::kUsage, "unknown key type \"" + std::string(text) + "\"; use one of: " + key_spec_help());
}

KeySpec pair_spec(std::string name, CK_MECHANISM_TYPE mech, std::vector<std::string> usage,
                  std::vector<std::string> allowed) {
  KeySpec s;
  s.name = std::move(name);
  s.mechanism = mech;
  s.pair = true;
  s.default_usage = std::move(usage);
  s.allowed_usage = std::move(allowed);
  return s;
}

KeySpec rsa(const std::string& name, const std::string& arg) {
  if (arg != "2048" && arg != "3072" && arg != "4096") bad_spec(name);
  KeySpec s = pair_spec(name, CKM_RSA_PKCS_KEY_PAIR_GEN, {"sign", "verify", "encrypt", "decrypt"},
                        {"sign", "verify", "encrypt", "decrypt", "wrap", "unwrap"});
  s.public_template.set_ulong(CKA_MODULUS_BITS, std::stoul(arg));
  s.public_template.set(CKA_PUBLIC_EXPONENT, Bytes{0x01, 0x00, 0x01});
  s.slow = arg == "4096";
  return s;
}

KeySpec curve(const std::string& name, CK_MECHANISM_TYPE mech, const Bytes& oid, std::vector<std::string> usage,
              std::vector<std::string> allowed) {
  KeySpec s = pair_spec(name, mech, std::move(usage), std::move(allowed));
  s.public_template.set(CKA_EC_PARAMS, oid);
  return s;
}

KeySpec secret(const std::string& name, CK_MECHANISM_TYPE mech, unsigned long bits, std::vector<std::string> usage,
               std::vector<std::string> allowed) {
  KeySpec s;
  s.name = name;
  s.mechanism = mech;
  s.public_template.set_ulong(CKA_VALUE_LEN, bits / 8);
  s.default_usage = std::move(usage);
  s.allowed_usage = std::move(allowed);
  return s;
}

KeySpec parameter_set(const std::string& name, CK_MECHANISM_TYPE mech, CK_ULONG set, std::vector<std::string> usage) {
  KeySpec s = pair_spec(name, mech, usage, usage);
  s.public_template.set_ulong(CKA_PARAMETER_SET, set);
  return s;
}

KeySpec slh_dsa(const std::string& name, const std::string& arg) {
  // "sha2-128s" -> "SLH-DSA-SHA2-128s" in the parameter-set table.
  for (CK_ULONG set = CKP_SLH_DSA_SHA2_128S; set <= CKP_SLH_DSA_SHAKE_256F; ++set) {
    const crypto::SlhDsaParams* p = crypto::slh_dsa_params_for(set);
    if (p == nullptr || lower(p->openssl_name) != "slh-dsa-" + arg) continue;
    KeySpec s = parameter_set(name, CKM_SLH_DSA_KEY_PAIR_GEN, set, kSignUsage);
    s.slow = arg.back() == 's';
    return s;
  }
  bad_spec(name);
}

}  // namespace

std::string key_spec_help() {
  return "rsa:2048|3072|4096, ec:p256|p384|p521, ed25519, ed448, x25519, x448, aes:128|192|256, "
         "generic[:BITS], ml-dsa:44|65|87, ml-kem:512|768|1024, slh-dsa:sha2-128s|sha2-128f|...|shake-256f";
}

KeySpec parse_key_spec(std::string_view text) {
  const std::string name = lower(text);
  const std::size_t colon = name.find(':');
  const std::string family = name.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : name.substr(colon + 1);
  const std::vector<std::string> any_secret = {"sign", "verify", "encrypt", "decrypt", "wrap", "unwrap", "derive"};
  if (family == "rsa") return rsa(name, arg);
  if (family == "ec" && kCurves.count(arg)) {
    return curve(name, CKM_EC_KEY_PAIR_GEN, kCurves.at(arg), kSignUsage, {"sign", "verify", "derive"});
  }
  if (arg.empty()) {
    if (family == "ed25519") return curve(name, CKM_EC_EDWARDS_KEY_PAIR_GEN, kEd25519, kSignUsage, kSignUsage);
    if (family == "ed448") return curve(name, CKM_EC_EDWARDS_KEY_PAIR_GEN, kEd448, kSignUsage, kSignUsage);
    if (family == "x25519") return curve(name, CKM_EC_MONTGOMERY_KEY_PAIR_GEN, kX25519, {"derive"}, {"derive"});
    if (family == "x448") return curve(name, CKM_EC_MONTGOMERY_KEY_PAIR_GEN, kX448, {"derive"}, {"derive"});
    if (family == "generic") return secret(name, CKM_GENERIC_SECRET_KEY_GEN, 256, {"sign", "verify"}, any_secret);
  }
  if (family == "aes" && (arg == "128" || arg == "192" || arg == "256")) {
    return secret(name, CKM_AES_KEY_GEN, std::stoul(arg), kSecretUsage, any_secret);
  }
  if (family == "generic" && !arg.empty() && arg.find_first_not_of("0123456789") == std::string::npos &&
      arg.size() < 6) {
    const unsigned long bits = std::stoul(arg);
    if (bits == 0 || bits % 8 != 0) fail(Exit::kUsage, "generic:BITS needs a positive multiple of 8");
    return secret(name, CKM_GENERIC_SECRET_KEY_GEN, bits, {"sign", "verify"}, any_secret);
  }
  if (family == "ml-dsa") {
    const std::map<std::string, CK_ULONG> sets = {{"44", CKP_ML_DSA_44}, {"65", CKP_ML_DSA_65}, {"87", CKP_ML_DSA_87}};
    if (sets.count(arg)) return parameter_set(name, CKM_ML_DSA_KEY_PAIR_GEN, sets.at(arg), kSignUsage);
  }
  if (family == "ml-kem") {
    const std::map<std::string, CK_ULONG> sets = {
        {"512", CKP_ML_KEM_512}, {"768", CKP_ML_KEM_768}, {"1024", CKP_ML_KEM_1024}};
    if (sets.count(arg)) {
      return parameter_set(name, CKM_ML_KEM_KEY_PAIR_GEN, sets.at(arg), {"encapsulate", "decapsulate"});
    }
  }
  if (family == "slh-dsa" && !arg.empty()) return slh_dsa(name, arg);
  bad_spec(text);
}

KeySpec usage_rules_for(CK_KEY_TYPE key_type, const std::string& what) {
  KeySpec s;
  s.name = what;
  const auto rules = [&s](std::vector<std::string> def, std::vector<std::string> allowed) {
    s.default_usage = std::move(def);
    s.allowed_usage = std::move(allowed);
  };
  switch (key_type) {
    case CKK_RSA: rules({"sign", "verify", "encrypt", "decrypt"}, {"sign", "verify", "encrypt", "decrypt", "wrap", "unwrap"}); break;
    case CKK_EC: rules(kSignUsage, {"sign", "verify", "derive"}); break;
    case CKK_EC_MONTGOMERY: rules({"derive"}, {"derive"}); break;
    case CKK_ML_KEM: rules({"encapsulate", "decapsulate"}, {"encapsulate", "decapsulate"}); break;
    case CKK_AES: rules(kSecretUsage, {"sign", "verify", "encrypt", "decrypt", "wrap", "unwrap", "derive"}); break;
    case CKK_GENERIC_SECRET: rules({"sign", "verify"}, {"sign", "verify", "derive"}); break;
    default: rules(kSignUsage, kSignUsage); break;  // Edwards, ML-DSA, SLH-DSA
  }
  return s;
}

std::vector<std::string> parse_usage(const KeySpec& spec, std::string_view list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    const std::string word = lower(list.substr(start, comma - start));
    start = comma + 1;
    if (word.empty()) continue;
    if (std::find(spec.allowed_usage.begin(), spec.allowed_usage.end(), word) == spec.allowed_usage.end()) {
      std::string allowed;
      for (const auto& w : spec.allowed_usage) allowed += (allowed.empty() ? "" : ",") + w;
      fail(Exit::kUsage, "--usage " + word + " is not possible for " + spec.name + " keys; allowed: " + allowed);
    }
    if (std::find(out.begin(), out.end(), word) == out.end()) out.push_back(word);
  }
  if (out.empty()) fail(Exit::kUsage, "--usage needs at least one of: sign, verify, encrypt, decrypt, ...");
  return out;
}

void apply_usage(const KeySpec& spec, const std::vector<std::string>& usage, AttributeMap& pub, AttributeMap& priv) {
  const auto listed = [](const std::vector<std::string>& words, const char* w) {
    return std::find(words.begin(), words.end(), w) != words.end();
  };
  for (const Usage& u : kUsages) {
    if (!listed(spec.allowed_usage, u.word)) continue;
    AttributeMap& half = spec.pair && u.on_public ? pub : priv;
    half.set_bool(u.attribute, listed(usage, u.word));
  }
}

std::vector<std::string> usage_of(const AttributeMap& attrs) {
  std::vector<std::string> out;
  for (const Usage& u : kUsages) {
    if (attrs.bool_or(u.attribute, false)) out.push_back(u.word);
  }
  return out;
}

}  // namespace craton::admin
