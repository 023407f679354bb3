// The three function lists the module hands out (function_lists.cc) and the
// per-list C_GetInfo wrappers they point to (module.cc).
#pragma once

#include "craton/pkcs11.h"

namespace craton::abi {

extern CK_FUNCTION_LIST function_list_v2_40;
extern CK_FUNCTION_LIST_3_0 function_list_v3_0;
extern CK_FUNCTION_LIST_3_2 function_list_v3_2;

// C_GetInfo as seen through each list: cryptokiVersion is the version of the
// interface the caller obtained.
CK_RV get_info_v2_40(CK_INFO_PTR info);
CK_RV get_info_v3_0(CK_INFO_PTR info);
CK_RV get_info_v3_2(CK_INFO_PTR info);

}  // namespace craton::abi
