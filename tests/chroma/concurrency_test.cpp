// Many clients adding and querying at once through the SDK pool with few
// connections: nothing is lost and every query sees data.
#include "chroma_test_fixture.hpp"

#include <weir/sdk/pool.hpp>

#include <atomic>
#include <thread>
#include <vector>

namespace weir::chroma::test {
namespace {

using ConcurrencyTest = ChromaTest;

TEST_F(ConcurrencyTest, ManyClientsThroughASmallPoolLoseNothing) {
  constexpr int kThreads = 12, kAddsPerThread = 10, kRecordsPerAdd = 10;
  sdk::PoolConfig config;
  config.min_size = 0;
  config.max_size = 3;
  config.acquire_timeout = std::chrono::seconds(20);
  sdk::Pool pool(config, factory(), "vec");
  {
    auto* lease = pool.acquire({});
    run(*lease->connection, R"({"op":"create_collection","name":"shared","space":"cosine"})");
    pool.release(lease, false);
  }
  std::atomic<int> failures{0}, empty_queries{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kThreads; ++t) {
    clients.emplace_back([&, t] {
      for (int k = 0; k < kAddsPerThread; ++k) {
        boost::json::object add{{"op", "add"}, {"collection", "shared"}};
        boost::json::array ids, embeddings;
        for (int i = 0; i < kRecordsPerAdd; ++i) {
          ids.emplace_back("t" + std::to_string(t) + "-" + std::to_string(k) + "-" +
                           std::to_string(i));
          embeddings.emplace_back(boost::json::array{1.0 + t, 1.0 + k, 1.0 + i});
        }
        add["ids"] = std::move(ids);
        add["embeddings"] = std::move(embeddings);
        try {
          auto* lease = pool.acquire({});
          run(*lease->connection, boost::json::serialize(add));
          pool.release(lease, false);
          lease = pool.acquire({});
          const auto hits = run(
              *lease->connection,
              R"({"op":"query","collection":"shared","query_embeddings":[[1,2,3]],"n_results":3})");
          pool.release(lease, false);
          if (hits.at("ids").at(0).as_array().empty()) ++empty_queries;
        } catch (const sdk::Error& e) {
          ++failures;
          ADD_FAILURE() << e.message();
        }
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(empty_queries.load(), 0);
  weir_pool_stats stats{};
  pool.stats(stats);
  EXPECT_LE(stats.total, 3u);
  auto* lease = pool.acquire({});
  EXPECT_EQ(run(*lease->connection, R"({"op":"count","collection":"shared"})").at("count"),
            kThreads * kAddsPerThread * kRecordsPerAdd);
  pool.release(lease, false);
}

}  // namespace
}  // namespace weir::chroma::test
