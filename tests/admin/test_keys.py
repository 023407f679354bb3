"""key generate/list/show/delete and the sign/verify/encrypt/decrypt/digest/random helpers."""
import hashlib
import os

from harness import *  # noqa: F401,F403
import harness

PIN = ["--pin-env", "CRATON_TEST_PIN"]


class KeyCase(AdminTestCase):
    def setUp(self):
        super().setUp()
        self.init_token()

    def key(self, *args, **kw):
        kw.setdefault("env", self.user_env())
        return self.ok(*args, *PIN, **kw)

    def key_fails(self, code, *args, **kw):
        kw.setdefault("env", self.user_env())
        return self.fails(code, *args, *PIN, **kw)


class GenerateTest(KeyCase):
    PAIRS = {
        "rsa:2048": ("rsa-2048", ["sign", "verify", "encrypt", "decrypt"]),
        "rsa:3072": ("rsa-3072", ["sign", "verify", "encrypt", "decrypt"]),
        "ec:p256": ("ec-p256", ["sign", "verify"]),
        "ec:p384": ("ec-p384", ["sign", "verify"]),
        "ec:p521": ("ec-p521", ["sign", "verify"]),
        "ed25519": ("ed25519", ["sign", "verify"]),
        "ed448": ("ed448", ["sign", "verify"]),
        "x25519": ("x25519", ["derive"]),
        "ml-dsa:44": ("ml-dsa-44", ["sign", "verify"]),
        "ml-dsa:65": ("ml-dsa-65", ["sign", "verify"]),
        "ml-dsa:87": ("ml-dsa-87", ["sign", "verify"]),
        "ml-kem:512": ("ml-kem-512", ["encapsulate", "decapsulate"]),
        "ml-kem:768": ("ml-kem-768", ["encapsulate", "decapsulate"]),
        "ml-kem:1024": ("ml-kem-1024", ["encapsulate", "decapsulate"]),
        "slh-dsa:sha2-128f": ("slh-dsa-sha2-128f", ["sign", "verify"]),
        "slh-dsa:shake-128s": ("slh-dsa-shake-128s", ["sign", "verify"]),
    }
    SECRETS = {"aes:128": "aes-128", "aes:192": "aes-192", "aes:256": "aes-256", "generic": "generic-256",
               "generic:160": "generic-160"}

    def test_every_key_type(self):
        for spec, (type_name, usage) in self.PAIRS.items():
            r = self.key("key", "generate", spec, "--label", spec, "--json").json()
            self.assertEqual(r["public"]["type"], type_name, spec)
            self.assertEqual(r["private"]["type"], type_name, spec)
            self.assertEqual(r["public"]["id"], r["private"]["id"])
            self.assertEqual(len(r["private"]["id"]), 16)
            self.assertEqual(sorted(r["public"]["usage"] + r["private"]["usage"]), sorted(usage), spec)
            self.assertTrue(r["private"]["sensitive"] and not r["private"]["extractable"], spec)
            self.assertTrue(r["private"]["private"] and not r["public"]["private"], spec)
            self.assertTrue(r["private"]["local"] and r["private"]["never_extractable"], spec)
        for spec, type_name in self.SECRETS.items():
            r = self.key("key", "generate", spec, "--label", spec, "--json").json()
            self.assertEqual(r["secret"]["type"], type_name, spec)
        listed = self.key("key", "list", "--json").json()["objects"]
        self.assertEqual(len(listed), 2 * len(self.PAIRS) + len(self.SECRETS))
        by_label = {}
        for o in listed:
            by_label.setdefault(o["label"], []).append(o)
        self.assertEqual({o["class"] for o in by_label["rsa:2048"]}, {"public-key", "private-key"})
        self.assertEqual(by_label["aes:256"][0]["usage"], ["encrypt", "decrypt", "wrap", "unwrap"])
        public_only = self.ok("key", "list", "--no-login", "--json").json()["objects"]
        self.assertEqual(len(public_only), len(self.PAIRS))
        self.assertTrue(all(o["class"] == "public-key" for o in public_only))
        info = self.ok("--json", "token", "info").json()
        self.assertEqual(info["objects"], {"public": len(self.PAIRS), "private": len(self.PAIRS) + len(self.SECRETS)})
        table = self.key("key", "list").text
        self.assertRegex(table, r"HANDLE\s+UID\s+CLASS\s+TYPE\s+LABEL\s+ID\s+USAGE\s+FLAGS\s+DATES")
        self.assertRegex(table, r"private-key\s+ml-dsa-65\s+ml-dsa:65\s+[0-9a-f]{16}\s+sign\s+private,sensitive,local")

    def test_usage_id_and_extractable_options(self):
        r = self.key("key", "generate", "ec:p256", "--label", "k", "--id", "a1b2", "--usage", "sign,verify,derive",
                     "--extractable", "--json").json()
        self.assertEqual(r["private"]["id"], "a1b2")
        self.assertEqual(r["private"]["usage"], ["sign", "derive"])
        self.assertTrue(r["private"]["extractable"])
        r = self.key("key", "generate", "aes:128", "--label", "a", "--usage", "encrypt", "--json").json()
        self.assertEqual(r["secret"]["usage"], ["encrypt"])
        e = self.key_fails(EXIT_USAGE, "key", "generate", "ed25519", "--label", "x", "--usage", "encrypt")
        self.assertIn("not possible for ed25519", e.stderr)
        e = self.key_fails(EXIT_USAGE, "key", "generate", "rsa:1024", "--label", "x")
        self.assertIn("rsa:2048|3072|4096", e.stderr)
        self.key_fails(EXIT_USAGE, "key", "generate", "ec:p256", "--label", "x", "--id", "xyz")
        self.key_fails(EXIT_USAGE, "key", "generate", "ec:p256")  # --label required

    def test_labels_that_are_not_utf8_still_list(self):
        self.key("key", "generate", "aes:128", "--label", b"caf\xe9")
        listed = self.key("key", "list", "--json").json()["objects"]
        self.assertEqual(listed[0]["label"], "caf\ufffd")
        self.assertIn(b"caf\xe9", self.key("key", "list").stdout)

    def test_wrong_and_missing_pin(self):
        r = self.fails(EXIT_AUTH, "key", "generate", "ec:p256", "--label", "x", input="wrong-pin\n")
        self.assertIn("CKR_PIN_INCORRECT", r.stderr)
        r = self.fails(EXIT_AUTH, "key", "list")
        self.assertIn("--pin-file", r.stderr)

    def test_show_and_delete(self):
        self.key("key", "generate", "rsa:2048", "--label", "signer")
        self.key("key", "generate", "aes:256", "--label", "other")
        e = self.key_fails(EXIT_USAGE, "key", "show", "--label", "signer")
        self.assertIn("2 objects match", e.stderr)
        shown = self.key("key", "show", "--label", "signer", "--class", "private", "--json").json()
        self.assertEqual(shown["type"], "rsa-2048")
        self.assertTrue(shown["public_key_info"].startswith("30820122"))
        self.assertNotIn("value", shown)
        by_uid = self.key("key", "show", "--uid", shown["uid"], "--json").json()
        self.assertEqual(by_uid["handle"], shown["handle"])
        self.key_fails(EXIT_FAILED, "key", "show", "--label", "nothing-here")
        self.key_fails(EXIT_USAGE, "key", "show")
        r = self.key_fails(EXIT_DECLINED, "key", "delete", "--label", "signer")
        self.assertIn("deletes 2 object(s): public-key rsa-2048", r.stderr)
        self.assertEqual(len(self.key("key", "list", "--json").json()["objects"]), 3)
        r = self.key("key", "delete", "--label", "signer", "--yes", "--json").json()
        self.assertEqual(len(r["deleted"]), 2)
        labels = [o["label"] for o in self.key("key", "list", "--json").json()["objects"]]
        self.assertEqual(labels, ["other"])
        self.key_fails(EXIT_FAILED, "key", "delete", "--label", "signer", "--yes")


class CryptoHelperTest(KeyCase):
    def setUp(self):
        super().setUp()
        self.msg = self.write(self.path("msg"), b"message to sign\n" * 100)

    def test_sign_verify_each_family(self):
        for spec in ("rsa:2048", "ec:p384", "ed25519", "ed448", "ml-dsa:44", "slh-dsa:sha2-128f", "generic", "aes:128"):
            usage = ["--usage", "sign,verify"] if spec == "aes:128" else []
            self.key("key", "generate", spec, "--label", spec, *usage)
            sig = self.path("sig-" + spec)
            self.key("sign", "--label", spec, "-i", self.msg, "-o", sig)
            r = self.key("verify", "--label", spec, "-i", self.msg, "-s", sig, "--json").json()
            self.assertTrue(r["valid"], spec)
            tampered = self.write(self.path("tampered"), b"message to sign\n" * 99)
            r = self.key_fails(EXIT_CHECK, "verify", "--label", spec, "-i", tampered, "-s", sig)
            self.assertIn("INVALID", r.stderr)

    def test_explicit_mechanisms_and_formats(self):
        self.key("key", "generate", "rsa:2048", "--label", "r")
        for mech in ("CKM_SHA384_RSA_PKCS_PSS", "sha512-rsa-pkcs", "SHA256_RSA_PKCS_PSS"):
            sig = self.path("s")
            self.key("sign", "--label", "r", "-m", mech, "-i", self.msg, "-o", sig, "--force")
            self.key("verify", "--label", "r", "-m", mech, "-i", self.msg, "-s", sig)
        self.key_fails(EXIT_USAGE, "sign", "--label", "r", "-m", "CKM_NOT_A_THING", "-i", self.msg)
        self.key("key", "generate", "ec:p256", "--label", "e")
        raw = self.path("raw")
        self.key("sign", "--label", "e", "--format", "raw", "-i", self.msg, "-o", raw)
        self.assertEqual(len(self.read(raw)), 64)
        self.key("verify", "--label", "e", "--format", "raw", "-i", self.msg, "-s", raw)
        self.key_fails(EXIT_CHECK, "verify", "--label", "e", "-i", self.msg, "-s", raw)  # not DER

    def test_output_file_is_not_overwritten(self):
        self.key("key", "generate", "ed25519", "--label", "k")
        sig = self.write(self.path("exists"), b"keep")
        r = self.key_fails(EXIT_FAILED, "sign", "--label", "k", "-i", self.msg, "-o", sig)
        self.assertIn("--force", r.stderr)
        self.assertEqual(self.read(sig), b"keep")

    def test_data_on_stdin_after_the_pin(self):
        self.key("key", "generate", "ed25519", "--label", "k")
        r = self.ok("sign", "--label", "k", input=USER_PIN + "\nhello\n")
        self.assertEqual(len(r.stdout), 64)
        sig = self.write(self.path("sig"), r.stdout)
        self.ok("verify", "--label", "k", "-s", sig, input=USER_PIN + "\nhello\n")

    def test_encrypt_decrypt(self):
        self.key("key", "generate", "aes:256", "--label", "a")
        self.key("key", "generate", "rsa:2048", "--label", "r")
        for label, mech, extra in (("a", "CKM_AES_GCM", 12 + 16), ("a", "CKM_AES_CBC_PAD", 16), ("a", "CKM_AES_CTR", 16),
                                   ("r", "CKM_RSA_PKCS_OAEP", None), ("r", "CKM_RSA_PKCS", None)):
            ct = self.path("ct")
            small = self.write(self.path("small"), b"short secret")
            if label == "r":
                self.key("encrypt", "--label", label, "-m", mech, "-i", small, "-o", ct, "--force")
                self.assertEqual(self.key("decrypt", "--label", label, "-m", mech, "-i", ct).stdout, b"short secret")
            else:
                self.key("encrypt", "--label", label, "-m", mech, "-i", self.msg, "-o", ct, "--force")
                self.assertGreaterEqual(len(self.read(ct)), len(self.read(self.msg)) + extra, mech)
                self.assertEqual(self.key("decrypt", "--label", label, "-m", mech, "-i", ct).stdout, self.read(self.msg))
        ct = self.path("gcm")
        self.key("encrypt", "--label", "a", "-i", self.msg, "-o", ct)
        data = bytearray(self.read(ct))
        data[20] ^= 1
        self.write(ct, bytes(data))
        r = self.key_fails(EXIT_FAILED, "decrypt", "--label", "a", "-i", ct)
        self.assertIn("CKR_ENCRYPTED_DATA_INVALID", r.stderr)

    def test_digest_and_random(self):
        data = self.read(self.msg)
        self.assertEqual(self.ok("digest", "-i", self.msg).text.strip(), hashlib.sha256(data).hexdigest())
        r = self.ok("digest", "-m", "CKM_SHA3_512", "-i", self.msg, "--json").json()
        self.assertEqual(r["digest"], hashlib.sha3_512(data).hexdigest())
        self.assertEqual(self.ok("digest", "--binary", input=b"abc").stdout, hashlib.sha256(b"abc").digest())
        a = self.ok("random", "32").text.strip()
        b = self.ok("random", "32", "--json").json()["random"]
        self.assertEqual(len(a), 64)
        self.assertNotEqual(a, b)
        self.assertEqual(len(self.ok("random", "100", "--binary").stdout), 100)
        self.fails(EXIT_USAGE, "random", "0")


if __name__ == "__main__":
    harness.main()
