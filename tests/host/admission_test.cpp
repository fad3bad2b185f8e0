// Admission through HTTP with real SQLite databases: a saturated database
// queues and refuses on its own, and never slows requests to another one.
#include "gateway.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <future>

namespace weir {
namespace {

using testing::http_get;
using testing::http_post;
using Clock = std::chrono::steady_clock;

// Busy for roughly a second or more in SQLite itself, holding its connection.
constexpr const char* kSlowQuery =
    R"J({"query":"with recursive c(x) as (select 1 union all select x+1 from c where x < 5000000) select count(*) from c"})J";

boost::json::object two_databases() {
  return {{"limits", {{"max_queue", 1}, {"queue_timeout_ms", 300}}},
          {"databases",
           {{"slow",
             {{"backend", "sqlite"},
              {"connection", {{"path", "slow.db"}}},
              {"pool", {{"max_size", 1}, {"min_size", 1}}}}},
            {"fast", {{"backend", "sqlite"}, {"connection", {{"path", "fast.db"}}}}}}}};
}

std::int64_t admission_number(std::uint16_t port, const char* field) {
  return http_get(port, "/v1/databases/slow")
      .json()
      .at("admission")
      .at(field)
      .to_number<std::int64_t>();
}

void wait_until_running(std::uint16_t port) {
  const auto until = Clock::now() + std::chrono::seconds(5);
  while (admission_number(port, "running") < 1 && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(admission_number(port, "running"), 1);
}

// At shutdown (the drain runs once in-flight requests had drain_timeout_ms), a request still
// queued gets an answer, not a closed socket.
TEST(Admission, RequestsStillQueuedAtShutdownAreToldTheGatewayIsShuttingDown) {
  auto config = two_databases();
  config["limits"].as_object()["queue_timeout_ms"] = 30000;
  config["drain_timeout_ms"] = 100;
  testing::RunningGateway gw(config);
  const auto port = gw.port();
  auto slow = std::async(std::launch::async,
                         [&] { return http_post(port, "/v1/databases/slow/query", kSlowQuery); });
  wait_until_running(port);
  auto queued = std::async(std::launch::async, [&] {
    return http_post(port, "/v1/databases/slow/query", R"J({"query":"select 1"})J");
  });
  const auto until = Clock::now() + std::chrono::seconds(5);
  while (admission_number(port, "queued") < 1 && Clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(admission_number(port, "queued"), 1);

  gw.gateway().drain();
  const auto told = queued.get();
  EXPECT_EQ(told.status, 503u) << told.body;
  EXPECT_EQ(told.error_code(), "shutting_down");
  EXPECT_EQ(told.headers.at("retry-after"), "1");
  EXPECT_NE(slow.get().status, 200u) << "cancelled when the drain gave up";
}

TEST(Admission, SaturatedDatabaseQueuesRefusesAndNeverSlowsAnother) {
  testing::RunningGateway gw(two_databases());
  const auto port = gw.port();
  auto slow = std::async(std::launch::async,
                         [&] { return http_post(port, "/v1/databases/slow/query", kSlowQuery); });
  wait_until_running(port);

  // One waiter fits in the queue; it waits queue_timeout_ms and is refused.
  const auto queued_start = Clock::now();
  auto queued = std::async(std::launch::async, [&] {
    return http_post(port, "/v1/databases/slow/query", R"J({"query":"select 1"})J");
  });
  const auto until = Clock::now() + std::chrono::seconds(5);
  while (admission_number(port, "queued") < 1 && Clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));

  // The next one finds the queue full and is refused at once.
  const auto full = http_post(port, "/v1/databases/slow/query", R"J({"query":"select 1"})J");
  EXPECT_EQ(full.status, 503u) << full.body;
  EXPECT_EQ(full.error_code(), "queue_full");
  EXPECT_EQ(full.headers.at("retry-after"), "1");
  EXPECT_NE(full.body.find("1 running of 1, 1 queued of 1"), std::string::npos) << full.body;

  // Meanwhile the other database answers at its normal speed.
  for (int i = 0; i < 20; ++i) {
    const auto t0 = Clock::now();
    const auto fast = http_post(port, "/v1/databases/fast/query", R"J({"query":"select 1 as x"})J");
    const auto took = Clock::now() - t0;
    ASSERT_EQ(fast.status, 200u) << fast.body;
    EXPECT_LT(took, std::chrono::milliseconds(200))
        << "request " << i << " to the idle database was delayed";
  }

  const auto timed_out = queued.get();
  const auto waited = Clock::now() - queued_start;
  EXPECT_EQ(timed_out.status, 503u) << timed_out.body;
  EXPECT_EQ(timed_out.error_code(), "queue_timeout");
  EXPECT_NE(timed_out.body.find("limits.queue_timeout_ms (300 ms)"), std::string::npos)
      << timed_out.body;
  EXPECT_GE(waited, std::chrono::milliseconds(280));

  EXPECT_EQ(slow.get().status, 200u);
  EXPECT_EQ(admission_number(port, "rejected_full"), 1);
  EXPECT_EQ(admission_number(port, "rejected_timeout"), 1);
  // The slot is free again.
  EXPECT_EQ(http_post(port, "/v1/databases/slow/query", R"J({"query":"select 2"})J").status, 200u);
}

TEST(Admission, DeadlineShorterThanTheQueueTimeoutGives504) {
  testing::RunningGateway gw(two_databases());
  const auto port = gw.port();
  auto slow = std::async(std::launch::async,
                         [&] { return http_post(port, "/v1/databases/slow/query", kSlowQuery); });
  wait_until_running(port);
  const auto r = testing::http_call(
      port, boost::beast::http::verb::post, "/v1/databases/slow/query", R"J({"query":"select 1"})J",
      {{"content-type", "application/json"}, {"x-weir-timeout-ms", "100"}});
  EXPECT_EQ(r.status, 504u) << r.body;
  EXPECT_EQ(r.error_code(), "timeout");
  EXPECT_NE(r.body.find("deadline passed while it waited for database \\\"slow\\\""),
            std::string::npos)
      << r.body;
  EXPECT_EQ(slow.get().status, 200u);
}

}  // namespace
}  // namespace weir
