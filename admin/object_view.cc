#include "object_view.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>

#include "crypto/key_attributes.h"
#include "crypto/slh_dsa_key.h"
#include "errors.h"
#include "key_spec.h"

namespace craton::admin {
namespace {

std::string text_of(const AttributeMap& attrs, CK_ATTRIBUTE_TYPE type) { return attrs.string_or_empty(type); }

// CK_DATE is "YYYYMMDD" (empty when not set) -> "YYYY-MM-DD".
Json date_json(const AttributeMap& attrs, CK_ATTRIBUTE_TYPE type) {
  const std::string d = text_of(attrs, type);
  if (d.size() != 8) return nullptr;
  return d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2);
}

std::string curve_suffix(const AttributeMap& attrs) {
  const crypto::CurveInfo* curve = crypto::curve_from_ec_params(attrs.bytes_or_empty(CKA_EC_PARAMS));
  if (curve == nullptr) return "unknown-curve";
  std::string name = curve->name;  // "P-256", "Ed25519", "X448"
  name.erase(std::remove(name.begin(), name.end(), '-'), name.end());
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

std::string parameter_set_suffix(const AttributeMap& attrs, const char* const* names, std::size_t count) {
  const CK_ULONG set = attrs.ulong_or(CKA_PARAMETER_SET, 0);
  return set >= 1 && set <= count ? names[set - 1] : "unknown";
}

}  // namespace

void add_selector_options(CLI::App& cmd, ObjectSelector& selector, const std::string& what) {
  cmd.add_option("--label", selector.label, "CKA_LABEL of the " + what);
  cmd.add_option("--id", selector.id_hex, "CKA_ID of the " + what + ", in hex");
  cmd.add_option("--uid", selector.uid, "CKA_UNIQUE_ID of the " + what + " (the UID column of `key list`)");
}

Bytes parse_hex(const std::string& text, const std::string& flag) {
  std::string digits;
  for (char c : text) {
    if (c == ':' || c == ' ') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) fail(Exit::kUsage, flag + " \"" + text + "\" is not hex");
    digits.push_back(c);
  }
  if (digits.size() % 2 != 0) fail(Exit::kUsage, flag + " \"" + text + "\" has an odd number of hex digits");
  Bytes out;
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  }
  return out;
}

AttributeMap selector_filter(const ObjectSelector& selector) {
  AttributeMap filter;
  if (!selector.label.empty()) filter.set_string(CKA_LABEL, selector.label);
  if (!selector.id_hex.empty()) filter.set(CKA_ID, parse_hex(selector.id_hex, "--id"));
  if (!selector.uid.empty()) filter.set_string(CKA_UNIQUE_ID, selector.uid);
  return filter;
}

std::vector<ObjectPtr> find_objects(AdminSession& session, const AttributeMap& filter) {
  HsmCore& core = session.core();
  check(core.find_init(session.handle(), filter), "searching objects");
  std::vector<CK_OBJECT_HANDLE> handles;
  CK_OBJECT_HANDLE batch[64];
  while (true) {
    std::size_t n = check(core.find(session.handle(), batch), "searching objects");
    if (n == 0) break;
    handles.insert(handles.end(), batch, batch + n);
  }
  check(core.find_final(session.handle()), "searching objects");
  std::sort(handles.begin(), handles.end());
  std::vector<ObjectPtr> out;
  for (CK_OBJECT_HANDLE h : handles) out.push_back(check(core.read_object(session.handle(), h), "reading an object"));
  return out;
}

ObjectPtr select_object(AdminSession& session, const ObjectSelector& selector, std::optional<CK_OBJECT_CLASS> cls) {
  if (!selector.given()) fail(Exit::kUsage, "name the object with --label, --id or --uid");
  AttributeMap filter = selector_filter(selector);
  if (cls) filter.set_ulong(CKA_CLASS, *cls);
  std::vector<ObjectPtr> found = find_objects(session, filter);
  std::string described = selector.label.empty() ? "" : " label \"" + selector.label + "\"";
  if (!selector.id_hex.empty()) described += " id " + selector.id_hex;
  if (!selector.uid.empty()) described += " uid " + selector.uid;
  const std::string kind = cls ? class_name(*cls) : std::string("object");
  if (found.empty()) fail(Exit::kFailed, "no " + kind + " with" + described + " (see `key list`)");
  if (found.size() > 1) {
    std::string uids;
    for (const ObjectPtr& o : found) {
      uids += (uids.empty() ? "" : ", ") + text_of(o->attrs, CKA_UNIQUE_ID) + " (" + class_name(o->object_class()) + ")";
    }
    fail(Exit::kUsage, std::to_string(found.size()) + " objects match" + described + ": " + uids +
                           "; choose one with --uid" + (cls ? "" : " or --class"));
  }
  return found.front();
}

ObjectPtr select_key(AdminSession& session, const ObjectSelector& selector,
                     std::initializer_list<CK_OBJECT_CLASS> classes) {
  if (!selector.given()) fail(Exit::kUsage, "name the key with --label, --id or --uid");
  for (CK_OBJECT_CLASS cls : classes) {
    AttributeMap filter = selector_filter(selector);
    filter.set_ulong(CKA_CLASS, cls);
    if (!find_objects(session, filter).empty()) return select_object(session, selector, cls);
  }
  fail(Exit::kFailed, "no suitable key matches (see `key list`)");
}

std::string class_name(CK_OBJECT_CLASS cls) {
  switch (cls) {
    case CKO_PRIVATE_KEY: return "private-key";
    case CKO_PUBLIC_KEY: return "public-key";
    case CKO_SECRET_KEY: return "secret-key";
    case CKO_CERTIFICATE: return "certificate";
    case CKO_DATA: return "data";
    default: return "class-" + std::to_string(cls);
  }
}

std::string type_name(const Object& object) {
  const AttributeMap& a = object.attrs;
  if (object.object_class() == CKO_CERTIFICATE) {
    return a.ulong_or(CKA_CERTIFICATE_TYPE, CK_UNAVAILABLE_INFORMATION) == CKC_X_509 ? "x509" : "other";
  }
  if (!object.is_key()) return "-";
  static const char* const kMlDsa[] = {"44", "65", "87"};
  static const char* const kMlKem[] = {"512", "768", "1024"};
  switch (object.key_type()) {
    case CKK_RSA: return "rsa-" + std::to_string(a.bytes_or_empty(CKA_MODULUS).size() * 8);
    case CKK_EC: return "ec-" + curve_suffix(a);
    case CKK_EC_EDWARDS:
    case CKK_EC_MONTGOMERY: return curve_suffix(a);
    case CKK_AES: return "aes-" + std::to_string(a.ulong_or(CKA_VALUE_LEN, 0) * 8);
    case CKK_GENERIC_SECRET: return "generic-" + std::to_string(a.ulong_or(CKA_VALUE_LEN, 0) * 8);
    case CKK_ML_DSA: return "ml-dsa-" + parameter_set_suffix(a, kMlDsa, 3);
    case CKK_ML_KEM: return "ml-kem-" + parameter_set_suffix(a, kMlKem, 3);
    case CKK_SLH_DSA: {
      const crypto::SlhDsaParams* p = crypto::slh_dsa_params_for(a.ulong_or(CKA_PARAMETER_SET, 0));
      std::string n = p ? p->openssl_name : "slh-dsa-unknown";
      for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return n;
    }
    default: return "key-type-" + std::to_string(object.key_type());
  }
}

Json object_json(const Object& object) {
  const AttributeMap& a = object.attrs;
  Json j;
  j["handle"] = object.handle;
  j["uid"] = text_of(a, CKA_UNIQUE_ID);
  j["class"] = class_name(object.object_class());
  j["type"] = type_name(object);
  j["label"] = text_of(a, CKA_LABEL);
  j["id"] = hex(a.bytes_or_empty(CKA_ID));
  j["token"] = object.is_token();
  j["private"] = object.is_private();
  if (object.is_key()) {
    j["usage"] = usage_of(a);
    if (object.object_class() != CKO_PUBLIC_KEY) {
      j["sensitive"] = a.bool_or(CKA_SENSITIVE, false);
      j["extractable"] = a.bool_or(CKA_EXTRACTABLE, false);
      j["always_sensitive"] = a.bool_or(CKA_ALWAYS_SENSITIVE, false);
      j["never_extractable"] = a.bool_or(CKA_NEVER_EXTRACTABLE, false);
    }
    j["local"] = a.bool_or(CKA_LOCAL, false);
    j["start_date"] = date_json(a, CKA_START_DATE);
    j["end_date"] = date_json(a, CKA_END_DATE);
  }
  j["modifiable"] = a.bool_or(CKA_MODIFIABLE, true);
  return j;
}

void print_object_table(const std::vector<ObjectPtr>& objects) {
  Table table({"HANDLE", "UID", "CLASS", "TYPE", "LABEL", "ID", "USAGE", "FLAGS", "DATES"});
  for (const ObjectPtr& o : objects) {
    const Json j = object_json(*o);
    std::string usage, flags;
    if (j.contains("usage")) {
      for (const auto& u : j["usage"]) usage += (usage.empty() ? "" : ",") + u.get<std::string>();
    }
    const auto flag = [&flags](bool on, const char* name) {
      if (on) flags += (flags.empty() ? "" : ",") + std::string(name);
    };
    flag(j["private"], "private");
    flag(j.value("sensitive", false), "sensitive");
    flag(j.value("extractable", false), "extractable");
    flag(j.value("local", false), "local");
    std::string dates = "-";
    if (j.contains("start_date") && (!j["start_date"].is_null() || !j["end_date"].is_null())) {
      dates = (j["start_date"].is_null() ? "" : j["start_date"].get<std::string>()) + ".." +
              (j["end_date"].is_null() ? "" : j["end_date"].get<std::string>());
    }
    table.add({std::to_string(o->handle), j["uid"], j["class"], j["type"], j["label"], j["id"],
               usage.empty() ? "-" : usage, flags.empty() ? "-" : flags, dates});
  }
  table.print(std::cout);
}

}  // namespace craton::admin
