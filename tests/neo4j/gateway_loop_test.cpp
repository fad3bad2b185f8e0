// Neo4j queries on the I/O thread's event loop (the neo4j plugin's
// execute_async), through the weir binary and the scripted Bolt server
// (tests/neo4j/scripts/loop.json): a query that waits for a slow server holds
// no worker thread, alone or in an open transaction.
#include "loop_gateway.hpp"
#include "scripted_bolt_server.hpp"

#include <chrono>
#include <future>
#include <string>
#include <vector>

namespace weir {
namespace {

using std::chrono::milliseconds;

constexpr const char* kSlow = R"J({"query":"RETURN 'slow' AS s"})J";

// Four queries wait on a server that answers after 3 s; on workers they would hold both,
// and the SQLite query behind them would wait for their deadline.
TEST(Neo4jLoopQuery, ASlowServerHoldsNoWorker) {
  neo4j::testing::ScriptedBoltServer bolt(WEIR_BOLT_SCRIPTS_DIR "/loop.json");
  testing::LoopGateway gw(
      "graph", {{"backend", "neo4j"},
                {"connection",
                 {{"url", "bolt://" + bolt.address()},
                  {"user", "neo4j"},
                  {"password", "secret"},
                  {"fetch_size", 2}}},
                // Idle connections are handed out unpinged: a ping would wait on a worker.
                {"pool", {{"min_size", 4}, {"max_size", 4}, {"validation_interval_ms", 60000}}}});
  const auto first = gw.query("graph", R"J({"query":"UNWIND range(1, 5) AS i RETURN i"})J");
  ASSERT_EQ(first.status, 200u) << first.body;
  ASSERT_TRUE(testing::WeirProcess::eventually([&] { return gw.idle_connections() == 4; }));

  std::vector<std::future<testing::HttpReply>> slow;
  for (int i = 0; i < 4; ++i)
    slow.push_back(std::async(std::launch::async, [&] { return gw.query("graph", kSlow, 1500); }));
  std::this_thread::sleep_for(milliseconds(300));  // all four are in flight
  EXPECT_LT(gw.time_a_worker_query(), milliseconds(1000)) << "the SQLite query waited for a worker";

  for (auto& reply : slow) {
    const auto r = reply.get();
    EXPECT_EQ(r.status, 504u) << r.body;
    EXPECT_EQ(r.json().at("error").at("code"), "timeout") << r.body;
  }
  // The four connections stopped halfway were closed; new ones serve the next query.
  const auto after = gw.query("graph", R"J({"query":"UNWIND range(1, 5) AS i RETURN i"})J");
  EXPECT_EQ(after.status, 200u) << after.body;
}

// Four statements of open transactions wait on a server that answers after 1.5 s; on
// workers they would hold both, and the SQLite query behind them would wait for them.
TEST(Neo4jLoopQuery, TransactionStatementsHoldNoWorker) {
  neo4j::testing::ScriptedBoltServer bolt(WEIR_BOLT_SCRIPTS_DIR "/loop.json");
  testing::LoopGateway gw(
      "graph", {{"backend", "neo4j"},
                {"connection",
                 {{"url", "bolt://" + bolt.address()}, {"user", "neo4j"}, {"password", "secret"}}},
                {"pool", {{"min_size", 4}, {"max_size", 4}, {"validation_interval_ms", 60000}}}});
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    const auto opened = gw.post("/v1/databases/graph/transactions", "{}");
    ASSERT_EQ(opened.status, 201u) << opened.body;
    ids.emplace_back(opened.json().at("id").as_string());
  }
  std::vector<std::future<testing::HttpReply>> slow;
  for (const auto& id : ids) {
    slow.push_back(std::async(std::launch::async, [&gw, id] {
      return gw.post("/v1/databases/graph/transactions/" + id + "/query",
                     R"J({"query":"RETURN 'in a transaction' AS t"})J");
    }));
  }
  std::this_thread::sleep_for(milliseconds(300));  // all four are in flight
  EXPECT_LT(gw.time_a_worker_query(), milliseconds(1000)) << "the SQLite query waited for a worker";
  for (auto& reply : slow) {
    const auto r = reply.get();
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.json().at("rows"), boost::json::parse(R"([["in a transaction"]])"));
  }
  for (const auto& id : ids) {
    const auto committed = gw.post("/v1/databases/graph/transactions/" + id + "/commit", "");
    EXPECT_EQ(committed.status, 200u) << committed.body;
  }
}

}  // namespace
}  // namespace weir
