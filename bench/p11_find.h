// Token data objects: the pool searched by the find cases, and their template.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "p11_module.h"

namespace bench::p11 {

// C_CreateObject of a token CKO_DATA object with `label` and a small value.
CK_RV create_data_object(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, const std::string& label,
                         CK_OBJECT_HANDLE* out);

// Number of objects whose CKA_LABEL is `label` (FindObjectsInit/Find/Final).
CK_RV count_by_label(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, const std::string& label,
                     CK_ULONG* count);

// Data objects with distinct labels, grown on demand so that the find cases
// for 1k, 10k and 100k objects reuse each other's work. Destroyed at the end.
class FindPool {
 public:
  FindPool(const Module& module, CK_SESSION_HANDLE session, std::string prefix);
  ~FindPool();
  FindPool(const FindPool&) = delete;
  FindPool& operator=(const FindPool&) = delete;

  void populate_to(std::size_t count);  // throws p11::Error
  std::size_t size() const { return handles_.size(); }
  double seconds_per_object() const;    // measured so far; 0 before any
  std::string label(std::size_t index) const;
  // Leave the objects on the token (a throwaway token is deleted whole, and
  // some modules take minutes to destroy 10,000 objects one by one).
  void keep_objects() { keep_ = true; }

 private:
  CK_FUNCTION_LIST_PTR fn_;
  CK_SESSION_HANDLE session_;
  std::string prefix_;
  std::vector<CK_OBJECT_HANDLE> handles_;
  double seconds_ = 0;
  bool keep_ = false;
};

}  // namespace bench::p11
