// Little-endian writing and bounds-checked reading of fixed-width fields, for
// the backup file and the token image it carries. The reader never reads past
// its input: every take_* first checks what is left and, when short, fails
// and stays failed, so a parser can read a whole structure and check once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/bytes.h"

namespace craton {

class LeWriter {
 public:
  explicit LeWriter(Bytes& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) { put(v, 2); }
  void u32(std::uint32_t v) { put(v, 4); }
  void u64(std::uint64_t v) { put(v, 8); }
  void bytes(ByteView v) { out_.insert(out_.end(), v.begin(), v.end()); }

 private:
  void put(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  Bytes& out_;
};

class LeReader {
 public:
  explicit LeReader(ByteView in) : in_(in) {}

  // False once any read asked for more than was left.
  bool ok() const { return ok_; }
  std::size_t left() const { return ok_ ? in_.size() - pos_ : 0; }
  std::size_t position() const { return pos_; }

  std::uint8_t u8() { return static_cast<std::uint8_t>(get(1)); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(get(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(get(4)); }
  std::uint64_t u64() { return get(8); }
  // The next `n` bytes (an empty view when fewer are left).
  ByteView bytes(std::size_t n) {
    if (!ok_ || n > in_.size() - pos_) {
      ok_ = false;
      return {};
    }
    ByteView v = in_.subspan(pos_, n);
    pos_ += n;
    return v;
  }

 private:
  std::uint64_t get(int n) {
    ByteView v = bytes(static_cast<std::size_t>(n));
    std::uint64_t out = 0;
    for (std::size_t i = 0; i < v.size(); ++i) out |= static_cast<std::uint64_t>(v[i]) << (8 * i);
    return out;
  }

  ByteView in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace craton
