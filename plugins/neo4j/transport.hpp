// A byte pipe to a Bolt server (TCP or WebSocket, plain or TLS). Every call
// takes a deadline; failures throw weir::sdk::Error: WEIR_E_TIMEOUT when the
// deadline passes, WEIR_E_BROKEN when the peer goes away. After either the
// stream position is unknown, so the caller must not reuse the transport.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace weir::neo4j {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;
inline constexpr Deadline kNoDeadline = Deadline::max();

inline Deadline deadline_after(std::chrono::milliseconds timeout) {
  return timeout.count() > 0 ? Clock::now() + timeout : kNoDeadline;
}

// How Bolt travels on the stream: its chunks as they are, or inside
// WebSocket binary frames (ws://, wss://).
enum class Framing { kBolt, kWebSocket };

class Transport {
 public:
  virtual ~Transport() = default;
  // Whether the bytes travel inside TLS, so a failure can say which side of a
  // TLS/plain-text mismatch this end is on.
  virtual bool encrypted() const noexcept = 0;
  virtual void write(std::string_view bytes, Deadline deadline) = 0;
  virtual void read_exact(char* out, std::size_t n, Deadline deadline) = 0;
  // Asked between requests, without waiting: whether the server closed the
  // connection (or reset it) since the last reply. A server sends nothing
  // then but NOOP keep-alives (00 00), so anything else that waits to be read
  // means the same; inside TLS or WebSocket frames, whatever waits does. A
  // transport that cannot tell (not over a socket) says false.
  virtual bool closed_by_peer() noexcept { return false; }
  // The socket Bolt's own bytes travel on as they are (plain TCP: no TLS, no
  // WebSocket frames), for a caller that reads and writes it without waiting,
  // on an event loop; -1 when they do not.
  virtual int raw_bolt_socket() noexcept { return -1; }
  // From another thread, while a call may be running (a cancel): shuts the
  // socket down, so the call fails now with WEIR_E_BROKEN and so do later ones.
  // The socket stays open until close(). A transport not over a socket does
  // nothing.
  virtual void interrupt() noexcept {}
  // Best effort, never throws; later calls fail with WEIR_E_BROKEN.
  virtual void close() noexcept = 0;
};

}  // namespace weir::neo4j
