// HTTPS through the weir binary: a client trusting the test certificate
// queries; a plain HTTP client is told to use https://; a client that never
// completes the handshake is dropped at the read timeout; a bad key stops
// the start with exit 78.
#include "http_client.hpp"
#include "http_exchange.hpp"
#include "https_client.hpp"
#include "temp_dir.hpp"
#include "test_certificate.hpp"
#include "weir_process.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>

#include <sys/socket.h>
#include <sys/time.h>

namespace weir {
namespace {

using Clock = std::chrono::steady_clock;
using testing::WeirProcess;

class Tls : public ::testing::Test {
 protected:
  void SetUp() override { cert_ = testing::make_test_certificate(dir_.path()); }
  // A clean stop, not a kill: a sanitizer report in weir would change its exit status.
  void TearDown() override {
    if (weir_ == nullptr) return;
    weir_->signal(SIGTERM);
    EXPECT_EQ(weir_->wait_for(std::chrono::seconds(30)), 0) << weir_->stderr_text();
  }

  // A gateway on HTTPS; the certificate paths are relative to the config file.
  const WeirProcess& start(const std::string& extra = "") {
    weir_ = std::make_unique<WeirProcess>(
        dir_.path(), R"({"listen": "127.0.0.1:)" + std::to_string(port_) + R"(", )" + extra + R"(
            "tls": {"certificate": "localhost.crt", "private_key": "localhost.key"},
            "plugin_dirs": [")" WEIR_TEST_PLUGIN_DIR R"("],
            "databases": {"main": {"backend": "sqlite"}}})");
    if (!WeirProcess::eventually([&] { return answers_https(); }))
      ADD_FAILURE() << "weir did not answer over HTTPS:\n" << weir_->stderr_text();
    return *weir_;
  }
  bool answers_https() const {
    try {
      return testing::https_get(port_, cert_.certificate, "/health/live").status == 200u;
    } catch (const std::exception&) {
      return false;
    }
  }

  testing::TempDir dir_;
  testing::TestCertificate cert_;
  std::uint16_t port_ = testing::free_local_port();
  std::unique_ptr<WeirProcess> weir_;
};

TEST_F(Tls, QueryOverHttpsWithTheCertificateTrusted) {
  const auto& weir = start();
  const auto reply =
      testing::https_call(port_, cert_.certificate, boost::beast::http::verb::post,
                          "/v1/databases/main/query", R"({"query":"select 1 as x"})");
  EXPECT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(boost::json::serialize(reply.json().at("rows")), "[[1]]");

  const auto log = weir.stderr_text();
  const std::string url = "https://127.0.0.1:" + std::to_string(port_);
  EXPECT_NE(log.find("listening on " + url + " (config:"), std::string::npos) << log;
  EXPECT_NE(log.find("try:  curl -s -X POST " + url + "/v1/databases/main/query"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("add --cacert " + cert_.certificate.string()), std::string::npos) << log;
}

TEST_F(Tls, KeepAliveServesManyRequestsOnOneTlsConnection) {
  start();
  namespace ssl = boost::asio::ssl;
  ssl::context context(ssl::context::tls_client);
  context.load_verify_file(cert_.certificate.string());
  context.set_verify_mode(ssl::verify_peer);
  boost::asio::io_context io;
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream(io, context);
  boost::beast::get_lowest_layer(stream).connect(
      {boost::asio::ip::make_address("127.0.0.1"), port_});
  stream.handshake(ssl::stream_base::client);
  for (int i = 0; i < 3; ++i) {
    const auto reply =
        testing::http_exchange(stream, boost::beast::http::verb::get, "/health/live", "", {});
    EXPECT_EQ(reply.status, 200u) << "request " << i;
  }
}

TEST_F(Tls, PlainHttpIsToldToUseHttpsAndTheServerKeepsServing) {
  start();
  const auto reply = testing::http_get(port_, "/health/live");
  EXPECT_EQ(reply.status, 400u);
  EXPECT_EQ(reply.error_code(), "https_required");
  EXPECT_NE(reply.body.find("this port serves HTTPS only: use https:// in the URL"),
            std::string::npos)
      << reply.body;
  EXPECT_EQ(reply.headers.at("connection"), "close");
  EXPECT_TRUE(answers_https());
}

TEST_F(Tls, ClientThatNeverHandshakesIsDroppedAtTheReadTimeout) {
  start(R"("limits": {"read_timeout_ms": 500},)");
  for (const std::string sent : {"", "\x16\x03\x01"}) {  // nothing; the first bytes of a hello
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port_});
    boost::asio::write(socket, boost::asio::buffer(sent));
    // Bounds this test's wait should the server never drop us.
    const timeval limit{10, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    const auto t0 = Clock::now();
    char byte;
    boost::system::error_code ec;
    socket.read_some(boost::asio::buffer(&byte, 1), ec);
    const auto waited = Clock::now() - t0;
    EXPECT_EQ(ec, boost::asio::error::eof) << ec.message() << " (sent " << sent.size() << " bytes)";
    EXPECT_GE(waited, std::chrono::milliseconds(400));
    EXPECT_LT(waited, std::chrono::seconds(5));
  }
  EXPECT_TRUE(answers_https()) << "the server still serves";
}

TEST_F(Tls, KeyNotMatchingTheCertificateStopsTheStartWithExit78) {
  testing::make_test_certificate(dir_.path(), "other");
  WeirProcess weir(dir_.path(), R"({"listen": "127.0.0.1:)" + std::to_string(port_) + R"(",
      "tls": {"certificate": "localhost.crt", "private_key": "other.key"},
      "databases": {"main": {"backend": "sqlite"}}})");
  EXPECT_EQ(weir.wait(), 78);
  const auto log = weir.stderr_text();
  EXPECT_NE(log.find("weir: config " + (dir_.path() / "weir.json").string() +
                     ": tls.private_key: " + (dir_.path() / "other.key").string() +
                     " does not match the certificate in tls.certificate"),
            std::string::npos)
      << log;
}

}  // namespace
}  // namespace weir
