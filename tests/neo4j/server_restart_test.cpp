// The gateway in front of the Bolt test server when that server goes away
// while a request is in flight: the client is answered as soon as the
// connection drops, not when the request's deadline passes, with the error
// every backend uses for a broken connection. As in the soak benchmark, a
// FaultProxy keeps the server's address and a child process (a server a test
// restarts) is spawned while the connections are open: the proxy's close()
// of weir's connection must still reach weir (child_process.hpp).
#include "child_process.hpp"
#include "fault_proxy.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "scripted_bolt_server.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>
#include <thread>

namespace weir {
namespace {

using neo4j::testing::ScriptedBoltServer;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The request's deadline, far beyond what an answer to a dropped connection needs.
constexpr milliseconds kDeadline{5000};
// What a loaded 2-core machine may take to pass the drop on to the client.
constexpr milliseconds kAnswerBound{1500};

struct Outcome {
  testing::HttpReply reply;
  Clock::time_point answered;
};

// A gateway with one database, "graph", on the Bolt server at `address`, one connection at most.
boost::json::object gateway_config(const std::string& address, boost::json::object pool = {}) {
  pool["min_size"] = 0;
  pool["max_size"] = 1;
  return {{"databases",
           {{"graph",
             {{"backend", "neo4j"},
              {"connection",
               {{"url", "bolt://" + address},
                {"user", "neo4j"},
                {"password", "secret"},
                {"connect_timeout_ms", 1000}}},
              {"pool", pool}}}}}};
}

class BoltServerGoesAway : public ::testing::Test {
 protected:
  BoltServerGoesAway() : gateway_(gateway_config(proxy_.address())) {}

  // Sends `query` (declared read-only or not); the server sleeps before it answers.
  std::future<Outcome> send(const std::string& query, bool read_only) {
    const std::string body = R"({"query": ")" + query + R"(", "params": )" +
                             (read_only ? "{}" : R"({"name": "x"})") +
                             (read_only ? R"(, "read_only": true})" : "}");
    return std::async(std::launch::async, [port = gateway_.port(), body] {
      auto reply = testing::http_call(port, boost::beast::http::verb::post,
                                      "/v1/databases/graph/query", body,
                                      {{"content-type", "application/json"},
                                       {"x-weir-timeout-ms", std::to_string(kDeadline.count())}});
      return Outcome{std::move(reply), Clock::now()};
    });
  }

  // Waits until the server has read `run` ("RUN <query>"), spawns a child
  // process, then stops the server: every connection is shut down, as a
  // server going down does, and the proxy closes weir's side. Returns when
  // the shutdown was sent (stop() itself waits for the sleeping session).
  Clock::time_point stop_server_once_it_runs(const std::string& run) {
    const auto until = Clock::now() + kDeadline;
    auto received = [&] {
      for (const auto& m : server_.received())
        if (m == run) return true;
      return false;
    };
    while (!received() && Clock::now() < until) std::this_thread::sleep_for(milliseconds(5));
    EXPECT_TRUE(received()) << "the server never received " << run;
    child_.emplace("/bin/sleep", std::vector<std::string>{"30"}, "/", "/dev/null");
    const auto stopped = Clock::now();
    stopper_ = std::thread([this] { server_.stop(); });
    return stopped;
  }

  ~BoltServerGoesAway() override {
    if (stopper_.joinable()) stopper_.join();
  }

  ScriptedBoltServer server_{WEIR_BOLT_SCRIPTS_DIR "/slow_write.json"};
  testing::FaultProxy proxy_{server_.port()};
  testing::RunningGateway gateway_;
  std::optional<testing::ChildProcess> child_;
  std::thread stopper_;
};

// A write that may have been applied is not run again and not retryable.
TEST_F(BoltServerGoesAway, AWriteInFlightIsAnsweredBrokenAtOnceNotAtItsDeadline) {
  auto outcome = send("CREATE (:Item {name: $name})", false);
  const auto stopped = stop_server_once_it_runs("RUN CREATE (:Item {name: $name})");
  const auto [reply, answered] = outcome.get();

  EXPECT_EQ(reply.status, 502u) << reply.body;
  EXPECT_EQ(reply.error_code(), "connection_broken") << reply.body;
  ASSERT_EQ(reply.status, 502u);
  const auto body = reply.json();
  const auto& error = body.at("error");
  EXPECT_FALSE(error.at("retryable").as_bool()) << reply.body;
  EXPECT_NE(std::string(error.at("message").as_string()).find("it may have been applied"),
            std::string::npos)
      << reply.body;
  EXPECT_LT(answered - stopped, kAnswerBound) << reply.body;
}

// A read-only request cut off may run again: the host retries it once on a
// fresh connection, which the stopped server refuses, so the client hears
// that the backend is unavailable, retryably, also without waiting.
TEST_F(BoltServerGoesAway, AReadInFlightStaysRetryableAndIsAnsweredAtOnce) {
  auto outcome = send("MATCH (i:Item) RETURN count(i) AS n", true);
  const auto stopped = stop_server_once_it_runs("RUN MATCH (i:Item) RETURN count(i) AS n");
  const auto [reply, answered] = outcome.get();

  EXPECT_NE(reply.status, 200u) << reply.body;
  ASSERT_NE(reply.status, 0u);
  EXPECT_TRUE(reply.json().at("error").at("retryable").as_bool()) << reply.body;
  EXPECT_LT(answered - stopped, kAnswerBound) << reply.body;
}

// A pooled connection the server closed while it sat idle (a restart, an
// idle timeout): nothing was sent on it, so a write is run on a fresh
// connection and succeeds, rather than failing as one that may have been
// applied. The pool's liveness ping is off here, as it is for a connection
// used less than validation_interval_ms ago.
TEST(BoltConnectionClosedWhileIdle, AWriteRunsOnAFreshConnection) {
  ScriptedBoltServer server(WEIR_BOLT_SCRIPTS_DIR "/conformance.json");
  testing::FaultProxy proxy(server.port());
  testing::RunningGateway gateway(
      gateway_config(proxy.address(), {{"validation_interval_ms", 86400000}}));
  const std::string write =
      R"J({"query": "CREATE (:Item {name: $name})", "params": {"name": "x"}})J";
  ASSERT_EQ(testing::http_post(gateway.port(), "/v1/databases/graph/query", write).status, 200u);

  proxy.close_open_connections();  // FIN to both sides, as a server going down sends
  std::this_thread::sleep_for(milliseconds(100));  // for it to reach weir's socket
  const auto reply = testing::http_post(gateway.port(), "/v1/databases/graph/query", write);

  EXPECT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(proxy.accepted(), 2);  // the pooled connection, then a fresh one
}

}  // namespace
}  // namespace weir
