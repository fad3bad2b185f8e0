#include "client_flood.hpp"

#include <boost/asio.hpp>

#include <sys/resource.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

namespace weir::testing {

std::string post_closing(const std::string& target, const std::string& body, int timeout_ms) {
  return "POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
         "X-Weir-Timeout-Ms: " + std::to_string(timeout_ms) +
         "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body;
}

long raise_open_file_limit() {
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
  getrlimit(RLIMIT_NOFILE, &files);
  return static_cast<long>(files.rlim_cur);
}

long proc_status(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with(field + ":")) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

FloodReport flood(std::uint16_t port, const std::string& request, int clients,
                  const std::function<bool(const std::string& answer)>& expected, pid_t gateway,
                  std::chrono::seconds patience) {
  namespace net = boost::asio;
  net::io_context io;
  const net::ip::tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port);
  struct Client {
    explicit Client(net::io_context& io) : socket(io) {}
    net::ip::tcp::socket socket;
    std::string answer;
  };
  std::vector<std::unique_ptr<Client>> all;
  FloodReport report;
  std::atomic<int> ended = 0;  // the sampler thread reads it
  const auto fail = [&](std::string why) {
    if (report.failed++ == 0) report.first_failure = std::move(why);
    ++ended;
  };
  for (int i = 0; i < clients; ++i) {
    auto& client = *all.emplace_back(std::make_unique<Client>(io));
    client.socket.async_connect(endpoint, [&](boost::system::error_code ec) {
      if (ec) return fail("connect: " + ec.message());
      net::async_write(
          client.socket, net::buffer(request), [&](boost::system::error_code ec, auto) {
            if (ec) return fail("write: " + ec.message());
            net::async_read(client.socket, net::dynamic_buffer(client.answer),
                            [&](boost::system::error_code ec, auto) {
                              const bool whole = !ec || ec == net::error::eof;
                              if (!whole || !expected(client.answer))
                                return fail(client.answer.substr(0, 300) + " " + ec.message());
                              ++report.ok, ++ended;
                            });
          });
    });
  }
  std::thread sampler([&] {
    while (ended < clients) {
      report.peak_threads = std::max(report.peak_threads, proc_status(gateway, "Threads"));
      report.peak_rss_kb = std::max(report.peak_rss_kb, proc_status(gateway, "VmRSS"));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  const auto start = std::chrono::steady_clock::now();
  io.run_for(patience);
  report.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  const int unanswered = clients - ended;
  if (unanswered > 0) {
    report.failed += unanswered;
    if (report.first_failure.empty()) report.first_failure = "no answer within the patience";
    ended = clients;  // stops the sampler
  }
  sampler.join();
  return report;
}

}  // namespace weir::testing
