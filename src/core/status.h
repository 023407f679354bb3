// Status and Result<T>: the value types every internal function returns.
//
// A Status carries the exact CK_RV the C ABI will return, plus a message for
// logs (never shown to PKCS#11 callers, never containing secrets). Internal
// code decides the precise CKR_* at the point where it knows what went wrong,
// so nothing is collapsed into CKR_GENERAL_ERROR on the way out.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "craton/pkcs11.h"

namespace craton {

class [[nodiscard]] Status {
 public:
  Status() = default;
  explicit Status(CK_RV rv, std::string message = {}) : rv_(rv), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return rv_ == CKR_OK; }
  CK_RV rv() const { return rv_; }
  const std::string& message() const { return message_; }

 private:
  CK_RV rv_ = CKR_OK;
  std::string message_;
};

// Either a value or a non-OK Status.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<1>(v_);
  }
  CK_RV rv() const { return ok() ? CKR_OK : std::get<1>(v_).rv(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace craton

#define CRATON_CONCAT_INNER(a, b) a##b
#define CRATON_CONCAT(a, b) CRATON_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                         \
  do {                                                \
    ::craton::Status _st = (expr);                    \
    if (!_st.ok()) return _st;                        \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, ResultExpr());`
#define ASSIGN_OR_RETURN(lhs, expr) ASSIGN_OR_RETURN_IMPL(CRATON_CONCAT(_res_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
