"""End-to-end harness for craton-hsm-admin: runs the built binary on a
fresh store in a temporary directory and checks what it prints and returns.

Each test case gets its own directory with a craton_hsm.toml (PBKDF2 at the
configured floor so that PIN checks stay quick) and runs the CLI there.
"""
import fcntl
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

ADMIN = os.environ.get("CRATON_ADMIN", "")
MODULE = os.environ.get("CRATON_MODULE", "")
SO_PIN = "so-pin-1234"
USER_PIN = "user-pin-1234"

EXIT_OK, EXIT_CHECK, EXIT_USAGE, EXIT_AUTH, EXIT_UNAVAILABLE, EXIT_FAILED, EXIT_DECLINED = range(7)


class Run:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr.decode(errors="replace")

    @property
    def text(self):
        return self.stdout.decode(errors="replace")

    def json(self):
        return json.loads(self.stdout)


class AdminTestCase(unittest.TestCase):
    CONFIG = '[token]\nstorage_path = "store"\nslot_count = 2\n[security]\npbkdf2_iterations = 100000\nmax_failed_logins = 3\n'

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="craton-admin-")
        os.chmod(self.dir, 0o700)
        self.config = os.path.join(self.dir, "craton_hsm.toml")
        self.write(self.config, self.CONFIG)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, path, data, mode=0o600):
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        os.chmod(path, mode)
        return path

    def read(self, path):
        with open(path, "rb") as f:
            return f.read()

    def admin(self, *args, input=None, env=None):
        """Runs the CLI in the test directory; `input` is fed to stdin (str or bytes)."""
        full_env = dict(os.environ)
        full_env.pop("CRATON_HSM_CONFIG", None)
        if env:
            full_env.update(env)
        if isinstance(input, str):
            input = input.encode()
        proc = subprocess.run([ADMIN, *args], cwd=self.dir, input=input if input is not None else b"",
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env, timeout=600)
        return Run(proc)

    def ok(self, *args, **kw):
        r = self.admin(*args, **kw)
        self.assertEqual(r.rc, EXIT_OK, f"{args}: exit {r.rc}\nstderr: {r.stderr}\nstdout: {r.text}")
        # Without a terminal a successful command is quiet on stderr (no
        # prompts, no progress indicator).
        self.assertEqual(r.stderr, "", f"{args}: unexpected stderr")
        return r

    def fails(self, code, *args, **kw):
        r = self.admin(*args, **kw)
        self.assertEqual(r.rc, code, f"{args}: expected exit {code}, got {r.rc}\nstderr: {r.stderr}\nstdout: {r.text}")
        self.assertTrue(r.stderr.startswith("craton-hsm-admin: "), r.stderr)
        self.assertEqual(r.stderr.count("\n"), 1, f"one line on stderr expected: {r.stderr!r}")
        return r

    def init_token(self, label="admin-test", slot=0):
        return self.ok("token", "init", "--label", label, "--slot", str(slot), input=f"{SO_PIN}\n{USER_PIN}\n")

    def user_env(self):
        return {"CRATON_TEST_PIN": USER_PIN}


class StoreHolder:
    """Another process holding the store lock (as a running module would)."""

    SCRIPT = r"""
import fcntl, os, struct, sys
d = sys.argv[1]
os.makedirs(d, mode=0o700, exist_ok=True)
fd = os.open(os.path.join(d, ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0))
os.ftruncate(fd, 0)
os.write(fd, f"{os.getpid()}\n".encode())
print("locked", flush=True)
sys.stdin.read()
"""

    def __init__(self, store_dir):
        self.proc = subprocess.Popen([sys.executable, "-c", self.SCRIPT, store_dir], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE)
        line = self.proc.stdout.readline()
        assert line.strip() == b"locked", line

    @property
    def pid(self):
        return self.proc.pid

    def release(self):
        self.proc.stdin.close()
        self.proc.stdout.close()
        self.proc.wait(timeout=30)


def main():
    if not ADMIN or not os.path.exists(ADMIN):
        print("CRATON_ADMIN must name the built craton-hsm-admin", file=sys.stderr)
        sys.exit(2)
    unittest.main(verbosity=2)
