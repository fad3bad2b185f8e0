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

namespace {

// A record the server sends is one message, held whole before it is written out: the cap
// keeps a single huge value (a long list, a large string) from taking the gateway's memory.
sdk::Error too_large(std::size_t max_bytes) {
  return sdk::Error(WEIR_E_INVALID_REQUEST,
                    "a message from neo4j is larger than max_message_bytes (" +
                        std::to_string(max_bytes) +
                        " bytes): the query ran (a write in it may have been applied), but its "
                        "answer holds a record or summary this large; return less per record "
                        "(e.g. page a long list or large value) or raise the setting",
                    sdk::Retry::kNo);
}

}  // namespace

std::string read_chunked(Transport& transport, Deadline deadline, std::size_t max_bytes) {
  std::string body;
  for (;;) {
    unsigned char header[2];
    transport.read_exact(reinterpret_cast<char*>(header), 2, deadline);
    const std::size_t n = (std::size_t{header[0]} << 8) | header[1];
    if (n == 0) {
      if (body.empty()) continue;  // NOOP keep-alive between messages
      return body;
    }
    if (body.size() + n > max_bytes) throw too_large(max_bytes);
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

Structure read_message(Transport& transport, Deadline deadline, std::size_t max_bytes) {
  return decode_message(read_chunked(transport, deadline, max_bytes));
}

std::optional<Structure> take_message(std::string_view& in, std::size_t max_bytes) {
  while (in.size() >= 2 && chunk_size(in, 0) == 0) in.remove_prefix(2);  // NOOP keep-alives
  // Finds the end marker first, so a message in one chunk (the usual case) is decoded in
  // place and only one of several chunks is joined.
  std::size_t at = 0;
  std::size_t chunks = 0;
  std::size_t body_bytes = 0;
  for (;;) {
    if (at + 2 > in.size()) return std::nullopt;
    const auto n = chunk_size(in, at);
    if (n == 0) break;
    body_bytes += n;
    if (body_bytes > max_bytes) throw too_large(max_bytes);
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
