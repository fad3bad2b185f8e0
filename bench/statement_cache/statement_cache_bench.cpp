// statement_cache_bench — the same point select through each SQL plugin's
// connection (in process, as the host calls it: a request object in, a value
// writer out) with the statement cache off (statement_cache_size 0) and on
// (the default), in one run against one throwaway PostgreSQL cluster and one
// SQLite file. One client per mode: the cache saves work per statement, which
// one client's latency shows directly.
//
// The modes take turns over several rounds (machine noise hits them alike);
// each mode's figures pool its rounds. Prints a Markdown table for
// docs/performance.md with the cache-on/cache-off ratios.
//
// Usage: statement_cache_bench [seconds per mode and round = 2] [rounds = 3]
#include "connection_factory.hpp"
#include "postgres_cluster.hpp"
#include "sqlite_database.hpp"
#include "temp_dir.hpp"

#include <weir/testing/value_builder.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kAccounts = 10000;

struct Mode {
  std::string backend;
  bool cached;
  std::string sql;
  std::unique_ptr<weir::sdk::Connection> connection;
  std::vector<double> latencies_us{};
  double seconds = 0;

  double throughput() const { return double(latencies_us.size()) / seconds; }
  double pct(double p) const {
    return latencies_us[std::size_t(p * double(latencies_us.size() - 1))];
  }
};

void execute(weir::sdk::Connection& connection, const boost::json::object& request) {
  weir::testing::ValueBuilder builder;
  weir::sdk::ValueWriter writer(builder.writer());
  connection.execute(request, weir::sdk::ExecOptions{std::chrono::milliseconds(5000)}, writer);
}

// Point selects of random accounts for `duration`, each timed.
void measure(Mode& mode, std::chrono::seconds duration, std::mt19937& rng) {
  std::uniform_int_distribution<int> id(1, kAccounts);
  const auto start = Clock::now();
  while (Clock::now() - start < duration) {
    const boost::json::object request{{"query", mode.sql}, {"params", boost::json::array{id(rng)}}};
    const auto t0 = Clock::now();
    execute(*mode.connection, request);
    mode.latencies_us.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  mode.seconds += std::chrono::duration<double>(Clock::now() - start).count();
}

std::unique_ptr<weir::sdk::Connection> postgres(const weir::testing::PostgresCluster& pg,
                                                std::int64_t cache_size) {
  const boost::json::object connection{{"url", pg.socket_url()},
                                       {"statement_cache_size", cache_size}};
  const weir::sdk::ConfigReader reader(connection, "databases.bench.connection");
  return weir::postgres::PgConnectionFactory(weir::postgres::Settings::from(reader, "/tmp"))
      .connect({});
}

std::unique_ptr<weir::sdk::Connection> sqlite(const std::filesystem::path& data_dir,
                                              std::int64_t cache_size) {
  const boost::json::object connection{{"path", "bench.db"}, {"statement_cache_size", cache_size}};
  const weir::sdk::OpenContext context{
      "bench", weir::sdk::ConfigReader(connection, "databases.bench.connection"), data_dir, {}};
  return weir::sqlite::SqliteDatabase(context).connect({});
}

}  // namespace

int main(int argc, char** argv) {
  const std::chrono::seconds duration(argc > 1 ? std::atoi(argv[1]) : 2);
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;

  const std::string create =
      "CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL, balance bigint NOT NULL)";
  // Both dialects: SQLite has no generate_series built in.
  const std::string fill =
      "WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < " +
      std::to_string(kAccounts) +
      ") INSERT INTO accounts SELECT value, 'account ' || value, 1000 FROM s";
  weir::testing::PostgresCluster pg;
  pg.psql(create + "; " + fill + "; ANALYZE accounts");
  const weir::testing::TempDir data_dir;
  {
    auto setup = sqlite(data_dir.path(), 0);
    execute(*setup, {{"query", create}});
    execute(*setup, {{"query", fill}});
  }

  std::vector<Mode> modes;
  for (const bool cached : {false, true}) {
    modes.push_back({"PostgreSQL", cached, "SELECT id, name, balance FROM accounts WHERE id = $1",
                     postgres(pg, cached ? 100 : 0)});
    modes.push_back({"SQLite", cached, "SELECT id, name, balance FROM accounts WHERE id = ?",
                     sqlite(data_dir.path(), cached ? 100 : 0)});
  }
  std::mt19937 rng(1234);
  for (int round = 0; round < rounds; ++round) {
    for (auto& mode : modes) measure(mode, duration, rng);
  }
  for (auto& mode : modes) std::sort(mode.latencies_us.begin(), mode.latencies_us.end());

  std::printf("\nPoint select by primary key, one client, %d rounds of %lld s per mode\n\n", rounds,
              static_cast<long long>(duration.count()));
  std::printf(
      "| backend | statement cache | requests/s | p50 µs | p95 µs | p99 µs | "
      "throughput on/off | p50 on/off |\n");
  std::printf("|---|---|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& mode : modes) {
    const auto& off = *std::find_if(modes.begin(), modes.end(), [&](const Mode& m) {
      return m.backend == mode.backend && !m.cached;
    });
    std::printf("| %s | %s | %.0f | %.1f | %.1f | %.1f | %.2f | %.2f |\n", mode.backend.c_str(),
                mode.cached ? "on (100)" : "off (0)", mode.throughput(), mode.pct(0.50),
                mode.pct(0.95), mode.pct(0.99), mode.throughput() / off.throughput(),
                mode.pct(0.50) / off.pct(0.50));
  }
  return 0;
}
