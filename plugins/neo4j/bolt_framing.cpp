#include "bolt_framing.hpp"

#include "packstream.hpp"

#include <weir/sdk/error.hpp>

namespace weir::neo4j::bolt {

void append_chunked(std::string_view message, std::string& out) {
  while (!message.empty()) {
    const auto n = std::min(message.size(), kMaxChunk);
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
    out.append(message.substr(0, n));
    message.remove_prefix(n);
  }
  out.append("\0\0", 2);
}

std::string read_chunked(Transport& transport, Deadline deadline) {
  std::string body;
  for (;;) {
    unsigned char header[2];
    transport.read_exact(reinterpret_cast<char*>(header), 2, deadline);
    const std::size_t n = (std::size_t{header[0]} << 8) | header[1];
    if (n == 0) {
      if (body.empty()) continue;  // NOOP keep-alive between messages
      return body;
    }
    const auto at = body.size();
    body.resize(at + n);
    transport.read_exact(body.data() + at, n, deadline);
  }
}

void append_message(const Structure& message, std::string& out) {
  std::string body;
  packstream::encode(Value(message), body);
  append_chunked(body, out);
}

Structure read_message(Transport& transport, Deadline deadline) {
  Value v = packstream::decode(read_chunked(transport, deadline));
  auto* s = std::get_if<Structure>(&v.v);
  if (s == nullptr)
    throw sdk::Error(WEIR_E_BROKEN, "the Bolt peer sent a message that is not a structure", true);
  return std::move(*s);
}

}  // namespace weir::neo4j::bolt
