// sign, verify, encrypt, decrypt, digest, random: thin helpers over the
// module for scripts and for checking a key. Data comes from a file or stdin
// ("-"); results go to a file or stdout. The stdin order is: PIN line (when
// no --pin-file/--pin-env), then the data.
#include <openssl/bn.h>
#include <openssl/ec.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "commands.h"
#include "context.h"
#include "crypto/key_attributes.h"
#include "errors.h"
#include "mechanism_args.h"
#include "object_view.h"
#include "pem.h"

namespace craton::admin {
namespace {

struct CryptoOptions {
  ObjectSelector selector;
  std::string mechanism;
  std::string input = "-";
  std::string output = "-";
  std::string signature_file;
  std::string format = "der";  // ECDSA signatures: der | raw
  std::string hash = "sha256";  // RSA-OAEP
  bool force = false;
  std::size_t count = 0;
  bool binary = false;
};

bool is_ecdsa(const Object& key, CK_MECHANISM_TYPE mech) {
  return key.key_type() == CKK_EC && (mech == CKM_ECDSA || (mech >= CKM_ECDSA_SHA1 && mech <= CKM_ECDSA_SHA512) ||
                                      (mech >= CKM_ECDSA_SHA3_224 && mech <= CKM_ECDSA_SHA3_512));
}

std::size_t ec_scalar_bytes(const Object& key) {
  const crypto::CurveInfo* curve = crypto::curve_from_ec_params(key.attrs.bytes_or_empty(CKA_EC_PARAMS));
  if (curve == nullptr) fail(Exit::kFailed, "unknown curve");
  return curve->scalar_bytes;
}

// PKCS#11 ECDSA signatures are r || s; X.509, OpenSSL and most tools use the
// DER SEQUENCE { r INTEGER, s INTEGER }.
Bytes ecdsa_raw_to_der(ByteView raw) {
  ECDSA_SIG* sig = ECDSA_SIG_new();
  const int half = static_cast<int>(raw.size() / 2);
  BIGNUM* r = BN_bin2bn(raw.data(), half, nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + half, half, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    fail(Exit::kFailed, "cannot encode the ECDSA signature");
  }
  unsigned char* der = nullptr;
  const int n = i2d_ECDSA_SIG(sig, &der);
  Bytes out(der, der + std::max(n, 0));
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

Bytes ecdsa_der_to_raw(ByteView der, std::size_t scalar_bytes) {
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr || p != der.data() + der.size()) {
    ECDSA_SIG_free(sig);
    fail(Exit::kCheckFailed, "signature is not a DER ECDSA signature (use --format raw for r||s)");
  }
  Bytes out(2 * scalar_bytes);
  const bool ok = BN_bn2binpad(ECDSA_SIG_get0_r(sig), out.data(), static_cast<int>(scalar_bytes)) >= 0 &&
                  BN_bn2binpad(ECDSA_SIG_get0_s(sig), out.data() + scalar_bytes, static_cast<int>(scalar_bytes)) >= 0;
  ECDSA_SIG_free(sig);
  if (!ok) fail(Exit::kCheckFailed, "ECDSA signature values are too large for the key's curve");
  return out;
}

CK_MECHANISM_TYPE chosen(const CryptoOptions& opts, const Object& key, bool signature) {
  if (!opts.mechanism.empty()) return mechanism_by_name(opts.mechanism);
  return signature ? default_signature_mechanism(key) : default_cipher_mechanism(key);
}

void emit_bytes(Context& ctx, const CryptoOptions& opts, const char* field, CK_MECHANISM_TYPE mech, ByteView data) {
  if (ctx.json() && opts.output == "-") {
    return print_json(std::cout, {{"mechanism", mechanism_name(mech)}, {field, hex(data)}});
  }
  write_output(opts.output, data, opts.force);
}

// Runs a single-part operation with the PKCS#11 size query, then the call.
template <class Call>
Bytes run_output(Call&& call, const std::string& doing) {
  CK_ULONG len = 0;
  check(call(Output{nullptr, &len}), doing);
  Bytes out(len);
  check(call(Output{out.data(), &len}), doing);
  out.resize(len);
  return out;
}

void run_sign(Context& ctx, const CryptoOptions& opts) {
  auto session = ctx.login(CKU_USER);
  ObjectPtr key = select_key(*session, opts.selector, {CKO_PRIVATE_KEY, CKO_SECRET_KEY});
  const CK_MECHANISM_TYPE mech = chosen(opts, *key, true);
  const Bytes data = read_input(opts.input);
  auto prepared = prepare_mechanism(mech, opts.hash);
  HsmCore& core = session->core();
  check(core.crypto_init(session->handle(), OpKind::Sign, prepared->mechanism, key->handle), "sign");
  Bytes sig = run_output([&](Output out) { return core.sign(session->handle(), data, out); }, "sign");
  if (is_ecdsa(*key, mech) && opts.format == "der") sig = ecdsa_raw_to_der(sig);
  emit_bytes(ctx, opts, "signature", mech, sig);
}

void run_verify(Context& ctx, const CryptoOptions& opts) {
  if (opts.signature_file.empty()) fail(Exit::kUsage, "--signature FILE is required");
  auto session = ctx.login(CKU_USER);
  ObjectPtr key = select_key(*session, opts.selector, {CKO_PUBLIC_KEY, CKO_SECRET_KEY});
  const CK_MECHANISM_TYPE mech = chosen(opts, *key, true);
  Bytes sig = read_input(opts.signature_file);
  if (is_ecdsa(*key, mech) && opts.format == "der") sig = ecdsa_der_to_raw(sig, ec_scalar_bytes(*key));
  const Bytes data = read_input(opts.input);
  auto prepared = prepare_mechanism(mech, opts.hash);
  HsmCore& core = session->core();
  check(core.crypto_init(session->handle(), OpKind::Verify, prepared->mechanism, key->handle), "verify");
  const Status st = core.verify(session->handle(), data, sig);
  const bool valid = st.ok();
  if (!valid && st.rv() != CKR_SIGNATURE_INVALID && st.rv() != CKR_SIGNATURE_LEN_RANGE) check(st, "verify");
  if (ctx.json()) print_json(std::cout, {{"mechanism", mechanism_name(mech)}, {"valid", valid}});
  else if (valid) std::cout << "signature valid (" << mechanism_name(mech) << ")\n";
  if (!valid) fail(Exit::kCheckFailed, "signature INVALID (" + rv_name(st.rv()) + ")");
}

void run_cipher(Context& ctx, const CryptoOptions& opts, bool encrypting) {
  auto session = ctx.login(CKU_USER);
  ObjectPtr key = select_key(*session, opts.selector,
                          encrypting ? std::initializer_list<CK_OBJECT_CLASS>{CKO_PUBLIC_KEY, CKO_SECRET_KEY}
                                     : std::initializer_list<CK_OBJECT_CLASS>{CKO_PRIVATE_KEY, CKO_SECRET_KEY});
  const CK_MECHANISM_TYPE mech = chosen(opts, *key, false);
  const Bytes data = read_input(opts.input);
  ByteView input(data);
  auto prepared = prepare_cipher(mech, opts.hash, *session, encrypting, input);
  HsmCore& core = session->core();
  const char* doing = encrypting ? "encrypt" : "decrypt";
  check(core.crypto_init(session->handle(), encrypting ? OpKind::Encrypt : OpKind::Decrypt, prepared->mechanism,
                         key->handle),
        doing);
  Bytes out = run_output(
      [&](Output o) {
        return encrypting ? core.encrypt(session->handle(), input, o) : core.decrypt(session->handle(), input, o);
      },
      doing);
  if (encrypting) out.insert(out.begin(), prepared->iv.begin(), prepared->iv.end());
  emit_bytes(ctx, opts, encrypting ? "ciphertext" : "plaintext", mech, out);
}

void run_digest(Context& ctx, const CryptoOptions& opts) {
  const CK_MECHANISM_TYPE mech = mechanism_by_name(opts.mechanism.empty() ? "CKM_SHA256" : opts.mechanism);
  auto session = ctx.open_session(false);
  const Bytes data = read_input(opts.input);
  CK_MECHANISM m{mech, nullptr, 0};
  HsmCore& core = session->core();
  check(core.digest_init(session->handle(), m), "digest");
  Bytes digest = run_output([&](Output o) { return core.digest(session->handle(), data, o); }, "digest");
  if (ctx.json()) return print_json(std::cout, {{"mechanism", mechanism_name(mech)}, {"digest", hex(digest)}});
  if (opts.binary) return write_output(opts.output, digest, opts.force);
  const std::string line = hex(digest) + "\n";
  write_output(opts.output, ByteView(reinterpret_cast<const std::uint8_t*>(line.data()), line.size()), opts.force);
}

void run_random(Context& ctx, const CryptoOptions& opts) {
  if (opts.count == 0 || opts.count > (1u << 20)) fail(Exit::kUsage, "random: give 1 to 1048576 bytes");
  auto session = ctx.open_session(false);
  Bytes bytes(opts.count);
  check(session->core().generate_random(session->handle(), bytes), "random");
  if (ctx.json()) return print_json(std::cout, {{"bytes", opts.count}, {"random", hex(bytes)}});
  if (opts.binary) return write_output(opts.output, bytes, opts.force);
  const std::string line = hex(bytes) + "\n";
  write_output(opts.output, ByteView(reinterpret_cast<const std::uint8_t*>(line.data()), line.size()), opts.force);
}

CLI::App* data_command(CLI::App& app, const char* name, const char* help, CryptoOptions& opts, bool keyed) {
  CLI::App* cmd = app.add_subcommand(name, help);
  if (keyed) {
    add_selector_options(*cmd, opts.selector, "key");
    cmd->add_option("-m,--mechanism", opts.mechanism, "Mechanism, e.g. CKM_SHA256_RSA_PKCS_PSS (default by key type)");
  }
  cmd->add_option("-i,--input", opts.input, "Input file (default: - for stdin)");
  cmd->add_option("-o,--output", opts.output, "Output file (default: - for stdout)");
  cmd->add_flag("--force", opts.force, "Replace an existing output file");
  return cmd;
}

}  // namespace

void add_crypto_commands(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<CryptoOptions>();
  const char* format_help = "ECDSA signatures: der (as OpenSSL and X.509 use) or raw (PKCS#11 r||s)";
  CLI::App* sign = data_command(app, "sign", "Sign data with a private or secret key", *opts, true);
  sign->add_option("--format", opts->format, format_help)->check(CLI::IsMember({"der", "raw"}));
  sign->callback([&ctx, opts] { run_sign(ctx, *opts); });

  CLI::App* verify = data_command(app, "verify", "Verify a signature (exit 1 when it does not verify)", *opts, true);
  verify->add_option("-s,--signature", opts->signature_file, "Signature file")->required();
  verify->add_option("--format", opts->format, format_help)->check(CLI::IsMember({"der", "raw"}));
  verify->callback([&ctx, opts] { run_verify(ctx, *opts); });

  for (bool enc : {true, false}) {
    CLI::App* cmd = data_command(app, enc ? "encrypt" : "decrypt",
                                 enc ? "Encrypt with a public or secret key (IV || ciphertext for AES modes)"
                                     : "Decrypt with a private or secret key",
                                 *opts, true);
    cmd->add_option("--hash", opts->hash, "RSA-OAEP hash (MGF1 uses the same): sha1, sha256, sha384, sha512");
    cmd->callback([&ctx, opts, enc] { run_cipher(ctx, *opts, enc); });
  }

  CLI::App* digest = data_command(app, "digest", "Hash data with the module (hex unless --binary)", *opts, false);
  digest->add_option("-m,--mechanism", opts->mechanism, "Digest mechanism (default: CKM_SHA256)");
  digest->add_flag("--binary", opts->binary, "Write the raw digest instead of hex");
  digest->callback([&ctx, opts] { run_digest(ctx, *opts); });

  CLI::App* random = app.add_subcommand("random", "Random bytes from the module's DRBG (hex unless --binary)");
  random->add_option("bytes", opts->count, "How many bytes (1..1048576)")->required();
  random->add_option("-o,--output", opts->output, "Output file (default: - for stdout)");
  random->add_flag("--binary", opts->binary, "Write raw bytes instead of hex");
  random->add_flag("--force", opts->force, "Replace an existing output file");
  random->callback([&ctx, opts] { run_random(ctx, *opts); });
}

}  // namespace craton::admin
