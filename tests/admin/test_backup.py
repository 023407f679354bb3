"""backup create | restore | inspect: round trips onto fresh stores with keys
that still work (through the PKCS#11 module), and everything restore refuses
while leaving the target slot as it was."""
import json
import os
import subprocess
import sys

from harness import *  # noqa: F401,F403
import harness

PASSPHRASE = "backup passphrase 1"
HELPER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "p11_keys.py")
AES_VALUE = b"backup-test-AES-key-32-bytes-ok!"  # p11_keys.AES_VALUE
VERSION_OFFSET, ITERATIONS_OFFSET, LABEL_OFFSET, HEADER_SIZE = 8, 12, 108, 140


def sanitizer_env():
    """A module built with AddressSanitizer loads into Python only after its runtime."""
    try:
        ldd = subprocess.run(["ldd", harness.MODULE], stdout=subprocess.PIPE, text=True).stdout
    except OSError:
        return {}
    for line in ldd.splitlines():
        parts = line.split()
        if parts and parts[0].startswith("libasan.so") and len(parts) >= 3:
            # libstdc++ too, so that the runtime finds __cxa_throw for
            # PyKCS11's C++ exceptions; Python is not built for leak checking.
            return {"LD_PRELOAD": parts[2] + ":libstdc++.so.6", "ASAN_OPTIONS": "detect_leaks=0"}
    return {}


def pykcs11_python():
    """An interpreter that has PyKCS11 (the Debian package serves /usr/bin/python3)."""
    for candidate in (sys.executable, "/usr/bin/python3"):
        if candidate and os.path.exists(candidate) and subprocess.run(
                [candidate, "-c", "import PyKCS11"], stderr=subprocess.DEVNULL).returncode == 0:
            return candidate
    return None


class BackupTestCase(AdminTestCase):
    def store_config(self, name):
        """A second store: its own directory and configuration."""
        directory = self.path(name)
        os.makedirs(directory, mode=0o700)
        return self.write(os.path.join(directory, "craton_hsm.toml"), self.CONFIG)

    def state(self, config=None):
        """What a refused restore must not change: both slots' token info."""
        where = ["--config", config] if config else []
        return [self.ok(*where, "--json", "token", "info", "--slot", str(slot)).json() for slot in (0, 1)]

    def p11(self, command, config, slot=0, pin=USER_PIN, results=None):
        python = pykcs11_python()
        if python is None:
            self.skipTest("PyKCS11 is not installed")
        args = [python, HELPER, command, str(slot), pin]
        if results is not None:
            args.append(self.write(self.path("results.json"), json.dumps({"results": results})))
        env = dict(os.environ, CRATON_HSM_CONFIG=config, CRATON_MODULE=harness.MODULE, **sanitizer_env())
        proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=600)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode(errors="replace"))
        return json.loads(proc.stdout)

    def edited(self, name, offset, value=None, cut=None):
        """A copy of token.bak with one byte changed (xor 1, or set) or cut short."""
        data = bytearray(self.read(self.path("token.bak")))
        if cut is not None:
            data = data[:cut]
        else:
            data[offset] = value if value is not None else data[offset] ^ 1
        return self.write(self.path(name), bytes(data))


class RoundTripTest(BackupTestCase):
    def test_keys_restored_on_a_fresh_store_give_the_same_results(self):
        self.init_token("keys")
        before = self.p11("make", self.config)
        r = self.ok("--json", "backup", "create", "-o", "token.bak", input=f"{SO_PIN}\n{PASSPHRASE}\n").json()
        self.assertEqual(r["objects"], 9)
        self.assertTrue(r["verified"])
        backup = self.read(self.path("token.bak"))
        self.assertEqual(os.stat(self.path("token.bak")).st_mode & 0o777, 0o600)
        for secret in (AES_VALUE, SO_PIN.encode(), USER_PIN.encode(), PASSPHRASE.encode()):
            self.assertNotIn(secret, backup)
        self.assertIn(b"keys", backup[:HEADER_SIZE])  # the label is in the (authenticated) header

        fresh = self.store_config("fresh")
        r = self.ok("--config", fresh, "--json", "backup", "restore", "-i", "token.bak",
                    input=f"{PASSPHRASE}\n{SO_PIN}\n").json()
        self.assertEqual((r["slot"], r["label"], r["objects"], r["user_pin_initialized"]), (0, "keys", 9, True))
        source_info, fresh_info = self.state()[0], self.state(fresh)[0]
        for field in ("label", "serial", "initialized", "user_pin_initialized", "objects"):
            self.assertEqual(fresh_info[field], source_info[field], field)

        after = self.p11("use", fresh)
        self.assertEqual(after["attributes"], before["attributes"])  # every attribute kept
        for deterministic in ("rsa", "ed", "mldsa_deterministic", "aes_ecb", "aes_cbc", "rsa_self_decrypt"):
            self.assertEqual(after["results"][deterministic], before["results"][deterministic], deterministic)
        # Randomised schemes: each side verifies the other's signatures and
        # decrypts the other's RSA ciphertext.
        on_fresh = self.p11("verify", fresh, results=before["results"])
        on_source = self.p11("verify", self.config, results=after["results"])
        for checked in (on_fresh, on_source):
            self.assertEqual(checked["verified"], {"rsa": True, "ecdsa": True, "ed": True, "mldsa": True})
            self.assertEqual(bytes.fromhex(checked["rsa_plaintext"]), b"decrypted after the restore")

    def test_into_another_slot_the_user_pin_is_set_again(self):
        self.init_token("moving")
        before = self.p11("make", self.config)
        self.ok("backup", "create", "-o", "token.bak", input=f"{SO_PIN}\n{PASSPHRASE}\n")
        r = self.ok("backup", "restore", "-i", "token.bak", "--slot", "1", input=f"{PASSPHRASE}\n{SO_PIN}\n")
        self.assertIn("pin reset", r.text)
        info = self.ok("--json", "token", "info", "--slot", "1").json()
        self.assertFalse(info["user_pin_initialized"])
        self.assertEqual(info["objects"], {"public": 4, "private": 5})
        self.ok("pin", "reset", "--slot", "1", input=f"{SO_PIN}\nnew-user-pin\n")
        after = self.p11("use", self.config, slot=1, pin="new-user-pin")
        for deterministic in ("rsa", "ed", "aes_cbc", "mldsa_deterministic"):
            self.assertEqual(after["results"][deterministic], before["results"][deterministic], deterministic)
        self.assertEqual(self.p11("use", self.config)["results"]["rsa"], before["results"]["rsa"])  # source intact

    def test_inspect_shows_the_header_and_verify_authenticates_it(self):
        self.init_token("inspected")
        self.ok("backup", "create", "-o", "token.bak", "--iterations", "700000", input=f"{SO_PIN}\n{PASSPHRASE}\n")
        serial = self.state()[0]["serial"]
        j = self.ok("--json", "backup", "inspect", "token.bak").json()
        self.assertEqual(list(j), ["format_version", "serial", "label", "slot", "created", "objects", "kdf",
                                   "verified"])
        self.assertEqual((j["format_version"], j["serial"], j["label"], j["slot"], j["objects"]),
                         (1, serial, "inspected", 0, 0))
        self.assertEqual(j["kdf"], {"name": "PBKDF2-HMAC-SHA256", "iterations": 700000})
        self.assertRegex(j["created"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertFalse(j["verified"])
        self.assertIn("verified: no", self.ok("backup", "inspect", "token.bak").text)
        j = self.ok("--json", "backup", "inspect", "--verify", "token.bak", input=f"{PASSPHRASE}\n").json()
        self.assertTrue(j["verified"])
        self.assertEqual(j["contents"], {"public_objects": 0, "private_objects": 0})
        r = self.fails(EXIT_AUTH, "backup", "inspect", "--verify", "token.bak", input="not the passphrase\n")
        self.assertIn("wrong backup passphrase", r.stderr)
        # Inspecting needs no store: it works while another process holds it.
        holder = StoreHolder(self.path("store"))
        try:
            self.ok("backup", "inspect", "token.bak")
        finally:
            holder.release()

    def test_audit_log_records_backup_and_restore(self):
        self.init_token("audited")
        self.ok("backup", "create", "-o", "token.bak", input=f"{SO_PIN}\n{PASSPHRASE}\n")
        self.ok("backup", "restore", "-i", "token.bak", "--yes", input=f"{PASSPHRASE}\n{SO_PIN}\n")
        self.fails(EXIT_AUTH, "backup", "restore", "-i", "token.bak", "--yes", input=f"{PASSPHRASE}\nwrong-so\n")
        with open(self.path("store/audit.log")) as f:
            entries = [json.loads(line) for line in f]
        events = [(e["event"], e["rv"]) for e in entries if e["event"] in ("backup", "restore")]
        self.assertEqual(events, [("backup", "CKR_OK"), ("restore", "CKR_OK"), ("restore", "CKR_PIN_INCORRECT")])


class RefusalTest(BackupTestCase):
    def setUp(self):
        super().setUp()
        self.init_token("source")
        self.ok("backup", "create", "-o", "token.bak", input=f"{SO_PIN}\n{PASSPHRASE}\n")
        # The target: another store whose slot 0 holds a token of its own.
        self.target = self.store_config("target")
        self.ok("--config", self.target, "token", "init", "--label", "target", input=f"{SO_PIN}\n{USER_PIN}\n")
        self.target_state = self.state(self.target)

    def refused(self, code, message, backup="token.bak", passphrase=PASSPHRASE, so_pin=SO_PIN):
        r = self.admin("--config", self.target, "backup", "restore", "-i", backup, "--yes",
                       input=f"{passphrase}\n{so_pin}\n")
        self.assertEqual(r.rc, code, r.stderr)
        self.assertIn(message, r.stderr)
        self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
        self.assertEqual(self.state(self.target), self.target_state)
        return r

    def test_wrong_passphrase_or_so_pin(self):
        self.refused(EXIT_AUTH, "wrong backup passphrase", passphrase="not the passphrase")
        self.refused(EXIT_AUTH, "does not open this backup", so_pin="wrong-so-pin")

    def test_modified_files(self):
        self.refused(EXIT_CHECK, "modified or damaged", backup=self.edited("label.bak", LABEL_OFFSET + 2))
        self.refused(EXIT_CHECK, "modified or damaged", backup=self.edited("body.bak", HEADER_SIZE + 5))
        size = len(self.read(self.path("token.bak")))
        self.refused(EXIT_CHECK, "modified or damaged", backup=self.edited("tag.bak", size - 1))
        # The edited label shows in inspect until --verify checks it.
        self.assertEqual(self.ok("--json", "backup", "inspect", "label.bak").json()["label"], "sotrce")
        self.fails(EXIT_CHECK, "backup", "inspect", "--verify", "label.bak", input=f"{PASSPHRASE}\n")

    def test_truncated_foreign_and_weakened_files_fail_before_any_secret_is_read(self):
        size = len(self.read(self.path("token.bak")))
        cases = [
            (self.edited("cut.bak", 0, cut=size - 1), "truncated"),
            (self.edited("short.bak", 0, cut=60), "truncated"),
            (self.edited("v2.bak", VERSION_OFFSET, value=2), "backup format version 2; this build reads 1"),
            (self.edited("weak.bak", ITERATIONS_OFFSET + 2, value=0), "iteration count"),
            (self.write(self.path("other.bak"), b"PK\x03\x04 not a backup at all"), "not a Craton HSM backup"),
        ]
        for backup, message in cases:
            # No stdin: a command that asked for the passphrase would fail with exit 3.
            r = self.admin("--config", self.target, "backup", "restore", "-i", backup, "--yes")
            self.assertEqual(r.rc, EXIT_CHECK, f"{backup}: {r.stderr}")
            self.assertIn(message, r.stderr)
            r = self.fails(EXIT_CHECK, "backup", "inspect", backup)
            self.assertIn(message, r.stderr)
        self.assertEqual(self.state(self.target), self.target_state)
        self.fails(EXIT_USAGE, "backup", "inspect", "missing.bak")

    def test_replacing_a_token_asks_first_and_takes_its_so_pin(self):
        r = self.admin("--config", self.target, "backup", "restore", "-i", "token.bak",
                       input=f"{PASSPHRASE}\n{SO_PIN}\n")
        self.assertEqual(r.rc, EXIT_DECLINED, r.stderr)
        self.assertIn('replaces token "target"', r.stderr)
        self.assertIn('with the backup of token "source"', r.stderr)
        self.assertEqual(self.state(self.target), self.target_state)
        # A target whose SO PIN differs from the backup's is not replaced by
        # knowing only the backup's.
        self.ok("--config", self.target, "pin", "change", "--so", input=f"{SO_PIN}\nother-so-pin\n")
        self.target_state = self.state(self.target)
        r = self.admin("--config", self.target, "backup", "restore", "-i", "token.bak", "--yes",
                       input=f"{PASSPHRASE}\n{SO_PIN}\n")
        self.assertEqual(r.rc, EXIT_AUTH, r.stderr)
        self.assertIn("not the SO PIN of the token in slot 0", r.stderr)
        self.assertEqual(self.state(self.target)[0]["label"], "target")
        self.ok("--config", self.target, "pin", "change", "--so", input=f"other-so-pin\n{SO_PIN}\n")
        r = self.ok("--config", self.target, "backup", "restore", "-i", "token.bak", "--yes",
                    input=f"{PASSPHRASE}\n{SO_PIN}\n")
        self.assertIn("restored into slot 0", r.text)
        self.assertEqual(self.state(self.target)[0]["label"], "source")

    def test_restore_needs_the_store(self):
        holder = StoreHolder(self.path("target/store"))
        try:
            r = self.admin("--config", self.target, "backup", "restore", "-i", "token.bak", "--yes",
                           input=f"{PASSPHRASE}\n{SO_PIN}\n")
            self.assertEqual(r.rc, EXIT_UNAVAILABLE, r.stderr)
        finally:
            holder.release()
        self.assertEqual(self.state(self.target), self.target_state)


class CreateTest(BackupTestCase):
    def test_existing_files_are_kept_unless_forced(self):
        self.init_token()
        self.ok("backup", "create", "-o", "token.bak", input=f"{SO_PIN}\n{PASSPHRASE}\n")
        first = self.read(self.path("token.bak"))
        r = self.fails(EXIT_FAILED, "backup", "create", "-o", "token.bak")  # before any secret is read
        self.assertIn("exists; add --force", r.stderr)
        self.assertEqual(self.read(self.path("token.bak")), first)
        self.ok("backup", "create", "-o", "token.bak", "--force", input=f"{SO_PIN}\n{PASSPHRASE}\n")
        self.assertNotEqual(self.read(self.path("token.bak")), first)
        self.assertEqual(os.stat(self.path("token.bak")).st_mode & 0o777, 0o600)
        self.assertEqual(sorted(n for n in os.listdir(self.dir) if n.startswith(".")), [])  # no temporary left

    def test_create_needs_an_initialised_token_the_so_pin_and_a_passphrase(self):
        r = self.fails(EXIT_FAILED, "backup", "create", "-o", "none.bak", input=f"{SO_PIN}\n{PASSPHRASE}\n")
        self.assertIn("holds no token", r.stderr)
        self.init_token()
        r = self.fails(EXIT_AUTH, "backup", "create", "-o", "token.bak", input=f"wrong-so-pin\n{PASSPHRASE}\n")
        self.assertIn("CKR_PIN_INCORRECT", r.stderr)
        r = self.fails(EXIT_AUTH, "backup", "create", "-o", "token.bak", input=f"{SO_PIN}\nshort\n")
        self.assertIn("at least 8", r.stderr)
        r = self.fails(EXIT_AUTH, "backup", "create", "-o", "token.bak", input=f"{SO_PIN}\n")
        self.assertIn("--passphrase-file", r.stderr)
        self.fails(EXIT_USAGE, "backup", "create", "-o", "token.bak", "--iterations", "599999")
        self.fails(EXIT_USAGE, "backup", "create")
        r = self.fails(EXIT_FAILED, "backup", "create", "-o", "no-such-dir/token.bak")
        self.assertIn("does not exist", r.stderr)
        self.assertIn("Usage", self.ok("backup", "--help").text)
        self.assertIn("backup restore", self.ok("--man").text)
        self.assertFalse(os.path.exists(self.path("token.bak")))
        with open(self.path("store/audit.log")) as f:
            self.assertNotIn('"event":"backup"', f.read())  # nothing left the token
        pass_file = self.write(self.path("pass"), PASSPHRASE + "\n")
        self.ok("backup", "create", "-o", "token.bak", "--passphrase-file", pass_file, "--so-pin-env", "SO",
                env={"SO": SO_PIN})
        self.ok("backup", "inspect", "--verify", "token.bak", "--passphrase-file", pass_file)


if __name__ == "__main__":
    harness.main()
