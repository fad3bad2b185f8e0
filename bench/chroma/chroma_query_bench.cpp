// chroma_query_bench — the same k-NN query against one real Chroma server,
// three ways in one run:
//   weir        through the chroma plugin's connection and the SDK pool
//   keep-alive  direct libcurl HTTP reusing one connection per client
//   new-conn    direct libcurl HTTP opening a new connection per request
// at 1 and 4 concurrent clients; prints throughput, latency percentiles and
// ratios against keep-alive. Usage: chroma_query_bench [queries per client]
#include "chroma_factory.hpp"

#include <chroma_direct_client.hpp>
#include <chroma_server.hpp>
#include <weir/sdk/pool.hpp>
#include <weir/testing/value_builder.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kDimension = 32;
constexpr int kRecords = 2000;
constexpr int kRounds = 3;

std::string random_vector(std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1, 1);
  std::string v = "[";
  for (int i = 0; i < kDimension; ++i) v += (i ? "," : "") + std::to_string(u(rng));
  return v + "]";
}

struct Result {
  double per_second;
  double p50_us, p95_us, p99_us;
};

// Runs `clients` threads, each making `queries` calls of the query its factory returns.
Result measure(int clients, int queries,
               const std::function<std::function<void(const std::string&)>()>& make_client,
               const std::vector<std::string>& vectors) {
  std::vector<std::vector<double>> latencies(clients);
  std::vector<std::thread> threads;
  const auto started = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto query = make_client();
      for (int i = 0; i < queries; ++i) {
        const auto t0 = Clock::now();
        query(vectors[(c * queries + i) % vectors.size()]);
        latencies[c].push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all[static_cast<std::size_t>(p * (all.size() - 1))]; };
  return {all.size() / seconds, pct(0.50), pct(0.95), pct(0.99)};
}

// The median of each figure over rounds, taken separately.
Result median(std::vector<Result> rounds) {
  auto mid = [&](double Result::*field) {
    std::vector<double> v;
    for (const auto& r : rounds) v.push_back(r.*field);
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  return {mid(&Result::per_second), mid(&Result::p50_us), mid(&Result::p95_us),
          mid(&Result::p99_us)};
}

}  // namespace

int main(int argc, char** argv) {
  using namespace weir;
  const int queries = argc > 1 ? std::stoi(argv[1]) : 300;
  testing::ChromaServer server;
  std::mt19937 rng(42);

  chroma::ChromaFactory setup(chroma::ChromaSettings::from(
      sdk::ConfigReader(boost::json::object{{"url", server.url()}}, "bench.connection")));
  auto admin = setup.connect({});
  auto run = [](sdk::Connection& c, const std::string& json) {
    testing::ValueBuilder builder;
    sdk::ValueWriter writer(builder.writer());
    c.execute(boost::json::parse(json).as_object(), {}, writer);
    return builder.value();
  };
  const auto created = run(*admin, R"({"op":"create_collection","name":"bench"})");
  const std::string records_path =
      "/api/v2/tenants/default_tenant/databases/default_database/collections/" +
      std::string(created.at("id").as_string()) + "/query";
  std::string add = R"({"op":"add","collection":"bench","ids":[)";
  std::string embeddings;
  for (int i = 0; i < kRecords; ++i) {
    add += (i ? ",\"" : "\"") + std::to_string(i) + "\"";
    embeddings += (i ? "," : "") + random_vector(rng);
  }
  run(*admin, add + "],\"embeddings\":[" + embeddings + "]}");
  std::vector<std::string> vectors;
  for (int i = 0; i < 256; ++i) vectors.push_back(random_vector(rng));

  std::printf(
      "chroma query bench: %d records x %d-d, n_results 5, %d queries per client, median of %d "
      "rounds\n",
      kRecords, kDimension, queries, kRounds);
  std::printf("%-11s %7s %10s %9s %9s %9s %13s %12s\n", "mode", "clients", "req/s", "p50 us",
              "p95 us", "p99 us", "req/s ratio", "p50 ratio");
  for (const int clients : {1, 4}) {
    sdk::PoolConfig config;
    config.min_size = 0;
    config.max_size = static_cast<std::uint32_t>(clients);
    sdk::Pool pool(
        config,
        std::make_unique<chroma::ChromaFactory>(chroma::ChromaSettings::from(
            sdk::ConfigReader(boost::json::object{{"url", server.url()}}, "bench.connection"))),
        "bench");
    auto weir_client = [&] {
      return std::function<void(const std::string&)>([&](const std::string& v) {
        auto* lease = pool.acquire({});
        run(*lease->connection,
            R"({"op":"query","collection":"bench","n_results":5,"query_embeddings":[)" + v + "]}");
        pool.release(lease, false);
      });
    };
    auto direct_client = [&](bool keep_alive) {
      return [&, keep_alive] {
        auto client = std::make_shared<testing::ChromaDirectClient>(server.url(), keep_alive);
        return std::function<void(const std::string&)>(
            [client, &records_path](const std::string& v) {
              const auto r =
                  client->post(records_path, R"({"n_results":5,"query_embeddings":[)" + v + "]}");
              if (r.status != 200) throw std::runtime_error("query failed: " + r.body);
            });
      };
    };
    measure(clients, 50, weir_client, vectors);  // warm-up: index load, connections
    // The machine is shared, so the modes take turns over several rounds and
    // each figure is the median round, not one lucky or unlucky stretch.
    std::vector<Result> rounds[3];
    for (int round = 0; round < kRounds; ++round) {
      rounds[0].push_back(measure(clients, queries, direct_client(true), vectors));
      rounds[1].push_back(measure(clients, queries, direct_client(false), vectors));
      rounds[2].push_back(measure(clients, queries, weir_client, vectors));
    }
    const Result keep_alive = median(rounds[0]), fresh = median(rounds[1]),
                 through_weir = median(rounds[2]);
    for (const auto& [name, r] : {std::pair{"keep-alive", keep_alive}, std::pair{"new-conn", fresh},
                                  std::pair{"weir", through_weir}}) {
      std::printf("%-11s %7d %10.0f %9.0f %9.0f %9.0f %13.2f %12.2f\n", name, clients, r.per_second,
                  r.p50_us, r.p95_us, r.p99_us, r.per_second / keep_alive.per_second,
                  r.p50_us / keep_alive.p50_us);
    }
  }
  return 0;
}
