"""Keys through the PKCS#11 module, for test_backup.py (run as its own process).

usage: p11_keys.py make|use SLOT USER_PIN
       p11_keys.py verify SLOT USER_PIN RESULTS_JSON

The module is $CRATON_MODULE on the store of $CRATON_HSM_CONFIG. Running in a
process of its own means the module has let go of the store (its lock) when
the CLI runs next.

make   creates token keys labelled rsa (2048), ec (P-256), ed (Ed25519),
       aes (imported, AES_VALUE) and mldsa (ML-DSA-65), then does what `use` does.
use    prints {"results": ..., "attributes": ...}: signatures, ciphertexts and
       public values made with those keys, and every key object's attributes.
verify checks the signatures of another run (RESULTS_JSON) with this token's
       keys and decrypts its RSA ciphertext: {"verified": {...}, "rsa_plaintext": hex}.
"""
import ctypes
import json
import os
import struct
import sys

import PyKCS11

AES_VALUE = b"backup-test-AES-key-32-bytes-ok!"
MESSAGE = b"signed before and after a backup"
RSA_MESSAGE = b"decrypted after the restore"
CBC_IV = bytes(range(16))
LABELS = ("rsa", "ec", "ed", "aes", "mldsa")

# PKCS#11 3.0/3.2 values PyKCS11 1.5 does not name.
CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055
CKM_EDDSA = 0x1057
CKM_ML_DSA_KEY_PAIR_GEN = 0x1C
CKM_ML_DSA = 0x1D
CKA_PARAMETER_SET = 0x61D
CKA_UNIQUE_ID = 0x4
CKP_ML_DSA_65 = 2
CKH_DETERMINISTIC_REQUIRED = 2
P256 = bytes.fromhex("06082a8648ce3d030107")
ED25519 = bytes.fromhex("06032b6570")

ATTRIBUTES = {
    "class": PyKCS11.CKA_CLASS, "key_type": PyKCS11.CKA_KEY_TYPE, "label": PyKCS11.CKA_LABEL,
    "id": PyKCS11.CKA_ID, "unique_id": CKA_UNIQUE_ID, "token": PyKCS11.CKA_TOKEN,
    "private": PyKCS11.CKA_PRIVATE, "modifiable": PyKCS11.CKA_MODIFIABLE, "local": PyKCS11.CKA_LOCAL,
    "sensitive": PyKCS11.CKA_SENSITIVE, "extractable": PyKCS11.CKA_EXTRACTABLE,
    "always_sensitive": PyKCS11.CKA_ALWAYS_SENSITIVE, "never_extractable": PyKCS11.CKA_NEVER_EXTRACTABLE,
    "sign": PyKCS11.CKA_SIGN, "verify": PyKCS11.CKA_VERIFY, "encrypt": PyKCS11.CKA_ENCRYPT,
    "decrypt": PyKCS11.CKA_DECRYPT, "modulus": PyKCS11.CKA_MODULUS,
    "public_exponent": PyKCS11.CKA_PUBLIC_EXPONENT, "ec_params": PyKCS11.CKA_EC_PARAMS,
    "ec_point": PyKCS11.CKA_EC_POINT, "parameter_set": CKA_PARAMETER_SET, "value": PyKCS11.CKA_VALUE,
}


def ulong(value):
    return struct.pack("=L" if ctypes.sizeof(ctypes.c_ulong) == 4 else "=Q", value)


class CK_SIGN_ADDITIONAL_CONTEXT(ctypes.Structure):
    _fields_ = [("hedgeVariant", ctypes.c_ulong), ("pContext", ctypes.c_void_p), ("ulContextLen", ctypes.c_ulong)]


class Token:
    def __init__(self, slot, pin):
        self.lib = PyKCS11.PyKCS11Lib()
        self.lib.load(os.environ["CRATON_MODULE"])
        self.session = self.lib.openSession(int(slot), PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
        self.session.login(pin)
        self._context = ctypes.create_string_buffer(b"backup", 6)  # ML-DSA parameters point into it

    def pair(self, mechanism, label, public_extra, private_extra):
        common = [(PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_LABEL, label), (PyKCS11.CKA_ID, label.encode())]
        public = common + [(PyKCS11.CKA_VERIFY, True)] + public_extra
        private = common + [(PyKCS11.CKA_PRIVATE, True), (PyKCS11.CKA_SENSITIVE, True),
                            (PyKCS11.CKA_SIGN, True)] + private_extra
        self.session.generateKeyPair(public, private, mecha=PyKCS11.Mechanism(mechanism, None))

    def make(self):
        self.pair(PyKCS11.CKM_RSA_PKCS_KEY_PAIR_GEN, "rsa",
                  [(PyKCS11.CKA_MODULUS_BITS, 2048), (PyKCS11.CKA_PUBLIC_EXPONENT, (1, 0, 1)),
                   (PyKCS11.CKA_ENCRYPT, True)], [(PyKCS11.CKA_DECRYPT, True)])
        self.pair(PyKCS11.CKM_EC_KEY_PAIR_GEN, "ec", [(PyKCS11.CKA_EC_PARAMS, P256)], [])
        self.pair(CKM_EC_EDWARDS_KEY_PAIR_GEN, "ed", [(PyKCS11.CKA_EC_PARAMS, ED25519)], [])
        self.pair(CKM_ML_DSA_KEY_PAIR_GEN, "mldsa", [(CKA_PARAMETER_SET, ulong(CKP_ML_DSA_65))], [])
        self.session.createObject([
            (PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY), (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_AES),
            (PyKCS11.CKA_VALUE, AES_VALUE), (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_PRIVATE, True),
            (PyKCS11.CKA_SENSITIVE, True), (PyKCS11.CKA_EXTRACTABLE, False), (PyKCS11.CKA_ENCRYPT, True),
            (PyKCS11.CKA_DECRYPT, True), (PyKCS11.CKA_LABEL, "aes"), (PyKCS11.CKA_ID, b"aes")])

    def key(self, label, cls):
        found = self.session.findObjects([(PyKCS11.CKA_LABEL, label), (PyKCS11.CKA_CLASS, cls)])
        if len(found) != 1:
            raise SystemExit("%d objects labelled %s of class %d" % (len(found), label, cls))
        return found[0]

    def private(self, label):
        return self.key(label, PyKCS11.CKO_PRIVATE_KEY)

    def public(self, label):
        return self.key(label, PyKCS11.CKO_PUBLIC_KEY)

    def ml_dsa_deterministic(self):
        context = CK_SIGN_ADDITIONAL_CONTEXT(CKH_DETERMINISTIC_REQUIRED, ctypes.addressof(self._context), 6)
        return PyKCS11.Mechanism(CKM_ML_DSA, bytes(context))

    def sign(self, label, mechanism):
        return bytes(self.session.sign(self.private(label), MESSAGE, mechanism)).hex()

    def results(self):
        aes = self.key("aes", PyKCS11.CKO_SECRET_KEY)
        rsa_ciphertext = bytes(self.session.encrypt(self.public("rsa"), RSA_MESSAGE,
                                                    PyKCS11.Mechanism(PyKCS11.CKM_RSA_PKCS, None)))
        return {
            "rsa": self.sign("rsa", PyKCS11.Mechanism(PyKCS11.CKM_SHA256_RSA_PKCS, None)),
            "ecdsa": self.sign("ec", PyKCS11.Mechanism(PyKCS11.CKM_ECDSA_SHA256, None)),
            "ed": self.sign("ed", PyKCS11.Mechanism(CKM_EDDSA, None)),
            "mldsa": self.sign("mldsa", PyKCS11.Mechanism(CKM_ML_DSA, None)),
            "mldsa_deterministic": self.sign("mldsa", self.ml_dsa_deterministic()),
            "aes_ecb": bytes(self.session.encrypt(aes, CBC_IV * 2, PyKCS11.Mechanism(PyKCS11.CKM_AES_ECB, None))).hex(),
            "aes_cbc": bytes(self.session.encrypt(aes, MESSAGE, PyKCS11.Mechanism(PyKCS11.CKM_AES_CBC, CBC_IV))).hex(),
            "rsa_ciphertext": rsa_ciphertext.hex(),
            "rsa_self_decrypt": bytes(self.session.decrypt(self.private("rsa"), rsa_ciphertext,
                                                           PyKCS11.Mechanism(PyKCS11.CKM_RSA_PKCS, None))).hex(),
        }

    def attributes(self):
        out = {}
        for label in LABELS:
            for obj in self.session.findObjects([(PyKCS11.CKA_LABEL, label)]):
                values = self.session.getAttributeValue(obj, list(ATTRIBUTES.values()), allAsBinary=True)
                described = {name: (bytes(v).hex() if v is not None else None)
                             for name, v in zip(ATTRIBUTES, values)}
                out[label + "/" + described["class"]] = described
        return out

    def verify(self, results):
        def check(label, name, mechanism):
            return bool(self.session.verify(self.public(label), MESSAGE, bytes.fromhex(results[name]), mechanism))
        plain = self.session.decrypt(self.private("rsa"), bytes.fromhex(results["rsa_ciphertext"]),
                                     PyKCS11.Mechanism(PyKCS11.CKM_RSA_PKCS, None))
        return {
            "verified": {
                "rsa": check("rsa", "rsa", PyKCS11.Mechanism(PyKCS11.CKM_SHA256_RSA_PKCS, None)),
                "ecdsa": check("ec", "ecdsa", PyKCS11.Mechanism(PyKCS11.CKM_ECDSA_SHA256, None)),
                "ed": check("ed", "ed", PyKCS11.Mechanism(CKM_EDDSA, None)),
                "mldsa": check("mldsa", "mldsa", PyKCS11.Mechanism(CKM_ML_DSA, None)),
            },
            "rsa_plaintext": bytes(plain).hex(),
        }

    def close(self):
        self.session.logout()
        self.session.closeSession()


def main():
    command, slot, pin = sys.argv[1:4]
    token = Token(slot, pin)
    if command == "make":
        token.make()
    if command in ("make", "use"):
        result = {"results": token.results(), "attributes": token.attributes()}
    else:
        with open(sys.argv[4]) as f:
            result = token.verify(json.load(f)["results"])
    token.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
