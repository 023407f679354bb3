// Byte containers. Anything that may hold key material or a PIN uses
// SecureBytes, whose storage is wiped when it is released or reallocated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace craton {

// Wipes memory in a way the optimiser cannot remove.
void secure_wipe(void* p, std::size_t n) noexcept;

// Allocator for secret data: zeroes memory before returning it to the heap,
// and keeps it out of core dumps where the platform allows.
template <class T>
struct SecureAllocator {
  using value_type = T;
  SecureAllocator() noexcept = default;
  template <class U>
  SecureAllocator(const SecureAllocator<U>&) noexcept {}  // NOLINT
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept {
    secure_wipe(p, n * sizeof(T));
    ::operator delete(p);
  }
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
