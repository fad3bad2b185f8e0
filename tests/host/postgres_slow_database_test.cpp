// Slow calls on one database do not hold up another: worker threads stuck in
// them for longer than worker_blocked_ms make room for more threads, which
// leave again once the slow calls have ended and they have been idle for a
// second (WorkerSizing::linger). The slow calls are transactions, which block
// a worker (a single query would wait on the event loop instead).
#include "client_gone.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "postgres_cluster.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <future>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace weir {
namespace {

using testing::http_get;
using testing::http_post;
using Clock = std::chrono::steady_clock;

std::string worker_threads(std::uint16_t port, const std::string& state) {
  const std::regex line("weir_worker_threads\\{state=\"" + state + "\"\\} ([0-9]+)");
  std::smatch m;
  const auto metrics = http_get(port, "/metrics").body;
  return std::regex_search(metrics, m, line) ? m[1].str() : "missing";
}

TEST(SlowDatabase, DoesNotHoldUpAnotherWhenItsCallsTakeEveryWorkerThread) {
  testing::PostgresCluster pg;
  ::setenv("WEIR_SLOW_DB_TEST_PW", pg.superuser_password().c_str(), 1);
  testing::RunningGateway gw(boost::json::object{
      {"worker_threads_min", 1},
      {"worker_threads", 8},
      {"worker_blocked_ms", 20},
      {"databases",
       {{"pg",
         {{"backend", "postgres"},
          {"connection", {{"url", pg.url()}, {"password_env", "WEIR_SLOW_DB_TEST_PW"}}},
          {"pool", {{"max_size", 3}}}}},
        {"fast", {{"backend", "sqlite"}, {"connection", {{"path", "fast.db"}}}}}}}});
  std::vector<std::future<testing::HttpReply>> slow;
  for (int i = 0; i < 3; ++i) {
    slow.push_back(std::async(std::launch::async, [&gw] {
      return http_post(gw.port(), "/v1/databases/pg/transaction",
                       R"J({"statements":[{"query":"select pg_sleep(2)"}]})J");
    }));
  }
  ASSERT_TRUE(testing::wait_for_admission(gw.port(), "pg", 3, 0))
      << http_get(gw.port(), "/v1/databases/pg").body;

  const auto started = Clock::now();
  const auto fast = http_post(gw.port(), "/v1/databases/fast/query", R"J({"query":"select 1"})J");
  const auto took = Clock::now() - started;
  EXPECT_EQ(fast.status, 200u) << fast.body;
  EXPECT_LT(took, std::chrono::milliseconds(1000))
      << "the fast database waited for the slow one's calls";
  EXPECT_EQ(worker_threads(gw.port(), "blocked"), "3");
  EXPECT_EQ(worker_threads(gw.port(), "all"), "4");

  for (auto& call : slow) EXPECT_EQ(call.get().status, 200u);
  // The threads made for the slow calls leave a second after the calls end.
  const auto until = Clock::now() + std::chrono::seconds(3);
  while (worker_threads(gw.port(), "all") != "1" && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(worker_threads(gw.port(), "all"), "1");
}

}  // namespace
}  // namespace weir
