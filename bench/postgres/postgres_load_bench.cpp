// postgres_load_bench — the same query mix at the same concurrency through
//   weir      the SDK pool + the postgres plugin, in process (no HTTP)
//   direct    libpq, one persistent connection per client thread
//   connect   libpq, a new connection per query (what the original users do)
//   pgbouncer libpq to pgbouncer (transaction pooling) on the same server
// against one throwaway cluster, over TCP with scram-sha-256 everywhere.
// Prints throughput, p50/p95/p99 latency and ratios against `direct` as a
// Markdown table for docs/performance.md.
//
// The modes take turns over several rounds (machine noise hits them alike);
// each mode's figures pool its rounds.
//
// Usage: postgres_load_bench [seconds per mode and round = 3] [client threads = 16]
//                            [pool size = 8] [rounds = 3]
#include "connection_factory.hpp"
#include "pgbouncer_process.hpp"
#include "postgres_cluster.hpp"

#include <weir/sdk/pool.hpp>
#include <weir/testing/value_builder.hpp>

#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using weir::testing::PostgresCluster;

constexpr int kAccounts = 10000;
constexpr const char* kRead = "SELECT id, name, balance FROM accounts WHERE id = $1";
constexpr const char* kWrite = "UPDATE accounts SET balance = balance + 1 WHERE id = $1";

// The mix: 9 point reads to 1 single-row update, ids uniform over the table.
struct Query {
  const char* sql;
  std::string id;
};
Query next_query(std::mt19937& rng) {
  std::uniform_int_distribution<int> id(1, kAccounts), kind(0, 9);
  return {kind(rng) == 0 ? kWrite : kRead, std::to_string(id(rng))};
}

void check(PGresult* r, PGconn* c) {
  const auto s = PQresultStatus(r);
  if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
    std::fprintf(stderr, "query failed: %s", PQerrorMessage(c));
    std::exit(1);
  }
}

PGconn* open_or_die(const std::string& conninfo) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::fprintf(stderr, "connect failed: %s", PQerrorMessage(c));
    std::exit(1);
  }
  return c;
}

void run_on(PGconn* c, const Query& q) {
  const char* values[] = {q.id.c_str()};
  PGresult* r = PQexecParams(c, q.sql, 1, nullptr, values, nullptr, nullptr, 0);
  check(r, c);
  // Touch every value, as a client reading the row would.
  std::size_t bytes = 0;
  for (int row = 0; row < PQntuples(r); ++row) {
    for (int col = 0; col < PQnfields(r); ++col) bytes += std::strlen(PQgetvalue(r, row, col));
  }
  PQclear(r);
  if (bytes == std::size_t(-1)) std::abort();
}

// One client thread's work for one request.
using Client = std::function<void(const Query&)>;

struct ModeResult {
  std::string name;
  double seconds = 0;
  std::vector<double> latencies_us{};
  double throughput() const { return double(latencies_us.size()) / seconds; }
  double pct(double p) const {
    return latencies_us[std::size_t(p * double(latencies_us.size() - 1))];
  }
};

// Runs `threads` clients, each made by `make_client`, for `duration`.
ModeResult measure(const std::string& name, int threads, std::chrono::seconds duration,
                   const std::function<Client()>& make_client) {
  std::atomic<bool> go{false}, stop{false};
  std::mutex mutex;
  ModeResult result{name};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      Client client = make_client();
      std::mt19937 rng(1234 + t);
      std::vector<double> mine;
      mine.reserve(200000);
      while (!go.load()) std::this_thread::yield();
      while (!stop.load()) {
        const auto q = next_query(rng);
        const auto start = Clock::now();
        client(q);
        mine.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
      }
      std::lock_guard lock(mutex);
      result.latencies_us.insert(result.latencies_us.end(), mine.begin(), mine.end());
    });
  }
  const auto start = Clock::now();
  go = true;
  std::this_thread::sleep_for(duration);
  stop = true;
  for (auto& w : workers) w.join();
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  const std::chrono::seconds duration(argc > 1 ? std::atoi(argv[1]) : 3);
  const int threads = argc > 2 ? std::atoi(argv[2]) : 16;
  const int pool_size = argc > 3 ? std::atoi(argv[3]) : 8;
  const int rounds = argc > 4 ? std::atoi(argv[4]) : 3;

  PostgresCluster pg;
  pg.psql(
      "CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL, balance bigint NOT NULL); "
      "INSERT INTO accounts SELECT i, 'account ' || i, 1000 FROM generate_series(1, " +
      std::to_string(kAccounts) + ") i; ANALYZE accounts");
  ::setenv("WEIR_BENCH_PW", pg.superuser_password().c_str(), 1);
  const std::string direct_conninfo =
      "host=127.0.0.1 port=" + std::to_string(pg.port()) +
      " dbname=postgres user=postgres password=" + pg.superuser_password();
  weir::bench::PgBouncerProcess bouncer(pg, pool_size);

  // weir: the plugin's factory behind the SDK pool, results written through a
  // value writer as the host would (ValueBuilder stands in for its JSON encoder).
  weir::sdk::PoolConfig pool_config;
  pool_config.min_size = static_cast<std::uint32_t>(pool_size);
  pool_config.max_size = static_cast<std::uint32_t>(pool_size);
  const boost::json::object connection{{"url", pg.url()}, {"password_env", "WEIR_BENCH_PW"}};
  const weir::sdk::ConfigReader reader(connection, "databases.bench.connection");
  weir::sdk::Pool pool(pool_config,
                       std::make_unique<weir::postgres::PgConnectionFactory>(
                           weir::postgres::Settings::from(reader, "/tmp")),
                       "bench");

  struct Mode {
    std::string name;
    std::function<Client()> make_client;
  };
  const std::vector<Mode> modes = {
      {"direct (persistent libpq)",
       [&]() -> Client {
         auto conn = std::shared_ptr<PGconn>(open_or_die(direct_conninfo), &PQfinish);
         return [conn](const Query& q) { run_on(conn.get(), q); };
       }},
      {"weir (SDK pool + plugin)",
       [&]() -> Client {
         return [&pool](const Query& q) {
           auto* lease = pool.acquire({});
           weir::testing::ValueBuilder builder;
           weir::sdk::ValueWriter writer(builder.writer());
           const boost::json::object request{{"query", q.sql},
                                             {"params", boost::json::array{std::stoi(q.id)}}};
           lease->connection->execute(
               request, weir::sdk::ExecOptions{std::chrono::milliseconds(5000), false}, writer);
           pool.release(lease, false);
         };
       }},
      {"pgbouncer (transaction pooling)",
       [&]() -> Client {
         auto conn = std::shared_ptr<PGconn>(open_or_die(bouncer.conninfo()), &PQfinish);
         return [conn](const Query& q) { run_on(conn.get(), q); };
       }},
      {"new connection per query",
       [&]() -> Client {
         return [&](const Query& q) {
           PGconn* c = open_or_die(direct_conninfo);
           run_on(c, q);
           PQfinish(c);
         };
       }},
  };
  std::vector<ModeResult> results;
  for (const auto& m : modes) results.push_back(ModeResult{m.name});
  for (int round = 0; round < rounds; ++round) {
    for (std::size_t i = 0; i < modes.size(); ++i) {
      auto r = measure(modes[i].name, threads, duration, modes[i].make_client);
      results[i].seconds += r.seconds;
      results[i].latencies_us.insert(results[i].latencies_us.end(), r.latencies_us.begin(),
                                     r.latencies_us.end());
    }
  }
  for (auto& r : results) std::sort(r.latencies_us.begin(), r.latencies_us.end());

  const auto& base = results.front();
  std::printf(
      "\n%d client threads, %d rounds of %lld s per mode, pool size %d (weir, pgbouncer); "
      "90%% point reads, 10%% single-row updates\n\n",
      threads, rounds, static_cast<long long>(duration.count()), pool_size);
  std::printf("| mode | requests/s | vs direct | p50 µs | p95 µs | p99 µs | p50 vs direct |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& r : results) {
    std::printf("| %s | %.0f | %.2f | %.0f | %.0f | %.0f | %.2f |\n", r.name.c_str(),
                r.throughput(), r.throughput() / base.throughput(), r.pct(0.50), r.pct(0.95),
                r.pct(0.99), r.pct(0.50) / base.pct(0.50));
  }
  return 0;
}
