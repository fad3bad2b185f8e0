#include "mcp/page_cursor.hpp"

#include "mcp/tool_arguments.hpp"

#include <openssl/sha.h>

#include <charconv>

namespace weir::mcp {

namespace {

// 96 bits of the statement's SHA-256, hex: enough that another statement does not match.
std::string digest(std::string_view statement) {
  unsigned char sha[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(statement.data()), statement.size(), sha);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < 12; ++i) {
    out += kHex[sha[i] >> 4];
    out += kHex[sha[i] & 15];
  }
  return out;
}

}  // namespace

std::string make_cursor(std::string_view statement, std::size_t offset) {
  return std::to_string(offset) + "." + digest(statement);
}

std::size_t cursor_offset(std::string_view cursor, std::string_view statement) {
  const auto dot = cursor.find('.');
  std::size_t offset = 0;
  const auto* end = cursor.data() + (dot == std::string_view::npos ? cursor.size() : dot);
  const auto parsed = std::from_chars(cursor.data(), end, offset);
  if (dot == std::string_view::npos || parsed.ec != std::errc() || parsed.ptr != end || offset == 0)
    ToolArguments::refuse("cursor", "is not a cursor weir made: pass next_cursor as it came");
  if (cursor.substr(dot + 1) != digest(statement))
    ToolArguments::refuse("cursor",
                          "was made for another statement: page with the same database, query "
                          "and params (or the same tool arguments) as the call it came from");
  return offset;
}

}  // namespace weir::mcp
