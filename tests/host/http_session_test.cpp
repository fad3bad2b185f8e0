// What one hostile connection can do to the gateway, byte by byte over a raw
// socket: its request ends with an answer (or a closed connection), never the
// process.
#include "gateway_fixture.hpp"
#include "http_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <thread>

namespace weir {
namespace {

using testing::http_get;
namespace net = boost::asio;
using tcp = net::ip::tcp;

boost::json::object sqlite_gateway() {
  return {{"databases", {{"main", {{"backend", "sqlite"}}}}}};
}

// Everything the server sends until it closes the connection.
std::string read_to_end(tcp::socket& socket) {
  std::string reply;
  boost::system::error_code ec;
  char chunk[4096];
  while (!ec) {
    const auto n = socket.read_some(net::buffer(chunk), ec);
    reply.append(chunk, n);
  }
  return reply;
}

// Sends `head`, then `filler` repeated until `total` bytes of it went out or
// the server stopped reading, then `tail`; returns the server's whole answer
// and, in `sent`, how many filler bytes the server let through.
std::string send_flood(std::uint16_t port, const std::string& head, char filler, std::size_t total,
                       const std::string& tail, std::size_t& sent) {
  net::io_context io;
  tcp::socket socket(io);
  socket.connect({net::ip::make_address("127.0.0.1"), port});
  std::atomic<std::size_t> written{0};
  std::thread writer([&] {
    boost::system::error_code ec;
    net::write(socket, net::buffer(head), ec);
    const std::string block(64 * 1024, filler);
    while (!ec && written < total) {
      written += net::write(socket,
                            net::buffer(block.data(), std::min(block.size(), total - written)), ec);
    }
    if (!ec) net::write(socket, net::buffer(tail), ec);
  });
  auto reply = read_to_end(socket);
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);  // unblocks a writer the server ignores
  writer.join();
  sent = written;
  return reply;
}

std::string status_line(const std::string& reply) { return reply.substr(0, reply.find("\r\n")); }

// The error body of a raw reply, checked to be JSON.
std::string error_code_of(const std::string& reply) {
  const auto body = reply.find("\r\n\r\n");
  if (body == std::string::npos) return "";
  testing::HttpReply parsed;
  parsed.body = reply.substr(body + 4);
  return parsed.error_code();
}

// Issue 11's reproducer: one unauthenticated request made Beast throw
// std::length_error ("field value too large") through the I/O loop: terminate.
TEST(HttpSession, OversizedTrailerFieldIsRefusedAndTheGatewayKeepsServing) {
  testing::RunningGateway gw(sqlite_gateway());
  std::size_t sent = 0;
  const auto reply = send_flood(gw.port(),
                                "POST /health/live HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                                "chunked\r\n\r\n0\r\nX: ",
                                'v', 65534, "\r\n\r\n", sent);
  EXPECT_EQ(status_line(reply), "HTTP/1.1 400 Bad Request") << reply.substr(0, 300);
  EXPECT_EQ(error_code_of(reply), "bad_http");
  EXPECT_NE(reply.find("malformed HTTP request: field value too large"), std::string::npos)
      << reply.substr(0, 300);
  const auto live = http_get(gw.port(), "/health/live");
  EXPECT_EQ(live.status, 200u) << live.body;
}

}  // namespace
}  // namespace weir
