// Bytes in, response out, through everything a client reaches: the real
// HttpServer (Beast's parser, the body and header limits, keep-alive) and the
// real Api (routing, tokens, X-Weir-Timeout-Ms, body decoding) over a gateway
// whose one database has no plugin installed, so every route answers from
// the host. Each input is written to a fresh loopback connection, which is
// then half-closed and read until the server closes it.
//
// Oracle beyond the sanitizers: whatever arrives, the server answers with
// well-formed HTTP/1.1 responses and never with 500 (an exception the API did
// not expect).
#include "api.hpp"
#include "config.hpp"
#include "gateway.hpp"
#include "http_server.hpp"
#include "logger.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/serialize.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// Small limits keep every execution short: a body over 64 KiB is refused
// with 413 and a stalled request is cut at 200 ms.
boost::json::object gateway_config(const std::filesystem::path& dir) {
  return {{"listen", "127.0.0.1:0"},
          {"io_threads", 1},
          {"worker_threads", 2},
          {"retry_interval_ms", 0},
          {"plugin_dirs", boost::json::array{(dir / "plugins").string()}},
          {"workspace", {{"root", dir.string()}}},
          {"log", {{"level", "error"}}},
          {"limits",
           {{"max_body_bytes", 65536},
            {"read_timeout_ms", 200},
            {"request_timeout_ms", 1000},
            {"max_queue", 4},
            {"queue_timeout_ms", 100}}},
          // The token in the seed corpus: with it the fuzzer reaches past authentication.
          {"auth",
           {{"tokens", boost::json::array{{{"name", "fuzz"},
                                           {"token", "fuzz-token-0123456789"},
                                           {"databases", boost::json::array{"*"}},
                                           {"admin", true}}}}}},
          {"databases",
           {{"main",
             {{"backend", "sqlite"}, {"optional", true}, {"connection", {{"path", "main.db"}}}}}}}};
}

// One gateway for the whole run. Its I/O runs on the fuzzing thread, inside
// each execution (a thread switch per step would cost more than the step).
class Served {
 public:
  Served() : dir_(make_dir()) {
    std::filesystem::create_directories(dir_ / "plugins");
    const std::string text = boost::json::serialize(gateway_config(dir_));
    auto load = [this, text] { return weir::parse_config(text, "fuzz config", dir_, dir_); };
    const weir::Config config = load();
    weir::Logger::instance().configure(config.log_level, config.log_format);
    gateway_ = std::make_unique<weir::Gateway>(config, load, dir_, io_.get_executor());
    api_ = std::make_unique<weir::Api>(*gateway_);
    server_ = std::make_unique<weir::HttpServer>(
        io_, config.listen_address, config.listen_port,
        weir::HttpLimits{config.limits.max_body_bytes, config.limits.read_timeout}, *api_);
    server_->start();
  }

  // Sends `request` on a new connection, half-closes it and returns
  // everything the server wrote before closing its side.
  std::string exchange(net::const_buffer request) {
    tcp::socket socket(io_);
    std::string received;
    bool done = false;
    boost::system::error_code ec;
    // libFuzzer's -timeout alarm (SIGALRM) may interrupt the blocking connect:
    // start over on a new socket.
    const tcp::endpoint server(net::ip::make_address_v4("127.0.0.1"), server_->port());
    do {
      socket.close(ec);
      socket.connect(server, ec);
    } while (ec == net::error::interrupted);
    if (ec) throw boost::system::system_error(ec, "connect");
    // The server may stop reading early (413, 400): a failed write is fine.
    net::async_write(socket, request, [&](boost::system::error_code, std::size_t) {
      socket.shutdown(tcp::socket::shutdown_send, ec);
      net::async_read(socket, net::dynamic_buffer(received),
                      [&](boost::system::error_code, std::size_t) { done = true; });
    });
    while (!done) io_.run_one();  // the work guard keeps run_one waiting for the workers
    return received;
  }

 private:
  static std::filesystem::path make_dir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "weir-fuzz-http-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    return pattern;
  }

  std::filesystem::path dir_;
  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> work_{io_.get_executor()};
  std::unique_ptr<weir::Gateway> gateway_;
  std::unique_ptr<weir::Api> api_;
  std::unique_ptr<weir::HttpServer> server_;
};

// Every response the server wrote starts with a status line; none is a 500.
void check_responses(std::string_view received) {
  if (received.empty()) return;
  if (received.substr(0, 9) != "HTTP/1.1 ") {
    std::fprintf(stderr, "not an HTTP response: %.*s\n", static_cast<int>(received.size()),
                 received.data());
    std::abort();
  }
  for (auto at = received.find("HTTP/1.1 500"); at != std::string_view::npos;
       at = received.find("HTTP/1.1 500", at + 1)) {
    std::fprintf(stderr, "internal error answered:\n%.*s\n", static_cast<int>(received.size()),
                 received.data());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Served& served = *new Served;  // never destroyed: no teardown at exit to get wrong
  check_responses(served.exchange(net::buffer(data, size)));
  return 0;
}
