// PostgreSQL queries and batches on the I/O thread's event loop (the postgres
// plugin's execute_async): a statement waits for the server on the loop, not on a
// worker; the deadline, a client that leaves and a connection that breaks
// are kept there as on the worker path, in open transactions too; and what the
// loop does not take (a statement to prepare, a read-only switch, a stale
// prepared statement outside a transaction) is handed to a worker unseen.
#include "client_flood.hpp"
#include "client_gone.hpp"
#include "fault_proxy.hpp"
#include "free_local_port.hpp"
#include "http_client.hpp"
#include "postgres_cluster.hpp"
#include "temp_dir.hpp"
#include "weir_process.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <future>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace weir {
namespace {

using testing::http_call;
using testing::http_get;
using testing::http_post;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kQuery = "/v1/databases/pg/query";

// The weir binary (its I/O thread is the event loop) with `io_threads` I/O threads and two
// worker threads at most, in front of `pg` through a pool of `pool_size`, each connection
// closed after `max_uses` leases (0: never); `statement_cache` false runs every statement
// unnamed, so none needs preparing on a worker first. `via_port` reaches the server through
// another port (a proxy's).
class LoopGateway {
 public:
  LoopGateway(const testing::PostgresCluster& pg, int pool_size, bool statement_cache,
              int io_threads = 1, int max_uses = 0, std::uint16_t via_port = 0) {
    const std::string url =
        via_port == 0 ? pg.url()
                      : "postgresql://postgres@127.0.0.1:" + std::to_string(via_port) + "/postgres";
    ::setenv("WEIR_LOOP_TEST_PW", pg.superuser_password().c_str(), 1);
    const boost::json::object config{
        {"listen", "127.0.0.1:" + std::to_string(port_)},
        {"plugin_dirs", boost::json::array{WEIR_TEST_PLUGIN_DIR}},
        {"io_threads", io_threads},
        {"worker_threads", 2},
        {"worker_threads_min", 2},
        {"limits",
         {{"request_timeout_ms", 30000}, {"max_queue", 20000}, {"queue_timeout_ms", 30000}}},
        {"databases",
         {{"pg",
           {{"backend", "postgres"},
            {"connection",
             {{"url", url},
              {"password_env", "WEIR_LOOP_TEST_PW"},
              {"statement_cache_size", statement_cache ? 100 : 0}}},
            {"pool",
             {{"min_size", pool_size}, {"max_size", pool_size}, {"max_uses", max_uses}}}}}}}};
    weir_.emplace(dir_.path(), boost::json::serialize(config));
    EXPECT_TRUE(testing::WeirProcess::serves(port_)) << weir_->stderr_text();
  }
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return weir_->pid(); }

 private:
  testing::TempDir dir_;
  std::uint16_t port_ = testing::free_local_port();
  std::optional<testing::WeirProcess> weir_;
};

std::string error_of(const testing::HttpReply& r) {
  return r.status == 200u ? std::string() : r.body;
}

// Waits until `sql` returns `expected` (psql's text).
bool psql_becomes(const testing::PostgresCluster& pg, const std::string& sql,
                  const std::string& expected, milliseconds patience) {
  const auto until = Clock::now() + patience;
  while (pg.psql(sql) != expected) {
    if (Clock::now() >= until) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

// Waits until one backend runs a statement starting with `prefix`, then terminates that
// backend: the connection breaks under the statement.
bool terminate_once_running(const testing::PostgresCluster& pg, const std::string& prefix) {
  const std::string backend =
      "select pid from pg_stat_activity where state = 'active' and query like '" + prefix + "%'";
  if (!psql_becomes(pg, "select count(*) from (" + backend + ") s", "1\n", milliseconds(5000)))
    return false;
  pg.psql("select pg_terminate_backend(pid) from (" + backend + ") s");
  return true;
}

TEST(PostgresLoopQuery, StatementsWaitForTheServerOnTheLoopNotOnWorkers) {
  testing::PostgresCluster pg;
  LoopGateway gw(pg, 8, false);
  // Eight one-second statements at once with two workers: on workers they would take
  // four seconds, two at a time.
  const auto started = Clock::now();
  std::vector<std::future<testing::HttpReply>> replies;
  for (int i = 0; i < 8; ++i) {
    replies.push_back(std::async(std::launch::async, [&] {
      return http_post(gw.port(), kQuery, R"J({"query":"select pg_sleep(1) is null as slept"})J");
    }));
  }
  for (auto& reply : replies) {
    const auto r = reply.get();
    EXPECT_EQ(r.status, 200u) << r.body;
  }
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  EXPECT_LT(took.count(), 2500) << "the statements waited on the two workers";
}

TEST(PostgresLoopQuery, APreparedStatementRunsOnTheLoopTheFirstRunOnAWorker) {
  testing::PostgresCluster pg;
  LoopGateway gw(pg, 1, true);
  const std::string sleep = R"J({"query":"select pg_sleep($1::float8)","params":)J";
  // The first run prepares the statement, which waits for the server: on a worker.
  const auto first = http_post(gw.port(), kQuery, sleep + "[0]}");
  ASSERT_EQ(first.status, 200u) << first.body;
  auto second = std::async(std::launch::async,
                           [&] { return http_post(gw.port(), kQuery, sleep + "[1.5]}"); });
  ASSERT_TRUE(psql_becomes(pg,
                           "select count(*) from pg_stat_activity where state = 'active' and "
                           "query like 'select pg_sleep($1%'",
                           "1\n", milliseconds(5000)));
  const auto metrics = http_get(gw.port(), "/metrics").body;
  EXPECT_NE(metrics.find("weir_worker_threads{state=\"busy\"} 0\n"), std::string::npos)
      << "a worker waits for the prepared statement:\n"
      << metrics.substr(metrics.find("weir_worker_threads"), 200);
  const auto r = second.get();
  EXPECT_EQ(r.status, 200u) << r.body;
}

TEST(PostgresLoopQuery, TheDeadlineCancelsAtTheServerAndTheConnectionServesOn) {
  testing::PostgresCluster pg;
  LoopGateway gw(pg, 1, false);
  const auto backend_pid = [&] {
    const auto r = http_post(gw.port(), kQuery, R"J({"query":"select pg_backend_pid() as pid"})J");
    EXPECT_EQ(r.status, 200u) << r.body;
    return r.status == 200u ? r.json().at("rows").at(0).at(0).as_int64() : 0;
  };
  const auto before = backend_pid();
  const auto started = Clock::now();
  const auto r = http_call(gw.port(), boost::beast::http::verb::post, kQuery,
                           R"J({"query":"select pg_sleep(5)"})J",
                           {{"content-type", "application/json"}, {"x-weir-timeout-ms", "300"}});
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  EXPECT_EQ(r.status, 504u) << r.body;
  EXPECT_EQ(r.error_code(), "timeout");
  EXPECT_EQ(r.json().at("error").at("backend_code"), "57014") << r.body;
  EXPECT_LT(took.count(), 1500);
  // The pool's one connection was cancelled, not given up: it serves the next request.
  EXPECT_EQ(backend_pid(), before);
}

TEST(PostgresLoopQuery, AClientThatLeavesHasItsStatementCancelledAtTheServer) {
  testing::PostgresCluster pg;
  LoopGateway gw(pg, 2, false);
  const std::string sleeping =
      "select count(*) from pg_stat_activity where state = 'active' and query like "
      "'select pg_sleep(30)%'";
  {
    testing::AbandonedRequest client(gw.port(), kQuery, R"J({"query":"select pg_sleep(30)"})J");
    ASSERT_TRUE(psql_becomes(pg, sleeping, "1\n", milliseconds(5000)));
  }  // the client closes its connection
  const auto left = Clock::now();
  EXPECT_TRUE(psql_becomes(pg, sleeping, "0\n", milliseconds(1000)))
      << "the server still runs the statement of a client that left";
  std::printf("statement gone from pg_stat_activity %lld ms after the client left\n",
              static_cast<long long>(
                  std::chrono::duration_cast<milliseconds>(Clock::now() - left).count()));
  EXPECT_TRUE(testing::wait_for_admission(gw.port(), "pg", 0, 0, std::chrono::seconds(1)));
  const auto r = http_post(gw.port(), kQuery, R"J({"query":"select 1 as x"})J");
  EXPECT_EQ(r.status, 200u) << r.body;
}

TEST(PostgresLoopQuery, AStalePreparedStatementIsPreparedAgainUnseen) {
  testing::PostgresCluster pg;
  pg.psql("create table t (a int); insert into t values (1)");
  LoopGateway gw(pg, 1, true);
  const std::string select = R"J({"query":"select * from t"})J";
  for (int i = 0; i < 2; ++i) {  // prepared on a worker, then run on the loop
    const auto r = http_post(gw.port(), kQuery, select);
    ASSERT_EQ(r.status, 200u) << r.body;
  }
  // The prepared statement's result type changes: the server refuses it (0A000)
  // before it does anything, and the worker path prepares it again.
  pg.psql("alter table t add column b int default 7");
  const auto r = http_post(gw.port(), kQuery, select);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().at("columns"), boost::json::parse(R"(["a","b"])"));
  EXPECT_EQ(r.json().at("rows"), boost::json::parse("[[1,7]]"));
}

TEST(PostgresLoopQuery, ReadsAndWritesInTurnSwitchTheSessionOnAWorker) {
  testing::PostgresCluster pg;
  pg.psql("create table log (n int)");
  LoopGateway gw(pg, 1, true);
  for (int i = 1; i <= 4; ++i) {
    const auto write = http_post(
        gw.port(), kQuery,
        R"J({"query":"insert into log values ($1)","params":[)J" + std::to_string(i) + "]}");
    EXPECT_EQ(write.status, 200u) << write.body;
    const auto read = http_post(gw.port(), kQuery,
                                R"J({"query":"select count(*) as n from log","read_only":true})J");
    ASSERT_EQ(read.status, 200u) << read.body;
    EXPECT_EQ(read.json().at("rows").at(0).at(0), i);
    // A read-only request stays read-only on the loop too.
    const auto refused = http_post(gw.port(), kQuery,
                                   R"J({"query":"insert into log values (0)","read_only":true})J");
    EXPECT_EQ(refused.status, 403u) << refused.body;
    EXPECT_EQ(refused.json().at("error").at("backend_code"), "25006") << refused.body;
  }
  EXPECT_EQ(pg.psql("select count(*) from log"), "4\n");
}

TEST(PostgresLoopQuery, AColumnTypeTheConnectionHasNotMetIsLookedUpOnTheLoop) {
  testing::PostgresCluster pg;
  pg.psql("create type mood as enum ('ok', 'sad')");
  LoopGateway gw(pg, 1, false);
  const auto r = http_post(gw.port(), kQuery,
                           R"J({"query":"select 'ok'::mood as m, array['sad'::mood] as ms"})J");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().at("column_types"), boost::json::parse(R"(["mood","mood[]"])"));
  EXPECT_EQ(r.json().at("rows"), boost::json::parse(R"([["ok",["sad"]]])"));
}

TEST(PostgresLoopQuery, AConnectionClosedWhileIdleIsReplacedUnseen) {
  testing::PostgresCluster pg;
  LoopGateway gw(pg, 1, false);
  const auto pid = http_post(gw.port(), kQuery, R"J({"query":"select pg_backend_pid() as pid"})J");
  ASSERT_EQ(pid.status, 200u) << pid.body;
  const auto backend = std::to_string(pid.json().at("rows").at(0).at(0).as_int64());
  pg.psql("select pg_terminate_backend(" + backend + ")");
  ASSERT_TRUE(psql_becomes(pg, "select count(*) from pg_stat_activity where pid = " + backend,
                           "0\n", milliseconds(2000)));
  // Not read-only, so it may write: found closed before it was sent, it runs again on a
  // new connection all the same.
  const auto r = http_post(gw.port(), kQuery, R"J({"query":"select 2 as x"})J");
  EXPECT_EQ(r.status, 200u) << r.body;
}

TEST(PostgresLoopQuery, AReadWhoseConnectionBreaksMidStatementRunsAgain) {
  testing::PostgresCluster pg;
  LoopGateway gw(pg, 2, false);
  auto read = std::async(std::launch::async, [&] {
    return http_post(gw.port(), kQuery,
                     R"J({"query":"select pg_sleep(1) is null as slept","read_only":true})J");
  });
  ASSERT_TRUE(terminate_once_running(pg, "select pg_sleep(1)"));
  const auto r = read.get();
  EXPECT_EQ(r.status, 200u) << error_of(r);
}

// A connection keeps its socket watched between requests on one loop (plugin.h,
// watch_set): with two I/O threads it goes from loop to loop, its watch removed from
// the next one's thread, and closed every third lease by the thread that completed the
// request, while that request's callback is still returning. Every answer is the right
// one, as the postgres plugin would not see a reply if its socket were left unwatched.
TEST(PostgresLoopQuery, AConnectionWatchedBetweenRequestsMovesBetweenLoopsAndIsRecycled) {
  testing::PostgresCluster pg;
  LoopGateway gw(pg, 1, false, 2, 3);
  std::vector<std::future<std::string>> clients;
  for (int client = 0; client < 4; ++client) {
    clients.push_back(std::async(std::launch::async, [&, client] {
      std::string wrong;
      for (int i = 0; i < 30; ++i) {
        const int n = client * 1000 + i;
        // A new HTTP connection each time: the listener hands them to the two loops in turn.
        const auto r =
            http_post(gw.port(), kQuery,
                      R"J({"query":"select $1::int as n","params":[)J" + std::to_string(n) + "]}");
        if (r.status != 200u || r.json().at("rows").at(0).at(0).as_int64() != n)
          wrong += std::to_string(n) + ": " + std::to_string(r.status) + " " + r.body + "\n";
      }
      return wrong;
    }));
  }
  for (auto& client : clients) EXPECT_EQ(client.get(), "");
  const auto metrics = http_get(gw.port(), "/metrics").body;
  const std::string recycled =
      "weir_pool_connections_closed_total{database=\"pg\",reason=\"uses\"} ";
  const auto at = metrics.find(recycled);
  ASSERT_NE(at, std::string::npos) << metrics;
  EXPECT_GE(std::stoi(metrics.substr(at + recycled.size())), 30) << "leases: 120, 3 each";
}

// Statements in open transactions (POST .../transactions/{id}/query) run on the loop too.

// Opens an interactive transaction on "pg" and returns its id, or "" (a test failure).
std::string open_transaction(std::uint16_t port, const std::string& options = "{}") {
  const auto r = http_post(port, "/v1/databases/pg/transactions", options);
  EXPECT_EQ(r.status, 201u) << r.body;
  return r.status == 201u ? std::string(r.json().at("id").as_string()) : std::string();
}

std::string in_transaction(const std::string& id, const std::string& what = "query") {
  return "/v1/databases/pg/transactions/" + id + "/" + what;
}

TEST(PostgresLoopQuery, TransactionStatementsWaitForTheServerOnTheLoopNotOnWorkers) {
  testing::PostgresCluster pg;
  pg.psql("create table log (n int)");
  LoopGateway gw(pg, 8, false);
  std::vector<std::string> ids;
  for (int i = 0; i < 8; ++i) ids.push_back(open_transaction(gw.port()));
  // Eight one-second statements in eight transactions with two workers: on workers they
  // would take four seconds, two at a time.
  const auto started = Clock::now();
  std::vector<std::future<testing::HttpReply>> replies;
  for (int i = 0; i < 8; ++i) {
    replies.push_back(std::async(std::launch::async, [&, i] {
      return http_post(
          gw.port(), in_transaction(ids[i]),
          R"J({"query":"insert into log select $1::int from pg_sleep(1)","params":[)J" +
              std::to_string(i) + "]}");
    }));
  }
  for (auto& reply : replies) {
    const auto r = reply.get();
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.json().at("rows_affected"), 1) << r.body;
  }
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  EXPECT_LT(took.count(), 2500) << "the statements waited on the two workers";
  EXPECT_EQ(pg.psql("select count(*) from log"), "0\n") << "nothing is committed yet";
  for (int i = 0; i < 8; ++i) {
    const auto end =
        http_post(gw.port(), in_transaction(ids[i], i % 2 ? "commit" : "rollback"), "");
    EXPECT_EQ(end.status, 200u) << end.body;
  }
  EXPECT_EQ(pg.psql("select string_agg(n::text, ',' order by n) from log"), "1,3,5,7\n");
}

TEST(PostgresLoopQuery, InATransactionAStalePreparedStatementFailsAsOnAWorker) {
  testing::PostgresCluster pg;
  pg.psql("create table t (a int); insert into t values (1)");
  LoopGateway gw(pg, 1, true);
  const std::string select = R"J({"query":"select * from t"})J";
  const auto first = open_transaction(gw.port());
  for (int i = 0; i < 2; ++i) {  // prepared on a worker, then run on the loop
    const auto r = http_post(gw.port(), in_transaction(first), select);
    ASSERT_EQ(r.status, 200u) << r.body;
  }
  ASSERT_EQ(http_post(gw.port(), in_transaction(first, "commit"), "").status, 200u);
  pg.psql("alter table t add column b int default 7");
  // Preparing it again would run it twice in a transaction the failure aborted already:
  // the client hears the failure, and its transaction is aborted, as PostgreSQL says.
  const auto second = open_transaction(gw.port());
  const auto stale = http_post(gw.port(), in_transaction(second), select);
  EXPECT_EQ(stale.json().at("error").at("backend_code"), "0A000") << stale.body;
  const auto aborted = http_post(gw.port(), in_transaction(second), R"J({"query":"select 1"})J");
  EXPECT_EQ(aborted.json().at("error").at("backend_code"), "25P02") << aborted.body;
  ASSERT_EQ(http_post(gw.port(), in_transaction(second, "rollback"), "").status, 200u);
  const auto after = http_post(gw.port(), kQuery, select);
  ASSERT_EQ(after.status, 200u) << after.body;
  EXPECT_EQ(after.json().at("rows"), boost::json::parse("[[1,7]]"));
}

TEST(PostgresLoopQuery, InATransactionReadOnlyIsTheTransactionsOwn) {
  testing::PostgresCluster pg;
  pg.psql("create table log (n int)");
  LoopGateway gw(pg, 1, false);
  const auto writer = open_transaction(gw.port());
  const auto read = http_post(gw.port(), in_transaction(writer),
                              R"J({"query":"select count(*) as n from log","read_only":true})J");
  EXPECT_EQ(read.status, 400u) << read.body;
  EXPECT_NE(read.body.find("a read-only request cannot run inside a read-write transaction"),
            std::string::npos)
      << read.body;
  ASSERT_EQ(http_post(gw.port(), in_transaction(writer, "rollback"), "").status, 200u);
  const auto reader = open_transaction(gw.port(), R"J({"read_only":true})J");
  const auto refused =
      http_post(gw.port(), in_transaction(reader), R"J({"query":"insert into log values (1)"})J");
  EXPECT_EQ(refused.json().at("error").at("backend_code"), "25006") << refused.body;
  ASSERT_EQ(http_post(gw.port(), in_transaction(reader, "rollback"), "").status, 200u);
}

TEST(PostgresLoopQuery, InATransactionTheDeadlineAndALeavingClientCancelAtTheServer) {
  testing::PostgresCluster pg;
  LoopGateway gw(pg, 1, false);
  const auto id = open_transaction(gw.port());
  const auto started = Clock::now();
  const auto r = http_call(gw.port(), boost::beast::http::verb::post, in_transaction(id),
                           R"J({"query":"select pg_sleep(5)"})J",
                           {{"content-type", "application/json"}, {"x-weir-timeout-ms", "300"}});
  EXPECT_EQ(r.status, 504u) << r.body;
  EXPECT_EQ(r.json().at("error").at("backend_code"), "57014") << r.body;
  EXPECT_LT(std::chrono::duration_cast<milliseconds>(Clock::now() - started).count(), 1500);
  ASSERT_EQ(http_post(gw.port(), in_transaction(id, "rollback"), "").status, 200u);

  const auto next = open_transaction(gw.port());
  const std::string sleeping =
      "select count(*) from pg_stat_activity where state = 'active' and query like "
      "'select pg_sleep(30)%'";
  {
    testing::AbandonedRequest client(gw.port(), in_transaction(next),
                                     R"J({"query":"select pg_sleep(30)"})J");
    ASSERT_TRUE(psql_becomes(pg, sleeping, "1\n", milliseconds(5000)));
  }  // the client closes its connection
  EXPECT_TRUE(psql_becomes(pg, sleeping, "0\n", milliseconds(1000)))
      << "the server still runs the statement of a client that left";
  // The gateway may still be ending the cancelled statement: busy (409) until then.
  testing::HttpReply after;
  for (int i = 0; i < 100 && (i == 0 || after.status == 409u); ++i) {
    if (i > 0) std::this_thread::sleep_for(milliseconds(10));
    after = http_post(gw.port(), in_transaction(next), R"J({"query":"select 1"})J");
  }
  EXPECT_EQ(after.json().at("error").at("backend_code"), "25P02")
      << "the cancel aborted the transaction, which is still the client's: " << after.body;
}

TEST(PostgresLoopQuery, InATransactionABrokenConnectionEndsItRolledBack) {
  testing::PostgresCluster pg;
  pg.psql("create table log (n int)");
  LoopGateway gw(pg, 1, false);
  const auto id = open_transaction(gw.port());
  ASSERT_EQ(http_post(gw.port(), in_transaction(id), R"J({"query":"insert into log values (1)"})J")
                .status,
            200u);
  auto sleeping = std::async(std::launch::async, [&] {
    return http_post(gw.port(), in_transaction(id), R"J({"query":"select pg_sleep(5)"})J");
  });
  ASSERT_TRUE(terminate_once_running(pg, "select pg_sleep(5)"));
  const auto lost = sleeping.get();
  EXPECT_EQ(lost.status, 410u) << lost.body;
  EXPECT_EQ(lost.error_code(), "transaction_connection_lost") << lost.body;
  EXPECT_EQ(lost.json().at("error").at("outcome"), "rolled_back") << lost.body;
  const auto later = http_post(gw.port(), in_transaction(id), R"J({"query":"select 1"})J");
  EXPECT_EQ(later.error_code(), "transaction_connection_lost") << "its verdict stays";
  EXPECT_EQ(pg.psql("select count(*) from log"), "0\n");
  const auto r = http_post(gw.port(), kQuery, R"J({"query":"select 1 as x"})J");
  EXPECT_EQ(r.status, 200u) << r.body;
}

// 10,000 clients at once, each with a 50 ms statement, through 100 connections: all are
// answered, and the gateway keeps the threads it started with (one I/O thread, two workers,
// its own), where a thread per waiting request would need 10,000.
// The value of the first sample of `family` in a /metrics text (-1 when absent).
double first_sample(const std::string& metrics, const std::string& family) {
  const auto at = metrics.find("\n" + family + "{");
  if (at == std::string::npos) return -1;
  const auto end = metrics.find('\n', at + 1);
  const auto space = metrics.rfind(' ', end);
  return std::stod(metrics.substr(space + 1, end - space - 1));
}

// Admission lets in only as many requests as the pool has connections, so a request finds
// none only while that capacity is tied up in a connect or a close. Here the pool's own
// thread is still opening its one connection (min_size) over a slow link when the first
// request comes: it waits in the pool's queue without a thread, and gets that connection.
TEST(PostgresLoopQuery, ARequestQueuedForAConnectionBeingOpenedHoldsNoWorker) {
  testing::PostgresCluster pg;
  testing::FaultProxy proxy(static_cast<std::uint16_t>(pg.port()));
  proxy.set(testing::Fault::added_latency(milliseconds(400)));  // a connect takes seconds
  LoopGateway gw(pg, 1, false, 1, 0, proxy.port());
  auto reply = std::async(std::launch::async, [&] {
    return http_post(gw.port(), kQuery, R"J({"query":"select 1 as n"})J");
  });
  const auto until = Clock::now() + milliseconds(5000);
  std::string metrics;
  while (first_sample(metrics = http_get(gw.port(), "/metrics").body, "weir_pool_waiting") != 1)
    ASSERT_LT(Clock::now(), until) << "the request never queued in the pool";
  EXPECT_NE(metrics.find("weir_worker_threads{state=\"busy\"} 0\n"), std::string::npos)
      << "a worker waits for the connection:\n"
      << metrics.substr(metrics.find("weir_worker_threads"), 200);
  proxy.clear();
  const auto r = reply.get();
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_TRUE(r.body.ends_with(R"("rows":[[1]],"rows_affected":1})")) << r.body;
  EXPECT_EQ(proxy.accepted(), 1) << "the request opened a connection of its own";
}

// A batch's statements run on the loop too, one after another on one connection; a statement
// with parameter sets (a transaction of its own) runs on a worker, and the batch goes on.
TEST(PostgresLoopQuery, BatchesWaitForTheServerOnTheLoopNotOnWorkers) {
  testing::PostgresCluster pg;
  pg.psql("create table log (n int)");
  LoopGateway gw(pg, 8, false);
  // Six batches of a half-second statement and an insert, with two workers: on workers they
  // would take 1.5 s, two batches at a time.
  const auto started = Clock::now();
  std::vector<std::future<testing::HttpReply>> replies;
  for (int i = 0; i < 6; ++i) {
    replies.push_back(std::async(std::launch::async, [&, i] {
      return http_post(gw.port(), "/v1/databases/pg/batch",
                       R"J({"statements": [{"query": "select 1 as n from pg_sleep(0.5)"},
                                           {"query": "insert into log values ($1)", "params": [)J" +
                           std::to_string(i) + "]}]}");
    }));
  }
  for (auto& reply : replies) {
    const auto r = reply.get();
    ASSERT_EQ(r.status, 200u) << r.body;
    const auto body = r.json();
    const auto& results = body.at("results").as_array();
    ASSERT_EQ(results.size(), 2u) << r.body;
    EXPECT_EQ(results.at(0).at("rows"), boost::json::parse("[[1]]")) << r.body;
    EXPECT_EQ(results.at(1).at("rows_affected"), 1) << r.body;
  }
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  EXPECT_LT(took.count(), 1300) << "the batches waited on the two workers";
  EXPECT_EQ(pg.psql("select count(*) from log"), "6\n");

  // A failure in the middle, parameter sets (on a worker) and the statements after them.
  const auto mixed = http_post(gw.port(), "/v1/databases/pg/batch", R"J({"statements": [
      {"query": "insert into log values (100)"},
      {"query": "select * from no_such_table"},
      {"query": "insert into log values ($1)", "param_sets": [[101], [102]]},
      {"query": "select count(*)::int as n from log where n >= 100"}]})J");
  ASSERT_EQ(mixed.status, 200u) << mixed.body;
  const auto body = mixed.json();
  const auto& results = body.at("results").as_array();
  ASSERT_EQ(results.size(), 4u) << mixed.body;
  EXPECT_EQ(results.at(0).at("rows_affected"), 1);
  EXPECT_EQ(results.at(1).at("error").at("backend_code"), "42P01") << mixed.body;
  EXPECT_EQ(results.at(2).at("results").as_array().size(), 2u) << mixed.body;
  EXPECT_EQ(results.at(3).at("rows"), boost::json::parse("[[3]]")) << mixed.body;
  const auto stopped = http_post(gw.port(), "/v1/databases/pg/batch", R"J({"stop_on_error": true,
      "statements": [{"query": "select * from no_such_table"},
                     {"query": "insert into log values (200)"}]})J");
  ASSERT_EQ(stopped.status, 200u) << stopped.body;
  EXPECT_EQ(stopped.json().at("results").as_array().size(), 1u) << stopped.body;
  EXPECT_EQ(pg.psql("select count(*) from log where n = 200"), "0\n");
}

TEST(PostgresLoopQuery, TenThousandClientsOfASlowQueryOnAFixedHandfulOfThreads) {
  constexpr int kClients = 10000;
  // Before the gateway starts: it inherits the limit.
  if (const long files = testing::raise_open_file_limit(); files < kClients + 300)
    GTEST_SKIP() << "this machine allows " << files << " open files per process";
  testing::PostgresCluster pg;
  LoopGateway gw(pg, 100, true);
  const long threads_before = testing::proc_status(gw.pid(), "Threads");
  const std::string request = testing::post_closing(
      "/v1/databases/pg/query", R"J({"query":"select 1 as n from pg_sleep(0.05)"})J", 30000);
  const auto flood = testing::flood(
      gw.port(), request, kClients,
      [](const std::string& answer) {
        return answer.starts_with("HTTP/1.1 200") &&
               answer.ends_with(R"("rows":[[1]],"rows_affected":1})");
      },
      gw.pid());

  EXPECT_EQ(flood.ok, kClients) << flood.failed << " failed; the first: " << flood.first_failure;
  EXPECT_LE(flood.peak_threads, threads_before + 2) << "threads before: " << threads_before;
  EXPECT_LT(flood.peak_rss_kb, testing::kTenThousandInFlightRssBoundKb);
  std::cout << "10,000 clients of a 50 ms statement: " << flood.took.count() << " ms, threads "
            << threads_before << " -> " << flood.peak_threads << ", peak RSS "
            << flood.peak_rss_kb / 1024 << " MB\n";
}

}  // namespace
}  // namespace weir
