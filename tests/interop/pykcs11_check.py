#!/usr/bin/env python3
"""PyKCS11 checks against Craton HSM (run by pykcs11.sh).

usage: pykcs11_check.py MODULE TOKEN_LABEL PIN

Opens a session on the token, logs in, generates an EC P-256 key pair and an
AES-256 key as token objects, finds them again, reads their attributes, signs
with CKM_ECDSA (verified on the token and by the openssl command), runs
AES-GCM with PyKCS11's AES_GCM_Mechanism (round trip, tamper detection, and a
known-answer test from the GCM specification), and destroys the objects.

Prints "PASS name" or "FAIL name: reason" per check; exit 1 if any failed.
"""
import hashlib
import os
import subprocess
import sys
import tempfile

import PyKCS11

P256_OID = bytes.fromhex("06082a8648ce3d030107")  # DER OID 1.2.840.10045.3.1.7
# SubjectPublicKeyInfo header for an uncompressed P-256 point (RFC 5480)
P256_SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200")

failures = 0
state = {}


def check(name):
    """Decorator: run the check now, print PASS/FAIL, keep going on failure."""
    def run(fn):
        global failures
        try:
            detail = fn()
            print("PASS %s%s" % (name, " (%s)" % detail if detail else ""), flush=True)
        except Exception as e:  # noqa: BLE001 - any error is a failed check
            failures += 1
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e), flush=True)
        return fn
    return run


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def der_octet_string_content(raw):
    """CKA_EC_POINT is a DER OCTET STRING; return what it wraps."""
    expect(len(raw) > 2 and raw[0] == 0x04, "CKA_EC_POINT is not a DER OCTET STRING")
    length, offset = raw[1], 2
    if length & 0x80:
        n = length & 0x7F
        length, offset = int.from_bytes(raw[2:2 + n], "big"), 2 + n
    expect(offset + length == len(raw), "CKA_EC_POINT length mismatch")
    return raw[offset:]


def der_integer(b):
    b = b.lstrip(b"\0") or b"\0"
    if b[0] & 0x80:
        b = b"\0" + b
    return bytes([0x02, len(b)]) + b


def ecdsa_sig_to_der(sig):
    """PKCS#11 ECDSA signatures are r || s; openssl wants an ASN.1 SEQUENCE."""
    half = len(sig) // 2
    body = der_integer(sig[:half]) + der_integer(sig[half:])
    return bytes([0x30, len(body)]) + body


def openssl_verify(point, digest, sig):
    """Verify with the openssl command: an implementation independent of the token."""
    with tempfile.TemporaryDirectory() as d:
        files = {"pub.der": P256_SPKI_PREFIX + point, "dgst": digest, "sig": ecdsa_sig_to_der(sig)}
        for n, v in files.items():
            with open(os.path.join(d, n), "wb") as f:
                f.write(v)
        r = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-keyform", "DER",
                            "-inkey", os.path.join(d, "pub.der"), "-in", os.path.join(d, "dgst"),
                            "-sigfile", os.path.join(d, "sig")],
                           capture_output=True, text=True, timeout=60, check=False)
        return r.returncode == 0 and "Signature Verified Successfully" in r.stdout


def find(session, template):
    return session.findObjects(template)


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    module, label, pin = sys.argv[1:]
    lib = PyKCS11.PyKCS11Lib()
    lib.load(module)

    @check("pykcs11_open_session_login")
    def _():
        for slot in lib.getSlotList(tokenPresent=True):
            info = lib.getTokenInfo(slot)
            if info.label.strip() == label:
                expect(info.flags & PyKCS11.CKF_TOKEN_INITIALIZED, "token not initialised")
                expect(info.manufacturerID.strip() == "Craton HSM", "manufacturer %r" % info.manufacturerID)
                s = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
                s.login(pin)
                expect(s.getSessionInfo().state == PyKCS11.CKS_RW_USER_FUNCTIONS, "session not in RW user state")
                state["session"], state["slot"] = s, slot
                return "slot %d" % slot
        raise AssertionError("no token labelled %r" % label)

    s = state.get("session")
    if s is None:
        sys.exit(1)

    @check("pykcs11_mechanism_list")
    def _():
        # PyKCS11 1.5 (Debian 12) predates PKCS#11 3.2: its getMechanismList
        # raises KeyError on the 3.2 mechanisms it has no name for (ML-DSA,
        # ...). So the list is read through its low-level binding and unknown
        # numbers are named by value.
        raw = PyKCS11.LowLevel.ckintlist()
        rv = lib.lib.C_GetMechanismList(state["slot"], raw)
        expect(rv == PyKCS11.CKR_OK, "C_GetMechanismList: %s" % PyKCS11.CKR.get(rv, rv))
        mechs = [PyKCS11.CKM.get(raw[i], "CKM_0x%08X" % raw[i]) for i in range(len(raw))]
        for m in ("CKM_EC_KEY_PAIR_GEN", "CKM_ECDSA", "CKM_AES_KEY_GEN", "CKM_AES_GCM"):
            expect(m in mechs, "%s not in the mechanism list" % m)
        info = lib.getMechanismInfo(state["slot"], "CKM_AES_GCM")
        expect(info.flags & PyKCS11.CKF_ENCRYPT and info.flags & PyKCS11.CKF_DECRYPT,
               "CKM_AES_GCM lacks CKF_ENCRYPT/CKF_DECRYPT")
        return "%d mechanisms" % len(mechs)

    @check("pykcs11_ec_keygen")
    def _():
        pub_t = [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PUBLIC_KEY), (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_EC),
                 (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_VERIFY, True),
                 (PyKCS11.CKA_EC_PARAMS, P256_OID), (PyKCS11.CKA_LABEL, "py-ec"), (PyKCS11.CKA_ID, b"\x42")]
        priv_t = [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_EC),
                  (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_PRIVATE, True), (PyKCS11.CKA_SENSITIVE, True),
                  (PyKCS11.CKA_EXTRACTABLE, False), (PyKCS11.CKA_SIGN, True),
                  (PyKCS11.CKA_LABEL, "py-ec"), (PyKCS11.CKA_ID, b"\x42")]
        s.generateKeyPair(pub_t, priv_t, mecha=PyKCS11.Mechanism(PyKCS11.CKM_EC_KEY_PAIR_GEN, None))

    @check("pykcs11_find_objects")
    def _():
        privs = find(s, [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_LABEL, "py-ec")])
        pubs = find(s, [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PUBLIC_KEY), (PyKCS11.CKA_ID, b"\x42")])
        expect(len(privs) == 1 and len(pubs) == 1, "found %d private, %d public keys" % (len(privs), len(pubs)))
        expect(find(s, [(PyKCS11.CKA_LABEL, "no-such-object")]) == [], "a search for a missing label found objects")
        state["priv"], state["pub"] = privs[0], pubs[0]

    @check("pykcs11_get_attributes")
    def _():
        params, point, ktype = s.getAttributeValue(
            state["pub"], [PyKCS11.CKA_EC_PARAMS, PyKCS11.CKA_EC_POINT, PyKCS11.CKA_KEY_TYPE])
        expect(bytes(params) == P256_OID, "CKA_EC_PARAMS %s" % bytes(params).hex())
        expect(ktype == PyKCS11.CKK_EC, "CKA_KEY_TYPE %r" % ktype)
        raw = der_octet_string_content(bytes(point))
        expect(len(raw) == 65 and raw[0] == 0x04, "CKA_EC_POINT is not an uncompressed P-256 point")
        state["point"] = raw
        sens, extr, local, always = s.getAttributeValue(
            state["priv"], [PyKCS11.CKA_SENSITIVE, PyKCS11.CKA_EXTRACTABLE, PyKCS11.CKA_LOCAL,
                            PyKCS11.CKA_ALWAYS_SENSITIVE])
        expect(sens and not extr and local and always,
               "private key flags sensitive=%r extractable=%r local=%r always_sensitive=%r" % (sens, extr, local, always))
        # PyKCS11's getAttributeValue hides CKR_ATTRIBUTE_SENSITIVE (it returns
        # None), so the return value of the low-level call is checked directly.
        tmpl = PyKCS11.LowLevel.ckattrlist(1)
        tmpl[0].SetType(PyKCS11.CKA_VALUE)
        rv = s.lib.C_GetAttributeValue(s.session, state["priv"], tmpl)
        expect(rv == PyKCS11.CKR_ATTRIBUTE_SENSITIVE,
               "reading CKA_VALUE of a sensitive private key gave %s" % PyKCS11.CKR.get(rv, rv))

    @check("pykcs11_ecdsa_sign_verify")
    def _():
        digest = hashlib.sha256(b"signed through PyKCS11").digest()
        mech = PyKCS11.Mechanism(PyKCS11.CKM_ECDSA, None)
        sig = bytes(s.sign(state["priv"], digest, mech))
        expect(len(sig) == 64, "P-256 signature is %d bytes, not 64" % len(sig))
        expect(s.verify(state["pub"], digest, sig, mech), "C_Verify rejects the token's signature")
        bad = sig[:-1] + bytes([sig[-1] ^ 1])
        expect(not s.verify(state["pub"], digest, bad, mech), "C_Verify accepts a corrupted signature")
        expect(openssl_verify(state["point"], digest, sig), "openssl rejects the token's signature")
        expect(not openssl_verify(state["point"], digest, bad), "openssl accepts a corrupted signature")
        return "verified on the token and by openssl"

    @check("pykcs11_aes_keygen")
    def _():
        t = [(PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY), (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_AES),
             (PyKCS11.CKA_VALUE_LEN, 32), (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_ENCRYPT, True),
             (PyKCS11.CKA_DECRYPT, True), (PyKCS11.CKA_LABEL, "py-aes")]
        s.generateKey(t, mecha=PyKCS11.Mechanism(PyKCS11.CKM_AES_KEY_GEN, None))
        keys = find(s, [(PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY), (PyKCS11.CKA_LABEL, "py-aes")])
        expect(len(keys) == 1, "found %d AES keys labelled py-aes" % len(keys))
        vlen, ktype = s.getAttributeValue(keys[0], [PyKCS11.CKA_VALUE_LEN, PyKCS11.CKA_KEY_TYPE])
        expect(vlen == 32 and ktype == PyKCS11.CKK_AES, "CKA_VALUE_LEN=%r CKA_KEY_TYPE=%r" % (vlen, ktype))
        state["aes"] = keys[0]

    @check("pykcs11_aes_gcm_round_trip")
    def _():
        iv, aad, msg = os.urandom(12), b"header", os.urandom(100)
        mech = PyKCS11.AES_GCM_Mechanism(iv, aad, 128)
        ct = bytes(s.encrypt(state["aes"], msg, mech))
        expect(len(ct) == len(msg) + 16, "ciphertext is %d bytes, expected %d" % (len(ct), len(msg) + 16))
        expect(bytes(s.decrypt(state["aes"], ct, PyKCS11.AES_GCM_Mechanism(iv, aad, 128))) == msg,
               "decryption does not give the message back")
        bad = bytes([ct[0] ^ 1]) + ct[1:]
        try:
            s.decrypt(state["aes"], bad, PyKCS11.AES_GCM_Mechanism(iv, aad, 128))
            raise AssertionError("a modified ciphertext decrypted without an error")
        except PyKCS11.PyKCS11Error as e:
            return "tampering rejected with %s" % PyKCS11.CKR.get(e.value, e.value)

    @check("pykcs11_aes_gcm_known_answer")
    def _():
        # GCM specification test case 2: zero 128-bit key, zero 96-bit IV, one zero block
        t = [(PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY), (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_AES),
             (PyKCS11.CKA_TOKEN, False), (PyKCS11.CKA_ENCRYPT, True), (PyKCS11.CKA_DECRYPT, True),
             (PyKCS11.CKA_VALUE, bytes(16)), (PyKCS11.CKA_LABEL, "py-aes-kat")]
        key = s.createObject(t)
        ct = bytes(s.encrypt(key, bytes(16), PyKCS11.AES_GCM_Mechanism(bytes(12), b"", 128)))
        want = bytes.fromhex("0388dace60b6a392f328c2b971b2fe78" "ab6e47d42cec13bdf53a67b21257bddf")
        expect(ct == want, "ciphertext||tag %s, expected %s" % (ct.hex(), want.hex()))
        s.destroyObject(key)

    @check("pykcs11_destroy_objects")
    def _():
        for o in (state["priv"], state["pub"], state["aes"]):
            s.destroyObject(o)
        left = find(s, [(PyKCS11.CKA_LABEL, "py-ec")]) + find(s, [(PyKCS11.CKA_LABEL, "py-aes")])
        expect(left == [], "%d objects left after C_DestroyObject" % len(left))
        s.logout()
        s.closeSession()

    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
