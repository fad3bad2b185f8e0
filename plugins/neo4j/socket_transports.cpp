#include "socket_transports.hpp"

#include <weir/sdk/error.hpp>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <type_traits>

namespace weir::neo4j {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// The byte streams Bolt (or WebSocket) runs on: plain TCP or TLS over it.
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
template <class Stream>
constexpr bool kEncrypted = std::is_same_v<Stream, TlsStream>;

void set_expiry(beast::tcp_stream& s, Deadline deadline) {
  if (deadline == kNoDeadline)
    s.expires_never();
  else
    s.expires_at(deadline);
}

// Runs one async operation to completion on the private io_context.
template <class Start>
error_code run_one(asio::io_context& io, Start&& start) {
  error_code result;
  start([&](error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

[[noreturn]] void io_failed(error_code ec, const std::string& what) {
  if (ec == beast::error::timeout) throw sdk::Error(WEIR_E_TIMEOUT, what + ": timed out", true);
  throw sdk::Error(WEIR_E_BROKEN, what + ": " + ec.message(), true);
}

bool hung_up(error_code ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == beast::http::error::end_of_stream;
}

void connect_tcp(asio::io_context& io, beast::tcp_stream& stream, const std::string& host,
                 std::uint16_t port, Deadline deadline) {
  const std::string where = host + ":" + std::to_string(port);
  tcp::resolver resolver(io);
  error_code ec;
  const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec)
    throw sdk::Error(WEIR_E_UNAVAILABLE, "cannot resolve neo4j host " + where + ": " + ec.message(),
                     true);
  set_expiry(stream, deadline);
  ec = run_one(io, [&](auto handler) { stream.async_connect(endpoints, handler); });
  if (ec == beast::error::timeout)
    throw sdk::Error(WEIR_E_UNAVAILABLE, "connecting to neo4j at " + where + " timed out", true);
  if (ec)
    throw sdk::Error(WEIR_E_UNAVAILABLE,
                     "cannot connect to neo4j at " + where + ": " + ec.message(), true);
  stream.socket().set_option(tcp::no_delay(true));
}

template <class Stream>
Stream make_stream(asio::io_context& io, const TlsContext* tls) {
  if constexpr (kEncrypted<Stream>)
    return Stream(io, tls->native());
  else
    return Stream(io);
}

// Brings a stream to where bytes can flow: connected and, for TLS,
// handshaken. The connect deadline stays set, so it bounds the TLS handshake
// and whatever handshake comes after it too.
void open(asio::io_context& io, PlainStream& stream, const std::string& host, std::uint16_t port,
          const TlsContext*, Deadline deadline) {
  connect_tcp(io, stream, host, port, deadline);
}

void open(asio::io_context& io, TlsStream& stream, const std::string& host, std::uint16_t port,
          const TlsContext* tls, Deadline deadline) {
  connect_tcp(io, beast::get_lowest_layer(stream), host, port, deadline);
  tls->prepare(stream.native_handle(), host);
  const auto ec =
      run_one(io, [&](auto h) { stream.async_handshake(asio::ssl::stream_base::client, h); });
  if (ec) throw tls->handshake_error(stream.native_handle(), ec, host, port);
}

// TLS ends without close_notify: Bolt's GOODBYE already told the server, and
// waiting for its close_notify would hold up every close for nothing.
void shut(beast::tcp_stream& lowest) noexcept {
  error_code ignored;
  lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
  lowest.close();
}

// Bolt chunks straight on the stream (bolt://, neo4j:// and their TLS forms).
template <class Stream>
class BoltTransport final : public Transport {
 public:
  BoltTransport(const std::string& host, std::uint16_t port, const TlsContext* tls,
                Deadline deadline)
      : stream_(make_stream<Stream>(io_, tls)) {
    open(io_, stream_, host, port, tls, deadline);
  }
  bool encrypted() const noexcept override { return kEncrypted<Stream>; }
  void write(std::string_view bytes, Deadline deadline) override {
    set_expiry(beast::get_lowest_layer(stream_), deadline);
    auto ec = run_one(io_, [&](auto h) {
      asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()), h);
    });
    if (ec) io_failed(ec, "writing to neo4j");
  }
  void read_exact(char* out, std::size_t n, Deadline deadline) override {
    set_expiry(beast::get_lowest_layer(stream_), deadline);
    auto ec = run_one(io_, [&](auto h) { asio::async_read(stream_, asio::buffer(out, n), h); });
    if (ec) io_failed(ec, "reading from neo4j");
  }
  void close() noexcept override { shut(beast::get_lowest_layer(stream_)); }

 private:
  asio::io_context io_;
  Stream stream_;
};

// Bolt in WebSocket binary frames (ws://, wss://).
template <class Stream>
class WebSocketTransport final : public Transport {
 public:
  WebSocketTransport(const std::string& host, std::uint16_t port, const TlsContext* tls,
                     Deadline deadline)
      : ws_(make_stream<Stream>(io_, tls)) {
    open(io_, ws_.next_layer(), host, port, tls, deadline);
    ws_.binary(true);
    const std::string where = host + ":" + std::to_string(port);
    auto ec = run_one(io_, [&](auto h) { ws_.async_handshake(where, "/", h); });
    if (ec) {
      // A server that requires TLS hangs up on a plain-text upgrade request.
      const char* hint = !kEncrypted<Stream> && hung_up(ec)
                             ? " (a server that requires TLS closes plain-text connections: use "
                               "wss://)"
                             : "";
      throw sdk::Error(WEIR_E_UNAVAILABLE,
                       "WebSocket upgrade to neo4j at " + where + " failed: " + ec.message() + hint,
                       true);
    }
  }
  bool encrypted() const noexcept override { return kEncrypted<Stream>; }
  void write(std::string_view bytes, Deadline deadline) override {
    set_expiry(beast::get_lowest_layer(ws_), deadline);
    auto ec =
        run_one(io_, [&](auto h) { ws_.async_write(asio::buffer(bytes.data(), bytes.size()), h); });
    if (ec) io_failed(ec, "writing to neo4j over WebSocket");
  }
  // WebSocket frames need not align with Bolt chunks, so reads are buffered.
  void read_exact(char* out, std::size_t n, Deadline deadline) override {
    set_expiry(beast::get_lowest_layer(ws_), deadline);
    while (buffer_.size() < n) {
      auto ec = run_one(io_, [&](auto h) { ws_.async_read(buffer_, h); });
      if (ec) io_failed(ec, "reading from neo4j over WebSocket");
    }
    asio::buffer_copy(asio::buffer(out, n), buffer_.data());
    buffer_.consume(n);
  }
  void close() noexcept override { shut(beast::get_lowest_layer(ws_)); }

 private:
  asio::io_context io_;
  beast::websocket::stream<Stream> ws_;
  beast::flat_buffer buffer_;
};

template <template <class> class Kind>
std::unique_ptr<Transport> connect_as(const std::string& host, std::uint16_t port,
                                      const TlsContext* tls, Deadline deadline) {
  if (tls != nullptr) return std::make_unique<Kind<TlsStream>>(host, port, tls, deadline);
  return std::make_unique<Kind<PlainStream>>(host, port, tls, deadline);
}

}  // namespace

std::unique_ptr<Transport> connect_transport(Framing framing, const std::string& host,
                                             std::uint16_t port, const TlsContext* tls,
                                             Deadline deadline) {
  if (framing == Framing::kWebSocket)
    return connect_as<WebSocketTransport>(host, port, tls, deadline);
  return connect_as<BoltTransport>(host, port, tls, deadline);
}

}  // namespace weir::neo4j
