// CK_ATTRIBUTE arrays <-> AttributeMap.
#pragma once

#include "core/status.h"
#include "craton/pkcs11.h"
#include "object/attributes.h"
#include "object/object.h"

namespace craton::abi {

// A caller template as an AttributeMap. Shape rules only:
//   NULL pTemplate with count > 0              -> CKR_ARGUMENTS_BAD
//   pValue NULL with ulValueLen > 0            -> CKR_ATTRIBUTE_VALUE_INVALID
//   array attribute (CKF_ARRAY_ATTRIBUTE) whose length is not a whole number
//   of CK_ATTRIBUTEs, or nested too deeply     -> CKR_ATTRIBUTE_VALUE_INVALID
//   CKA_ALLOWED_MECHANISMS not a whole number of CK_MECHANISM_TYPEs
//                                              -> CKR_ATTRIBUTE_VALUE_INVALID
//   the same type twice with different values  -> CKR_TEMPLATE_INCONSISTENT
// Array attributes become their nested template's AttributeMap::encode().
Result<AttributeMap> template_to_map(const CK_ATTRIBUTE* tmpl, CK_ULONG count);

// C_GetAttributeValue's algorithm (PKCS#11 3.0 §5.7) over an object snapshot:
// every attribute is processed; unreadable ones get CK_UNAVAILABLE_INFORMATION.
// Returns CKR_ATTRIBUTE_SENSITIVE, CKR_ATTRIBUTE_TYPE_INVALID or
// CKR_BUFFER_TOO_SMALL when one applied to some attribute (in that order of
// precedence), else CKR_OK.
CK_RV read_attributes(const Object& object, CK_ATTRIBUTE* tmpl, CK_ULONG count);

}  // namespace craton::abi
