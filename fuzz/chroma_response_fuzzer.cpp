// Chroma server answers, as a script: one response per line,
// "<status> <body>", e.g. `200 {"max_batch_size": 2}`. A fake Chroma server
// on a loopback port answers the plugin's requests from the script, in
// order, while the real ChromaFactory connects (heartbeat, database check,
// pre-flight limits) and a ChromaConnection runs every operation once, its
// results written through the host's JSON writer. Covers the plugin's
// decoding of statuses, error bodies, counts, collection ids, pre-flight
// limits and the bodies it passes on as results.
//
// Oracle beyond the sanitizers: a result the plugin completes is one valid
// JSON document.
#include "chroma_factory.hpp"
#include "numbered_lines.hpp"
#include "valid_result.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

#include <csignal>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

struct Reply {
  unsigned status;
  std::string body;
};

// "<status> <body>" lines. Statuses the plugin never meets over HTTP/1.1
// with a body (1xx, 204, 304, out of range) are read as 200, so a mutation
// tests the plugin, not curl's handling of a body-less status.
std::deque<Reply> parse_script(std::string_view text) {
  std::deque<Reply> replies;
  for (const auto& [number, body] : weir::fuzz::numbered_lines(text)) {
    const unsigned status = number.value_or(200);
    const bool usable = status >= 200 && status <= 599 && status != 204 && status != 304;
    replies.push_back({usable ? status : 200, std::string(body)});
  }
  return replies;
}

// Answers every request with the script's next reply, one connection at a
// time (the plugin's connection is one keep-alive curl handle); 503 once the
// script is over.
class FakeChroma {
 public:
  FakeChroma() : acceptor_(io_, {net::ip::make_address_v4("127.0.0.1"), 0}) {
    std::thread([this] { serve(); }).detach();
  }

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  void play(std::deque<Reply> script) {
    std::lock_guard lock(mutex_);
    script_ = std::move(script);
  }
  bool script_over() {
    std::lock_guard lock(mutex_);
    return script_.empty();
  }

 private:
  void serve() {
    // libFuzzer's timeout alarm must not interrupt this thread's blocking calls.
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    for (;;) {
      tcp::socket socket = acceptor_.accept();
      boost::beast::flat_buffer buffer;
      boost::system::error_code ec;
      for (;;) {
        http::request<http::string_body> request;
        http::read(socket, buffer, request, ec);
        if (ec) break;
        http::response<http::string_body> response;
        response.version(11);
        response.set(http::field::content_type, "application/json");
        {
          std::lock_guard lock(mutex_);
          if (script_.empty()) {
            response.result(503);
          } else {
            response.result(script_.front().status);
            response.body() = std::move(script_.front().body);
            script_.pop_front();
          }
        }
        response.prepare_payload();
        http::write(socket, response, ec);
        if (ec) break;
      }
    }
  }

  net::io_context io_;
  tcp::acceptor acceptor_;
  std::mutex mutex_;
  std::deque<Reply> script_;
};

// Every operation once, with a valid request, so each reaches the server.
constexpr const char* kRequests[] = {
    R"({"op": "list_collections", "limit": 5})",
    R"({"op": "count_collections"})",
    R"({"op": "create_collection", "name": "docs", "space": "cosine", "get_or_create": true})",
    R"({"op": "get_collection", "name": "docs"})",
    R"({"op": "add", "collection": "docs", "ids": ["a", "b", "c"],
        "embeddings": [[1, 0], [0, 1], [1, 1]], "documents": ["x", "y", "z"]})",
    R"({"op": "update", "collection": "docs", "ids": ["a"], "metadatas": [{"k": null}]})",
    R"({"op": "get", "collection": "docs", "ids": ["a"], "include": ["documents"]})",
    R"({"op": "query", "collection": "docs", "query_embeddings": [[1, 0.5]], "n_results": 2})",
    R"({"op": "count", "collection": "docs"})",
    R"({"op": "delete", "collection": "docs", "ids": ["b"]})",
    R"({"op": "delete_collection", "name": "docs"})",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static FakeChroma& server = *new FakeChroma;  // never destroyed: its thread runs until exit
  server.play(parse_script(std::string_view(reinterpret_cast<const char*>(data), size)));
  weir::chroma::ChromaSettings settings;
  settings.url = server.url();
  settings.request_timeout = std::chrono::milliseconds(2000);
  std::unique_ptr<weir::sdk::Connection> connection;
  try {
    connection = weir::chroma::ChromaFactory(settings).connect({});
  } catch (const weir::sdk::Error&) {
    return 0;
  }
  for (const char* request : kRequests) {
    if (server.script_over()) break;
    weir::JsonResultWriter json(1 << 20);
    weir::sdk::ValueWriter out(json.writer());
    try {
      connection->execute(boost::json::parse(request).as_object(), {}, out);
    } catch (const weir::sdk::Error&) {
      continue;
    }
    weir::fuzz::require_valid_result(json, "the chroma plugin");
  }
  if (!server.script_over()) {
    weir::JsonResultWriter json(1 << 20);
    weir::sdk::ValueWriter out(json.writer());
    try {
      connection->describe_backend(out);
      weir::fuzz::require_valid_result(json, "the chroma plugin");
    } catch (const weir::sdk::Error&) {
    }
  }
  return 0;
}
