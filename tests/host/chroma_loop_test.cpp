// Chroma reads on the I/O thread's event loop (the chroma plugin's
// execute_async), through the weir binary and a real Chroma server: a read
// that waits for a silent server holds no worker thread, and a server that
// went away is reported as away, then served again once it is back.
#include "chroma_server.hpp"
#include "fault_proxy.hpp"
#include "free_local_port.hpp"
#include "http_client.hpp"
#include "temp_dir.hpp"
#include "weir_process.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <vector>

namespace weir {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kCountCollections = R"J({"op":"count_collections"})J";

// The weir binary with one I/O thread and two worker threads, serving Chroma at `url`
// ("vectors") and a SQLite database ("lite"), which runs on the workers.
class LoopGateway {
 public:
  explicit LoopGateway(const std::string& url) {
    const boost::json::object config{
        {"listen", "127.0.0.1:" + std::to_string(port_)},
        {"plugin_dirs", boost::json::array{WEIR_TEST_PLUGIN_DIR}},
        {"io_threads", 1},
        {"worker_threads", 2},
        {"worker_threads_min", 2},
        {"databases",
         {{"vectors",
           {{"backend", "chroma"},
            {"connection", {{"url", url}}},
            // Idle connections are handed out unpinged: a ping would wait on a worker.
            {"pool", {{"min_size", 4}, {"max_size", 4}, {"validation_interval_ms", 60000}}}}},
          {"lite", {{"backend", "sqlite"}, {"connection", {{"path", "lite.db"}}}}}}}};
    weir_.emplace(dir_.path(), boost::json::serialize(config));
    EXPECT_TRUE(testing::WeirProcess::serves(port_, "/health/ready")) << weir_->stderr_text();
  }

  std::int64_t idle_connections() const {
    const auto listing = testing::http_get(port_, "/v1/databases/vectors");
    return listing.json().at("pool").at("idle").as_int64();
  }

  testing::HttpReply query(const std::string& database, const std::string& body,
                           int timeout_ms = 10000) const {
    return testing::http_call(
        port_, boost::beast::http::verb::post, "/v1/databases/" + database + "/query", body,
        {{"content-type", "application/json"}, {"x-weir-timeout-ms", std::to_string(timeout_ms)}});
  }

 private:
  testing::TempDir dir_;
  std::uint16_t port_ = testing::free_local_port();
  std::optional<testing::WeirProcess> weir_;
};

// Four reads wait on a server that never answers; on workers they would hold both, and
// the SQLite query behind them would wait for their deadline.
TEST(ChromaLoopQuery, ASilentServerHoldsNoWorker) {
  testing::ChromaServer chroma;
  testing::FaultProxy proxy(chroma.port());
  LoopGateway gw("http://" + proxy.address());
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
  const auto started = Clock::now();
  const auto lite = gw.query("lite", R"J({"query":"select 1 as one"})J");
  const auto took = Clock::now() - started;
  EXPECT_EQ(lite.status, 200u) << lite.body;
  EXPECT_LT(took, milliseconds(1000)) << "the SQLite query waited for a worker";

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
  LoopGateway gw(chroma.url());
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
