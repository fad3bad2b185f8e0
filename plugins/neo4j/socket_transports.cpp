#include "socket_transports.hpp"

#include <weir/sdk/error.hpp>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace weir::neo4j {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

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

void connect_stream(asio::io_context& io, beast::tcp_stream& stream, const std::string& host,
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

class TcpTransport : public Transport {
 public:
  TcpTransport(const std::string& host, std::uint16_t port, Deadline deadline) {
    connect_stream(io_, stream_, host, port, deadline);
  }
  void write(std::string_view bytes, Deadline deadline) override {
    set_expiry(stream_, deadline);
    auto ec = run_one(io_, [&](auto h) {
      asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()), h);
    });
    if (ec) io_failed(ec, "writing to neo4j");
  }
  void read_exact(char* out, std::size_t n, Deadline deadline) override {
    set_expiry(stream_, deadline);
    auto ec = run_one(io_, [&](auto h) { asio::async_read(stream_, asio::buffer(out, n), h); });
    if (ec) io_failed(ec, "reading from neo4j");
  }
  void close() noexcept override {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  asio::io_context io_;
  beast::tcp_stream stream_{io_};
};

class WebSocketTransport : public Transport {
 public:
  WebSocketTransport(const std::string& host, std::uint16_t port, Deadline deadline) {
    connect_stream(io_, beast::get_lowest_layer(ws_), host, port, deadline);
    ws_.binary(true);
    auto ec = run_one(
        io_, [&](auto h) { ws_.async_handshake(host + ":" + std::to_string(port), "/", h); });
    if (ec) {
      throw sdk::Error(WEIR_E_UNAVAILABLE,
                       "WebSocket upgrade to neo4j at " + host + ":" + std::to_string(port) +
                           " failed: " + ec.message(),
                       true);
    }
  }
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
  void close() noexcept override {
    error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).close();
  }

 private:
  asio::io_context io_;
  beast::websocket::stream<beast::tcp_stream> ws_{io_};
  beast::flat_buffer buffer_;
};

}  // namespace

std::unique_ptr<Transport> connect_tcp(const std::string& host, std::uint16_t port,
                                       Deadline deadline) {
  return std::make_unique<TcpTransport>(host, port, deadline);
}

std::unique_ptr<Transport> connect_websocket(const std::string& host, std::uint16_t port,
                                             Deadline deadline) {
  return std::make_unique<WebSocketTransport>(host, port, deadline);
}

}  // namespace weir::neo4j
