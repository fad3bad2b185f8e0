// A short string stored inline, truncated on a UTF-8 boundary: the pool keeps
// each lease's client id and tag without allocating on acquire.
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>

namespace weir::sdk::pool {

template <std::size_t N>
class FixedString {
  static_assert(N < 256, "the length is stored in one byte");

 public:
  void assign(std::string_view text) noexcept {
    std::size_t n = text.size() < N ? text.size() : N;
    // Never cut a multi-byte character in half: drop its continuation bytes.
    if (n < text.size()) {
      while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    }
    if (n != 0) std::memcpy(data_, text.data(), n);  // an empty view may hold nullptr
    size_ = static_cast<unsigned char>(n);
  }
  std::string_view view() const noexcept { return {data_, size_}; }
  bool empty() const noexcept { return size_ == 0; }

 private:
  char data_[N];
  unsigned char size_ = 0;
};

}  // namespace weir::sdk::pool
