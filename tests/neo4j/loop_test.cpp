// The built weir_neo4j.so on an event loop (execute_async, ABI v2), as the
// gateway's I/O threads drive it, against the scripted Bolt server
// (scripts/loop.json): a query alone or in a transaction runs on the loop and
// answers as execute does, batch after batch; a FAILURE leaves the connection
// READY; deadlines, cancels and a server that hangs up end a query there (a
// cancel ends one on a worker too), in a transaction as outside one; and
// what the loop does not take (TLS, WebSocket) is handed back.
#include "scripted_bolt_server.hpp"
#include "temp_dir.hpp"
#include "test_certificate.hpp"

#include <gmock/gmock.h>
#include <weir/testing/async_rules.hpp>
#include <weir/testing/plugin_library.hpp>

#include <chrono>
#include <map>
#include <string>
#include <thread>

namespace weir::neo4j::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using weir::testing::expect_ran_on_the_loop;
using weir::testing::LeaseHandle;
using weir::testing::PluginLibrary;
using weir::testing::PoolHandle;
using weir::testing::TestLoop;

constexpr auto kBatched = R"({"query": "UNWIND range(1, 5) AS i RETURN i"})";
constexpr auto kSlow = R"({"query": "RETURN 'slow' AS s"})";

class Neo4jLoopTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = std::make_unique<ScriptedBoltServer>(
        WEIR_BOLT_SCRIPTS_DIR "/loop.json",
        std::map<std::string, std::string>{{"BIG", std::string(4000, 'x')}});
    library_ = std::make_unique<PluginLibrary>(WEIR_NEO4J_PLUGIN);
  }
  static void TearDownTestSuite() {
    library_.reset();
    server_->stop();
    EXPECT_EQ(server_->failures(), std::vector<std::string>{});
    server_.reset();
  }
  void TearDown() override {
    lease_.release();
    pool_.close();
  }

  // A pool of the server (`at`, else the suite's) at `scheme` with a fetch size of 2 (and
  // `max_message_bytes` when not 0), and a lease from it.
  LeaseHandle& lease(const std::string& scheme = "bolt", const ScriptedBoltServer* at = nullptr,
                     std::int64_t max_message_bytes = 0) {
    boost::json::object connection{
        {"url", scheme + "://" + (at != nullptr ? at : server_.get())->address()},
        {"user", "neo4j"},
        {"password", "secret"},
        {"fetch_size", 2},
        {"connect_timeout_ms", 2000}};
    if (max_message_bytes != 0) connection["max_message_bytes"] = max_message_bytes;
    const boost::json::object config{{"backend", "neo4j"},
                                     {"connection", std::move(connection)},
                                     {"pool", {{"min_size", 0}, {"max_size", 2}}}};
    const auto opened = library_->open_pool("graph", config, "/tmp", pool_);
    EXPECT_TRUE(opened.ok()) << opened.message();
    const auto acquired = pool_.acquire(lease_, 5000);
    EXPECT_TRUE(acquired.ok()) << acquired.message();
    return lease_;
  }

  static std::unique_ptr<ScriptedBoltServer> server_;
  static std::unique_ptr<PluginLibrary> library_;
  PoolHandle pool_;
  LeaseHandle lease_;
  TestLoop loop_;
};

std::unique_ptr<ScriptedBoltServer> Neo4jLoopTest::server_;
std::unique_ptr<PluginLibrary> Neo4jLoopTest::library_;

TEST_F(Neo4jLoopTest, AResultOfSeveralBatchesAnswersAsExecuteDoes) {
  auto& l = lease();
  const auto on_loop = l.execute_async(loop_, kBatched, 5000, WEIR_EXEC_READ_ONLY);
  expect_ran_on_the_loop(on_loop);
  ASSERT_TRUE(on_loop.ok()) << on_loop.message();
  EXPECT_EQ(on_loop.value, boost::json::parse(R"({"columns": ["i"],
      "rows": [[1], [2], [3], [4], [5]], "bookmark": "FB:five",
      "summary": {"type": "r", "db": "neo4j"}})"));
  EXPECT_EQ(on_loop.value, l.execute(kBatched, 5000, WEIR_EXEC_READ_ONLY).value);
}

TEST_F(Neo4jLoopTest, AFailureIsTheServersAndLeavesTheConnectionReady) {
  auto& l = lease();
  const auto failed = l.execute_async(loop_, R"({"query": "RETRUN 1"})");
  expect_ran_on_the_loop(failed);
  EXPECT_EQ(failed.status, WEIR_E_QUERY);
  EXPECT_EQ(failed.code(), "Neo.ClientError.Statement.SyntaxError");
  EXPECT_EQ(failed.message(), "Invalid input 'RETRUN': expected a clause");
  EXPECT_EQ(failed.error.retryable, 0);
  // RESET answered on the loop: the same connection serves the next query there.
  const auto next = l.execute_async(loop_, kBatched);
  expect_ran_on_the_loop(next);
  EXPECT_TRUE(next.ok()) << next.message();
}

TEST_F(Neo4jLoopTest, AReadPastItsDeadlineTimesOutRetryably) {
  auto& l = lease();
  const auto started = std::chrono::steady_clock::now();
  const auto late = l.execute_async(loop_, kSlow, 300, WEIR_EXEC_READ_ONLY);
  const auto took = std::chrono::steady_clock::now() - started;
  expect_ran_on_the_loop(late);
  EXPECT_EQ(late.status, WEIR_E_TIMEOUT) << late.message();
  EXPECT_EQ(late.message(), "reading from neo4j: timed out");
  EXPECT_EQ(late.error.retryable, 1);
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 2s);
  // The replies stopped halfway: the connection is not reused.
  EXPECT_EQ(l.check().status, WEIR_E_BROKEN);
}

TEST_F(Neo4jLoopTest, AWritePastItsDeadlineMayHaveBeenApplied) {
  auto& l = lease();
  const auto late = l.execute_async(loop_, kSlow, 300);
  expect_ran_on_the_loop(late);
  EXPECT_EQ(late.status, WEIR_E_TIMEOUT);
  EXPECT_THAT(late.message(), HasSubstr("it may have been applied before the deadline passed"));
  EXPECT_EQ(late.error.retryable, 0);
}

// A cancel from another thread 200 ms into the slow query, on the loop or through execute.
void expect_cancelled(const LeaseHandle& l, TestLoop& loop, bool on_loop) {
  std::thread canceller([&] {
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(l.cancel(), WEIR_OK);
  });
  const auto started = std::chrono::steady_clock::now();
  weir::testing::CallOutcome cancelled;
  if (on_loop) {
    const auto outcome = l.execute_async(loop, kSlow, 20000, WEIR_EXEC_READ_ONLY);
    expect_ran_on_the_loop(outcome);
    cancelled = outcome;
  } else {
    cancelled = l.execute(kSlow, 20000);
  }
  const auto took = std::chrono::steady_clock::now() - started;
  canceller.join();
  EXPECT_EQ(cancelled.status, WEIR_E_CANCELLED) << cancelled.message();
  EXPECT_EQ(cancelled.message(), "the neo4j query was cancelled");
  EXPECT_EQ(cancelled.error.retryable, 0);
  EXPECT_LT(took, 2s);
}

TEST_F(Neo4jLoopTest, ACancelFromAnotherThreadEndsTheQueryOnTheLoop) {
  expect_cancelled(lease(), loop_, true);
}

// The same cancel reaches a query on a worker: its socket is shut down under it.
TEST_F(Neo4jLoopTest, ACancelAlsoStopsAQueryOnAWorker) { expect_cancelled(lease(), loop_, false); }

TEST_F(Neo4jLoopTest, ACancelReachesTheMemberServingARoutedQuery) {
  auto& l = lease("neo4j");
  // A member connection idle in its pool: the loop takes it, a worker would wait for none.
  ASSERT_TRUE(l.execute(kBatched, 5000, WEIR_EXEC_READ_ONLY).ok());
  expect_cancelled(l, loop_, true);
  expect_cancelled(l, loop_, false);
}

TEST_F(Neo4jLoopTest, AServerThatHangsUpMidResultBreaksTheConnection) {
  auto& l = lease();
  const auto gone =
      l.execute_async(loop_, R"({"query": "RETURN 'gone' AS g"})", 5000, WEIR_EXEC_READ_ONLY);
  expect_ran_on_the_loop(gone);
  EXPECT_EQ(gone.status, WEIR_E_BROKEN) << gone.message();
  EXPECT_EQ(gone.message(), "reading from neo4j: End of file");
  EXPECT_EQ(gone.error.retryable, 1);
}

// The server answers with one record of 4,000 bytes.
constexpr auto kBig = R"({"query": "RETURN $big AS b", "params": {"big": 4000}})";

// A record past max_message_bytes (1,024 here) is refused as it arrives, and its connection,
// whose rest was never read, is not used again.
void expect_refused_as_too_large(LeaseHandle& l, const weir::testing::CallOutcome& big) {
  EXPECT_EQ(big.status, WEIR_E_INVALID_REQUEST) << big.message();
  EXPECT_EQ(big.message(),
            "a message from neo4j is larger than max_message_bytes (1024 bytes): the query ran "
            "(a write in it may have been applied), but its answer holds a record or summary "
            "this large; return less per record (e.g. page a long list or large value) or raise "
            "the setting");
  EXPECT_EQ(big.error.retryable, 0);
  EXPECT_EQ(l.check().status, WEIR_E_BROKEN);
}

TEST_F(Neo4jLoopTest, ARecordPastMaxMessageBytesIsRefusedOnTheLoop) {
  auto& l = lease("bolt", nullptr, 1024);
  const auto big = l.execute_async(loop_, kBig, 5000, WEIR_EXEC_READ_ONLY);
  expect_ran_on_the_loop(big);
  expect_refused_as_too_large(l, big);
}

TEST_F(Neo4jLoopTest, ARecordPastMaxMessageBytesIsRefusedOnAWorker) {
  auto& l = lease("bolt", nullptr, 1024);
  expect_refused_as_too_large(l, l.execute(kBig, 5000, WEIR_EXEC_READ_ONLY));
}

TEST_F(Neo4jLoopTest, ARecordUnderMaxMessageBytesIsAnswered) {
  auto& l = lease("bolt", nullptr, 4096);
  const auto big = l.execute_async(loop_, kBig, 5000, WEIR_EXEC_READ_ONLY);
  expect_ran_on_the_loop(big);
  ASSERT_TRUE(big.ok()) << big.message();
  EXPECT_EQ(big.value.at("rows").at(0).at(0).as_string().size(), 4000u);
}

TEST_F(Neo4jLoopTest, AQueryInATransactionRunsOnTheLoopAsExecuteRunsIt) {
  auto& l = lease();
  ASSERT_TRUE(l.begin().ok());
  const auto inside = l.execute_async(loop_, kBatched);
  expect_ran_on_the_loop(inside);
  ASSERT_TRUE(inside.ok()) << inside.message();
  EXPECT_EQ(inside.value, l.execute(kBatched, 5000).value);
  ASSERT_TRUE(l.rollback().ok());
}

// Inside a transaction nothing commits itself: a write that passes its deadline is never
// "may have been applied" (the transaction dies with it).
TEST_F(Neo4jLoopTest, InATransactionAWritePastItsDeadlineIsNotSaidApplied) {
  auto& l = lease();
  ASSERT_TRUE(l.begin().ok());
  const auto late = l.execute_async(loop_, kSlow, 300);
  expect_ran_on_the_loop(late);
  EXPECT_EQ(late.status, WEIR_E_TIMEOUT) << late.message();
  EXPECT_EQ(late.message(), "reading from neo4j: timed out");
  EXPECT_EQ(l.check().status, WEIR_E_BROKEN) << "the replies stopped halfway";
}

TEST_F(Neo4jLoopTest, AfterAFailureATransactionRunsNothingUntilItsClientEndsIt) {
  auto& l = lease();
  ASSERT_TRUE(l.begin().ok());
  const auto failed = l.execute_async(loop_, R"({"query": "RETRUN 1"})");
  expect_ran_on_the_loop(failed);
  EXPECT_EQ(failed.status, WEIR_E_QUERY);
  EXPECT_EQ(failed.message(), "Invalid input 'RETRUN': expected a clause") << "nothing applied";
  const auto on_worker = l.execute(kBatched, 5000);
  EXPECT_EQ(on_worker.status, WEIR_E_INVALID_REQUEST) << on_worker.message();
  EXPECT_EQ(on_worker.message(),
            "this transaction ended at an earlier failure, and the neo4j server rolled it back; "
            "roll it back and begin a new one");
  const auto on_loop = l.execute_async(loop_, kBatched);
  EXPECT_EQ(on_loop.status, WEIR_E_INVALID_REQUEST) << on_loop.message();
  const auto committed = l.commit();
  EXPECT_EQ(committed.status, WEIR_E_QUERY);
  EXPECT_THAT(committed.message(), HasSubstr("nothing of it was committed"));
  // Ended by the commit: the connection serves on.
  const auto after_commit = l.execute_async(loop_, kBatched);
  expect_ran_on_the_loop(after_commit);
  EXPECT_TRUE(after_commit.ok()) << after_commit.message();

  ASSERT_TRUE(l.begin().ok());
  ASSERT_EQ(l.execute(R"({"query": "RETRUN 1"})", 5000).status, WEIR_E_QUERY);
  EXPECT_TRUE(l.rollback().ok()) << "the server rolled it back already";
  EXPECT_TRUE(l.execute(kBatched, 5000).ok());
}

// Routed over TLS: handed back before a member is leased, and answered through execute.
TEST_F(Neo4jLoopTest, ARoutedQueryOverTlsIsHandedBack) {
  weir::testing::TempDir dir;
  ScriptedBoltServer tls_server(WEIR_BOLT_SCRIPTS_DIR "/loop.json", {},
                                {weir::testing::make_test_certificate(dir.path())});
  auto& l = lease("neo4j+ssc", &tls_server);
  const auto encrypted = l.execute_async(loop_, kBatched, 5000, WEIR_EXEC_READ_ONLY);
  EXPECT_TRUE(encrypted.handed_back);
  ASSERT_TRUE(encrypted.ok()) << encrypted.message();
  EXPECT_EQ(encrypted.value.at("rows").as_array().size(), 5u);
  lease_.release();
  pool_.close();
  EXPECT_EQ(tls_server.failures(), std::vector<std::string>{});
}

TEST_F(Neo4jLoopTest, BoltInWebSocketFramesIsHandedBack) {
  auto& l = lease("ws");
  const auto framed = l.execute_async(loop_, kBatched);
  EXPECT_TRUE(framed.handed_back);
  ASSERT_TRUE(framed.ok()) << framed.message();
  EXPECT_EQ(framed.value.at("rows").as_array().size(), 5u);
}

}  // namespace
}  // namespace weir::neo4j::testing
