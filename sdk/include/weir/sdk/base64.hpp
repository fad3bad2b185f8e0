// Base64 (RFC 4648, with padding): bytes cross the JSON wire as
// {"$base64": "..."} in both directions — results from the host, and bytes
// parameters that plugins decode.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weir::sdk {

inline std::string base64_encode(const void* data, std::size_t n) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = static_cast<const unsigned char*>(data);
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  for (std::size_t i = 0; i < n; i += 3) {
    const std::uint32_t b = (std::uint32_t{p[i]} << 16) |
                            (i + 1 < n ? std::uint32_t{p[i + 1]} << 8 : 0) |
                            (i + 2 < n ? std::uint32_t{p[i + 2]} : 0);
    out += kAlphabet[(b >> 18) & 63];
    out += kAlphabet[(b >> 12) & 63];
    out += i + 1 < n ? kAlphabet[(b >> 6) & 63] : '=';
    out += i + 2 < n ? kAlphabet[b & 63] : '=';
  }
  return out;
}

// Decodes padded base64; nullopt when `text` is not valid base64.
inline std::optional<std::string> base64_decode(std::string_view text) {
  auto sextet = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const int pad = last ? (text[i + 3] == '=') + (text[i + 2] == '=') : 0;
    std::uint32_t b = 0;
    for (int k = 0; k < 4; ++k) {
      const int v = k >= 4 - pad ? 0 : sextet(text[i + k]);
      if (v < 0) return std::nullopt;
      b = (b << 6) | static_cast<std::uint32_t>(v);
    }
    out += static_cast<char>((b >> 16) & 0xFF);
    if (pad < 2) out += static_cast<char>((b >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(b & 0xFF);
  }
  return out;
}

}  // namespace weir::sdk
