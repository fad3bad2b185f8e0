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

namespace {

Structure decode_message(std::string_view body) {
  Value v = packstream::decode(body);
  auto* s = std::get_if<Structure>(&v.v);
  if (s == nullptr)
    throw sdk::Error(WEIR_E_BROKEN, "the Bolt peer sent a message that is not a structure", true);
  return std::move(*s);
}

std::size_t chunk_size(std::string_view in, std::size_t at) {
  return (std::size_t{static_cast<unsigned char>(in[at])} << 8) |
         static_cast<unsigned char>(in[at + 1]);
}

}  // namespace

Structure read_message(Transport& transport, Deadline deadline) {
  return decode_message(read_chunked(transport, deadline));
}

std::optional<Structure> take_message(std::string_view& in) {
  while (in.size() >= 2 && chunk_size(in, 0) == 0) in.remove_prefix(2);  // NOOP keep-alives
  // Finds the end marker first, so a message in one chunk (the usual case) is decoded in
  // place and only one of several chunks is joined.
  std::size_t at = 0;
  std::size_t chunks = 0;
  for (;;) {
    if (at + 2 > in.size()) return std::nullopt;
    const auto n = chunk_size(in, at);
    if (n == 0) break;
    if (at + 2 + n > in.size()) return std::nullopt;
    at += 2 + n;
    ++chunks;
  }
  std::string joined;
  std::string_view body = in.substr(2, at - 2);
  if (chunks > 1) {
    for (std::size_t p = 0; p < at; p += 2 + chunk_size(in, p))
      joined.append(in.substr(p + 2, chunk_size(in, p)));
    body = joined;
  }
  Structure message = decode_message(body);
  in.remove_prefix(at + 2);
  return message;
}

}  // namespace weir::neo4j::bolt
