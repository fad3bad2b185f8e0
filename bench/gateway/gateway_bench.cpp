// Load driver: the same point query on the same SQLite file, with the same
// number of client threads, three ways in one run —
//   direct:        each thread keeps its own sqlite3 connection (the floor)
//   per-query:     each query opens and closes a connection (what the original users do)
//   weir:          each thread sends HTTP/1.1 keep-alive requests to an in-process gateway
// and, while weir is loaded, a prober times GET /health (target: p99 < 1 ms).
// Prints throughput and latency percentiles, and ratios against direct.
#include "gateway_fixture.hpp"
#include "temp_dir.hpp"

#include <sqlite3.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
namespace http = boost::beast::http;

struct Result {
  double per_second = 0;
  double p50_us = 0, p95_us = 0, p99_us = 0;
};

Result summarise(std::vector<double>& latencies_us, double seconds) {
  std::sort(latencies_us.begin(), latencies_us.end());
  const auto at = [&](double q) {
    return latencies_us[static_cast<std::size_t>(q * (latencies_us.size() - 1))];
  };
  return {latencies_us.size() / seconds, at(0.50), at(0.95), at(0.99)};
}

// Runs `one` (returns false on error) from `threads` threads for `seconds`.
template <class MakeClient>
Result drive(int threads, double seconds, MakeClient make_client) {
  std::vector<std::vector<double>> per_thread(threads);
  std::atomic<bool> stop{false};
  std::atomic<long> errors{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto one = make_client(t);
      while (!stop.load(std::memory_order_relaxed)) {
        const auto t0 = Clock::now();
        if (!one()) ++errors;
        per_thread[t].push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  if (errors > 0) std::fprintf(stderr, "warning: %ld failed requests\n", errors.load());
  std::vector<double> all;
  for (auto& v : per_thread) all.insert(all.end(), v.begin(), v.end());
  return summarise(all, seconds);
}

constexpr const char* kQuery = "select id, name, score from items where id = ?";

void prepare(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db,
               "pragma journal_mode=wal; create table if not exists items(id integer primary key, "
               "name text, score real);"
               "delete from items; with recursive c(x) as (select 1 union all select x+1 from c "
               "where x < 10000) "
               "insert into items select x, 'item ' || x, x * 0.5 from c;",
               nullptr, nullptr, nullptr);
  sqlite3_close(db);
}

bool sqlite_point_query(sqlite3* db, int id) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, kQuery, -1, &stmt, nullptr) != SQLITE_OK) return false;
  sqlite3_bind_int(stmt, 1, id);
  const bool ok = sqlite3_step(stmt) == SQLITE_ROW;
  sqlite3_finalize(stmt);
  return ok;
}

class KeepAliveClient {
 public:
  explicit KeepAliveClient(std::uint16_t port) : stream_(io_) {
    stream_.connect(
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  }
  unsigned call(http::verb method, const std::string& target, const std::string& body) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(stream_, req);
    http::response<http::string_body> res;
    http::read(stream_, buffer_, res);
    return res.result_int();
  }

 private:
  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
};

void print(const char* name, const Result& r, const Result& base) {
  std::printf("%-28s %10.0f req/s (%5.2fx)   p50 %8.1f us (%6.2fx)   p95 %8.1f us   p99 %8.1f us\n",
              name, r.per_second, r.per_second / base.per_second, r.p50_us, r.p50_us / base.p50_us,
              r.p95_us, r.p99_us);
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 8;
  const double seconds = argc > 2 ? std::atof(argv[2]) : 3.0;
  weir::testing::TempDir dir;
  const std::string path = (dir.path() / "bench.db").string();
  prepare(path);
  std::printf("SQLite point query by primary key, %d client threads, %.1f s per mode\n", threads,
              seconds);

  const auto direct = drive(threads, seconds, [&](int t) {
    auto db = std::shared_ptr<sqlite3>(nullptr, sqlite3_close);
    sqlite3* raw = nullptr;
    sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
    db.reset(raw, sqlite3_close);
    return [db, n = t * 7919]() mutable { return sqlite_point_query(db.get(), 1 + (n++ % 10000)); };
  });
  const auto per_query = drive(threads, seconds, [&](int t) {
    return [&, n = t * 7919]() mutable {
      sqlite3* db = nullptr;
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
      sqlite3_exec(db, "pragma journal_mode=wal", nullptr, nullptr, nullptr);
      const bool ok = sqlite_point_query(db, 1 + (n++ % 10000));
      sqlite3_close(db);
      return ok;
    };
  });

  weir::testing::RunningGateway gw(
      boost::json::object{{"log", {{"level", "warn"}}},
                          {"databases",
                           {{"bench",
                             {{"backend", "sqlite"},
                              {"connection", {{"path", path}}},
                              {"pool", {{"min_size", threads}, {"max_size", threads}}}}}}}});
  std::atomic<bool> probing{true};
  std::vector<double> health_us;
  std::thread prober([&] {
    KeepAliveClient client(gw.port());
    while (probing.load()) {
      const auto t0 = Clock::now();
      client.call(http::verb::get, "/health", "");
      health_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  const auto through_weir = drive(threads, seconds, [&](int t) {
    auto client = std::make_shared<KeepAliveClient>(gw.port());
    return [client, n = t * 7919]() mutable {
      const auto body = "{\"query\":\"" + std::string(kQuery) + "\",\"params\":[" +
                        std::to_string(1 + (n++ % 10000)) + "]}";
      return client->call(http::verb::post, "/v1/databases/bench/query", body) == 200u;
    };
  });
  probing = false;
  prober.join();
  const auto health = summarise(health_us, seconds);

  print("direct (connection/thread)", direct, direct);
  print("new connection per query", per_query, direct);
  print("through weir (HTTP)", through_weir, direct);
  std::printf("GET /health under that load: %zu probes, p50 %.1f us, p95 %.1f us, p99 %.1f us\n",
              health_us.size(), health.p50_us, health.p95_us, health.p99_us);
  return 0;
}
