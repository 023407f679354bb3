// Object management (PKCS#11 3.0 §5.7).
#include <span>

#include "abi/args.h"
#include "abi/attribute_marshal.h"
#include "abi/guard.h"

using namespace craton;
using namespace craton::abi;

namespace {

CK_RV deliver_handle(const Result<CK_OBJECT_HANDLE>& handle, CK_OBJECT_HANDLE_PTR out) {
  if (!handle.ok()) return handle.rv();
  *out = *handle;
  return CKR_OK;
}

}  // namespace

CRATON_EXPORT CK_RV C_CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
                                   CK_OBJECT_HANDLE_PTR phObject) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (phObject == nullptr) return CKR_ARGUMENTS_BAD;
    Result<AttributeMap> tmpl = template_to_map(pTemplate, ulCount);
    if (!tmpl.ok()) return tmpl.rv();
    return deliver_handle(core.create_object(hSession, *tmpl), phObject);
  });
}

CRATON_EXPORT CK_RV C_CopyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate,
                                 CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phNewObject) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (phNewObject == nullptr) return CKR_ARGUMENTS_BAD;
    Result<AttributeMap> tmpl = template_to_map(pTemplate, ulCount);
    if (!tmpl.ok()) return tmpl.rv();
    return deliver_handle(core.copy_object(hSession, hObject, *tmpl), phNewObject);
  });
}

CRATON_EXPORT CK_RV C_DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject) {
  return guarded([&](HsmCore& core) -> CK_RV { return core.destroy_object(hSession, hObject).rv(); });
}

CRATON_EXPORT CK_RV C_GetObjectSize(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ULONG_PTR pulSize) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (pulSize == nullptr) return CKR_ARGUMENTS_BAD;
    Result<CK_ULONG> size = core.object_size(hSession, hObject);
    if (!size.ok()) return size.rv();
    *pulSize = *size;
    return CKR_OK;
  });
}

CRATON_EXPORT CK_RV C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                                        CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (pTemplate == nullptr && ulCount > 0) return CKR_ARGUMENTS_BAD;
    Result<ObjectPtr> object = core.read_object(hSession, hObject);
    if (!object.ok()) return object.rv();
    return read_attributes(**object, pTemplate, ulCount);
  });
}

CRATON_EXPORT CK_RV C_SetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                                        CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount) {
  return guarded([&](HsmCore& core) -> CK_RV {
    Result<AttributeMap> changes = template_to_map(pTemplate, ulCount);
    if (!changes.ok()) return changes.rv();
    return core.set_attributes(hSession, hObject, *changes).rv();
  });
}

CRATON_EXPORT CK_RV C_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount) {
  return guarded([&](HsmCore& core) -> CK_RV {
    Result<AttributeMap> tmpl = template_to_map(pTemplate, ulCount);
    if (!tmpl.ok()) return tmpl.rv();
    return core.find_init(hSession, *tmpl).rv();
  });
}

CRATON_EXPORT CK_RV C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject,
                                  CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (pulObjectCount == nullptr || !valid_buffer(phObject, ulMaxObjectCount)) return CKR_ARGUMENTS_BAD;
    const std::span<CK_OBJECT_HANDLE> out =
        phObject == nullptr ? std::span<CK_OBJECT_HANDLE>() : std::span<CK_OBJECT_HANDLE>(phObject, ulMaxObjectCount);
    Result<std::size_t> found = core.find(hSession, out);
    if (!found.ok()) return found.rv();
    *pulObjectCount = static_cast<CK_ULONG>(*found);
    return CKR_OK;
  });
}

CRATON_EXPORT CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE hSession) {
  return guarded([&](HsmCore& core) -> CK_RV { return core.find_final(hSession).rv(); });
}
