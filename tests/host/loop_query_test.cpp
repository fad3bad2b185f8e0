// Requests on the host's event loop (ABI v2 execute_async): the weir binary
// with a plugin that waits only through the loop services (fixtures/loop_plugin.c)
// answers from the loop, keeps deadlines with or without the plugin's help,
// cancels for a client that leaves, and holds 10,000 requests in flight on a
// fixed handful of threads.
#include "client_flood.hpp"
#include "http_client.hpp"
#include "temp_dir.hpp"
#include "weir_process.hpp"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <string>
#include <thread>

namespace weir {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using testing::WeirProcess;

bool answers(std::uint16_t port) {
  try {
    return testing::http_get(port, "/health/live").status == 200u;
  } catch (const std::exception&) {
    return false;
  }
}

class LoopQuery : public ::testing::Test {
 protected:
  void SetUp() override {
    // 10,000 clients need as many descriptors here and in the gateway (it inherits the limit).
    testing::raise_open_file_limit();
    weir_.emplace(dir_.path(), R"({"listen": "127.0.0.1:)" + std::to_string(port_) + R"(",
        "io_threads": 1, "worker_threads_min": 2, "worker_threads": 4,
        "limits": {"max_queue": 20000, "queue_timeout_ms": 30000},
        "plugin_dirs": [")" WEIR_TEST_LOOP_PLUGIN_DIR R"("],
        "databases": {"loop": {"backend": "loop_fixture",
                               "pool": {"min_size": 0, "max_size": 10000}}}})");
    ASSERT_TRUE(WeirProcess::eventually([&] { return answers(port_); })) << weir_->stderr_text();
  }

  testing::HttpReply query(const std::string& text, int timeout_ms = 10000) {
    return testing::http_call(
        port_, boost::beast::http::verb::post, "/v1/databases/loop/query",
        boost::json::serialize(boost::json::object{{"query", text}}),
        {{"content-type", "application/json"}, {"x-weir-timeout-ms", std::to_string(timeout_ms)}});
  }

  // The value of one weir_requests_total series of the database, 0 when absent.
  long requests_counted(const std::string& code) {
    const auto metrics = testing::http_get(port_, "/metrics").body;
    const std::string series =
        "weir_requests_total{database=\"loop\",operation=\"query\",code=\"" + code + "\"} ";
    const auto at = metrics.find(series);
    return at == std::string::npos ? 0 : std::stol(metrics.substr(at + series.size()));
  }

  testing::TempDir dir_;
  std::uint16_t port_ = testing::free_local_port();
  std::optional<WeirProcess> weir_;
};

TEST_F(LoopQuery, ARequestIsAnsweredWhenTheLoopsTimerFires) {
  const auto start = Clock::now();
  const auto reply = query("sleep 100");
  EXPECT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(reply.body, R"({"columns":["slept_ms"],"rows":[[100]]})");
  EXPECT_GE(Clock::now() - start, milliseconds(100));
}

TEST_F(LoopQuery, TheLoopWatchesASocketForThePlugin) {
  const auto reply = query("pipe");
  EXPECT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(reply.body, R"({"columns":["byte"],"rows":[[42]]})");
}

TEST_F(LoopQuery, ARequestThePluginRefusesToStartGetsItsError) {
  const auto reply = query("refuse");
  EXPECT_EQ(reply.status, 400u) << reply.body;
  const auto error = reply.json().at("error").as_object();
  EXPECT_EQ(error.at("code").as_string(), "query_error");
  EXPECT_EQ(error.at("message").as_string(), "refused at the start, as asked");
  EXPECT_EQ(error.at("database").as_string(), "loop");
}

TEST_F(LoopQuery, APluginThatKeepsItsDeadlineAnswersAtIt) {
  const auto start = Clock::now();
  const auto reply = query("sleep 10000", 300);
  EXPECT_EQ(reply.status, 504u) << reply.body;
  EXPECT_EQ(reply.json().at("error").at("code").as_string(), "timeout");
  EXPECT_LT(Clock::now() - start, milliseconds(1500));
}

TEST_F(LoopQuery, APluginThatIgnoresItsDeadlineIsAnswered504ByTheHost) {
  const auto start = Clock::now();
  const auto reply = query("deaf sleep 5000", 200);
  const auto took = Clock::now() - start;
  EXPECT_EQ(reply.status, 504u) << reply.body;
  EXPECT_EQ(reply.json().at("error").at("message").as_string(),
            "the request's deadline passed before the backend answered; the gateway cancelled "
            "it, but it may have been applied");
  EXPECT_GE(took, milliseconds(2100));
  EXPECT_LT(took, milliseconds(4000)) << "the plugin sleeps 5 s; the answer must not wait for it";
}

TEST_F(LoopQuery, AClientThatLeavesCancelsItsRequestOnTheLoop) {
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port_});
    const std::string body = R"({"query":"sleep 20000"})";
    const std::string request =
        "POST /v1/databases/loop/query HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    boost::asio::write(socket, boost::asio::buffer(request));
    std::this_thread::sleep_for(milliseconds(200));
  }  // the client leaves
  const auto until = Clock::now() + std::chrono::seconds(2);
  while (requests_counted("client_closed_request") == 0 && Clock::now() < until)
    std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(requests_counted("client_closed_request"), 1)
      << "the plugin's cancel() ended the request on the loop long before its 20 s";
}

// 10,000 connections, each with a request the plugin answers after 2 s.
TEST_F(LoopQuery, TenThousandRequestsInFlightOnAFixedHandfulOfThreads) {
  constexpr int kClients = 10000;
  if (const long files = testing::raise_open_file_limit(); files < kClients + 100)
    GTEST_SKIP() << "this machine allows " << files << " open files per process";
  const pid_t gateway = weir_->pid();
  const long threads_before = testing::proc_status(gateway, "Threads");

  const std::string request =
      testing::post_closing("/v1/databases/loop/query", R"({"query":"sleep 2000"})", 60000);
  const auto flood = testing::flood(
      port_, request, kClients,
      [](const std::string& answer) {
        return answer.starts_with("HTTP/1.1 200") &&
               answer.ends_with(R"({"columns":["slept_ms"],"rows":[[2000]]})");
      },
      gateway);

  EXPECT_EQ(flood.ok, kClients) << flood.failed << " failed; the first: " << flood.first_failure;
  EXPECT_LT(flood.took, std::chrono::seconds(60)) << "the requests overlap rather than queue";
  // The I/O thread, the fixed worker pool, the canceller and the process's own: no thread
  // per request or per connection.
  EXPECT_LE(flood.peak_threads, threads_before + 2) << "threads before: " << threads_before;
  EXPECT_LT(flood.peak_rss_kb, testing::kTenThousandInFlightRssBoundKb);
  std::cout << "10,000 in flight: " << flood.took.count() << " ms, threads " << threads_before
            << " -> " << flood.peak_threads << ", peak RSS " << flood.peak_rss_kb / 1024 << " MB\n";
}

}  // namespace
}  // namespace weir
