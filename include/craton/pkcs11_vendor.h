#ifndef CRATON_PKCS11_VENDOR_H
#define CRATON_PKCS11_VENDOR_H

/* Craton HSM PKCS#11: vendor-defined values (CKK_/CKM_ VENDOR_DEFINED
 * ranges). Part of craton/pkcs11.h; see docs/mechanisms.md.
 *
 * X25519MLKEM768 hybrid key establishment: the combination of ML-KEM-768
 * and X25519 that TLS 1.3 uses, offered through C_EncapsulateKey and
 * C_DecapsulateKey because PKCS#11 3.2 defines no hybrid KEM.
 *   public key CKA_VALUE  = ML-KEM-768 ek (1184) || X25519 public key (32)
 *   private key CKA_VALUE = ML-KEM-768 dk (2400) || X25519 private key (32)
 *   ciphertext            = ML-KEM-768 ciphertext (1088) || X25519 ephemeral public key (32)
 *   shared secret         = ML-KEM-768 secret (32) || X25519 shared secret (32)
 */
#define CKK_CRATON_X25519_ML_KEM_768 (CKK_VENDOR_DEFINED | 0x43520001UL)
#define CKM_CRATON_X25519_ML_KEM_768_KEY_PAIR_GEN (CKM_VENDOR_DEFINED | 0x43520001UL)
#define CKM_CRATON_X25519_ML_KEM_768 (CKM_VENDOR_DEFINED | 0x43520002UL)

#endif /* CRATON_PKCS11_VENDOR_H */
