// Load driver: 1,000 single-row inserts through an in-process gateway, three
// ways taking turns in one run, against SQLite and PostgreSQL —
//   single requests:  1,000 POST .../query, one after another on one keep-alive connection
//   batch statements: one POST .../batch holding the 1,000 inserts as statements
//   batch param_sets: one POST .../batch holding one insert with 1,000 parameter sets
// Each round empties the table first. Prints, per backend and mode, the time
// for the 1,000 inserts (median and percentiles over the rounds), the ratio
// against single requests, and the single requests' own latency percentiles.
// Usage: batch_bench [rounds=20] [inserts=1000]
#include "gateway_fixture.hpp"
#include "http_exchange.hpp"
#include "postgres_cluster.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
namespace http = boost::beast::http;

double micros_since(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

double percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(q * static_cast<double>(values.size() - 1))];
}

// One keep-alive connection to the gateway; every call must answer 200 with no error inside.
class Client {
 public:
  explicit Client(std::uint16_t port) : stream_(io_) {
    stream_.connect(
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  }
  void post(const std::string& target, const std::string& body) {
    const auto reply = weir::testing::http_exchange(stream_, http::verb::post, target, body,
                                                    {{"content-type", "application/json"}});
    if (reply.status != 200u || reply.body.find("\"error\"") != std::string::npos) {
      std::fprintf(stderr, "request failed: %u %s\n", reply.status,
                   reply.body.substr(0, 300).c_str());
      std::exit(1);
    }
  }

 private:
  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_;
};

struct Backend {
  std::string name;
  std::string insert;  // the insert with its two placeholders
};

std::string statement(const Backend& backend, int id, bool with_params) {
  boost::json::object s{{"query", backend.insert}};
  if (with_params) s["params"] = boost::json::array{id, "row " + std::to_string(id)};
  return boost::json::serialize(s);
}

void run(Client& client, const Backend& backend, int rounds, int inserts) {
  const std::string db = "/v1/databases/" + backend.name;
  const auto exec = [&](const std::string& sql) {
    client.post(db + "/query", boost::json::serialize(boost::json::object{{"query", sql}}));
  };
  exec("drop table if exists items");
  exec("create table items(id integer primary key, name text)");

  std::string statements, sets;
  for (int i = 0; i < inserts; ++i) {
    statements += (i > 0 ? "," : "") + statement(backend, i, true);
    sets += std::string(i > 0 ? "," : "") + "[" + std::to_string(i) + ",\"row " +
            std::to_string(i) + "\"]";
  }
  const std::string as_statements = "{\"statements\":[" + statements + "]}";
  const std::string as_sets =
      "{\"statements\":[{\"query\":" + boost::json::serialize(boost::json::string(backend.insert)) +
      ",\"param_sets\":[" + sets + "]}]}";

  std::map<std::string, std::vector<double>> totals_us;
  std::vector<double> single_us;
  const std::vector<std::pair<std::string, std::function<void()>>> modes = {
      {"single requests",
       [&] {
         for (int i = 0; i < inserts; ++i) {
           const auto t0 = Clock::now();
           client.post(db + "/query", statement(backend, i, true));
           single_us.push_back(micros_since(t0));
         }
       }},
      {"batch statements", [&] { client.post(db + "/batch", as_statements); }},
      {"batch param_sets", [&] { client.post(db + "/batch", as_sets); }},
  };
  for (int round = 0; round < rounds; ++round) {
    for (const auto& [mode, insert_all] : modes) {
      exec("delete from items");
      const auto t0 = Clock::now();
      insert_all();
      totals_us[mode].push_back(micros_since(t0));
    }
  }
  const double base = percentile(totals_us["single requests"], 0.5);
  std::printf("\n%s: %d inserts, %d rounds (time for all the inserts, ms)\n", backend.name.c_str(),
              inserts, rounds);
  std::printf("| mode | p50 ms | p95 ms | p99 ms | µs per insert | speed-up vs single |\n");
  std::printf("|---|---:|---:|---:|---:|---:|\n");
  for (const auto& [mode, _] : modes) {
    const auto& t = totals_us[mode];
    const double p50 = percentile(t, 0.5);
    std::printf("| %s | %.1f | %.1f | %.1f | %.1f | %.1f× |\n", mode.c_str(), p50 / 1000,
                percentile(t, 0.95) / 1000, percentile(t, 0.99) / 1000, p50 / inserts, base / p50);
  }
  std::printf("single requests, each: p50 %.0f µs, p95 %.0f µs, p99 %.0f µs\n",
              percentile(single_us, 0.5), percentile(single_us, 0.95), percentile(single_us, 0.99));
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 20;
  const int inserts = argc > 2 ? std::atoi(argv[2]) : 1000;
  weir::testing::PostgresCluster pg;
  ::setenv("WEIR_BENCH_PW", pg.superuser_password().c_str(), 1);
  weir::testing::RunningGateway gw(boost::json::object{
      {"log", {{"level", "warn"}}},
      {"databases",
       {{"sqlite", {{"backend", "sqlite"}, {"connection", {{"path", "batch-bench.db"}}}}},
        {"postgres",
         {{"backend", "postgres"},
          {"connection", {{"url", pg.url()}, {"password_env", "WEIR_BENCH_PW"}}}}}}}});
  Client client(gw.port());
  run(client, {"sqlite", "insert into items values (?, ?)"}, rounds, inserts);
  run(client, {"postgres", "insert into items values ($1, $2)"}, rounds, inserts);
  return 0;
}
