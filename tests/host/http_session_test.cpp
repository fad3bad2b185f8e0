// What one hostile connection can do to the gateway, byte by byte over a raw
// socket: its request ends with an answer (or a closed connection), never the
// process, and it cannot make the gateway buffer more than
// limits.max_body_bytes after the request header.
#include "gateway_fixture.hpp"
#include "http_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <thread>

namespace weir {
namespace {

using testing::http_get;
namespace net = boost::asio;
using tcp = net::ip::tcp;

boost::json::object sqlite_gateway(boost::json::object limits = {}) {
  boost::json::object config{{"databases", {{"main", {{"backend", "sqlite"}}}}}};
  if (!limits.empty()) config["limits"] = std::move(limits);
  return config;
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

// Beast's body limit counts only the body: a chunk extension or the trailer
// fields were buffered whole, however large (200 MB in one connection: 274 MB
// of RSS). Every byte after the header now counts against max_body_bytes.
class HttpSessionLimits : public ::testing::Test {
 protected:
  static constexpr std::size_t kLimit = 64 * 1024;
  static constexpr std::size_t kFlood = 256u << 20;
  // Loopback socket buffers let a few MB through before the server's reads matter.
  static constexpr std::size_t kSlack = 16u << 20;
  testing::RunningGateway gw{sqlite_gateway({{"max_body_bytes", kLimit}})};

  // Sends a chunked query: its header, `chunked`, `filler` repeated `flood`
  // times, then `rest`. The client sees 413; the gateway stays up.
  void expect_413(const std::string& chunked, char filler, std::size_t flood,
                  const std::string& rest) {
    std::size_t sent = 0;
    const auto reply = send_flood(gw.port(), kHeader + chunked, filler, flood, rest, sent);
    EXPECT_EQ(status_line(reply), "HTTP/1.1 413 Payload Too Large") << reply.substr(0, 300);
    EXPECT_EQ(error_code_of(reply), "payload_too_large");
    EXPECT_NE(reply.find("limits.max_body_bytes (65536 bytes)"), std::string::npos)
        << reply.substr(0, 300);
    EXPECT_LT(sent, kSlack) << "the server read on long past the limit";
    EXPECT_EQ(http_get(gw.port(), "/health/live").status, 200u);
  }

  static inline const std::string kHeader =
      "POST /v1/databases/main/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
};

TEST_F(HttpSessionLimits, HugeChunkExtensionIs413) {
  expect_413("1;ext=", 'e', kFlood, "\r\n{\r\n0\r\n\r\n");
}

TEST_F(HttpSessionLimits, HugeTrailerIs413) {
  expect_413("1\r\n{\r\n0\r\nX-Pad: ", 't', kFlood, "\r\n\r\n");
}

// Many small chunks, each with an extension: no single line is large, but
// together they are more than the limit, though the body itself is not.
TEST_F(HttpSessionLimits, ChunkExtensionsCountTowardsTheLimit) {
  const std::string extension(1000, 'e');
  std::string chunks;
  for (int i = 0; i < 100; ++i) chunks += "1;x=" + extension + "\r\n \r\n";  // 100 body bytes
  expect_413(chunks, ' ', 0, "0\r\n\r\n");
}

// The same limit leaves an ordinary chunked request alone.
TEST_F(HttpSessionLimits, ChunkedRequestWithinTheLimitIsServed) {
  net::io_context io;
  tcp::socket socket(io);
  socket.connect({net::ip::make_address("127.0.0.1"), gw.port()});
  const std::string body = R"({"query":"select 1 as x"})";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", body.size());
  net::write(socket, net::buffer("POST /v1/databases/main/query HTTP/1.1\r\nHost: x\r\n"
                                 "Content-Type: application/json\r\nConnection: close\r\n"
                                 "Transfer-Encoding: chunked\r\n\r\n" +
                                 std::string(size) + ";note=fine\r\n" + body +
                                 "\r\n0\r\nX-Trailer: yes\r\n\r\n"));
  const auto reply = read_to_end(socket);
  EXPECT_EQ(status_line(reply), "HTTP/1.1 200 OK") << reply;
  EXPECT_NE(reply.find(R"("rows":[[1]])"), std::string::npos) << reply;
}

}  // namespace
}  // namespace weir
