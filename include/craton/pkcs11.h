#ifndef CRATON_PKCS11_H
#define CRATON_PKCS11_H

/*
 * Craton HSM's own PKCS#11 header: v3.0 plus the v3.2 post-quantum
 * additions, written from the OASIS specification. Unix conventions are
 * assumed throughout: natural alignment, no structure packing pragmas.
 * Include only this file; the parts below are not meant to stand alone.
 */

#ifdef __cplusplus
extern "C" {
#endif

#include "craton/pkcs11_types.h"
#include "craton/pkcs11_constants.h"
#include "craton/pkcs11_mechanisms.h"
#include "craton/pkcs11_vendor.h"
#include "craton/pkcs11_functions.h"
#include "craton/pkcs11_function_lists.h"

#ifdef __cplusplus
}
#endif

#endif /* CRATON_PKCS11_H */
