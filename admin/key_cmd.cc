// key generate | list | show | delete.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "commands.h"
#include "context.h"
#include "errors.h"
#include "key_spec.h"
#include "object_view.h"
#include "progress.h"

namespace craton::admin {
namespace {

struct KeyOptions {
  std::string type;
  std::string label;
  std::string id_hex;
  std::string usage;
  bool extractable = false;
  bool no_login = false;
  std::string class_filter;
  ObjectSelector selector;
};

CK_OBJECT_CLASS parse_class(const std::string& name) {
  if (name == "private" || name == "private-key") return CKO_PRIVATE_KEY;
  if (name == "public" || name == "public-key") return CKO_PUBLIC_KEY;
  if (name == "secret" || name == "secret-key") return CKO_SECRET_KEY;
  if (name == "certificate" || name == "cert") return CKO_CERTIFICATE;
  if (name == "data") return CKO_DATA;
  fail(Exit::kUsage, "--class " + name + ": use private, public, secret, certificate or data");
}

Bytes key_id(AdminSession& session, const std::string& id_hex) {
  if (!id_hex.empty()) return parse_hex(id_hex, "--id");
  // A fresh random CKA_ID links the two halves of a pair for applications
  // that pair keys and certificates by id (OpenSSL, NSS, OpenSSH).
  Bytes id(8);
  check(session.core().generate_random(session.handle(), id), "generating a key id");
  return id;
}

void run_generate(Context& ctx, const KeyOptions& opts) {
  KeySpec spec = parse_key_spec(opts.type);
  if (opts.label.empty()) fail(Exit::kUsage, "--label is required");
  const std::vector<std::string> usage =
      opts.usage.empty() ? spec.default_usage : parse_usage(spec, opts.usage);
  auto session = ctx.login(CKU_USER);
  HsmCore& core = session->core();
  const Bytes id = key_id(*session, opts.id_hex);
  AttributeMap pub = spec.public_template;
  AttributeMap priv;
  for (AttributeMap* half : {&pub, &priv}) {
    half->set_bool(CKA_TOKEN, true);
    half->set_string(CKA_LABEL, opts.label);
    half->set(CKA_ID, id);
  }
  pub.set_bool(CKA_PRIVATE, false);
  priv.set_bool(CKA_PRIVATE, true);
  priv.set_bool(CKA_SENSITIVE, true);
  priv.set_bool(CKA_EXTRACTABLE, opts.extractable);
  apply_usage(spec, usage, pub, priv);
  CK_MECHANISM mech{spec.mechanism, nullptr, 0};
  Json result;
  {
    Progress progress("generating " + spec.name + " key");
    if (spec.pair) {
      CK_OBJECT_HANDLE pub_h = 0, priv_h = 0;
      check(core.generate_key_pair(session->handle(), mech, pub, priv, pub_h, priv_h), "generating " + spec.name);
      result["public"] = object_json(*check(core.read_object(session->handle(), pub_h), "reading the new key"));
      result["private"] = object_json(*check(core.read_object(session->handle(), priv_h), "reading the new key"));
    } else {
      priv.merge_from(spec.public_template);  // CKA_VALUE_LEN
      CK_OBJECT_HANDLE h = check(core.generate_key(session->handle(), mech, priv), "generating " + spec.name);
      result["secret"] = object_json(*check(core.read_object(session->handle(), h), "reading the new key"));
    }
  }
  if (ctx.json()) return print_json(std::cout, result);
  for (const auto& [half, obj] : result.items()) {
    std::cout << "generated " << obj["class"].get<std::string>() << ' ' << obj["type"].get<std::string>() << " \""
              << obj["label"].get<std::string>() << "\" uid " << obj["uid"].get<std::string>() << " id "
              << obj["id"].get<std::string>() << '\n';
  }
}

std::unique_ptr<AdminSession> reader_session(Context& ctx, bool no_login) {
  return no_login ? ctx.open_session(false) : ctx.login(CKU_USER);
}

void run_list(Context& ctx, const KeyOptions& opts, bool certificates) {
  auto session = reader_session(ctx, opts.no_login);
  AttributeMap filter;
  if (certificates) filter.set_ulong(CKA_CLASS, CKO_CERTIFICATE);
  else if (!opts.class_filter.empty()) filter.set_ulong(CKA_CLASS, parse_class(opts.class_filter));
  if (!opts.label.empty()) filter.set_string(CKA_LABEL, opts.label);
  std::vector<ObjectPtr> objects;
  for (ObjectPtr& o : find_objects(*session, filter)) {
    const bool is_cert = o->object_class() == CKO_CERTIFICATE;
    if (certificates == is_cert || (!certificates && !opts.class_filter.empty())) objects.push_back(std::move(o));
  }
  if (ctx.json()) {
    Json list = Json::array();
    for (const ObjectPtr& o : objects) list.push_back(object_json(*o));
    return print_json(std::cout, {{"slot", ctx.slot()}, {"objects", list}});
  }
  if (objects.empty()) {
    std::cout << (certificates ? "no certificates" : "no keys") << (opts.no_login ? " (public objects only)" : "")
              << '\n';
    return;
  }
  print_object_table(objects);
}

void run_show(Context& ctx, const KeyOptions& opts) {
  auto session = reader_session(ctx, opts.no_login);
  std::optional<CK_OBJECT_CLASS> cls;
  if (!opts.class_filter.empty()) cls = parse_class(opts.class_filter);
  ObjectPtr o = select_object(*session, opts.selector, cls);
  Json j = object_json(*o);
  const ByteView spki = o->attrs.bytes_or_empty(CKA_PUBLIC_KEY_INFO);
  if (!spki.empty()) j["public_key_info"] = hex(spki);
  if (ctx.json()) return print_json(std::cout, j);
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& [name, value] : j.items()) {
    std::string text;
    if (value.is_string()) text = value.get<std::string>();
    else if (value.is_array()) {
      for (const auto& v : value) text += (text.empty() ? "" : ",") + v.get<std::string>();
    } else if (value.is_null()) text = "-";
    else text = value.dump();
    fields.emplace_back(name, text);
  }
  print_fields(std::cout, fields);
}

void run_delete(Context& ctx, const KeyOptions& opts) {
  if (!opts.selector.given()) fail(Exit::kUsage, "name what to delete with --label, --id or --uid");
  auto session = ctx.login(CKU_USER);
  AttributeMap filter = selector_filter(opts.selector);
  if (!opts.class_filter.empty()) filter.set_ulong(CKA_CLASS, parse_class(opts.class_filter));
  std::vector<ObjectPtr> objects = find_objects(*session, filter);
  if (objects.empty()) fail(Exit::kFailed, "no object matches; nothing deleted (see `key list`)");
  std::string listing = "This permanently deletes " + std::to_string(objects.size()) + " object(s):";
  for (const ObjectPtr& o : objects) {
    listing += "\n  " + class_name(o->object_class()) + " " + type_name(*o) + " \"" +
               o->attrs.string_or_empty(CKA_LABEL) + "\" uid " + o->attrs.string_or_empty(CKA_UNIQUE_ID);
  }
  ctx.confirm(listing);
  Json deleted = Json::array();
  for (const ObjectPtr& o : objects) {
    check(session->core().destroy_object(session->handle(), o->handle), "deleting " + o->attrs.string_or_empty(CKA_UNIQUE_ID));
    deleted.push_back(o->attrs.string_or_empty(CKA_UNIQUE_ID));
  }
  if (ctx.json()) return print_json(std::cout, {{"deleted", deleted}});
  std::cout << "deleted " << deleted.size() << " object(s)\n";
}

}  // namespace

void add_key_commands(CLI::App& app, Context& ctx) {
  CLI::App* key = app.add_subcommand("key", "Generate, list, show, delete, import and export keys")->require_subcommand(1);
  auto opts = std::make_shared<KeyOptions>();

  CLI::App* gen = key->add_subcommand("generate", "Generate a token key or key pair (asks for the user PIN)");
  gen->add_option("type", opts->type, "Key type: " + key_spec_help())->required();
  gen->add_option("--label", opts->label, "CKA_LABEL of the new key(s)")->required();
  gen->add_option("--id", opts->id_hex, "CKA_ID in hex (default: 8 random bytes, the same on both halves)");
  gen->add_option("--usage", opts->usage,
                  "Comma-separated: sign,verify,encrypt,decrypt,wrap,unwrap,derive,encapsulate,decapsulate "
                  "(default by type)");
  gen->add_flag("--extractable", opts->extractable, "Allow wrapping the private/secret key out (default: never)");
  gen->callback([&ctx, opts] { run_generate(ctx, *opts); });

  CLI::App* list = key->add_subcommand("list", "List keys: handle, uid, class, type, label, id, usage, flags, dates");
  list->add_option("--class", opts->class_filter, "Only private, public, secret, certificate or data objects");
  list->add_option("--label", opts->label, "Only objects with this label");
  list->add_flag("--no-login", opts->no_login, "Do not log in: public objects only, no PIN needed");
  list->callback([&ctx, opts] { run_list(ctx, *opts, false); });

  CLI::App* show = key->add_subcommand("show", "Show one key's attributes (never secret material)");
  add_selector_options(*show, opts->selector, "key");
  show->add_option("--class", opts->class_filter, "private, public or secret, when a label names several");
  show->add_flag("--no-login", opts->no_login, "Do not log in: public objects only");
  show->callback([&ctx, opts] { run_show(ctx, *opts); });

  CLI::App* del = key->add_subcommand("delete", "Delete every object the selector matches (asks for confirmation)");
  add_selector_options(*del, opts->selector, "object(s)");
  del->add_option("--class", opts->class_filter, "Only objects of this class");
  del->callback([&ctx, opts] { run_delete(ctx, *opts); });
}

void add_cert_list_command(CLI::App& cert, Context& ctx) {
  auto opts = std::make_shared<KeyOptions>();
  CLI::App* list = cert.add_subcommand("list", "List certificates");
  list->add_flag("--no-login", opts->no_login, "Do not log in: public certificates only");
  list->callback([&ctx, opts] { run_list(ctx, *opts, true); });
}

}  // namespace craton::admin
