// What the Bolt and WebSocket transports share: the byte streams they run on
// (plain TCP or TLS over it, as Beast streams), connecting them, and running
// one asynchronous operation at a time on a private io_context against the
// caller's deadline. Internal to the transports; Beast stays out of every
// other header. The two transports live in files of their own because each
// instantiates a large part of Beast: apart, they compile in parallel.
#pragma once

#include "tls_context.hpp"
#include "transport.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <cstdint>
#include <string>
#include <type_traits>

namespace weir::neo4j {

using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
template <class Stream>
constexpr bool kEncrypted = std::is_same_v<Stream, TlsStream>;

void set_expiry(boost::beast::tcp_stream& stream, Deadline deadline);

// Runs one async operation to completion on the private io_context.
template <class Start>
boost::system::error_code run_one(boost::asio::io_context& io, Start&& start) {
  boost::system::error_code result;
  start([&](boost::system::error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

// Throws the error a failed read or write is: WEIR_E_TIMEOUT at the deadline,
// else WEIR_E_BROKEN; both retryable.
[[noreturn]] void io_failed(boost::system::error_code ec, const std::string& what);

// Whether the peer closed the connection (rather than something failing).
bool hung_up(boost::system::error_code ec);

// Transport::closed_by_peer on the socket under `lowest`; `plain_bolt` when
// Bolt's own bytes travel on it (no TLS, no WebSocket), so that NOOPs can be
// told apart.
bool closed_by_peer(boost::beast::tcp_stream& lowest, bool plain_bolt) noexcept;

template <class Stream>
Stream make_stream(boost::asio::io_context& io, const TlsContext* tls) {
  if constexpr (kEncrypted<Stream>)
    return Stream(io, tls->native());
  else
    return Stream(io);
}

// Brings a stream to where bytes can flow: connected and, for TLS,
// handshaken. The connect deadline stays set, so it bounds the TLS handshake
// and whatever handshake comes after it too.
void open(boost::asio::io_context& io, PlainStream& stream, const std::string& host,
          std::uint16_t port, const TlsContext* tls, Deadline deadline);
void open(boost::asio::io_context& io, TlsStream& stream, const std::string& host,
          std::uint16_t port, const TlsContext* tls, Deadline deadline);

// TLS ends without close_notify: Bolt's GOODBYE already told the server, and
// waiting for its close_notify would hold up every close for nothing.
void shut(boost::beast::tcp_stream& lowest) noexcept;

// Transport::interrupt on the socket under `lowest`: shutdown(2), which is safe
// while another thread waits on the socket (closing it would not be).
void interrupt(boost::beast::tcp_stream& lowest) noexcept;

}  // namespace weir::neo4j
