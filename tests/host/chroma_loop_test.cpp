// Chroma reads on the I/O thread's event loop (the chroma plugin's
// execute_async), through the weir binary and a real Chroma server: a read
// that waits for a silent server holds no worker thread, and a server that
// went away is reported as away, then served again once it is back.
#include "chroma_server.hpp"
#include "fault_proxy.hpp"
#include "loop_gateway.hpp"

#include <chrono>
#include <future>
#include <string>
#include <vector>

namespace weir {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kCountCollections = R"J({"op":"count_collections"})J";

// Chroma at `url` ("vectors"), its pool's four connections handed out unpinged (a ping
// would wait on a worker).
testing::LoopGateway chroma_gateway(const std::string& url) {
  return testing::LoopGateway(
      "vectors", {{"backend", "chroma"},
                  {"connection", {{"url", url}}},
                  {"pool", {{"min_size", 4}, {"max_size", 4}, {"validation_interval_ms", 60000}}}});
}

// Four reads wait on a server that never answers; on workers they would hold both, and
// the SQLite query behind them would wait for their deadline.
TEST(ChromaLoopQuery, ASilentServerHoldsNoWorker) {
  testing::ChromaServer chroma;
  testing::FaultProxy proxy(chroma.port());
  auto gw = chroma_gateway("http://" + proxy.address());
  ASSERT_EQ(gw.query("vectors", kCountCollections).status, 200u);
  // The pool's four connections are open and idle: a connect (heartbeat included) would
  // wait on a worker.
  ASSERT_TRUE(testing::WeirProcess::eventually([&] { return gw.idle_connections() == 4; }));
  proxy.set(testing::Fault::black_hole());

  std::vector<std::future<testing::HttpReply>> silent;
  for (int i = 0; i < 4; ++i) {
    silent.push_back(std::async(std::launch::async,
                                [&] { return gw.query("vectors", kCountCollections, 3000); }));
  }
  std::this_thread::sleep_for(milliseconds(300));  // all four are in flight
  EXPECT_LT(gw.time_a_worker_query(), milliseconds(1000)) << "the SQLite query waited for a worker";

  for (auto& reply : silent) {
    const auto r = reply.get();
    EXPECT_EQ(r.status, 504u) << r.body;
    EXPECT_EQ(r.json().at("error").at("code"), "timeout") << r.body;
  }
  proxy.clear();
  const auto after = gw.query("vectors", kCountCollections);
  EXPECT_EQ(after.status, 200u) << after.body;
}

TEST(ChromaLoopQuery, AServerGoneIsUnavailableThenServedAgain) {
  testing::ChromaServer chroma;
  auto gw = chroma_gateway(chroma.url());
  ASSERT_EQ(gw.query("vectors", kCountCollections).status, 200u);
  chroma.stop();
  // Every kept connection finds the server gone; the pool backs off and says so.
  const auto away = gw.query("vectors", kCountCollections);
  EXPECT_EQ(away.status, 503u) << away.body;
  EXPECT_EQ(away.json().at("error").at("code"), "backend_unavailable") << away.body;
  EXPECT_EQ(away.json().at("error").at("retryable"), true) << away.body;

  chroma.start();
  const auto back = Clock::now();
  testing::HttpReply served;
  while (Clock::now() - back < std::chrono::seconds(5)) {
    served = gw.query("vectors", kCountCollections);
    if (served.status == 200u) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(served.status, 200u) << served.body;
  EXPECT_LT(Clock::now() - back, std::chrono::seconds(2));
}

}  // namespace
}  // namespace weir
