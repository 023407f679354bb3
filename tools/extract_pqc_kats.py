#!/usr/bin/env python3
"""Writes the post-quantum known-answer vectors, taken from the ACVP-derived
test data of the OpenSSL 3.5 source tree that the bootstrap downloads:

    tools/extract_pqc_kats.py ~/.cache/craton-hsm/openssl-src > src/crypto/self_test_pqc_vectors.h
    tools/extract_pqc_kats.py --abi ~/.cache/craton-hsm/openssl-src > tests/vectors/pqc_vectors.h
    tools/extract_pqc_kats.py --ml-kem ~/.cache/craton-hsm/openssl-src > tests/vectors/ml_kem_vectors.h

The first is the power-on self-tests' header (ML-KEM, ML-DSA, SLH-DSA); the
second is for the ABI tests, which see only the public headers: the same
ML-DSA-44 vector, plus SLH-DSA key-generation, deterministic signing and
verification vectors. The third holds one ML-KEM case per parameter set
(key generation from the seed d||z, encapsulation with fixed randomness to
the same key, an independent decapsulation) for the unit and ABI tests.
"""
import sys

DATA = "test/recipes/30-test_evp_data/"


def stanzas(path):
    """The file as a list of {key: [values]} stanzas (blank-line separated)."""
    out, cur = [], {}
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            if cur:
                out.append(cur)
                cur = {}
            continue
        key, _, value = line.partition(" = ")
        cur.setdefault(key, []).append(value)
    if cur:
        out.append(cur)
    return out


def ctrl(stanza, name):
    for c in stanza.get("Ctrl", []):
        k, _, v = c.partition(":")
        if k == name:
            return v
    return None


def raw_keys(all_stanzas, field):
    keys = {}
    for s in all_stanzas:
        for v in s.get(field, []):
            name, alg, value = v.split(":")
            keys[name] = (alg, value)
    return keys


def ml_kem(root):
    for s in stanzas(root + DATA + "evppkey_ml_kem_768_decap.txt"):
        if s.get("Kem") == ["ML-KEM-768"] and "Result" not in s and "EncodedPrivateKey" in s:
            return s["EncodedPrivateKey"][0], s["Input"][0], s["Output"][0]
    raise SystemExit("no ML-KEM-768 decapsulation vector")


def ml_dsa(root):
    all_s = stanzas(root + DATA + "evppkey_ml_dsa_siggen.txt")
    keys = raw_keys(all_s, "PrivateKeyRaw")
    for s in all_s:
        target = s.get("Sign-Message", [""])[0]
        if not target.startswith("ML-DSA-44:") or ctrl(s, "deterministic") != "1" or ctrl(s, "mu") is not None:
            continue
        if ctrl(s, "message-encoding") != "1" or "Result" in s:
            continue
        return keys[target.split(":")[1]][1], s["Input"][0], ctrl(s, "hexcontext-string") or "", s["Output"][0]
    raise SystemExit("no deterministic ML-DSA-44 signing vector")


def slh_dsa(root):
    all_s = stanzas(root + DATA + "evppkey_slh_dsa_sigver.txt")
    keys = raw_keys(all_s, "PublicKeyRaw")
    best = None
    for s in all_s:
        target = s.get("Verify-Message-Public", [""])[0]
        if not target.startswith("SLH-DSA-SHA2-128s:") or "Result" in s or ctrl(s, "message-encoding") != "1":
            continue
        candidate = (keys[target.split(":")[1]][1], s["Input"][0], ctrl(s, "hexcontext-string") or "", s["Output"][0])
        if best is None or len(candidate[1]) < len(best[1]):
            best = candidate
    if best is None:
        raise SystemExit("no valid SLH-DSA-SHA2-128s verification vector")
    return best


def constant(name, value):
    value = value.lower()
    lines = [value[i:i + 96] for i in range(0, len(value), 96)] or [""]
    body = "\n".join(f'    "{chunk}"' for chunk in lines)
    return f"inline constexpr auto {name} = hex(\n{body});\n"


def slh_dsa_keygen(root, algorithm):
    """The first key-generation vector of `algorithm`: (private key, public key)."""
    for s in stanzas(root + DATA + "evppkey_slh_dsa_keygen.txt"):
        if s.get("KeyGen") != [algorithm]:
            continue
        out = dict(c.partition(":")[::2] for c in s.get("CtrlOut", []))
        return out["hexpriv"], out["hexpub"]
    raise SystemExit("no SLH-DSA key-generation vector for " + algorithm)


def slh_dsa_siggen(root, algorithm):
    """The deterministic pure signing vector of `algorithm` with a context and
    the shortest message: (private key, message, context, signature)."""
    all_s = stanzas(root + DATA + "evppkey_slh_dsa_siggen.txt")
    keys = raw_keys(all_s, "PrivateKeyRaw")
    best = None
    for s in all_s:
        target = s.get("Sign-Message", [""])[0]
        if not target.startswith(algorithm + ":") or "Result" in s or ctrl(s, "deterministic") != "1":
            continue
        context = ctrl(s, "hexcontext-string") or ""
        if ctrl(s, "message-encoding") != "1" or not context:
            continue
        candidate = (keys[target.split(":")[1]][1], s["Input"][0], context, s["Output"][0])
        if best is None or len(candidate[1]) < len(best[1]):
            best = candidate
    if best is None:
        raise SystemExit("no deterministic SLH-DSA signing vector for " + algorithm)
    return best


def slh_dsa_sigver(root, algorithm, valid):
    """A pure verification vector of `algorithm` that passes (`valid`) or
    fails, the one with the shortest message: (public key, message,
    context, signature)."""
    all_s = stanzas(root + DATA + "evppkey_slh_dsa_sigver.txt")
    keys = raw_keys(all_s, "PublicKeyRaw")
    best = None
    for s in all_s:
        target = s.get("Verify-Message-Public", [""])[0]
        if not target.startswith(algorithm + ":") or ctrl(s, "message-encoding") != "1":
            continue
        if ("Result" not in s) != valid:
            continue
        # A signature of the wrong length is refused before verification:
        # keep vectors that reach the algorithm.
        if len(s["Output"][0]) != 2 * SIGNATURE_BYTES[algorithm]:
            continue
        candidate = (keys[target.split(":")[1]][1], s["Input"][0], ctrl(s, "hexcontext-string") or "", s["Output"][0])
        if best is None or len(candidate[1]) < len(best[1]):
            best = candidate
    if best is None:
        raise SystemExit("no SLH-DSA verification vector for " + algorithm)
    return best


def abi_constant(name, value):
    value = value.lower()
    lines = [value[i:i + 96] for i in range(0, len(value), 96)] or [""]
    body = "\n".join(f'    "{chunk}"' for chunk in lines)
    return f"inline constexpr char {name}[] =\n{body};\n"


# FIPS 205 Table 2: signature lengths of the sets used below.
SIGNATURE_BYTES = {"SLH-DSA-SHAKE-128s": 7856, "SLH-DSA-SHA2-128f": 17088}

# SLH-DSA parameter sets with vectors in the ABI header: one SHA2 and one
# SHAKE set, one small and one fast.
ABI_KEYGEN = [("SLH-DSA-SHA2-128s", "Sha2128s"), ("SLH-DSA-SHAKE-256f", "Shake256f")]
ABI_SIGGEN = [("SLH-DSA-SHA2-128s", "Sha2128s"), ("SLH-DSA-SHAKE-128f", "Shake128f")]
ABI_SIGVER = [("SLH-DSA-SHAKE-128s", "Shake128s", True), ("SLH-DSA-SHA2-128f", "Sha2128f", False)]


def ml_dsa_keygen(root, algorithm):
    """The first key-generation case of `algorithm`: seed xi, pk, sk."""
    for st in stanzas(root + DATA + "evppkey_ml_dsa_keygen.txt"):
        if st.get("KeyGen") == [algorithm]:
            return (prefixed(st["Ctrl"], "hexseed:"), prefixed(st["CtrlOut"], "hexpub:"),
                    prefixed(st["CtrlOut"], "hexpriv:"))
    raise SystemExit(f"no {algorithm} key-generation vector")


def main_abi(root):
    sk, msg, ctx, sig = ml_dsa(root)
    print("// Generated by tools/extract_pqc_kats.py --abi from the ACVP-derived test data")
    print("// of OpenSSL 3.5 (test/recipes/30-test_evp_data/). Do not edit.")
    print("//")
    print("// The ABI tests see only the public headers, so the vectors are hex strings.")
    print("#pragma once\n")
    print("namespace abi_test::vectors {\n")
    print("// ML-DSA-44 deterministic signature with a context (evppkey_ml_dsa_siggen.txt),")
    print("// the module's power-on vector: sk, message, context, signature.")
    print(abi_constant("kMlDsa44PrivateKey", sk))
    print(abi_constant("kMlDsa44Message", msg))
    print(abi_constant("kMlDsa44Context", ctx))
    print(abi_constant("kMlDsa44Signature", sig))
    for bits in (44, 65, 87):
        seed, pub, priv = ml_dsa_keygen(root, f"ML-DSA-{bits}")
        print(f"// ML-DSA-{bits} key generation from the seed xi (evppkey_ml_dsa_keygen.txt): xi, pk, sk.")
        print(abi_constant(f"kMlDsa{bits}KeyGenSeed", seed))
        print(abi_constant(f"kMlDsa{bits}KeyGenPublicKey", pub))
        print(abi_constant(f"kMlDsa{bits}KeyGenPrivateKey", priv))
    for algorithm, tag in ABI_KEYGEN:
        priv, pub = slh_dsa_keygen(root, algorithm)
        print(f"// {algorithm} key generation (evppkey_slh_dsa_keygen.txt): the private key")
        print("// SK.seed || SK.prf || PK.seed || PK.root and the public key PK.seed || PK.root.")
        print(abi_constant(f"kSlhDsa{tag}KeyGenPrivateKey", priv))
        print(abi_constant(f"kSlhDsa{tag}KeyGenPublicKey", pub))
    for algorithm, tag in ABI_SIGGEN:
        priv, msg, ctx, sig = slh_dsa_siggen(root, algorithm)
        print(f"// {algorithm} deterministic signature with a context (evppkey_slh_dsa_siggen.txt):")
        print("// private key, message, context, signature.")
        print(abi_constant(f"kSlhDsa{tag}SignPrivateKey", priv))
        print(abi_constant(f"kSlhDsa{tag}SignMessage", msg))
        print(abi_constant(f"kSlhDsa{tag}SignContext", ctx))
        print(abi_constant(f"kSlhDsa{tag}Signature", sig))
    for algorithm, tag, valid in ABI_SIGVER:
        pub, msg, ctx, sig = slh_dsa_sigver(root, algorithm, valid)
        kind = "a valid" if valid else "an invalid"
        print(f"// {algorithm} verification of {kind} signature (evppkey_slh_dsa_sigver.txt):")
        print("// public key, message, context, signature.")
        print(abi_constant(f"kSlhDsa{tag}VerifyPublicKey", pub))
        print(abi_constant(f"kSlhDsa{tag}VerifyMessage", msg))
        print(abi_constant(f"kSlhDsa{tag}VerifyContext", ctx))
        print(abi_constant(f"kSlhDsa{tag}VerifySignature", sig))
    print("}  // namespace abi_test::vectors")


# ---- ML-KEM vectors for the unit and ABI tests (tests/vectors/) ----

def prefixed(values, prefix):
    for v in values:
        if v.startswith(prefix):
            return v[len(prefix):]
    raise SystemExit(f"missing {prefix}")


def ml_kem_vectors(root, bits):
    name = f"ML-KEM-{bits}"
    keygen = next(s for s in stanzas(f"{root}{DATA}evppkey_ml_kem_{bits}_keygen.txt")
                  if s.get("KeyGen") == [name])
    seed = prefixed(keygen["Ctrl"], "hexseed:")
    ek = prefixed(keygen["CtrlOut"], "hexpub:")
    dk = prefixed(keygen["CtrlOut"], "hexpriv:")
    encap = next(s for s in stanzas(f"{root}{DATA}evppkey_ml_kem_{bits}_encap.txt")
                 if s.get("Kem") == [name] and s.get("EncodedPublicKey") == [ek] and "Result" not in s)
    decap = next(s for s in stanzas(f"{root}{DATA}evppkey_ml_kem_{bits}_decap.txt")
                 if s.get("Kem") == [name] and "Result" not in s and "EncodedPrivateKey" in s)
    return {
        "seed": seed, "ek": ek, "dk": dk,
        "entropy": encap["Entropy"][0], "ciphertext": encap["Ciphertext"][0], "secret": encap["Output"][0],
        "decap_dk": decap["EncodedPrivateKey"][0], "decap_ciphertext": decap["Input"][0],
        "decap_secret": decap["Output"][0],
    }


def ml_kem_literal(value):
    value = value.lower()
    lines = [value[i:i + 96] for i in range(0, len(value), 96)] or [""]
    return "\n".join(f'        "{chunk}"' for chunk in lines)


def main_ml_kem(root):
    print("// Generated by tools/extract_pqc_kats.py --ml-kem from the ACVP-derived test data of")
    print("// OpenSSL 3.5 (test/recipes/30-test_evp_data/evppkey_ml_kem_*). Do not edit.")
    print("#pragma once\n")
    print("#include \"craton/pkcs11.h\"\n")
    print("namespace test_vectors {\n")
    print("// Hex strings. seed/ek/dk: key generation; entropy (m), ciphertext, secret:")
    print("// encapsulation to ek; decap_*: an independent decapsulation case.")
    print("struct MlKemKat {")
    fields = ["seed", "ek", "dk", "entropy", "ciphertext", "secret", "decap_dk", "decap_ciphertext",
              "decap_secret"]
    print("  CK_ULONG parameter_set;")
    for f in fields:
        print(f"  const char* {f};")
    print("};\n")
    print("inline constexpr MlKemKat kMlKemKats[] = {")
    for bits in (512, 768, 1024):
        v = ml_kem_vectors(root, bits)
        print(f"    {{CKP_ML_KEM_{bits},")
        for f in fields:
            print(f"{ml_kem_literal(v[f])},")
        print("    },")
    print("};\n")
    print("}  // namespace test_vectors")


def main():
    if sys.argv[1] == "--abi":
        return main_abi(sys.argv[2].rstrip("/") + "/")
    if sys.argv[1] == "--ml-kem":
        return main_ml_kem(sys.argv[2].rstrip("/") + "/")
    root = sys.argv[1].rstrip("/") + "/"
    dk, ct, ss = ml_kem(root)
    sk, msg, ctx, sig = ml_dsa(root)
    pk, smsg, sctx, ssig = slh_dsa(root)
    print("// Generated by tools/extract_pqc_kats.py from the ACVP-derived test data of")
    print("// OpenSSL 3.5 (test/recipes/30-test_evp_data/). Do not edit.")
    print("#pragma once\n")
    print('#include "crypto/self_test_internal.h"\n')
    print("namespace craton::crypto::kat::pqc {\n")
    print("// ML-KEM-768 decapsulation (evppkey_ml_kem_768_decap.txt): dk, ciphertext, shared secret.")
    print(constant("kMlKem768DecapsulationKey", dk))
    print(constant("kMlKem768Ciphertext", ct))
    print(constant("kMlKem768SharedSecret", ss))
    print("// ML-DSA-44 deterministic signature with a context (evppkey_ml_dsa_siggen.txt).")
    print(constant("kMlDsa44PrivateKey", sk))
    print(constant("kMlDsa44Message", msg))
    print(constant("kMlDsa44Context", ctx))
    print(constant("kMlDsa44Signature", sig))
    print("// SLH-DSA-SHA2-128s verification (evppkey_slh_dsa_sigver.txt).")
    print(constant("kSlhDsaSha2128sPublicKey", pk))
    print(constant("kSlhDsaSha2128sMessage", smsg))
    print(constant("kSlhDsaSha2128sContext", sctx))
    print(constant("kSlhDsaSha2128sSignature", ssig))
    print("}  // namespace craton::crypto::kat::pqc")


main()
