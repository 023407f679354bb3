"""audit verify, checkpoint, export and tail, on real logs written by the CLI
and on copies tampered with the way an attacker would."""
import json
import os
import re
import select
import shutil
import signal
import subprocess

from harness import *  # noqa: F401,F403
import harness

# RFC 5424 §6, restricted to what the exporter writes: PRI VERSION TIMESTAMP
# HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG.
SD_PARAM = r'[^ =\]"]{1,32}="(?:[^"\\\]]|\\["\\\]])*"'
SD_ELEMENT = rf'\[[^ =\]"]{{1,32}}(?: {SD_PARAM})*\]'
SYSLOG = re.compile(
    r'<(?P<pri>[0-9]{1,3})>1 (?P<time>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{1,6}Z) '
    r'(?P<host>[!-~]{1,255}) craton-hsm (?P<pid>[0-9]+) (?P<msgid>[!-~]{1,32}) '
    rf'(?P<sd>(?:{SD_ELEMENT})+) (?P<msg>[ -~]*)$')


class AuditCase(AdminTestCase):
    """A log with a few dozen entries: token init, PIN changes, failed logins."""

    def setUp(self):
        super().setUp()
        self.log = self.path("store/audit.log")

    def make_log(self, label="audit-test"):
        self.init_token(label)
        self.ok("pin", "change", "--user", input=f"{USER_PIN}\nsecond-pin-1\n")
        self.fails(EXIT_AUTH, "pin", "change", "--user", input="wrong-pin-1\nwhatever-1\n")
        self.ok("pin", "change", "--user", input=f"second-pin-1\n{USER_PIN}\n")
        self.ok("pin", "unlock-status")

    def more_entries(self):
        self.ok("pin", "unlock-status")

    def lines(self):
        with open(self.log) as f:
            return f.read().splitlines()

    def entries(self):
        return [json.loads(line) for line in self.lines()]

    def write_lines(self, lines):
        self.write(self.log, "".join(line + "\n" for line in lines))

    def verify_fails(self, reason, seq, line, *extra):
        r = self.fails(EXIT_CHECK, "audit", "verify", "--json", *extra)
        report = r.json()
        self.assertFalse(report["ok"])
        failure = report["failure"]
        self.assertEqual(failure["reason"], reason, failure["message"])
        self.assertEqual(failure["seq"], seq, failure["message"])
        self.assertEqual(failure["line"], line, failure["message"])
        self.assertIn(f"verification failed: {reason}", r.stderr)
        return report, r

    def follow(self, *args):
        """`audit tail -f` as a subprocess; its stdout is unbuffered (bufsize=0),
        so that select() sees every line not yet read."""
        env = dict(os.environ)
        env.pop("CRATON_HSM_CONFIG", None)
        proc = subprocess.Popen([harness.ADMIN, "audit", "tail", "-f", "--json", *args], cwd=self.dir,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, bufsize=0)

        def cleanup():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()
        self.addCleanup(cleanup)
        return proc

    def read_line(self, proc, timeout=30):
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        self.assertTrue(ready, "no line from audit tail -f in time")
        return proc.stdout.readline()

    def snapshot(self, name):
        """Copies the log and the head database (as an attacker restoring both would)."""
        d = self.path(name)
        os.mkdir(d)
        for f in os.listdir(self.path("store")):
            if f.startswith("audit.log") or f.startswith("audit_head.sqlite3"):
                shutil.copy2(self.path(f"store/{f}"), d)
        return d

    def restore(self, d):
        for f in os.listdir(self.path("store")):
            if f.startswith("audit_head.sqlite3-"):
                os.remove(self.path(f"store/{f}"))
        for f in os.listdir(d):
            shutil.copy2(os.path.join(d, f), self.path(f"store/{f}"))


class VerifyTest(AuditCase):
    def test_verify_ok(self):
        self.make_log()
        entries = self.entries()
        self.assertGreater(len(entries), 15)
        report = self.ok("audit", "verify", "--json").json()
        self.assertEqual(list(report), ["ok", "log_path", "files", "entries", "first_seq", "last_seq", "last_hash",
                                        "head", "checkpoint", "failure"])
        self.assertTrue(report["ok"])
        self.assertEqual(report["log_path"], os.path.join(os.path.realpath(self.dir), "store", "audit.log"))
        self.assertEqual(report["files"], [report["log_path"]])
        self.assertEqual(report["entries"], len(entries))
        self.assertEqual((report["first_seq"], report["last_seq"]), (1, len(entries)))
        self.assertEqual(report["last_hash"], entries[-1]["hash"])
        self.assertEqual(report["head"], {"seq": len(entries), "hash": entries[-1]["hash"]})
        self.assertIsNone(report["checkpoint"])
        self.assertIsNone(report["failure"])
        human = self.ok("audit", "verify").text
        self.assertRegex(human, r"result:\s+ok")
        self.assertRegex(human, rf"entries verified:\s+{len(entries)} \(seq 1\.\.{len(entries)}\)")

    def test_no_log_yet(self):
        r = self.fails(EXIT_UNAVAILABLE, "audit", "verify")
        self.assertIn("no audit log", r.stderr)

    def test_modified_field(self):
        self.make_log()
        lines = self.lines()
        k = next(i for i in range(5, len(lines)) if '"slot":0' in lines[i])
        lines[k] = lines[k].replace('"slot":0', '"slot":1', 1)
        self.write_lines(lines)
        report, r = self.verify_fails("modified", k + 1, k + 1)
        self.assertEqual(report["entries"], k)
        self.assertEqual(report["failure"]["file"], report["log_path"])
        human = self.admin("audit", "verify")
        self.assertEqual(human.rc, EXIT_CHECK)
        self.assertRegex(human.text, r"result:\s+FAILED")
        self.assertRegex(human.text, rf"first bad seq:\s+{k + 1}")
        self.assertRegex(human.text, rf"where:\s+\S+audit\.log line {k + 1}")
        self.assertRegex(human.text, r"why:\s+entry \d+ was modified")

    def test_deleted_line(self):
        self.make_log()
        lines = self.lines()
        del lines[7]
        self.write_lines(lines)
        self.verify_fails("deleted", 8, 8)

    def test_swapped_lines(self):
        self.make_log()
        lines = self.lines()
        lines[6], lines[7] = lines[7], lines[6]
        self.write_lines(lines)
        self.verify_fails("reordered", 8, 7)

    def test_truncated_tail(self):
        self.make_log()
        lines = self.lines()
        self.write_lines(lines[:-2])
        report, r = self.verify_fails("truncated", len(lines) - 1, 0)
        self.assertEqual(report["last_seq"], len(lines) - 2)
        self.assertEqual(report["head"]["seq"], len(lines))
        self.assertIn("truncated", report["failure"]["message"])

    def test_malformed_line(self):
        self.make_log()
        lines = self.lines()
        lines[3] = lines[3][:40]
        self.write_lines(lines)
        self.verify_fails("malformed", 4, 4)

    def test_wrong_or_missing_key(self):
        self.make_log()
        self.write(self.path("store/audit.key"), os.urandom(32))
        self.verify_fails("wrong_key", 1, 1)
        os.remove(self.path("store/audit.key"))
        r = self.fails(EXIT_UNAVAILABLE, "audit", "verify")
        self.assertIn("audit.key", r.stderr)
        self.assertIn("io_error", r.stderr)


class CheckpointTest(AuditCase):
    def test_checkpoint_then_more_entries(self):
        self.make_log()
        entries = self.entries()
        token = self.ok("audit", "checkpoint").text
        self.assertEqual(token, f"craton-audit-checkpoint:v1:{len(entries)}:{entries[-1]['hash']}\n")
        cp = self.ok("audit", "checkpoint", "--json").json()
        self.assertEqual(list(cp), ["checkpoint", "seq", "hash", "time"])
        self.assertEqual(cp["checkpoint"], token.strip())
        self.assertEqual((cp["seq"], cp["hash"], cp["time"]), (len(entries), entries[-1]["hash"], entries[-1]["time"]))
        self.more_entries()
        report = self.ok("audit", "verify", "--json", "--checkpoint", token.strip()).json()
        self.assertGreater(report["last_seq"], cp["seq"])
        self.assertEqual(report["checkpoint"], {"value": token.strip(), "seq": cp["seq"], "hash": cp["hash"],
                                                "verified": True})
        self.assertRegex(self.ok("audit", "verify", "--checkpoint", token).text, r"checkpoint:\s+seq \d+ verified")

    def test_rollback_of_log_and_head_is_caught_by_a_later_checkpoint(self):
        self.make_log()
        old = self.snapshot("old")
        self.more_entries()
        later = self.ok("audit", "checkpoint").text.strip()
        self.restore(old)
        # Log and head rolled back together: consistent, so the store alone cannot tell...
        self.ok("audit", "verify")
        # ...but the checkpoint kept elsewhere can.
        report, r = self.verify_fails("truncated", len(self.lines()) + 1, 0, "--checkpoint", later)
        self.assertIn("checkpoint", r.stderr)
        self.assertFalse(report["checkpoint"]["verified"])
        # Rolled back and then continued: a different history at the checkpoint's seq.
        self.more_entries()
        self.more_entries()
        seq = int(later.split(":")[2])
        self.assertGreater(len(self.lines()), seq)
        report, r = self.verify_fails("head_mismatch", seq, seq, "--checkpoint", later)
        self.assertIn("checkpoint", report["failure"]["message"])

    def test_bad_checkpoint_values(self):
        self.make_log()
        for bad in ("garbage", "", "craton-audit-checkpoint:v1:0:" + "0" * 64,
                    "craton-audit-checkpoint:v1:3:" + "0" * 63, "craton-audit-checkpoint:v9:3:" + "0" * 64):
            r = self.fails(EXIT_USAGE, "audit", "verify", "--checkpoint", bad)
            self.assertIn("--checkpoint", r.stderr)
        # Well formed, but not what the log holds at seq 3.
        self.verify_fails("head_mismatch", 3, 3, "--checkpoint", "craton-audit-checkpoint:v1:3:" + "0" * 64)

    def test_no_checkpoint_of_a_broken_log(self):
        self.make_log()
        lines = self.lines()
        lines[2] = lines[2].replace('"CKR_OK"', '"CKR_GENERAL_ERROR"', 1)
        self.write_lines(lines)
        r = self.fails(EXIT_CHECK, "audit", "checkpoint")
        self.assertIn("modified", r.stderr)
        self.assertEqual(r.text, "")


class ExportTest(AuditCase):
    def test_json_and_ndjson(self):
        self.make_log()
        lines = self.lines()
        exported = self.ok("audit", "export", "--format", "json").json()
        self.assertEqual(exported, [json.loads(line) for line in lines])
        self.assertEqual([e["seq"] for e in exported], list(range(1, len(lines) + 1)))
        self.assertEqual(list(exported[0]), ["seq", "time", "event", "slot", "session", "role", "mechanism", "object",
                                             "object2", "label", "rv", "pid", "detail", "prev", "hash"])
        self.assertEqual(self.ok("audit", "export").json(), exported)  # json is the default
        nd = self.ok("audit", "export", "--format", "ndjson").text.splitlines()
        self.assertEqual(nd, lines)  # each entry exactly as written (and hashed)
        nd = self.ok("audit", "export", "--format", "ndjson", "--from-seq", "5").text.splitlines()
        self.assertEqual([json.loads(line)["seq"] for line in nd], list(range(5, len(lines) + 1)))
        self.assertEqual(self.ok("audit", "export", "--from-seq", "100000").json(), [])

    def test_output_file_and_verify(self):
        self.make_log()
        out = self.path("export.ndjson")
        summary = self.ok("--json", "audit", "export", "--format", "ndjson", "--output", out, "--verify").json()
        n = len(self.lines())
        self.assertEqual(summary, {"file": out, "format": "ndjson", "entries": n, "first_seq": 1, "last_seq": n,
                                   "skipped": 0, "verified": True})
        self.assertEqual(self.read(out).decode().splitlines(), self.lines())
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o600)
        r = self.fails(EXIT_FAILED, "audit", "export", "--format", "ndjson", "-o", out)
        self.assertIn("--force", r.stderr)
        self.assertIn(f"exported {n} entries (seq 1..{n}) as ndjson",
                      self.ok("audit", "export", "--format", "ndjson", "-o", out, "--force").text)
        # A tampered log: --verify writes nothing; without it, what is there is exported.
        os.remove(out)
        lines = self.lines()
        lines[4] = lines[4].replace('"pid":', '"pid":1', 1)
        self.write_lines(lines)
        r = self.fails(EXIT_CHECK, "audit", "export", "--verify", "-o", out)
        self.assertIn("modified", r.stderr)
        self.assertFalse(os.path.exists(out))
        self.assertEqual(os.listdir(self.dir).count("export.ndjson"), 0)
        self.assertEqual(len(self.ok("audit", "export").json()), n)
        # Lines that are not entries are skipped with one warning line.
        lines[6] = "not an entry"
        self.write_lines(lines)
        r = self.admin("audit", "export", "--format", "ndjson")
        self.assertEqual(r.rc, EXIT_OK, r.stderr)
        self.assertEqual(len(r.text.splitlines()), n - 1)
        self.assertEqual(r.stderr.count("\n"), 1)
        self.assertIn("skipped 1 line(s)", r.stderr)
        self.assertIn("audit.log line 7", r.stderr)

    def test_syslog(self):
        label = 'a"b]c\\d'
        self.make_log(label)
        lines = self.lines()
        out = self.ok("audit", "export", "--format", "syslog", "--hostname", "hsm1.example.org").text.splitlines()
        self.assertEqual(len(out), len(lines))
        for line, entry in zip(out, (json.loads(x) for x in lines)):
            m = SYSLOG.match(line)
            self.assertIsNotNone(m, line)
            self.assertEqual(m["time"], entry["time"])
            self.assertEqual(m["host"], "hsm1.example.org")
            self.assertEqual(int(m["pid"]), entry["pid"])
            self.assertEqual(m["msgid"], entry["event"])
            self.assertTrue(m["sd"].startswith(f'[craton@32473 seq="{entry["seq"]}"'), line)
            self.assertIn(f'hash="{entry["hash"]}"', m["sd"])
            self.assertEqual(m["msg"], f'{entry["event"]} {entry["rv"]}')
            severity = 4 if entry["rv"] != "CKR_OK" else 5
            self.assertEqual(int(m["pri"]), 10 * 8 + severity, line)  # authpriv
        init = next(line for line in out if " init_token " in line)
        self.assertIn(r'label="a\"b\]c\\d"', init)
        self.assertTrue(any(line.startswith("<84>1 ") for line in out))  # the failed PIN change
        local = self.ok("audit", "export", "--format", "syslog", "--facility", "local0",
                        "--enterprise-number", "12345").text.splitlines()
        self.assertTrue(all(re.match(r"<13[2-4]>1 ", line) for line in local), local[0])
        self.assertTrue(all("[craton@12345 " in line for line in local))

    def test_usage_errors(self):
        self.make_log()
        self.fails(EXIT_USAGE, "audit", "export", "--format", "xml")
        self.fails(EXIT_USAGE, "audit", "export", "--facility", "kern")
        self.fails(EXIT_USAGE, "audit", "tail", "-n", "-1")
        self.fails(EXIT_USAGE, "audit")
        for sub in ("verify", "checkpoint", "export", "tail"):
            self.assertIn("Usage", self.ok("audit", sub, "--help").text)
        man = self.ok("--man").text
        self.assertIn("audit verify", man)
        self.assertIn(r"\-\-checkpoint", man)


class TailTest(AuditCase):
    def test_last_entries(self):
        self.make_log()
        entries = self.entries()
        nd = [json.loads(x) for x in self.ok("audit", "tail", "-n", "3", "--json").text.splitlines()]
        self.assertEqual(nd, entries[-3:])
        table = self.ok("audit", "tail").text.splitlines()
        self.assertRegex(table[0], r"^SEQ\s+TIME\s+EVENT\s+SLOT\s+SESSION\s+ROLE\s+MECHANISM/OBJECT\s+RESULT$")
        self.assertEqual(len(table), 11)
        self.assertTrue(table[-1].startswith(f"{entries[-1]['seq']} "))
        self.assertEqual(len(self.ok("audit", "tail", "-n", "0").text.splitlines()), 1)
        everything = self.ok("audit", "tail", "-n", "1000", "--json").text.splitlines()
        self.assertEqual(everything, self.lines())

    def test_follow_sees_new_entries_and_stops_on_sigterm(self):
        self.make_log()
        last = self.entries()[-1]
        proc = self.follow("-n", "1")
        self.assertEqual(json.loads(self.read_line(proc)), last)
        self.ok("pin", "change", "--user", input=f"{USER_PIN}\nfollowed-pin\n")
        seen = []
        while "finalize" not in seen:
            seen.append(json.loads(self.read_line(proc))["event"])
        self.assertEqual(seen[0], "initialize")
        self.assertIn("set_pin", seen)
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=10), 0)
        self.assertEqual(proc.stderr.read(), b"")

class StoreHeldTest(AuditCase):
    def test_audit_commands_while_the_store_is_held(self):
        self.make_log()
        holder = StoreHolder(self.path("store"))
        try:
            self.fails(EXIT_UNAVAILABLE, "token", "info")
            self.assertTrue(self.ok("audit", "verify", "--json").json()["ok"])
            cp = self.ok("audit", "checkpoint").text.strip()
            self.ok("audit", "verify", "--checkpoint", cp)
            self.assertEqual(len(self.ok("audit", "export").json()), len(self.lines()))
            self.assertEqual(len(self.ok("audit", "tail", "-n", "2", "--json").text.splitlines()), 2)
        finally:
            holder.release()


class RotationTest(AuditCase):
    CONFIG = AdminTestCase.CONFIG + "[audit]\nmax_file_bytes = 4096\n"

    def all_lines(self):
        files = sorted((f for f in os.listdir(self.path("store")) if re.fullmatch(r"audit\.log\.[0-9]+", f)),
                       key=lambda f: int(f.rsplit(".", 1)[1]))
        out = []
        for f in files + ["audit.log"]:
            with open(self.path(f"store/{f}")) as fh:
                out += fh.read().splitlines()
        return out

    def test_verify_export_and_tail_across_files(self):
        self.make_log()
        while len(self.ok("audit", "verify", "--json").json()["files"]) < 3:
            self.more_entries()
        report = self.ok("audit", "verify", "--json").json()
        self.assertGreaterEqual(len(report["files"]), 3)
        self.assertTrue(report["files"][0].endswith("audit.log.1"))
        lines = self.all_lines()
        self.assertEqual(report["entries"], len(lines))
        self.assertEqual(self.ok("audit", "export", "--format", "ndjson").text.splitlines(), lines)
        self.assertEqual(self.ok("audit", "tail", "-n", "1000", "--json").text.splitlines(), lines)
        os.remove(self.path("store/audit.log.2"))
        self.assertEqual(self.fails(EXIT_CHECK, "audit", "verify", "--json").json()["failure"]["reason"], "deleted")

    def test_follow_across_rotation(self):
        self.make_log()
        first = len(self.all_lines())
        proc = self.follow("-n", "1")
        self.assertEqual(json.loads(self.read_line(proc))["seq"], first)  # started
        files = len(os.listdir(self.path("store")))
        while len(os.listdir(self.path("store"))) < files + 2:  # two rotations
            self.more_entries()
        expected = len(self.all_lines()) - first
        seqs = [json.loads(self.read_line(proc))["seq"] for _ in range(expected)]
        self.assertEqual(seqs, list(range(first + 1, first + expected + 1)))
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(timeout=10), 0)

if __name__ == "__main__":
    harness.main()
