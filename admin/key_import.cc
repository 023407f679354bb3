// key import | export-public, cert import | export | list.
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "commands.h"
#include "context.h"
#include "crypto/key.h"
#include "crypto/provider.h"
#include "errors.h"
#include "key_spec.h"
#include "object_view.h"
#include "pem.h"

namespace craton::admin {
namespace {

struct ImportOptions {
  std::string file;
  std::string label;
  std::string id_hex;
  std::string class_name;  // private | public | secret | certificate; empty: from the file
  std::string key_type = "aes";  // raw secrets: aes | generic
  std::string usage;
  bool extractable = false;
  std::string output = "-";
  bool der = false;
  bool force = false;
  bool no_login = false;
  ObjectSelector selector;
};

// Any private key OpenSSL can read (PKCS#8, or the traditional RSA/EC forms)
// as PKCS#8 DER, which the key layer turns into attributes.
SecureBytes private_key_as_pkcs8(const crypto::Provider& provider, ByteView der, const std::string& path) {
  EVP_PKEY* pkey = nullptr;
  OSSL_DECODER_CTX* dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER", nullptr, nullptr, EVP_PKEY_KEYPAIR,
                                                          provider.libctx(), nullptr);
  const unsigned char* p = der.data();
  std::size_t left = der.size();
  const bool decoded = dctx != nullptr && OSSL_DECODER_from_data(dctx, &p, &left) == 1 && pkey != nullptr;
  OSSL_DECODER_CTX_free(dctx);
  if (!decoded) fail(Exit::kUsage, path + ": not a private key OpenSSL can read");
  OSSL_ENCODER_CTX* ectx = OSSL_ENCODER_CTX_new_for_pkey(pkey, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", nullptr);
  unsigned char* out = nullptr;
  std::size_t len = 0;
  const bool encoded = ectx != nullptr && OSSL_ENCODER_to_data(ectx, &out, &len) == 1;
  OSSL_ENCODER_CTX_free(ectx);
  EVP_PKEY_free(pkey);
  if (!encoded) fail(Exit::kFailed, path + ": cannot re-encode the private key as PKCS#8");
  SecureBytes pkcs8(out, out + len);
  OPENSSL_clear_free(out, len);
  return pkcs8;
}

// CKA_SUBJECT, CKA_ISSUER, CKA_SERIAL_NUMBER, CKA_VALUE of an X.509 certificate.
AttributeMap certificate_attributes(ByteView der, const std::string& path, Bytes* spki) {
  const unsigned char* p = der.data();
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (cert == nullptr || p != der.data() + der.size()) {
    X509_free(cert);
    fail(Exit::kUsage, path + ": not a DER or PEM X.509 certificate");
  }
  const auto encode = [](const auto* value, auto i2d) {
    unsigned char* buf = nullptr;
    const int n = i2d(value, &buf);
    Bytes out(buf, buf + std::max(n, 0));
    OPENSSL_free(buf);
    return out;
  };
  AttributeMap a;
  a.set_ulong(CKA_CLASS, CKO_CERTIFICATE);
  a.set_ulong(CKA_CERTIFICATE_TYPE, CKC_X_509);
  a.set(CKA_SUBJECT, encode(X509_get_subject_name(cert), &i2d_X509_NAME));
  a.set(CKA_ISSUER, encode(X509_get_issuer_name(cert), &i2d_X509_NAME));
  a.set(CKA_SERIAL_NUMBER, encode(X509_get0_serialNumber(cert), &i2d_ASN1_INTEGER));
  a.set(CKA_VALUE, der);
  if (spki != nullptr) *spki = encode(X509_get_X509_PUBKEY(cert), &i2d_X509_PUBKEY);
  X509_free(cert);
  return a;
}

std::string detect_class(const ImportOptions& opts, const PemBlock& block) {
  if (!opts.class_name.empty()) return opts.class_name;
  const std::string& l = block.label;
  if (l == "PRIVATE KEY" || l == "RSA PRIVATE KEY" || l == "EC PRIVATE KEY") return "private";
  if (l == "PUBLIC KEY") return "public";
  if (l == "CERTIFICATE") return "certificate";
  if (l == "ENCRYPTED PRIVATE KEY") {
    fail(Exit::kUsage, opts.file + ": encrypted private key; decrypt it first (openssl pkcs8 -in FILE -out PLAIN)");
  }
  if (!l.empty()) fail(Exit::kUsage, opts.file + ": unsupported PEM block \"" + l + "\"");
  fail(Exit::kUsage, opts.file + ": DER input needs --class private|public|secret|certificate");
}

Bytes chosen_id(AdminSession& session, const std::string& id_hex) {
  if (!id_hex.empty()) return parse_hex(id_hex, "--id");
  Bytes id(8);
  check(session.core().generate_random(session.handle(), id), "generating a key id");
  return id;
}

// The CKA_ID of the private key whose public key is `spki`, so that an
// imported certificate pairs with its key as applications expect.
std::optional<Bytes> id_of_matching_key(AdminSession& session, const Bytes& spki) {
  AttributeMap filter;
  filter.set_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
  filter.set(CKA_PUBLIC_KEY_INFO, spki);
  for (const ObjectPtr& o : find_objects(session, filter)) return copy_bytes(o->attrs.bytes_or_empty(CKA_ID));
  return std::nullopt;
}

AttributeMap key_template(Context& ctx, const ImportOptions& opts, const std::string& cls, const PemBlock& block) {
  const crypto::Provider& provider = ctx.core().provider();
  if (cls == "private") {
    SecureBytes pkcs8 = block.label == "PRIVATE KEY" ? block.der : private_key_as_pkcs8(provider, block.der, opts.file);
    return check(crypto::decode_private_key_pkcs8(provider, pkcs8), opts.file + ": private key");
  }
  if (cls == "public") return check(crypto::decode_public_key_spki(provider, block.der), opts.file + ": public key");
  // A raw secret: the file's bytes are the key.
  AttributeMap a;
  a.set_ulong(CKA_CLASS, CKO_SECRET_KEY);
  if (opts.key_type == "aes") {
    if (block.der.size() != 16 && block.der.size() != 24 && block.der.size() != 32) {
      fail(Exit::kUsage, opts.file + ": an AES key is 16, 24 or 32 bytes, not " + std::to_string(block.der.size()));
    }
    a.set_ulong(CKA_KEY_TYPE, CKK_AES);
  } else if (opts.key_type == "generic") {
    if (block.der.empty()) fail(Exit::kUsage, opts.file + " is empty");
    a.set_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET);
  } else {
    fail(Exit::kUsage, "--key-type " + opts.key_type + ": use aes or generic");
  }
  a.set(CKA_VALUE, ByteView(block.der));
  return a;
}

void run_import(Context& ctx, const ImportOptions& opts) {
  if (opts.label.empty()) fail(Exit::kUsage, "--label is required");
  const Bytes data = read_input(opts.file);
  const bool raw_secret = opts.class_name == "secret";
  const PemBlock block = raw_secret ? PemBlock{"", SecureBytes(data.begin(), data.end())} : first_block(data, opts.file);
  const std::string cls = detect_class(opts, block);
  if (cls != "private" && cls != "public" && cls != "secret" && cls != "certificate") {
    fail(Exit::kUsage, "--class " + cls + ": use private, public, secret or certificate");
  }
  auto session = ctx.login(CKU_USER);
  AttributeMap t;
  std::optional<Bytes> id;
  if (cls == "certificate") {
    Bytes spki;
    t = certificate_attributes(block.der, opts.file, &spki);
    t.set_bool(CKA_PRIVATE, false);
    if (opts.id_hex.empty()) id = id_of_matching_key(*session, spki);
  } else {
    t = key_template(ctx, opts, cls, block);
    const CK_KEY_TYPE type = t.ulong_or(CKA_KEY_TYPE, CK_UNAVAILABLE_INFORMATION);
    KeySpec rules = usage_rules_for(type, cls + " key");
    rules.pair = cls != "secret";
    const auto usage = opts.usage.empty() ? rules.default_usage : parse_usage(rules, opts.usage);
    AttributeMap other_half;
    if (cls == "public") apply_usage(rules, usage, t, other_half);
    else apply_usage(rules, usage, other_half, t);
    t.set_bool(CKA_PRIVATE, cls != "public");
    if (cls != "public") {
      t.set_bool(CKA_SENSITIVE, true);
      t.set_bool(CKA_EXTRACTABLE, opts.extractable);
    }
  }
  t.set_bool(CKA_TOKEN, true);
  t.set_string(CKA_LABEL, opts.label);
  t.set(CKA_ID, id ? *id : chosen_id(*session, opts.id_hex));
  CK_OBJECT_HANDLE h = check(session->core().create_object(session->handle(), t), "importing " + opts.file);
  Json j = object_json(*check(session->core().read_object(session->handle(), h), "reading the imported object"));
  if (ctx.json()) return print_json(std::cout, j);
  std::cout << "imported " << j["class"].get<std::string>() << ' ' << j["type"].get<std::string>() << " \""
            << j["label"].get<std::string>() << "\" uid " << j["uid"].get<std::string>() << " id "
            << j["id"].get<std::string>() << '\n';
}

void write_exported(const ImportOptions& opts, const std::string& label, ByteView der) {
  if (opts.der) return write_output(opts.output, der, opts.force);
  const std::string pem = to_pem(label, der);
  write_output(opts.output, ByteView(reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size()), opts.force);
}

void run_export_public(Context& ctx, const ImportOptions& opts) {
  auto session = opts.no_login ? ctx.open_session(false) : ctx.login(CKU_USER);
  // A pair shares label and id: the public half, else the private key's
  // CKA_PUBLIC_KEY_INFO.
  ObjectPtr key = select_key(*session, opts.selector, {CKO_PUBLIC_KEY, CKO_PRIVATE_KEY});
  const ByteView spki = key->attrs.bytes_or_empty(CKA_PUBLIC_KEY_INFO);
  if (spki.empty()) fail(Exit::kFailed, "key " + key->attrs.string_or_empty(CKA_UNIQUE_ID) + " has no CKA_PUBLIC_KEY_INFO");
  write_exported(opts, "PUBLIC KEY", spki);
}

void run_cert_export(Context& ctx, const ImportOptions& opts) {
  auto session = opts.no_login ? ctx.open_session(false) : ctx.login(CKU_USER);
  ObjectPtr cert = select_object(*session, opts.selector, CKO_CERTIFICATE);
  write_exported(opts, "CERTIFICATE", cert->attrs.bytes_or_empty(CKA_VALUE));
}

void add_import_options(CLI::App& cmd, ImportOptions& opts, bool keys) {
  cmd.add_option("file", opts.file, "PEM or DER file, or - for stdin")->required();
  cmd.add_option("--label", opts.label, "CKA_LABEL of the new object")->required();
  cmd.add_option("--id", opts.id_hex,
                 keys ? "CKA_ID in hex (default: 8 random bytes)"
                      : "CKA_ID in hex (default: the id of the private key holding the certificate's public key)");
  if (!keys) return;
  cmd.add_option("--class", opts.class_name,
                 "private, public, secret (raw bytes) or certificate (default: from the PEM label)");
  cmd.add_option("--key-type", opts.key_type, "Raw secrets: aes (16/24/32 bytes) or generic");
  cmd.add_option("--usage", opts.usage, "Comma-separated usage words, as for `key generate` (default by type)");
  cmd.add_flag("--extractable", opts.extractable, "Allow wrapping the key out again (default: never)");
}

void add_export_options(CLI::App& cmd, ImportOptions& opts, const std::string& what) {
  add_selector_options(cmd, opts.selector, what);
  cmd.add_option("-o,--output", opts.output, "File to write (default: - for stdout)");
  cmd.add_flag("--der", opts.der, "DER instead of PEM");
  cmd.add_flag("--force", opts.force, "Replace an existing output file");
  cmd.add_flag("--no-login", opts.no_login, "Do not log in: public objects only");
}

}  // namespace

void add_import_commands(CLI::App& app, Context& ctx) {
  CLI::App* key = app.get_subcommand("key");
  auto opts = std::make_shared<ImportOptions>();
  CLI::App* import = key->add_subcommand(
      "import", "Import a PKCS#8 private key, SPKI public key, raw AES/generic secret or X.509 certificate");
  add_import_options(*import, *opts, true);
  import->callback([&ctx, opts] {
    if (opts->class_name == "certificate" || opts->class_name == "cert") opts->class_name = "certificate";
    run_import(ctx, *opts);
  });
  CLI::App* exp = key->add_subcommand("export-public", "Write a key's public key as PEM SubjectPublicKeyInfo");
  add_export_options(*exp, *opts, "key");
  exp->callback([&ctx, opts] { run_export_public(ctx, *opts); });

  CLI::App* cert = app.add_subcommand("cert", "Import, export and list X.509 certificates")->require_subcommand(1);
  auto cert_opts = std::make_shared<ImportOptions>();
  CLI::App* cimport = cert->add_subcommand("import", "Import an X.509 certificate (PEM or DER)");
  add_import_options(*cimport, *cert_opts, false);
  cimport->callback([&ctx, cert_opts] {
    cert_opts->class_name = "certificate";
    run_import(ctx, *cert_opts);
  });
  CLI::App* cexport = cert->add_subcommand("export", "Write a certificate as PEM (or --der)");
  add_export_options(*cexport, *cert_opts, "certificate");
  cexport->callback([&ctx, cert_opts] { run_cert_export(ctx, *cert_opts); });
  add_cert_list_command(*cert, ctx);
}

}  // namespace craton::admin
