#include "p11_find.h"

#include <chrono>
#include <cstdio>
#include <utility>

#include "p11_keys.h"

namespace bench::p11 {

CK_RV create_data_object(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, const std::string& label,
                         CK_OBJECT_HANDLE* out) {
  // Private, like the user data an HSM exists to keep: modules that encrypt
  // private objects at rest pay that cost here, as they would in production.
  Template t;
  t.ulong(CKA_CLASS, CKO_DATA)
      .flag(CKA_TOKEN, true)
      .flag(CKA_PRIVATE, true)
      .text(CKA_LABEL, label)
      .text(CKA_APPLICATION, "craton-p11-bench")
      .bytes(CKA_VALUE, Bytes(32, 0x5A));
  return fn->C_CreateObject(s, t.data(), t.size(), out);
}

CK_RV count_by_label(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, const std::string& label,
                     CK_ULONG* count) {
  Template t;
  t.text(CKA_LABEL, label);
  if (CK_RV rv = fn->C_FindObjectsInit(s, t.data(), t.size()); rv != CKR_OK) return rv;
  CK_OBJECT_HANDLE found[4];
  CK_RV rv = fn->C_FindObjects(s, found, 4, count);
  CK_RV final_rv = fn->C_FindObjectsFinal(s);
  return rv != CKR_OK ? rv : final_rv;
}

FindPool::FindPool(const Module& module, CK_SESSION_HANDLE session, std::string prefix)
    : fn_(module.fn()), session_(session), prefix_(std::move(prefix)) {}

FindPool::~FindPool() {
  if (handles_.empty() || keep_) return;
  std::fprintf(stderr, "  removing %zu find objects\n", handles_.size());
  std::size_t failed = 0;
  for (CK_OBJECT_HANDLE h : handles_) failed += fn_->C_DestroyObject(session_, h) != CKR_OK;
  if (failed) std::fprintf(stderr, "  warning: %zu objects could not be destroyed\n", failed);
}

void FindPool::populate_to(std::size_t count) {
  if (count <= handles_.size()) return;
  std::fprintf(stderr, "  populating %zu -> %zu data objects...", handles_.size(), count);
  std::fflush(stderr);
  const std::size_t before = handles_.size();
  const auto t0 = std::chrono::steady_clock::now();
  while (handles_.size() < count) {
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    check(create_data_object(fn_, session_, label(handles_.size()), &h), "C_CreateObject");
    handles_.push_back(h);
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  seconds_ += secs;
  std::fprintf(stderr, " %.1f s (%.0f objects/s)\n", secs,
               static_cast<double>(count - before) / secs);
}

double FindPool::seconds_per_object() const {
  return handles_.empty() ? 0 : seconds_ / static_cast<double>(handles_.size());
}

std::string FindPool::label(std::size_t index) const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "-find-%07zu", index);
  return prefix_ + buf;
}

}  // namespace bench::p11
