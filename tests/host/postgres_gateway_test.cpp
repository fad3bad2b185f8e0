// The gateway in front of real PostgreSQL servers, through HTTP: queries wait
// on the event loop in-process as in the weir binary, read-only requests go to
// replicas with the primary as fallback, and steady load survives a server
// outage: every error is retryable or says the write may have been applied.
#include "config_error.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "postgres_cluster.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

namespace weir {
namespace {

using testing::http_call;
using testing::http_post;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

boost::json::object pg_database(const testing::PostgresCluster& primary,
                                const std::vector<const testing::PostgresCluster*>& replicas) {
  const boost::json::object pool{{"min_size", 1},
                                 {"max_size", 4},
                                 {"acquire_timeout_ms", 1000},
                                 {"backoff_initial_ms", 100},
                                 {"backoff_max_ms", 500},
                                 {"validation_interval_ms", 0}};
  boost::json::array replica_list;
  for (const auto* r : replicas) {
    replica_list.push_back(boost::json::object{{"connection",
                                                {{"url", r->url()},
                                                 {"password_env", "WEIR_GATEWAY_TEST_PW"},
                                                 {"connect_timeout_ms", 1000}}},
                                               {"pool", pool}});
  }
  boost::json::object db{{"backend", "postgres"},
                         {"connection",
                          {{"url", primary.url()},
                           {"password_env", "WEIR_GATEWAY_TEST_PW"},
                           {"connect_timeout_ms", 1000}}},
                         {"pool", pool}};
  if (!replica_list.empty()) db["replicas"] = std::move(replica_list);
  return {{"databases", {{"pg", db}}}};
}

bool served_by_replica(std::uint16_t port, bool read_only) {
  const auto r = http_post(port, "/v1/databases/pg/query",
                           std::string(R"J({"query":"select pg_is_in_recovery()","read_only":)J") +
                               (read_only ? "true" : "false") + "}");
  EXPECT_EQ(r.status, 200u) << r.body;
  return r.status == 200u && r.json().at("rows").at(0).at(0).as_bool();
}

// The in-process gateway's thread is an I/O thread, as the weir binary's are, so the tests
// built on it take the path production takes: statements wait on the event loop.
TEST(PostgresGateway, InProcessStatementsWaitOnTheEventLoopAsInTheBinary) {
  testing::PostgresCluster pg;
  ::setenv("WEIR_GATEWAY_TEST_PW", pg.superuser_password().c_str(), 1);
  testing::RunningGateway gw(boost::json::object{
      {"worker_threads_min", 1},
      {"worker_threads", 1},
      {"databases",
       {{"pg",
         {{"backend", "postgres"},
          {"connection",
           {{"url", pg.url()},
            {"password_env", "WEIR_GATEWAY_TEST_PW"},
            {"statement_cache_size", 0}}},  // unnamed: nothing to prepare on a worker first
          {"pool", {{"min_size", 4}, {"max_size", 4}}}}}}}});
  const auto until = Clock::now() + milliseconds(10000);
  const std::string idle = "weir_pool_connections{database=\"pg\",state=\"idle\"} 4\n";
  while (testing::http_get(gw.port(), "/metrics").body.find(idle) == std::string::npos &&
         Clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  // Four one-second statements with one worker thread: on it they would take four seconds.
  const auto started = Clock::now();
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&] {
      const auto r = http_post(gw.port(), "/v1/databases/pg/query",
                               R"J({"query":"select pg_sleep(1) is null as slept"})J");
      if (r.status == 200u) ++ok;
    });
  }
  for (auto& client : clients) client.join();
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  EXPECT_EQ(ok.load(), 4);
  EXPECT_LT(took.count(), 2500) << "the statements waited on the worker thread";
}

TEST(PostgresGateway, ReadOnlyRequestsGoToTheReplicaAndFallBackToThePrimary) {
  testing::PostgresCluster primary;
  auto replica = testing::PostgresCluster::replica_of(primary);
  ::setenv("WEIR_GATEWAY_TEST_PW", primary.superuser_password().c_str(), 1);
  testing::RunningGateway gw(pg_database(primary, {&replica}));

  for (int i = 0; i < 4; ++i)
    EXPECT_TRUE(served_by_replica(gw.port(), true)) << "read-only request " << i;
  EXPECT_FALSE(served_by_replica(gw.port(), false)) << "read-write requests go to the primary";
  const auto tx =
      http_post(gw.port(), "/v1/databases/pg/transaction",
                R"J({"read_only":true,"statements":[{"query":"select pg_is_in_recovery()"}]})J");
  ASSERT_EQ(tx.status, 200u) << tx.body;
  EXPECT_TRUE(tx.json().at("results").at(0).at("rows").at(0).at(0).as_bool())
      << "read-only transactions too";

  replica.stop("fast");
  // The replica's pool notices and backs off; reads are then served by the primary, and
  // none fails meanwhile (a read on a connection the replica dropped runs again elsewhere).
  bool fell_back = false;
  for (int i = 0; i < 50 && !fell_back; ++i) {
    const auto r = http_post(gw.port(), "/v1/databases/pg/query",
                             R"J({"query":"select pg_is_in_recovery()","read_only":true})J");
    ASSERT_EQ(r.status, 200u) << "read " << i << " while the replica stops: " << r.body;
    fell_back = !r.json().at("rows").at(0).at(0).as_bool();
  }
  EXPECT_TRUE(fell_back);
  const auto health = testing::http_get(gw.port(), "/health").json();
  EXPECT_EQ(health.at("databases").at("pg").at("state").as_string(), "degraded");
}

TEST(PostgresGateway, ReplicasNeedABackendThatSupportsThem) {
  try {
    testing::RunningGateway gw(boost::json::object{
        {"databases",
         {{"main",
           {{"backend", "sqlite"}, {"replicas", {{{"connection", {{"path", "r.db"}}}}}}}}}}});
    FAIL() << "sqlite accepted replicas";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "databases.main.replicas: backend \"sqlite\" does not support read replicas"),
              std::string::npos)
        << e.what();
  }
}

// An insert whose connection broke after it was sent may have been applied: the client is
// told so (retryable: false) rather than invited to insert twice.
TEST(PostgresGateway, LoadThroughHttpSurvivesAnOutageWithoutLosingOrInventingAWrite) {
  testing::PostgresCluster pg;
  ::setenv("WEIR_GATEWAY_TEST_PW", pg.superuser_password().c_str(), 1);
  auto config = pg_database(pg, {});
  config["limits"] = boost::json::object{{"request_timeout_ms", 2000}};
  testing::RunningGateway gw(config);
  ASSERT_EQ(
      http_post(gw.port(), "/v1/databases/pg/query", R"J({"query":"create table hits(n int)"})J")
          .status,
      200u);

  struct Outcome {
    Clock::time_point at;
    unsigned status;
    bool retryable;
    bool indeterminate;  // broken after it was sent: it may have been applied (retryable: false)
    double ms;
  };
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::vector<Outcome> outcomes;
  std::vector<std::thread> clients;
  for (int c = 0; c < 6; ++c) {
    clients.emplace_back([&] {
      while (!stop.load()) {
        const auto t0 = Clock::now();
        testing::HttpReply r;
        try {
          r = http_post(gw.port(), "/v1/databases/pg/query",
                        R"J({"query":"insert into hits values (1)"})J");
        } catch (const std::exception&) {
          r.status = 0;
        }
        const bool retryable =
            r.status != 200u && r.body.find("\"retryable\":true") != std::string::npos;
        const bool indeterminate = r.status == 502u && !retryable &&
                                   r.body.find("may have been applied") != std::string::npos;
        {
          std::lock_guard lock(mutex);
          outcomes.push_back(
              {Clock::now(), r.status, retryable, indeterminate,
               std::chrono::duration<double, std::milli>(Clock::now() - t0).count()});
        }
        if (r.status != 200u) std::this_thread::sleep_for(milliseconds(20));
      }
    });
  }
  std::this_thread::sleep_for(milliseconds(800));
  pg.stop("fast");
  std::this_thread::sleep_for(milliseconds(3000));
  pg.start();
  const auto back = Clock::now();
  std::this_thread::sleep_for(milliseconds(2500));
  stop = true;
  for (auto& t : clients) t.join();

  std::size_t ok = 0, retryable = 0, indeterminate = 0, other = 0;
  double worst = 0;
  Clock::time_point first_success_after{};
  for (const auto& o : outcomes) {
    worst = std::max(worst, o.ms);
    if (o.status == 200u) {
      ++ok;
      if (o.at > back && first_success_after == Clock::time_point{}) first_success_after = o.at;
    } else if (o.retryable) {
      ++retryable;
    } else if (o.indeterminate) {
      ++indeterminate;
    } else {
      ++other;
      ADD_FAILURE() << "a non-retryable failure: status " << o.status;
    }
  }
  ASSERT_NE(first_success_after, Clock::time_point{}) << "service never resumed";
  const double recovery =
      std::chrono::duration<double, std::milli>(first_success_after - back).count();
  std::printf(
      "[http outage] %zu requests: %zu ok, %zu retryable errors, %zu maybe applied, %zu other; "
      "slowest %.0f ms (deadline 2000); "
      "first success %.0f ms after the server was accepting again\n",
      outcomes.size(), ok, retryable, indeterminate, other, worst, recovery);
  EXPECT_EQ(other, 0u);
  EXPECT_LT(worst, 2500.0) << "a request hung past its deadline";
  EXPECT_LT(recovery, 2000.0);
  EXPECT_GT(retryable, 0u) << "the outage was not observed";
  // Nothing is lost or invented: every 200 is a row, and an insert the client was told may
  // have been applied is at most one more.
  const auto rows =
      http_post(gw.port(), "/v1/databases/pg/query", R"J({"query":"select count(*) from hits"})J");
  ASSERT_EQ(rows.status, 200u) << rows.body;
  const auto count =
      static_cast<std::size_t>(rows.json().at("rows").at(0).at(0).to_number<double>());
  EXPECT_GE(count, ok);
  EXPECT_LE(count, ok + indeterminate);
}

}  // namespace
}  // namespace weir
