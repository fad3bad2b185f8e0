// Bolt message framing: a message travels as chunks (2-byte big-endian size,
// then that many bytes, at most 65,535) ended by a 00 00 marker. A lone
// 00 00 between messages is a NOOP keep-alive and is skipped.
#pragma once

#include "packstream_value.hpp"
#include "transport.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace weir::neo4j::bolt {

inline constexpr std::size_t kMaxChunk = 0xFFFF;

// Appends `message` (one encoded PackStream structure) as chunks to `out`.
void append_chunked(std::string_view message, std::string& out);

// Reads one whole message body, joining its chunks. A body that grows past
// `max_bytes` is refused as it arrives (WEIR_E_INVALID_REQUEST), its rest
// unread: the connection cannot be used again.
std::string read_chunked(Transport& transport, Deadline deadline, std::size_t max_bytes);

// Encodes a message structure and appends it, framed, to `out`.
void append_message(const Structure& message, std::string& out);

// Reads one message and decodes it; anything but a structure is a protocol
// violation (WEIR_E_BROKEN). `max_bytes` as for read_chunked.
Structure read_message(Transport& transport, Deadline deadline, std::size_t max_bytes);

// For bytes an event loop received: takes one whole message off the front of
// `in` and decodes it as read_message does, once all its chunks are there;
// nullopt (and `in` unchanged but for NOOPs) while more bytes are needed. The
// chunks there so far already past `max_bytes` are refused as read_chunked
// refuses them, so the bytes held for a message stay bounded.
std::optional<Structure> take_message(std::string_view& in, std::size_t max_bytes);

}  // namespace weir::neo4j::bolt
