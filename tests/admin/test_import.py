"""key import / export-public and cert import / export / list, checked against the openssl command."""
import subprocess

from harness import *  # noqa: F401,F403
import harness

PIN = ["--pin-env", "CRATON_TEST_PIN"]


class ImportTest(AdminTestCase):
    def setUp(self):
        super().setUp()
        self.init_token()
        self.msg = self.write(self.path("msg"), b"data signed inside the token\n")

    def openssl(self, *args, input=None):
        r = subprocess.run(["openssl", *args], cwd=self.dir, input=input, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        self.assertEqual(r.returncode, 0, f"openssl {args}: {r.stderr.decode()}")
        return r.stdout

    def cli(self, *args):
        return self.ok(*args, *PIN, env=self.user_env())

    def cli_fails(self, code, *args):
        return self.fails(code, *args, *PIN, env=self.user_env())

    def make_key(self, name, *genpkey):
        self.openssl("genpkey", *genpkey, "-out", name + ".pem")
        self.openssl("pkey", "-in", name + ".pem", "-pubout", "-out", name + ".pub")
        return self.path(name + ".pem"), self.path(name + ".pub")

    def der_of_pem_public(self, pem_path):
        return self.openssl("pkey", "-pubin", "-in", pem_path, "-outform", "DER")

    def test_private_keys_from_openssl_sign_what_openssl_verifies(self):
        cases = {
            "rsa": ("-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"),
            "ec": ("-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"),
            "ed25519": ("-algorithm", "ED25519"),
        }
        for name, args in cases.items():
            priv, pub = self.make_key(name, *args)
            r = self.cli("key", "import", priv, "--label", name, "--json").json()
            self.assertEqual(r["class"], "private-key")
            self.assertTrue(r["sensitive"] and not r["extractable"] and not r["local"])
            sig = self.path(name + ".sig")
            self.cli("sign", "--label", name, "-i", self.msg, "-o", sig)
            if name == "ed25519":
                self.openssl("pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", self.msg, "-sigfile", sig)
            else:
                self.assertIn(b"Verified OK", self.openssl("dgst", "-sha256", "-verify", pub, "-signature", sig, self.msg))
            exported = self.path(name + ".exported")
            self.cli("key", "export-public", "--label", name, "-o", exported)
            self.assertEqual(self.der_of_pem_public(exported), self.der_of_pem_public(pub))

    def test_traditional_and_der_private_keys(self):
        priv, pub = self.make_key("rsa", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
        self.openssl("rsa", "-in", priv, "-traditional", "-out", "rsa-trad.pem")
        self.assertIn(b"BEGIN RSA PRIVATE KEY", self.read(self.path("rsa-trad.pem")))
        self.cli("key", "import", self.path("rsa-trad.pem"), "--label", "trad")
        self.openssl("pkey", "-in", priv, "-outform", "DER", "-out", "rsa.der")
        r = self.cli_fails(EXIT_USAGE, "key", "import", self.path("rsa.der"), "--label", "der")
        self.assertIn("--class", r.stderr)
        self.cli("key", "import", self.path("rsa.der"), "--label", "der", "--class", "private")
        ec_priv, ec_pub = self.make_key("ec", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384")
        self.openssl("ec", "-in", ec_priv, "-out", "ec-trad.pem")
        self.assertIn(b"BEGIN EC PRIVATE KEY", self.read(self.path("ec-trad.pem")))
        self.cli("key", "import", self.path("ec-trad.pem"), "--label", "ec-trad")
        for label, public in (("trad", pub), ("der", pub), ("ec-trad", ec_pub)):
            sig = self.path(label + ".sig")
            self.cli("sign", "--label", label, "-i", self.msg, "-o", sig)
            md = "-sha384" if label == "ec-trad" else "-sha256"
            self.assertIn(b"Verified OK", self.openssl("dgst", md, "-verify", public, "-signature", sig, self.msg))

    def test_public_key_import_verifies_openssl_signatures(self):
        for name, args, dgst in (("rsa", ("-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"), True),
                                 ("ec", ("-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"), True),
                                 ("ed", ("-algorithm", "ED25519"), False)):
            priv, pub = self.make_key(name, *args)
            r = self.cli("key", "import", pub, "--label", name + "-pub", "--json").json()
            self.assertEqual(r["class"], "public-key")
            self.assertEqual(r["usage"], ["verify", "encrypt"] if name == "rsa" else ["verify"])
            sig = self.path(name + ".sig")
            if dgst:
                self.openssl("dgst", "-sha256", "-sign", priv, "-out", sig, self.msg)
            else:
                self.openssl("pkeyutl", "-sign", "-inkey", priv, "-rawin", "-in", self.msg, "-out", sig)
            self.cli("verify", "--label", name + "-pub", "-i", self.msg, "-s", sig)
            forged = self.write(self.path("forged"), b"other data\n")
            self.cli_fails(EXIT_CHECK, "verify", "--label", name + "-pub", "-i", forged, "-s", sig)

    def test_raw_aes_key_matches_openssl(self):
        key = bytes(range(32))
        raw = self.write(self.path("aes.key"), key)
        r = self.cli("key", "import", raw, "--label", "aes", "--class", "secret", "--json").json()
        self.assertEqual((r["class"], r["type"]), ("secret-key", "aes-256"))
        ct = self.path("ct")
        self.cli("encrypt", "--label", "aes", "-m", "CKM_AES_CBC_PAD", "-i", self.msg, "-o", ct)
        data = self.read(ct)
        body = self.write(self.path("body"), data[16:])
        plain = self.openssl("enc", "-d", "-aes-256-cbc", "-K", key.hex(), "-iv", data[:16].hex(), "-in", body)
        self.assertEqual(plain, self.read(self.msg))
        self.assertNotIn(key, self.read(self.path("store/slot-0/token.sqlite3")))
        shown = self.cli("key", "show", "--label", "aes", "--json").json()
        self.assertNotIn(key.hex(), str(shown))
        short = self.write(self.path("short.key"), b"0123456789")
        r = self.cli_fails(EXIT_USAGE, "key", "import", short, "--label", "bad", "--class", "secret")
        self.assertIn("16, 24 or 32 bytes", r.stderr)
        r = self.cli("key", "import", short, "--label", "hmac", "--class", "secret", "--key-type", "generic", "--json")
        self.assertEqual(r.json()["type"], "generic-80")

    def test_certificates(self):
        priv, _ = self.make_key("rsa", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
        key = self.cli("key", "import", priv, "--label", "server", "--json").json()
        self.openssl("req", "-x509", "-new", "-key", priv, "-subj", "/CN=craton test", "-days", "2", "-out", "cert.pem")
        cert = self.cli("cert", "import", self.path("cert.pem"), "--label", "server-cert", "--json").json()
        self.assertEqual((cert["class"], cert["type"]), ("certificate", "x509"))
        self.assertEqual(cert["id"], key["id"])  # paired with its key
        listed = self.cli("cert", "list", "--json").json()["objects"]
        self.assertEqual([c["label"] for c in listed], ["server-cert"])
        public = self.ok("cert", "list", "--no-login", "--json").json()["objects"]
        self.assertEqual(len(public), 1)
        self.cli("cert", "export", "--label", "server-cert", "-o", self.path("out.pem"))
        original_der = self.openssl("x509", "-in", self.path("cert.pem"), "-outform", "DER")
        self.assertEqual(self.openssl("x509", "-in", self.path("out.pem"), "-outform", "DER"), original_der)
        der = self.cli("cert", "export", "--label", "server-cert", "--der").stdout
        self.assertEqual(der, original_der)
        # `key import` takes certificates too; DER needs --class.
        der_file = self.write(self.path("cert.der"), original_der)
        r = self.cli("key", "import", der_file, "--label", "again", "--class", "certificate", "--id", "0102", "--json")
        self.assertEqual(r.json()["id"], "0102")
        self.assertNotIn("server-cert", self.cli("key", "list").text)  # keys only

    def test_refused_inputs(self):
        priv, _ = self.make_key("rsa", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
        self.openssl("pkcs8", "-topk8", "-in", priv, "-v2", "aes256", "-passout", "pass:secret", "-out", "enc.pem")
        r = self.cli_fails(EXIT_USAGE, "key", "import", self.path("enc.pem"), "--label", "x")
        self.assertIn("encrypted private key", r.stderr)
        junk = self.write(self.path("junk.pem"), "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n")
        r = self.cli_fails(EXIT_USAGE, "key", "import", junk, "--label", "x")
        self.assertIn("junk.pem", r.stderr)
        r = self.cli_fails(EXIT_USAGE, "key", "import", self.path("missing.pem"), "--label", "x")
        self.assertIn("missing.pem", r.stderr)
        self.cli_fails(EXIT_USAGE, "key", "export-public", "--label", "nothing", "-o", self.path("x"), "--der",
                       "--uid")
        r = self.cli_fails(EXIT_FAILED, "key", "export-public", "--label", "nothing")
        self.assertIn("no suitable key matches", r.stderr)
        self.assertEqual(self.cli("key", "list", "--json").json()["objects"], [])


if __name__ == "__main__":
    harness.main()
