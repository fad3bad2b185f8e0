// The fake Chroma server the chroma_response harness talks to: it answers
// each request with the next reply of a script, over loopback HTTP/1.1.
// Compiled without coverage instrumentation (fuzz/CMakeLists.txt): its HTTP
// parsing is not the code under test, and its features would only cost
// libFuzzer bookkeeping on every execution and steer inputs towards
// exercising the fake server.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <deque>
#include <mutex>
#include <string>
#include <string_view>

namespace weir::fuzz {

struct Reply {
  unsigned status;
  std::string body;
};

// "<status> <body>" lines. Statuses the plugin never meets over HTTP/1.1
// with a body (1xx, 204, 304, out of range) are read as 200, so a mutation
// tests the plugin, not curl's handling of a body-less status.
std::deque<Reply> parse_script(std::string_view text);

// Answers every request with the script's next reply, one connection at a
// time (the plugin's connection is one keep-alive curl handle); 503 once the
// script is over.
class FakeChroma {
 public:
  FakeChroma();

  std::string url() const;
  void play(std::deque<Reply> script);
  bool script_over();

 private:
  void serve();

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::mutex mutex_;
  std::deque<Reply> script_;
};

}  // namespace weir::fuzz
