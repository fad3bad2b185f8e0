// The server going away and coming back: connect fails with a retryable
// UNAVAILABLE naming the URL, requests in flight get retryable errors, a hung
// server times out, data survives restarts and service resumes by itself.
#include "chroma_test_fixture.hpp"

#include <weir/sdk/pool.hpp>

#include <regex>
#include <thread>

namespace weir::chroma::test {
namespace {

using AvailabilityTest = ChromaTest;

TEST_F(AvailabilityTest, ConnectToAStoppedServerIsUnavailableNamingTheUrl) {
  auto f = factory();
  server().stop();
  try {
    f->connect({});
    ADD_FAILURE() << "connected to a stopped server";
  } catch (const sdk::Error& e) {
    EXPECT_EQ(e.status(), WEIR_E_UNAVAILABLE);
    EXPECT_TRUE(e.retryable());
    EXPECT_EQ(e.message().rfind("cannot reach Chroma at " + server().url() + ": ", 0), 0u)
        << e.message();
  }
  server().start();
  EXPECT_TRUE(f->connect({})->ping());
}

TEST_F(AvailabilityTest, PoolResumesWhenTheServerComesBack) {
  server().stop();
  sdk::PoolConfig config;
  config.min_size = 0;
  config.max_size = 2;
  config.acquire_timeout = std::chrono::milliseconds(500);
  config.backoff_initial = std::chrono::milliseconds(20);
  config.backoff_max = std::chrono::milliseconds(100);
  sdk::Pool pool(config, factory(), "vec");
  try {
    pool.release(pool.acquire({}), false);
    ADD_FAILURE() << "acquired a connection to a stopped server";
  } catch (const sdk::Error& e) {
    EXPECT_EQ(e.status(), WEIR_E_UNAVAILABLE) << e.message();
    EXPECT_TRUE(e.retryable());
    EXPECT_NE(e.message().find(server().url()), std::string::npos) << e.message();
  }
  server().start();
  // The pool may still be backing off; it must come back on its own within a few attempts.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  sdk::Pool::Lease* lease = nullptr;
  while (lease == nullptr && std::chrono::steady_clock::now() < give_up) {
    try {
      lease = pool.acquire({});
    } catch (const sdk::Error& e) {
      ASSERT_TRUE(e.retryable()) << e.message();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ASSERT_NE(lease, nullptr) << "the pool did not reconnect after the server came back";
  EXPECT_EQ(run(*lease->connection, R"({"op":"count_collections"})").at("count").is_int64(), true);
  pool.release(lease, false);
}

TEST_F(AvailabilityTest, DataSurvivesARestart) {
  const auto name = make_collection_abc();
  const std::string get = R"({"op":"get","collection":")" + name +
                          R"(","include":["embeddings","documents","metadatas"]})";
  const auto before = run(connection(), get);
  server().restart();
  EXPECT_EQ(run(connection(), get), before);  // the same pooled connection reconnects by itself
  server().kill();
  server().start();
  EXPECT_EQ(run(connection(), get), before);
}

TEST_F(AvailabilityTest, RequestsWhileTheServerIsDownAreRetryableAndServiceResumes) {
  const auto name = make_collection_abc();
  auto& c = connection();
  server().stop();
  const auto e = failure(c, R"({"op":"count","collection":")" + name + "\"}");
  // The connection is given up, and the request, never sent, may run again.
  EXPECT_EQ(e.status(), WEIR_E_BROKEN);
  EXPECT_TRUE(e.retryable());
  EXPECT_TRUE(e.retryable_decided());
  EXPECT_EQ(e.message().rfind("cannot reach Chroma at " + server().url(), 0), 0u) << e.message();
  try {
    EXPECT_FALSE(c.ping());
  } catch (const sdk::Error& down) {
    EXPECT_EQ(down.status(), WEIR_E_UNAVAILABLE) << down.message();
  }
  server().start();
  EXPECT_TRUE(c.ping());
  EXPECT_EQ(run(c, R"({"op":"count","collection":")" + name + "\"}").at("count"), 3);
}

TEST_F(AvailabilityTest, HungServerTimesOutAtTheDeadline) {
  const auto name = make_collection_abc();
  auto& c = connection();
  server().pause();
  sdk::ExecOptions options;
  options.timeout = std::chrono::milliseconds(300);
  const auto started = std::chrono::steady_clock::now();
  const auto e = failure(c, R"({"op":"count","collection":")" + name + "\"}", options);
  const auto waited = std::chrono::steady_clock::now() - started;
  server().resume();
  EXPECT_EQ(e.status(), WEIR_E_TIMEOUT);
  EXPECT_TRUE(e.retryable());
  EXPECT_NE(e.message().find("did not answer GET"), std::string::npos) << e.message();
  // The time left is measured when the request is sent, a millisecond or so after the deadline was
  // set.
  EXPECT_TRUE(std::regex_search(e.message(), std::regex("within (29[0-9]|300) ms$")))
      << e.message();
  EXPECT_LT(waited, std::chrono::seconds(2));
  EXPECT_EQ(run(c, R"({"op":"count","collection":")" + name + "\"}").at("count"), 3);
}

TEST_F(AvailabilityTest, CancelStopsARequestFromAnotherThread) {
  const auto name = make_collection_abc();
  auto& c = connection();
  server().pause();
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    c.cancel();
  });
  const auto e = failure(c, R"({"op":"count","collection":")" + name + "\"}");
  canceller.join();
  server().resume();
  EXPECT_EQ(e.status(), WEIR_E_CANCELLED);
  EXPECT_NE(e.message().find("was cancelled"), std::string::npos) << e.message();
  EXPECT_EQ(run(c, R"({"op":"count","collection":")" + name + "\"}").at("count"), 3);
}

// The gateway cancels when the client goes away, which may be just before
// execute starts: that request stops before anything is sent, and the cancel
// is used up by it; one no request used up is forgotten when the lease ends.
TEST_F(AvailabilityTest, ACancelJustBeforeARequestStopsItAndIsUsedUp) {
  const auto name = make_collection_abc();
  auto& c = connection();
  c.cancel();
  const auto e = failure(
      c, R"({"op":"add","collection":")" + name + R"(","ids":["d"],"embeddings":[[1,1,0]]})");
  EXPECT_EQ(e.status(), WEIR_E_CANCELLED);
  EXPECT_EQ(e.message(), "add was cancelled before it was sent");
  EXPECT_EQ(run(c, R"({"op":"count","collection":")" + name + "\"}").at("count"), 3);
  c.cancel();
  c.reset();
  EXPECT_EQ(run(c, R"({"op":"count","collection":")" + name + "\"}").at("count"), 3);
}

TEST_F(AvailabilityTest, HealthReportsTheServerVersion) {
  auto& c = connection();
  EXPECT_TRUE(c.ping());
  weir::testing::ValueBuilder builder;
  sdk::ValueWriter writer(builder.writer());
  c.describe_backend(writer);
  const auto& detail = builder.value();
  EXPECT_EQ(detail.at("server_version"), boost::json::parse(direct().get("/api/v2/version").body));
  EXPECT_EQ(detail.at("server_version"), "1.0.0");
  EXPECT_EQ(detail.at("url"), boost::json::value(server().url()));
  EXPECT_EQ(detail.at("max_batch_size"), 5461);
}

}  // namespace
}  // namespace weir::chroma::test
