// Finding and describing objects for the key and cert commands.
//
// Objects are named by --label, --id (hex CKA_ID) or --uid (CKA_UNIQUE_ID,
// e.g. "0-12", stable across runs). Handles are shown but differ from one
// process to the next, as PKCS#11 allows, so they are not a selector.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "context.h"
#include "object/object.h"

namespace CLI { class App; }

namespace craton::admin {

struct ObjectSelector {
  std::string label;
  std::string id_hex;
  std::string uid;
  bool given() const { return !label.empty() || !id_hex.empty() || !uid.empty(); }
};

// Adds --label, --id and --uid, described as selecting `what`.
void add_selector_options(CLI::App& cmd, ObjectSelector& selector, const std::string& what);

// "0a1b" -> bytes; Exit::kUsage naming `flag` on bad hex.
Bytes parse_hex(const std::string& text, const std::string& flag);

// The search template the selector stands for (label, id and uid).
AttributeMap selector_filter(const ObjectSelector& selector);

// Every object the session sees that matches `filter` (C_FindObjects), as
// snapshots, ordered by handle.
std::vector<ObjectPtr> find_objects(AdminSession& session, const AttributeMap& filter);

// The one object of `cls` (or of any class when nullopt) the selector names.
// Exit::kFailed when none matches, Exit::kUsage when several do (listing how
// to tell them apart) or when no selector was given.
ObjectPtr select_object(AdminSession& session, const ObjectSelector& selector,
                        std::optional<CK_OBJECT_CLASS> cls = std::nullopt);

// The key the selector names, of the first class in `classes` that has a
// match (e.g. the public half of a pair before the private one).
// Exit::kFailed when none matches.
ObjectPtr select_key(AdminSession& session, const ObjectSelector& selector,
                     std::initializer_list<CK_OBJECT_CLASS> classes);

// "private-key", "public-key", "secret-key", "certificate", "data".
std::string class_name(CK_OBJECT_CLASS cls);
// "rsa-2048", "ec-p256", "ed25519", "aes-256", "ml-dsa-65", "x509", ...
std::string type_name(const Object& object);

// The documented JSON of an object (docs/cli.md "key list"): never any
// secret or private component.
Json object_json(const Object& object);

// Prints objects as the `key list` / `cert list` table.
void print_object_table(const std::vector<ObjectPtr>& objects);

}  // namespace craton::admin
