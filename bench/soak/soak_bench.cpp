// Soak: the weir binary (a child process) under mixed traffic across all four
// backends — SQLite, PostgreSQL, Chroma and the Bolt test server standing in
// for Neo4j — for a long run, with one backend server restarted at a fixed
// interval (PostgreSQL, Chroma, Bolt in turn). Samples weir's resident
// memory (whole, anonymous and file-backed), open file descriptors and
// threads, and reports whether the anonymous memory, the fds and the threads
// stay flat: the mean of the last quartile of samples against the first. Samples
// start after a warm-up (a tenth of the run, at most a minute), once the
// pools have opened their connections.
//
//   soak_bench [minutes=30] [restart_every_minutes=5] [sample_seconds=5] [clients=4]
//              [restarted=postgres,chroma,bolt]
//
// The last argument picks which servers take turns restarting: one alone
// ("bolt") shows what each restart of that backend costs.
//
// Not a test: run it by hand (docs/performance.md has the figures).
#include "chroma_server.hpp"
#include "fault_proxy.hpp"
#include "http_client.hpp"
#include "postgres_cluster.hpp"
#include "scripted_bolt_server.hpp"
#include "temp_dir.hpp"
#include "weir_process.hpp"

#include <boost/json/parse.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace weir::testing;
using Clock = std::chrono::steady_clock;
using std::chrono::duration;
using std::chrono::milliseconds;

// Resident memory in two parts: the heap and other anonymous memory, which a
// leak grows, and pages of the binary and plugins (file-backed), which grow
// as code runs for the first time (a restart's error paths) and are bounded
// by the files' size.
struct Sample {
  double minute;
  long rss_kb;
  long anon_kb;
  long file_kb;
  long fds;
  long threads;
};

// /proc/<pid>/status (VmRSS, RssAnon, RssFile, Threads) and the entries of /proc/<pid>/fd.
Sample sample_of(pid_t pid, double minute) {
  Sample s{minute, 0, 0, 0, 0, 0};
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    for (const auto& [key, field] :
         {std::pair{"VmRSS:", &Sample::rss_kb}, std::pair{"RssAnon:", &Sample::anon_kb},
          std::pair{"RssFile:", &Sample::file_kb}, std::pair{"Threads:", &Sample::threads}})
      if (line.rfind(key, 0) == 0) s.*field = std::atol(line.c_str() + std::strlen(key));
  }
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++s.fds;
  return s;
}

// The Bolt test server restarts on a new port; a proxy keeps its address.
class RestartableBoltServer {
 public:
  RestartableBoltServer() : proxy_(start()) {}
  std::string address() const { return proxy_.address(); }
  void restart() {
    server_.reset();  // closes every connection, as a server going down does
    proxy_.redirect(start());
  }

 private:
  std::uint16_t start() {
    server_.emplace(WEIR_BOLT_SCRIPTS_DIR "/conformance.json");
    return server_->port();
  }
  std::optional<weir::neo4j::testing::ScriptedBoltServer> server_;
  FaultProxy proxy_;
};

std::string config(std::uint16_t port, const PostgresCluster& pg, const ChromaServer& chroma,
                   const RestartableBoltServer& bolt) {
  const std::string pool =
      R"("pool": {"min_size": 1, "max_size": 4, "backoff_initial_ms": 200, "backoff_max_ms": 2000})";
  return R"({"listen": "127.0.0.1:)" + std::to_string(port) + R"(",
    "plugin_dirs": [")" WEIR_TEST_PLUGIN_DIR R"("],
    "limits": {"request_timeout_ms": 5000},
    "databases": {
      "lite": {"backend": "sqlite", "connection": {"path": "soak.db"}},
      "pg": {"backend": "postgres", "connection": {"url": ")" +
         pg.url() + R"(", "password_env": "WEIR_SOAK_PG_PASSWORD", "connect_timeout_ms": 1000}, )" +
         pool + R"(},
      "vectors": {"backend": "chroma", "connection": {"url": ")" +
         chroma.url() + R"(", "connect_timeout_ms": 1000}, )" + pool + R"(},
      "graph": {"backend": "neo4j", "connection": {"url": "bolt://)" +
         bolt.address() +
         R"(", "user": "neo4j", "password": "secret", "connect_timeout_ms": 1000}, )" + pool +
         R"(}}})";
}

// One client's mix: a write and a read on each backend, round robin. The writes
// update one of 1,000 rows rather than add one: a table that grows all run
// long grows SQLite's page cache inside weir with it (up to `cache_size`,
// 2 MB per connection by default), which is the data's growth, not the
// gateway's.
struct Request {
  std::string db;
  const char* kind;  // "write" or "read": a cut-off write may not be retried, a read should be
  std::string body;
};
const std::vector<Request> kMix{
    {"lite", "write",
     R"J({"query":"insert into hits(slot, at) values (abs(random()) % 1000, ?) )J"
     R"J(on conflict(slot) do update set at = at + 1","params":[1]})J"},
    {"lite", "read", R"J({"query":"select count(*) from hits"})J"},
    {"pg", "write",
     R"J({"query":"insert into hits(slot, at) values (floor(random() * 1000), now()) )J"
     R"J(on conflict(slot) do update set at = excluded.at"})J"},
    {"pg", "read", R"J({"query":"select count(*) from hits"})J"},
    {"vectors", "write",
     R"J({"op":"upsert","collection":"soak","ids":["a","b"],"embeddings":[[1,0],[0,1]]})J"},
    {"vectors", "read",
     R"J({"op":"query","collection":"soak","query_embeddings":[[1,0.1]],"n_results":2})J"},
    {"graph", "write", R"J({"query":"CREATE (:Item {name: $name})","params":{"name":"x"}})J"},
    {"graph", "read", R"J({"query":"RETURN $n + 1 AS answer, 'two' AS two","params":{"n":41}})J"}};

// What a client saw of one kind of failure: how often, when (minutes into the run; restarts
// fall at multiples of the interval) and the first message.
struct ErrorSeen {
  long count = 0;
  double first_minute = 0, last_minute = 0;
  std::string first_message;
};

struct Tally {
  long ok = 0, retryable = 0, other = 0;
  // Keyed "<read|write> <HTTP status> <error code> <retryable|not retryable>".
  std::map<std::string, ErrorSeen> errors;
};

// The error's message, or the body itself when it is not weir's error JSON.
std::string error_message(const HttpReply& r) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(r.body, ec);
  const auto* error = !ec && v.is_object() ? v.as_object().if_contains("error") : nullptr;
  const auto* message =
      error != nullptr && error->is_object() ? error->as_object().if_contains("message") : nullptr;
  return message != nullptr && message->is_string() ? std::string(message->as_string())
                                                    : r.body.substr(0, 200);
}

double mean(const std::vector<Sample>& s, std::size_t from, std::size_t to, long Sample::*field) {
  double sum = 0;
  for (std::size_t i = from; i < to; ++i) sum += static_cast<double>(s[i].*field);
  return to > from ? sum / static_cast<double>(to - from) : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const double minutes = argc > 1 ? std::atof(argv[1]) : 30;
  const double restart_every = argc > 2 ? std::atof(argv[2]) : 5;
  const double sample_every = argc > 3 ? std::atof(argv[3]) : 5;
  const int clients = argc > 4 ? std::atoi(argv[4]) : 4;
  std::vector<std::string> restarted_servers;
  std::stringstream names(argc > 5 ? argv[5] : "postgres,chroma,bolt");
  for (std::string name; std::getline(names, name, ',');) {
    if (name != "postgres" && name != "chroma" && name != "bolt") {
      std::fprintf(stderr, "unknown server %s: restart postgres, chroma or bolt\n", name.c_str());
      return 2;
    }
    restarted_servers.push_back(name);
  }

  PostgresCluster pg;
  pg.psql("create table hits(slot int primary key, at timestamptz)");
  ::setenv("WEIR_SOAK_PG_PASSWORD", pg.superuser_password().c_str(), 1);
  ChromaServer chroma;
  RestartableBoltServer bolt;
  TempDir dir;
  const auto port = free_local_port();
  WeirProcess weir(dir.path(), config(port, pg, chroma, bolt));
  if (!WeirProcess::eventually([&] {
        try {
          return http_get(port, "/health/ready").status == 200u;
        } catch (const std::exception&) {
          return false;
        }
      })) {
    std::fprintf(stderr, "weir did not become ready:\n%s\n", weir.stderr_text().c_str());
    return 1;
  }
  http_post(port, "/v1/databases/lite/query",
            R"J({"query":"create table hits(slot int primary key, at int)"})J");
  http_post(port, "/v1/databases/vectors/query",
            R"J({"op":"create_collection","name":"soak","get_or_create":true})J");

  const auto start = Clock::now();
  const auto elapsed_min = [&] { return duration<double>(Clock::now() - start).count() / 60; };
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::map<std::string, Tally> tallies;
  std::vector<std::thread> workers;
  for (int c = 0; c < clients; ++c) {
    workers.emplace_back([&, c] {
      for (std::size_t i = c; !stop.load(); ++i) {
        const auto& request = kMix[i % kMix.size()];
        HttpReply r;
        std::string failure;  // weir itself failed us: no answer at all, counted as other
        try {
          r = http_post(port, "/v1/databases/" + request.db + "/query", request.body);
        } catch (const std::exception& e) {
          failure = e.what();
        }
        const bool retryable = r.body.find("\"retryable\":true") != std::string::npos;
        std::lock_guard lock(mutex);
        auto& t = tallies[request.db];
        if (r.status == 200u) {
          ++t.ok;
          continue;
        }
        (retryable ? t.retryable : t.other)++;
        const auto key = std::string(request.kind) + " " + std::to_string(r.status) + " " +
                         (failure.empty() ? r.error_code() : "no_answer") +
                         (retryable ? " retryable" : " not retryable");
        auto& seen = t.errors[key];
        seen.last_minute = elapsed_min();
        if (seen.count++ > 0) continue;
        seen.first_minute = seen.last_minute;
        seen.first_message = failure.empty() ? error_message(r) : failure;
      }
    });
  }

  std::vector<Sample> samples;
  const double warm_up = std::min(1.0, minutes / 10);
  double next_restart = restart_every;
  int restarted = 0;
  std::printf("minute   rss_kb  anon_kb  file_kb  fds  threads\n");
  while (elapsed_min() < minutes) {
    const auto s = sample_of(weir.pid(), elapsed_min());
    if (s.minute >= warm_up) samples.push_back(s);
    std::printf("%6.2f %8ld %8ld %8ld %4ld %8ld%s\n", s.minute, s.rss_kb, s.anon_kb, s.file_kb,
                s.fds, s.threads, s.minute < warm_up ? "  (warm-up)" : "");
    std::fflush(stdout);
    if (restart_every > 0 && elapsed_min() >= next_restart) {
      const auto& which = restarted_servers[restarted % restarted_servers.size()];
      std::printf("        restart %s\n", which.c_str());
      if (which == "postgres") pg.restart("fast");
      if (which == "chroma") chroma.restart();
      if (which == "bolt") bolt.restart();
      ++restarted;
      next_restart += restart_every;
    }
    std::this_thread::sleep_for(duration<double>(sample_every));
  }
  stop = true;
  for (auto& w : workers) w.join();

  // Stopped as a service manager stops it, so that weir built with the
  // sanitizers (the asan preset) reports at exit what it leaked.
  weir.signal(SIGTERM);
  const auto exit_status = weir.wait_for(std::chrono::seconds(30));
  std::printf("\nweir stopped by SIGTERM: %s\n",
              exit_status ? ("exit status " + std::to_string(*exit_status)).c_str()
                          : "still running after 30 s");
  const auto log = weir.stderr_text();
  if (const auto leak = log.find("ERROR: LeakSanitizer"); leak != std::string::npos)
    std::printf("%s\n", log.substr(log.rfind('\n', leak) + 1).c_str());

  std::printf("\nrequests by database (ok / retryable errors / other errors):\n");
  for (const auto& [db, t] : tallies)
    std::printf("  %-8s %8ld %6ld %6ld\n", db.c_str(), t.ok, t.retryable, t.other);
  std::printf(
      "\nerrors by database (request, HTTP status, error code; count; minutes; first "
      "message):\n");
  for (const auto& [db, t] : tallies)
    for (const auto& [key, seen] : t.errors)
      std::printf("  %-8s %-42s %6ld  %5.2f-%5.2f  %s\n", db.c_str(), key.c_str(), seen.count,
                  seen.first_minute, seen.last_minute, seen.first_message.c_str());
  if (samples.empty()) {
    std::printf("no samples after the warm-up: run longer\n");
    return 1;
  }
  const std::size_t quarter = std::max<std::size_t>(1, samples.size() / 4);
  const std::size_t n = samples.size();
  bool flat = true;
  std::printf(
      "\n%zu samples after %.1f min of warm-up, %d restarts; first vs last quartile (mean):\n", n,
      warm_up, restarted);
  // Allowed growth: 10 % of the anonymous memory (what a leak grows); the whole RSS and its
  // file-backed part are shown, not judged. For fds, the pools' room between min_size and
  // max_size (3 each for postgres, chroma and bolt) and a few more.
  constexpr double kNotJudged = -1;
  for (const auto& [name, field, percent, slack] :
       {std::tuple{"rss_kb", &Sample::rss_kb, kNotJudged, 0.0},
        std::tuple{"anon_kb", &Sample::anon_kb, 10.0, 0.0},
        std::tuple{"file_kb", &Sample::file_kb, kNotJudged, 0.0},
        std::tuple{"fds", &Sample::fds, 0.0, 12.0},
        std::tuple{"threads", &Sample::threads, 0.0, 2.0}}) {
    const double first = mean(samples, 0, quarter, field);
    const double last = mean(samples, n - quarter, n, field);
    const bool judged = percent != kNotJudged;
    const bool steady = !judged || last <= first * (1 + percent / 100) + slack;
    flat = flat && steady;
    std::printf("  %-8s %10.0f -> %10.0f  (%+.1f %%) %s\n", name, first, last,
                first > 0 ? (last - first) * 100 / first : 0.0,
                !judged  ? "(shown)"
                : steady ? "flat"
                         : "GROWING");
  }
  std::printf("verdict: %s\n", flat ? "flat" : "GROWING");
  return flat ? 0 : 2;
}
