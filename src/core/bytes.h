// Byte containers. Anything that may hold key material or a PIN uses
// SecureBytes, whose storage is locked in RAM, excluded from core dumps and
// wiped when it is released or reallocated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <span>
#include <string_view>
#include <vector>

#include "core/secure_memory.h"

namespace craton {

// Wipes memory in a way the optimiser cannot remove.
void secure_wipe(void* p, std::size_t n) noexcept;

// Allocator for secret data: storage from the secure pool (core/secure_memory.h),
// locked in RAM, kept out of core dumps, and wiped before it is reused.
template <class T>
struct SecureAllocator {
  static_assert(alignof(T) <= alignof(std::max_align_t), "the secure pool aligns to max_align_t");
  using value_type = T;
  SecureAllocator() noexcept = default;
  template <class U>
  SecureAllocator(const SecureAllocator<U>&) noexcept {}  // NOLINT
  T* allocate(std::size_t n) {
    if (n > std::numeric_limits<std::size_t>::max() / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(secure_allocate(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept { secure_deallocate(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const SecureAllocator<U>&) const noexcept { return true; }
};

using Bytes = std::vector<std::uint8_t>;
using SecureBytes = std::vector<std::uint8_t, SecureAllocator<std::uint8_t>>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline ByteView view_of(const void* p, std::size_t n) {
  return {static_cast<const std::uint8_t*>(p), n};
}
template <class Container>
inline ByteView view_of(const Container& c) {
  return {reinterpret_cast<const std::uint8_t*>(c.data()), c.size()};
}
template <class Container = Bytes>
inline Container copy_bytes(ByteView v) {
  return Container(v.begin(), v.end());
}

// Constant-time comparison of two equal-length views (false when lengths differ).
bool constant_time_equal(ByteView a, ByteView b) noexcept;

}  // namespace craton
