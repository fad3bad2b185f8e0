// A client that closes its connection while its PostgreSQL statement runs:
// the statement is cancelled at the server (PQcancel, off the I/O threads),
// a request still queued leaves the queue, and every pool slot is free
// within a second instead of at the 30 s deadline.
#include "client_gone.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "postgres_cluster.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <thread>

namespace weir {
namespace {

using testing::http_get;
using testing::http_post;

TEST(ClientGone, PostgresStatementsOfClientsThatLeftStopAtTheServer) {
  testing::PostgresCluster pg;
  ::setenv("WEIR_CLIENT_GONE_TEST_PW", pg.superuser_password().c_str(), 1);
  testing::RunningGateway gw(boost::json::object{
      {"limits", {{"request_timeout_ms", 30000}, {"queue_timeout_ms", 30000}}},
      {"databases",
       {{"pg",
         {{"backend", "postgres"},
          {"connection", {{"url", pg.url()}, {"password_env", "WEIR_CLIENT_GONE_TEST_PW"}}},
          {"pool", {{"max_size", 4}, {"acquire_timeout_ms", 30000}}}}}}}});
  // Four statements run (the whole pool), a fifth waits in the queue.
  std::vector<std::unique_ptr<testing::AbandonedRequest>> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(std::make_unique<testing::AbandonedRequest>(
        gw.port(), "/v1/databases/pg/query", R"J({"query":"select pg_sleep(30)"})J"));
  }
  ASSERT_TRUE(testing::wait_for_admission(gw.port(), "pg", 4, 1))
      << http_get(gw.port(), "/v1/databases/pg").body;
  const auto sleeping = [&] {
    return pg.psql(
        "select count(*) from pg_stat_activity where state = 'active' and query like "
        "'select pg_sleep(30)%'");
  };
  // Admitted is not yet sent: a statement reaches the server a moment after its admission.
  const auto sleeping_becomes = [&](const std::string& count, std::chrono::milliseconds patience) {
    const auto until = std::chrono::steady_clock::now() + patience;
    while (sleeping() != count && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return sleeping();
  };
  ASSERT_EQ(sleeping_becomes("4\n", std::chrono::seconds(5)), "4\n");

  clients.clear();  // every client closes its connection
  EXPECT_TRUE(testing::wait_for_admission(gw.port(), "pg", 0, 0, std::chrono::seconds(1)))
      << http_get(gw.port(), "/v1/databases/pg").body;
  EXPECT_EQ(sleeping_becomes("0\n", std::chrono::seconds(1)), "0\n")
      << "the server still runs the statements of clients that left";
  EXPECT_EQ(http_get(gw.port(), "/v1/databases/pg").json().at("pool").at("active").as_int64(), 0);

  const auto r = http_post(gw.port(), "/v1/databases/pg/query", R"({"query":"select 1 as x"})");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(
      testing::client_closed_count_line(gw.port(), "pg"),
      R"(weir_requests_total{database="pg",operation="query",code="client_closed_request"} 5)");
}

}  // namespace
}  // namespace weir
