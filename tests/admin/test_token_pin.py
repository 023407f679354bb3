"""status, selftest, slot list, token, pin and config commands."""
import os

from harness import *  # noqa: F401,F403
import harness


class TokenTest(AdminTestCase):
    def test_init_then_info_and_status(self):
        r = self.init_token("ops")
        self.assertIn("token initialised", r.text)
        info = self.ok("--json", "token", "info").json()
        self.assertEqual(info["label"], "ops")
        self.assertTrue(info["initialized"])
        self.assertTrue(info["user_pin_initialized"])
        self.assertEqual(len(info["serial"]), 16)
        self.assertEqual(info["objects"], {"public": 0, "private": 0})
        status = self.ok("status", "--json").json()
        self.assertEqual(status["version"], "0.1.0")
        self.assertEqual(status["self_test"]["result"], "passed")
        self.assertFalse(status["fips_approved_only"])
        self.assertEqual([s["slot"] for s in status["slots"]], [0, 1])
        self.assertEqual(status["slots"][0]["label"], "ops")
        self.assertFalse(status["slots"][1]["initialized"])
        self.assertGreater(status["audit"]["head"]["seq"], 0)
        human = self.ok("status").text
        self.assertIn("approved-only mode: off", human)
        self.assertRegex(human, r"0\s+ops\s+[0-9a-f]{16}\s+yes\s+yes\s+0\s+0")

    def test_slot_list(self):
        self.init_token("second", slot=1)
        slots = self.ok("slot", "list", "--json").json()["slots"]
        self.assertEqual([(s["slot"], s["initialized"], s["label"]) for s in slots],
                         [(0, False, ""), (1, True, "second")])
        self.assertIn("second", self.ok("slot", "list").text)

    def test_init_refuses_an_initialised_token_and_bad_labels(self):
        self.init_token()
        r = self.fails(EXIT_FAILED, "token", "init", "--label", "again", input=f"{SO_PIN}\n{USER_PIN}\n")
        self.assertIn("token reinit", r.stderr)
        r = self.fails(EXIT_USAGE, "token", "init", "--label", "x" * 33, "--slot", "1")
        self.assertIn("at most 32", r.stderr)
        self.fails(EXIT_USAGE, "token", "init", "--slot", "1")  # --label is required
        r = self.fails(EXIT_USAGE, "token", "info", "--slot", "7")
        self.assertIn("--slot 7 does not exist", r.stderr)

    def test_new_pins_must_fit_the_policy(self):
        r = self.fails(EXIT_AUTH, "token", "init", "--label", "t", input="12\n")
        self.assertIn("CKR_PIN_LEN_RANGE", r.stderr)
        self.assertFalse(self.ok("--json", "token", "info").json()["initialized"])

    def test_reinit_asks_for_confirmation(self):
        self.init_token("before")
        r = self.fails(EXIT_DECLINED, "token", "reinit", input=f"{SO_PIN}\n{USER_PIN}\n")
        self.assertIn('destroys token "before"', r.stderr)
        self.assertIn("--yes", r.stderr)
        self.assertEqual(self.ok("--json", "token", "info").json()["label"], "before")
        r = self.fails(EXIT_AUTH, "token", "reinit", "--yes", input="wrong-so-pin\nnew-user-pin\n")
        self.assertIn("CKR_PIN_INCORRECT", r.stderr)
        self.ok("token", "reinit", "--yes", "--label", "after", input=f"{SO_PIN}\nnew-user-pin\n")
        info = self.ok("--json", "token", "info").json()
        self.assertEqual(info["label"], "after")
        self.assertTrue(info["user_pin_initialized"])

    def test_secrets_stay_out_of_output_and_audit_log(self):
        r = self.init_token()
        self.ok("pin", "change", "--user", input=f"{USER_PIN}\nrotated-pin-9\n")
        log = self.read(self.path("store/audit.log")).decode()
        for secret in (SO_PIN, USER_PIN, "rotated-pin-9"):
            self.assertNotIn(secret, r.text + r.stderr + log)
        self.assertIn("set_pin", log)

    def test_secrets_from_files_and_environment(self):
        so_file = self.write(self.path("so.pin"), SO_PIN + "\n")
        r = self.ok("token", "init", "--label", "f", "--so-pin-file", so_file, "--pin-env", "USERPIN",
                    env={"USERPIN": USER_PIN})
        self.assertNotIn(SO_PIN, r.text + r.stderr)
        self.assertNotIn(USER_PIN, r.text + r.stderr)
        r = self.fails(EXIT_AUTH, "pin", "change", "--user", "--pin-env", "UNSET_VARIABLE_X")
        self.assertIn("UNSET_VARIABLE_X", r.stderr)
        r = self.fails(EXIT_AUTH, "pin", "change", "--user", "--pin-file", self.path("missing"))
        self.assertIn("missing", r.stderr)


class PinTest(AdminTestCase):
    def test_change_user_and_so_pins(self):
        self.init_token()
        self.ok("pin", "change", "--user", input=f"{USER_PIN}\nchanged-user\n")
        self.fails(EXIT_AUTH, "pin", "change", "--user", input=f"{USER_PIN}\nother\n")
        self.ok("pin", "change", "--user", input="changed-user\nback-again\n")
        self.ok("pin", "change", "--so", input=f"{SO_PIN}\nnew-so-pin\n")
        r = self.fails(EXIT_AUTH, "pin", "reset", input=f"{SO_PIN}\nxxxx\n")
        self.assertIn("wrong PIN", r.stderr)
        self.ok("pin", "reset", input="new-so-pin\nreset-user\n")
        self.ok("pin", "change", "--user", input="reset-user\nfinal-user\n")
        self.fails(EXIT_USAGE, "pin", "change", input="a\nb\n")
        self.fails(EXIT_USAGE, "pin", "change", "--user", "--so", input="a\nb\n")

    def test_lockout_and_reset(self):
        self.init_token()
        state = self.ok("--json", "pin", "unlock-status").json()
        self.assertEqual(state["max_failed_logins"], 3)
        self.assertFalse(state["pins"]["user"]["locked"])
        for _ in range(3):
            self.fails(EXIT_AUTH, "pin", "change", "--user", input="wrong-pin\nwhatever\n")
        state = self.ok("--json", "pin", "unlock-status").json()
        self.assertTrue(state["pins"]["user"]["locked"])
        self.assertIn("LOCKED", self.ok("pin", "unlock-status").text)
        r = self.fails(EXIT_AUTH, "pin", "change", "--user", input=f"{USER_PIN}\nwhatever\n")
        self.assertIn("CKR_PIN_LOCKED", r.stderr)
        self.assertIn("pin reset", r.stderr)
        self.ok("pin", "reset", input=f"{SO_PIN}\nafter-reset\n")
        self.assertFalse(self.ok("--json", "pin", "unlock-status").json()["pins"]["user"]["locked"])
        self.ok("pin", "change", "--user", input="after-reset\nonce-more\n")


class StoreLockTest(AdminTestCase):
    def test_store_held_by_another_process(self):
        self.init_token()
        holder = StoreHolder(self.path("store"))
        try:
            r = self.fails(EXIT_UNAVAILABLE, "status")
            self.assertIn(f"in use by process {holder.pid}", r.stderr)
            self.fails(EXIT_UNAVAILABLE, "token", "info")
        finally:
            holder.release()
        self.ok("status")


class ConfigTest(AdminTestCase):
    def test_check_reports_file_line_and_key(self):
        bad = self.write(self.path("bad.toml"), '[token]\nslot_count = 1\n\n[security]\npin_min_length = "four"\n')
        r = self.fails(EXIT_CHECK, "config", "check", bad)
        self.assertIn("bad.toml", r.stderr)
        self.assertIn(":5", r.stderr)
        self.assertIn("pin_min_length", r.stderr)
        self.assertEqual(self.ok("config", "check", "--json").json()["valid"], True)
        self.assertIn("valid", self.ok("config", "check", self.config).text)
        # Commands refuse to run on an invalid file.
        r = self.fails(EXIT_USAGE, "--config", bad, "status")
        self.assertIn("pin_min_length", r.stderr)

    def test_show_prints_effective_settings(self):
        shown = self.ok("config", "show", "--json").json()
        self.assertEqual(shown["file"], os.path.realpath(self.config))
        self.assertEqual(shown["settings"]["token"]["slot_count"], 2)
        self.assertEqual(shown["settings"]["security"]["pbkdf2_iterations"], 100000)
        self.assertEqual(shown["settings"]["audit"]["crypto_ops"], "buffered")  # a default
        self.assertEqual(shown["resolved"]["store"], os.path.join(os.path.realpath(self.dir), "store"))
        self.assertIn("[security]", self.ok("config", "show").text)

    def test_config_from_environment(self):
        other = os.path.join(self.dir, "sub")
        os.mkdir(other, 0o700)
        cfg = self.write(os.path.join(other, "alt.toml"), '[token]\nstorage_path = "alt-store"\n')
        shown = self.ok("config", "show", "--json", env={"CRATON_HSM_CONFIG": cfg}).json()
        self.assertEqual(shown["resolved"]["store"], os.path.join(os.path.realpath(other), "alt-store"))


class GeneralTest(AdminTestCase):
    def test_selftest_lists_every_known_answer_test(self):
        r = self.ok("selftest", "--json").json()
        self.assertTrue(r["passed"])
        names = [t["name"] for t in r["tests"]]
        self.assertGreaterEqual(len(names), 20)
        self.assertIn("ML-DSA-44-sign-verify", names)
        self.assertTrue(all(t["result"] == "passed" for t in r["tests"]))
        self.assertIn("self-tests passed", self.ok("selftest").text)
        r = self.ok("selftest", "--module", harness.MODULE, "--json").json()
        self.assertEqual(r["tests"][0]["name"], "module-integrity")
        self.assertEqual(r["tests"][0]["result"], "passed")
        # A module whose bytes differ from what the build recorded fails.
        copy = self.path("libcraton_hsm.so")
        data = bytearray(self.read(harness.MODULE))
        data[len(data) // 2] ^= 1
        self.write(copy, bytes(data))
        self.write(copy + ".hmac", self.read(harness.MODULE + ".hmac"))
        r = self.fails(EXIT_CHECK, "selftest", "--module", copy)
        self.assertIn("self-test failed", r.stderr)

    def test_usage_help_version_and_man_page(self):
        self.fails(EXIT_USAGE, "no-such-command")
        self.fails(EXIT_USAGE)
        self.fails(EXIT_USAGE, "status", "--no-such-flag")
        self.assertIn("Usage", self.ok("--help").text)
        for group in ("token", "pin", "slot", "config"):
            self.assertIn("Usage", self.ok(group, "--help").text)
        self.assertIn("0.1.0", self.ok("--version").text)
        man = self.ok("--man").text
        self.assertTrue(man.startswith(".TH CRATON-HSM-ADMIN 1"))
        self.assertIn("token init", man)
        self.assertIn("EXIT STATUS", man)


if __name__ == "__main__":
    harness.main()
