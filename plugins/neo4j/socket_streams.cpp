#include "socket_streams.hpp"

#include <weir/sdk/error.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace weir::neo4j {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

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

}  // namespace

void set_expiry(beast::tcp_stream& stream, Deadline deadline) {
  if (deadline == kNoDeadline)
    stream.expires_never();
  else
    stream.expires_at(deadline);
}

void io_failed(error_code ec, const std::string& what) {
  if (ec == beast::error::timeout) throw sdk::Error(WEIR_E_TIMEOUT, what + ": timed out", true);
  throw sdk::Error(WEIR_E_BROKEN, what + ": " + ec.message(), true);
}

bool hung_up(error_code ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == beast::http::error::end_of_stream;
}

bool closed_by_peer(beast::tcp_stream& lowest, bool plain_bolt) noexcept {
  const int fd = lowest.socket().native_handle();
  pollfd ready{fd, POLLIN, 0};
  if (::poll(&ready, 1, 0) <= 0) return false;  // the usual case: nothing waits
  if (!plain_bolt) return true;
  char waiting[64];
  const auto n = ::recv(fd, waiting, sizeof waiting, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
  return n == 0 || std::any_of(waiting, waiting + n, [](char c) { return c != 0; });
}

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

void interrupt(beast::tcp_stream& lowest) noexcept {
  ::shutdown(lowest.socket().native_handle(), SHUT_RDWR);
}

void shut(beast::tcp_stream& lowest) noexcept {
  error_code ignored;
  lowest.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  lowest.close();
}

}  // namespace weir::neo4j
