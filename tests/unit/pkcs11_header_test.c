/* Compile-time checks on craton/pkcs11.h: function list layout and a
 * sample of constant values (including the v3.2 post-quantum ones). */
#include <stddef.h>

#include "craton/pkcs11.h"

#define FN_SLOT sizeof(void *)

/* _Static_assert is C11; under -std=c99 -pedantic fall back to the
 * negative-array-size trick so the same checks run in both modes. */
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define STATIC_CHECK(cond, msg) _Static_assert(cond, msg)
#else
#define STATIC_CHECK_CAT2(a, b) a##b
#define STATIC_CHECK_CAT(a, b) STATIC_CHECK_CAT2(a, b)
#define STATIC_CHECK(cond, msg) \
    typedef char STATIC_CHECK_CAT(static_check_line_, __LINE__)[(cond) ? 1 : -1]
#endif

/* Each list extension starts right after the previous one's last entry. */
STATIC_CHECK(offsetof(CK_FUNCTION_LIST_3_0, C_GetInterfaceList) ==
                   offsetof(CK_FUNCTION_LIST_3_0, C_WaitForSlotEvent) + FN_SLOT,
               "3.0 additions must follow C_WaitForSlotEvent");
STATIC_CHECK(offsetof(CK_FUNCTION_LIST_3_2, C_EncapsulateKey) ==
                   offsetof(CK_FUNCTION_LIST_3_2, C_MessageVerifyFinal) + FN_SLOT,
               "3.2 additions must follow C_MessageVerifyFinal");
STATIC_CHECK(offsetof(CK_FUNCTION_LIST_3_2, C_UnwrapKeyAuthenticated) ==
                   offsetof(CK_FUNCTION_LIST_3_2, C_Initialize) + 103 * FN_SLOT,
               "C_UnwrapKeyAuthenticated is entry 104");

/* Entry counts: 68 (2.40), 92 (3.0), 104 (3.2). */
STATIC_CHECK(sizeof(CK_FUNCTION_LIST) ==
                   offsetof(CK_FUNCTION_LIST, C_Initialize) + 68 * FN_SLOT,
               "CK_FUNCTION_LIST has 68 entries");
STATIC_CHECK(sizeof(CK_FUNCTION_LIST_3_0) ==
                   offsetof(CK_FUNCTION_LIST_3_0, C_Initialize) + 92 * FN_SLOT,
               "CK_FUNCTION_LIST_3_0 has 92 entries");
STATIC_CHECK(sizeof(CK_FUNCTION_LIST_3_2) ==
                   offsetof(CK_FUNCTION_LIST_3_2, C_Initialize) + 104 * FN_SLOT,
               "CK_FUNCTION_LIST_3_2 has 104 entries");

/* Shared prefixes line up across the three lists. */
STATIC_CHECK(offsetof(CK_FUNCTION_LIST, C_WaitForSlotEvent) ==
                   offsetof(CK_FUNCTION_LIST_3_2, C_WaitForSlotEvent),
               "2.40 prefix matches");
STATIC_CHECK(offsetof(CK_FUNCTION_LIST_3_0, C_MessageVerifyFinal) ==
                   offsetof(CK_FUNCTION_LIST_3_2, C_MessageVerifyFinal),
               "3.0 prefix matches");

/* Basic type sizes. */
STATIC_CHECK(sizeof(CK_BYTE) == 1, "CK_BYTE");
STATIC_CHECK(sizeof(CK_ULONG) == sizeof(unsigned long), "CK_ULONG");
STATIC_CHECK(sizeof(CK_VERSION) == 2, "CK_VERSION");
STATIC_CHECK(sizeof(CK_DATE) == 8, "CK_DATE");

/* Selected v3.0 constants. */
STATIC_CHECK(CKR_ACTION_PROHIBITED == 0x1BUL, "CKR_ACTION_PROHIBITED");
STATIC_CHECK(CKR_CURVE_NOT_SUPPORTED == 0x140UL, "CKR_CURVE_NOT_SUPPORTED");
STATIC_CHECK(CKR_FUNCTION_REJECTED == 0x200UL, "CKR_FUNCTION_REJECTED");
STATIC_CHECK(CKR_KEY_EXHAUSTED == 0x203UL, "CKR_KEY_EXHAUSTED");
STATIC_CHECK(CKK_EC_EDWARDS == 0x40UL, "CKK_EC_EDWARDS");
STATIC_CHECK(CKK_XMSSMT == 0x48UL, "CKK_XMSSMT");
STATIC_CHECK(CKM_AES_KEY_WRAP_KWP == 0x210BUL, "CKM_AES_KEY_WRAP_KWP");
STATIC_CHECK(CKM_SP800_108_DOUBLE_PIPELINE_KDF == 0x3AEUL, "SP800-108");
STATIC_CHECK(CKM_HKDF_KEY_GEN == 0x402CUL, "CKM_HKDF_KEY_GEN");
STATIC_CHECK(CKA_WRAP_TEMPLATE == 0x40000211UL, "CKA_WRAP_TEMPLATE");
STATIC_CHECK(CKA_ALLOWED_MECHANISMS == 0x40000600UL, "CKA_ALLOWED_MECHANISMS");
STATIC_CHECK(CKF_ERROR_STATE == 0x01000000UL, "CKF_ERROR_STATE");
STATIC_CHECK(CKO_PROFILE == 9UL, "CKO_PROFILE");

/* v3.2 post-quantum constants. */
STATIC_CHECK(CKK_ML_KEM == 0x49UL, "CKK_ML_KEM");
STATIC_CHECK(CKK_ML_DSA == 0x4AUL, "CKK_ML_DSA");
STATIC_CHECK(CKK_SLH_DSA == 0x4BUL, "CKK_SLH_DSA");
STATIC_CHECK(CKA_PARAMETER_SET == 0x61DUL, "CKA_PARAMETER_SET");
STATIC_CHECK(CKA_ENCAPSULATE == 0x633UL, "CKA_ENCAPSULATE");
STATIC_CHECK(CKA_SEED == 0x637UL, "CKA_SEED");
STATIC_CHECK(CKF_ENCAPSULATE == 0x10000000UL, "CKF_ENCAPSULATE");
STATIC_CHECK(CKF_DECAPSULATE == 0x20000000UL, "CKF_DECAPSULATE");
STATIC_CHECK(CKM_ML_KEM_KEY_PAIR_GEN == 0x0FUL, "CKM_ML_KEM_KEY_PAIR_GEN");
STATIC_CHECK(CKM_ML_KEM == 0x17UL, "CKM_ML_KEM");
STATIC_CHECK(CKM_ML_DSA == 0x1DUL, "CKM_ML_DSA");
STATIC_CHECK(CKM_HASH_ML_DSA_SHAKE256 == 0x2CUL, "CKM_HASH_ML_DSA_SHAKE256");
STATIC_CHECK(CKM_SLH_DSA == 0x2EUL, "CKM_SLH_DSA");
STATIC_CHECK(CKM_HASH_SLH_DSA_SHAKE256 == 0x3FUL, "CKM_HASH_SLH_DSA_SHAKE256");
STATIC_CHECK(CKH_DETERMINISTIC_REQUIRED == 2UL, "CKH_DETERMINISTIC_REQUIRED");
STATIC_CHECK(CKP_ML_KEM_1024 == 3UL, "CKP_ML_KEM_1024");
STATIC_CHECK(CKP_SLH_DSA_SHAKE_256F == 12UL, "CKP_SLH_DSA_SHAKE_256F");

int main(void) { return 0; }
