#include "fake_chroma.hpp"

#include "numbered_lines.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <csignal>
#include <thread>

namespace weir::fuzz {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

std::deque<Reply> parse_script(std::string_view text) {
  std::deque<Reply> replies;
  for (const auto& [number, body] : numbered_lines(text)) {
    const unsigned status = number.value_or(200);
    const bool usable = status >= 200 && status <= 599 && status != 204 && status != 304;
    replies.push_back({usable ? status : 200, std::string(body)});
  }
  return replies;
}

FakeChroma::FakeChroma() : acceptor_(io_, {net::ip::make_address_v4("127.0.0.1"), 0}) {
  std::thread([this] { serve(); }).detach();
}

std::string FakeChroma::url() const {
  return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
}

void FakeChroma::play(std::deque<Reply> script) {
  std::lock_guard lock(mutex_);
  script_ = std::move(script);
}

bool FakeChroma::script_over() {
  std::lock_guard lock(mutex_);
  return script_.empty();
}

void FakeChroma::serve() {
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

}  // namespace weir::fuzz
