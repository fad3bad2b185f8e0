// Bolt in WebSocket binary frames (ws://, wss://).
#include "socket_streams.hpp"
#include "socket_transports.hpp"

#include <weir/sdk/error.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace weir::neo4j {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

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
  bool closed_by_peer() noexcept override {
    return buffer_.size() > 0 || neo4j::closed_by_peer(beast::get_lowest_layer(ws_), false);
  }
  void interrupt() noexcept override { neo4j::interrupt(beast::get_lowest_layer(ws_)); }
  void close() noexcept override { shut(beast::get_lowest_layer(ws_)); }

 private:
  asio::io_context io_;
  beast::websocket::stream<Stream> ws_;
  beast::flat_buffer buffer_;
};

}  // namespace

std::unique_ptr<Transport> connect_websocket(const std::string& host, std::uint16_t port,
                                             const TlsContext* tls, Deadline deadline) {
  if (tls != nullptr)
    return std::make_unique<WebSocketTransport<TlsStream>>(host, port, tls, deadline);
  return std::make_unique<WebSocketTransport<PlainStream>>(host, port, tls, deadline);
}

}  // namespace weir::neo4j
