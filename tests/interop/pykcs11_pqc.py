#!/usr/bin/env python3
"""Post-quantum checks with PyKCS11 against Craton HSM (run by pykcs11_pqc.sh).

usage: pykcs11_pqc.py MODULE TOKEN_LABEL PIN

PyKCS11 (Debian 12: 1.5.x) predates PKCS#11 3.2, so this script speaks 3.2 the
way an application on that binding must: raw mechanism numbers, attributes it
does not know passed as their binary encoding (a CK_ULONG in native byte
order, a CK_BBOOL byte), and C_EncapsulateKey / C_DecapsulateKey called
through the module's 3.2 function list (C_GetInterface, with ctypes) on the
session PyKCS11 opened, because PyKCS11 has no wrapper for them.

Checks: ML-DSA-65 key generation, pure and context-bound signatures and
HashML-DSA-SHA256 (sign on the token, verify on the token, tamper refused);
SLH-DSA-SHA2-128f key generation, sign and verify; ML-KEM-768 key generation,
encapsulation and decapsulation to the same secret (and a damaged ciphertext
giving another); the X25519+ML-KEM-768 hybrid likewise.

Prints "PASS name" or "FAIL name: reason" per check; exit 1 if any failed.
"""
import ctypes
import struct
import sys

import PyKCS11

# PKCS#11 3.2 values (PyKCS11 1.5 has no names for them).
CKM_ML_KEM_KEY_PAIR_GEN = 0x0F
CKM_ML_KEM = 0x17
CKM_ML_DSA_KEY_PAIR_GEN = 0x1C
CKM_ML_DSA = 0x1D
CKM_HASH_ML_DSA_SHA256 = 0x24
CKM_SLH_DSA_KEY_PAIR_GEN = 0x2D
CKM_SLH_DSA = 0x2E
CKA_PARAMETER_SET = 0x61D
CKA_ENCAPSULATE = 0x633
CKA_DECAPSULATE = 0x634
CKP_ML_KEM_768 = 2
CKP_ML_DSA_65 = 2
CKP_SLH_DSA_SHA2_128F = 3
CKH_DETERMINISTIC_REQUIRED = 2
# Craton HSM vendor values (include/craton/pkcs11_vendor.h).
CKM_CRATON_X25519_ML_KEM_768_KEY_PAIR_GEN = 0x80000000 | 0x43520001
CKM_CRATON_X25519_ML_KEM_768 = 0x80000000 | 0x43520002
# Position of C_EncapsulateKey in CK_FUNCTION_LIST_3_2: the 68 v2.40 and 24
# v3.0 functions come first; C_DecapsulateKey follows it.
ENCAPSULATE_INDEX = 92

failures = 0


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


def ulong(value):
    return struct.pack("=L" if ctypes.sizeof(ctypes.c_ulong) == 4 else "=Q", value)


def flag(value):
    return b"\x01" if value else b"\x00"


# ---- ctypes view of the 3.2 KEM functions ----------------------------------

CK_ULONG = ctypes.c_ulong


class CK_VERSION(ctypes.Structure):
    _fields_ = [("major", ctypes.c_ubyte), ("minor", ctypes.c_ubyte)]


class CK_INTERFACE(ctypes.Structure):
    _fields_ = [("pInterfaceName", ctypes.c_char_p), ("pFunctionList", ctypes.c_void_p), ("flags", CK_ULONG)]


class CK_MECHANISM(ctypes.Structure):
    _fields_ = [("mechanism", CK_ULONG), ("pParameter", ctypes.c_void_p), ("ulParameterLen", CK_ULONG)]


class CK_ATTRIBUTE(ctypes.Structure):
    _fields_ = [("type", CK_ULONG), ("pValue", ctypes.c_void_p), ("ulValueLen", CK_ULONG)]


class CK_SIGN_ADDITIONAL_CONTEXT(ctypes.Structure):
    _fields_ = [("hedgeVariant", CK_ULONG), ("pContext", ctypes.c_void_p), ("ulContextLen", CK_ULONG)]


class FunctionList32(ctypes.Structure):
    _fields_ = [("version", CK_VERSION), ("functions", ctypes.c_void_p * 104)]


ENCAPSULATE = ctypes.CFUNCTYPE(CK_ULONG, CK_ULONG, ctypes.POINTER(CK_MECHANISM), CK_ULONG,
                               ctypes.POINTER(CK_ATTRIBUTE), CK_ULONG, ctypes.c_void_p,
                               ctypes.POINTER(CK_ULONG), ctypes.POINTER(CK_ULONG))
DECAPSULATE = ctypes.CFUNCTYPE(CK_ULONG, CK_ULONG, ctypes.POINTER(CK_MECHANISM), CK_ULONG,
                               ctypes.POINTER(CK_ATTRIBUTE), CK_ULONG, ctypes.c_void_p, CK_ULONG,
                               ctypes.POINTER(CK_ULONG))


class Kem:
    """C_EncapsulateKey / C_DecapsulateKey of the module PyKCS11 has loaded
    (dlopen of the same path returns the same, initialised module)."""

    def __init__(self, module_path):
        lib = ctypes.CDLL(module_path)
        iface = ctypes.POINTER(CK_INTERFACE)()
        version = CK_VERSION(3, 2)
        rv = lib.C_GetInterface(b"PKCS 11", ctypes.byref(version), ctypes.byref(iface), CK_ULONG(0))
        expect(rv == 0, "C_GetInterface(PKCS 11, 3.2) returned 0x%x" % rv)
        functions = ctypes.cast(iface.contents.pFunctionList, ctypes.POINTER(FunctionList32)).contents.functions
        self.encapsulate_fn = ENCAPSULATE(functions[ENCAPSULATE_INDEX])
        self.decapsulate_fn = DECAPSULATE(functions[ENCAPSULATE_INDEX + 1])
        # A readable generic secret key, so the two secrets can be compared.
        self._class = CK_ULONG(PyKCS11.CKO_SECRET_KEY)
        self._type = CK_ULONG(PyKCS11.CKK_GENERIC_SECRET)
        self._false = ctypes.c_ubyte(0)
        self._true = ctypes.c_ubyte(1)
        self.template = (CK_ATTRIBUTE * 4)(
            CK_ATTRIBUTE(PyKCS11.CKA_CLASS, ctypes.addressof(self._class), ctypes.sizeof(CK_ULONG)),
            CK_ATTRIBUTE(PyKCS11.CKA_KEY_TYPE, ctypes.addressof(self._type), ctypes.sizeof(CK_ULONG)),
            CK_ATTRIBUTE(PyKCS11.CKA_SENSITIVE, ctypes.addressof(self._false), 1),
            CK_ATTRIBUTE(PyKCS11.CKA_EXTRACTABLE, ctypes.addressof(self._true), 1))

    def encapsulate(self, session, mechanism, public_key):
        mech = CK_MECHANISM(mechanism, None, 0)
        length = CK_ULONG(0)
        key = CK_ULONG(0)
        rv = self.encapsulate_fn(session, ctypes.byref(mech), public_key, self.template, 4, None,
                                 ctypes.byref(length), ctypes.byref(key))
        expect(rv == 0, "C_EncapsulateKey length query returned 0x%x" % rv)
        buffer = (ctypes.c_ubyte * length.value)()
        rv = self.encapsulate_fn(session, ctypes.byref(mech), public_key, self.template, 4, buffer,
                                 ctypes.byref(length), ctypes.byref(key))
        expect(rv == 0, "C_EncapsulateKey returned 0x%x" % rv)
        return bytes(buffer[:length.value]), key.value

    def decapsulate(self, session, mechanism, private_key, ciphertext):
        mech = CK_MECHANISM(mechanism, None, 0)
        data = (ctypes.c_ubyte * len(ciphertext)).from_buffer_copy(ciphertext)
        key = CK_ULONG(0)
        rv = self.decapsulate_fn(session, ctypes.byref(mech), private_key, self.template, 4, data, len(ciphertext),
                                 ctypes.byref(key))
        expect(rv == 0, "C_DecapsulateKey returned 0x%x" % rv)
        return key.value


# ---- the checks ---------------------------------------------------------------

def main():
    module, label, pin = sys.argv[1:4]
    lib = PyKCS11.PyKCS11Lib()
    lib.load(module)
    slot = next(s for s in lib.getSlotList(tokenPresent=True)
                if lib.getTokenInfo(s).label.strip() == label)
    session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
    session.login(pin)
    handle = session.session.value()
    message = b"signed with a post-quantum key through PyKCS11"

    def value_of(obj):
        if isinstance(obj, int):  # a handle made through the ctypes calls
            handle_obj = PyKCS11.CK_OBJECT_HANDLE(session)
            handle_obj.assign(obj)
            obj = handle_obj
        return bytes(session.getAttributeValue(obj, [PyKCS11.CKA_VALUE], allAsBinary=True)[0])

    def key_pair(mechanism, public_extra, private_extra):
        public = [(PyKCS11.CKA_TOKEN, False)] + public_extra
        private = [(PyKCS11.CKA_TOKEN, False), (PyKCS11.CKA_PRIVATE, True)] + private_extra
        return session.generateKeyPair(public, private, mecha=PyKCS11.Mechanism(mechanism, None))

    def sign_verify(mechanism, pair, param=None):
        pub, priv = pair
        signature = bytes(session.sign(priv, message, PyKCS11.Mechanism(mechanism, param)))
        expect(session.verify(pub, message, signature, PyKCS11.Mechanism(mechanism, param)),
               "the token does not verify its own signature")
        damaged = bytearray(signature)
        damaged[10] ^= 1
        expect(not session.verify(pub, message, bytes(damaged), PyKCS11.Mechanism(mechanism, param)),
               "a damaged signature verified")
        return signature

    state = {}

    @check("ml_dsa_keygen")
    def _():
        state["ml_dsa"] = key_pair(CKM_ML_DSA_KEY_PAIR_GEN,
                                   [(CKA_PARAMETER_SET, ulong(CKP_ML_DSA_65)), (PyKCS11.CKA_VERIFY, True)],
                                   [(PyKCS11.CKA_SIGN, True)])
        pk = value_of(state["ml_dsa"][0])
        expect(len(pk) == 1952, "ML-DSA-65 public key is %d bytes" % len(pk))
        return "ML-DSA-65"

    @check("ml_dsa_sign_verify")
    def _():
        signature = sign_verify(CKM_ML_DSA, state["ml_dsa"])
        expect(len(signature) == 3309, "ML-DSA-65 signature is %d bytes" % len(signature))

    @check("ml_dsa_context_deterministic")
    def _():
        context = ctypes.create_string_buffer(b"pykcs11 context", 15)
        state["context"] = context  # the parameter points into it
        param = bytes(CK_SIGN_ADDITIONAL_CONTEXT(CKH_DETERMINISTIC_REQUIRED, ctypes.addressof(context), 15))
        first = sign_verify(CKM_ML_DSA, state["ml_dsa"], param)
        second = bytes(session.sign(state["ml_dsa"][1], message, PyKCS11.Mechanism(CKM_ML_DSA, param)))
        expect(first == second, "deterministic signatures differ")
        expect(not session.verify(state["ml_dsa"][0], message, first, PyKCS11.Mechanism(CKM_ML_DSA, None)),
               "a context-bound signature verified without its context")

    @check("hash_ml_dsa_sha256")
    def _():
        sign_verify(CKM_HASH_ML_DSA_SHA256, state["ml_dsa"])

    @check("slh_dsa_sign_verify")
    def _():
        pair = key_pair(CKM_SLH_DSA_KEY_PAIR_GEN,
                        [(CKA_PARAMETER_SET, ulong(CKP_SLH_DSA_SHA2_128F)), (PyKCS11.CKA_VERIFY, True)],
                        [(PyKCS11.CKA_SIGN, True)])
        signature = sign_verify(CKM_SLH_DSA, pair)
        expect(len(signature) == 17088, "SLH-DSA-SHA2-128f signature is %d bytes" % len(signature))
        return "SLH-DSA-SHA2-128f"

    kem = Kem(module)

    def kem_round_trip(keygen, mechanism, public_extra, ciphertext_len, secret_len):
        pub, priv = key_pair(keygen, public_extra + [(CKA_ENCAPSULATE, flag(True))],
                             [(CKA_DECAPSULATE, flag(True))])
        ciphertext, sent = kem.encapsulate(handle, mechanism, pub.value())
        expect(len(ciphertext) == ciphertext_len, "ciphertext is %d bytes" % len(ciphertext))
        received = kem.decapsulate(handle, mechanism, priv.value(), ciphertext)
        secret = value_of(sent)
        expect(len(secret) == secret_len, "secret is %d bytes" % len(secret))
        expect(secret == value_of(received), "decapsulation gives another secret")
        damaged = bytearray(ciphertext)
        damaged[3] ^= 1
        other = kem.decapsulate(handle, mechanism, priv.value(), bytes(damaged))
        expect(value_of(other) != secret, "a damaged ciphertext gives the same secret")

    @check("ml_kem_encapsulate_decapsulate")
    def _():
        kem_round_trip(CKM_ML_KEM_KEY_PAIR_GEN, CKM_ML_KEM, [(CKA_PARAMETER_SET, ulong(CKP_ML_KEM_768))], 1088, 32)
        return "ML-KEM-768"

    @check("hybrid_x25519_ml_kem_768")
    def _():
        kem_round_trip(CKM_CRATON_X25519_ML_KEM_768_KEY_PAIR_GEN, CKM_CRATON_X25519_ML_KEM_768, [], 1120, 64)

    session.logout()
    session.closeSession()


if __name__ == "__main__":
    main()
    sys.exit(1 if failures else 0)
