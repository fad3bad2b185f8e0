// The optional vector backend through the gateway: with its server down at
// start the gateway still starts and serves the rest, reports the database
// with the reason, answers it with a retryable 503, and serves it by itself
// once the server comes up.
#include "chroma_server.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <thread>

namespace weir {
namespace {

using testing::http_get;
using testing::http_post;
using Clock = std::chrono::steady_clock;

TEST(ChromaGateway, ServerDownAtStartIsReportedThenServedOnceItComesUp) {
  testing::ChromaServer chroma;
  chroma.stop();
  testing::RunningGateway gw(boost::json::object{
      {"databases",
       {{"main", {{"backend", "sqlite"}}},
        {"vectors",
         {{"backend", "chroma"},
          {"optional", true},
          {"connection", {{"url", chroma.url()}}},
          {"pool", {{"min_size", 1}, {"backoff_initial_ms", 100}, {"backoff_max_ms", 300}}}}}}}});
  const std::string list = R"J({"op":"list_collections"})J";

  const auto r = http_post(gw.port(), "/v1/databases/vectors/query", list);
  EXPECT_EQ(r.status, 503u) << r.body;
  EXPECT_EQ(r.json().at("error").at("retryable").as_bool(), true);
  EXPECT_NE(r.body.find("cannot reach Chroma at " + chroma.url()), std::string::npos) << r.body;
  EXPECT_EQ(r.headers.count("retry-after"), 1u);

  std::string state;
  for (auto until = Clock::now() + std::chrono::seconds(5);
       Clock::now() < until && state != "unhealthy";) {
    state = std::string(http_get(gw.port(), "/health")
                            .json()
                            .at("databases")
                            .at("vectors")
                            .at("state")
                            .as_string());
  }
  EXPECT_EQ(state, "unhealthy");
  EXPECT_EQ(http_get(gw.port(), "/health/ready").status, 200u)
      << "an optional database does not block readiness";
  EXPECT_EQ(http_post(gw.port(), "/v1/databases/main/query", R"J({"query":"select 1"})J").status,
            200u);

  chroma.start();
  testing::HttpReply served;
  for (auto until = Clock::now() + std::chrono::seconds(10);
       Clock::now() < until && served.status != 200u;) {
    served = http_post(gw.port(), "/v1/databases/vectors/query", list);
    if (served.status != 200u) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(served.status, 200u) << served.body;
  EXPECT_EQ(
      http_get(gw.port(), "/health").json().at("databases").at("vectors").at("state").as_string(),
      "healthy");
}

// Every pooled connection idle when the server goes: the next request finds
// it away, gives its connection up and runs once more on a fresh lease, whose
// connect fails. So the client sees the pool's retryable 503, and the pool is
// down and backing off: callers after it fail fast instead of each trying
// the server on its own.
TEST(ChromaGateway, AServerGoneWhileEveryConnectionIdlesPutsThePoolIntoBackoff) {
  testing::ChromaServer chroma;
  testing::RunningGateway gw(boost::json::object{
      {"databases",
       {{"vectors",
         {{"backend", "chroma"},
          {"connection", {{"url", chroma.url()}}},
          {"pool",
           {{"min_size", 2}, {"backoff_initial_ms", 60000}, {"backoff_max_ms", 60000}}}}}}}});
  const std::string count = R"J({"op":"count_collections"})J";
  ASSERT_EQ(http_post(gw.port(), "/v1/databases/vectors/query", count).status, 200u);

  chroma.kill();
  const auto r = http_post(gw.port(), "/v1/databases/vectors/query", count);
  EXPECT_EQ(r.status, 503u) << r.body;
  EXPECT_EQ(r.error_code(), "backend_unavailable") << r.body;
  EXPECT_EQ(r.json().at("error").at("retryable").as_bool(), true);
  EXPECT_NE(r.body.find("cannot reach Chroma at " + chroma.url()), std::string::npos) << r.body;
  const auto pool = http_get(gw.port(), "/v1/databases/vectors").json().at("pool");
  EXPECT_GT(pool.at("backoff_ms").to_number<std::int64_t>(), 0) << pool;
  EXPECT_EQ(pool.at("total").to_number<std::int64_t>(), 0) << pool;
}

}  // namespace
}  // namespace weir
