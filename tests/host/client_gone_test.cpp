// A client that closes its connection while its request is in flight: the
// request leaves the admission queue, or its statement is cancelled at the
// backend, so its pool slot is free within moments rather than at the
// deadline; and it is counted as 499 client_closed_request.
#include "client_gone.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

namespace weir {
namespace {

using testing::http_get;
using testing::http_post;

// Counts forever; only a deadline or a cancel stops it.
constexpr const char* kRunaway =
    R"({"query":"with recursive c(x) as (select 1 union all select x + 1 from c) )"
    R"(select count(*) from c"})";

TEST(ClientGone, SqliteRequestsOfClientsThatLeftAreCancelledAndTheirSlotsFreed) {
  // Two connections, one worker each; a third request waits in the queue.
  testing::RunningGateway gw(boost::json::object{
      {"limits", {{"request_timeout_ms", 30000}, {"queue_timeout_ms", 30000}}},
      {"databases",
       {{"main",
         {{"backend", "sqlite"}, {"pool", {{"max_size", 2}, {"acquire_timeout_ms", 30000}}}}}}}});
  std::vector<std::unique_ptr<testing::AbandonedRequest>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<testing::AbandonedRequest>(
        gw.port(), "/v1/databases/main/query", kRunaway));
  }
  ASSERT_TRUE(testing::wait_for_admission(gw.port(), "main", 2, 1))
      << http_get(gw.port(), "/v1/databases/main").body;

  clients.clear();  // every client closes its connection
  EXPECT_TRUE(testing::wait_for_admission(gw.port(), "main", 0, 0, std::chrono::seconds(1)))
      << http_get(gw.port(), "/v1/databases/main").body;
  const auto pool = http_get(gw.port(), "/v1/databases/main").json().at("pool");
  EXPECT_EQ(pool.at("active").as_int64(), 0) << pool;

  const auto r = http_post(gw.port(), "/v1/databases/main/query", R"({"query":"select 1 as x"})");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(
      testing::client_closed_count_line(gw.port(), "main"),
      R"(weir_requests_total{database="main",operation="query",code="client_closed_request"} 3)");
}

// A client that sends its next request before the answer to the first is
// still there: that request is not cancelled, and both are answered.
TEST(ClientGone, PipelinedRequestIsNotMistakenForALeavingClient) {
  testing::RunningGateway gw(
      boost::json::object{{"databases", {{"main", {{"backend", "sqlite"}}}}}});
  const std::string slow =
      R"({"query":"with recursive c(x) as (select 1 union all select x + 1 from c where x < 300000) )"
      R"(select count(*) from c"})";
  const auto request = [&](const std::string& body) {
    return "POST /v1/databases/main/query HTTP/1.1\r\nHost: x\r\nContent-Type: "
           "application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), gw.port()});
  boost::asio::write(socket, boost::asio::buffer(request(slow)));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the first is running
  boost::asio::write(socket, boost::asio::buffer(request(R"({"query":"select 2 as y"})")));
  namespace http = boost::beast::http;
  boost::beast::flat_buffer buffer;
  for (const char* expected : {R"("rows":[[300000]])", R"("rows":[[2]])"}) {
    http::response<http::string_body> response;
    http::read(socket, buffer, response);
    EXPECT_EQ(response.result_int(), 200u) << response.body();
    EXPECT_NE(response.body().find(expected), std::string::npos) << response.body();
  }
}

}  // namespace
}  // namespace weir
