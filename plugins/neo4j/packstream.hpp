// PackStream v1 encoding and decoding (big-endian, smallest form first).
// Decoding is defensive: the bytes come from the network, so every length is
// checked against what is left and nesting is bounded; anything malformed
// throws weir::sdk::Error(WEIR_E_BROKEN), since a peer that sends it has
// broken the protocol and the connection cannot be trusted afterwards.
#pragma once

#include "packstream_value.hpp"

#include <string>
#include <string_view>

namespace weir::neo4j::packstream {

// Deeper nesting than this is refused while decoding (and encoding), so a
// hostile peer cannot exhaust the stack.
inline constexpr int kMaxDepth = 64;

// Appends the encoding of `value` to `out`.
void encode(const Value& value, std::string& out);

// Decodes exactly one value that must fill `bytes` completely.
Value decode(std::string_view bytes);

// Decodes one value from the front of `bytes` and advances past it.
Value decode_next(std::string_view& bytes);

}  // namespace weir::neo4j::packstream
