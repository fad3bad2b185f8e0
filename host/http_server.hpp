// weir::HttpServer — HTTP/1.1 over Boost.Beast, plain or over TLS: a listener
// and one session per connection (keep-alive, read timeout, body size limit),
// shaped like Beast's async server examples. It parses and writes messages
// and notices clients that leave before their answer; what a request means is
// the RequestHandler's business.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace weir {

class IoThreads;

class BodyStream;

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// What a handler answers: a whole response, or a header whose body follows
// from `stream` (sent chunked as the producer writes it).
struct HttpReply {
  HttpReply(HttpResponse whole) : response(std::move(whole)) {}  // NOLINT: implicit on purpose
  HttpReply(HttpResponse header, std::shared_ptr<BodyStream> body)
      : response(std::move(header)), stream(std::move(body)) {}

  HttpResponse response;
  std::shared_ptr<BodyStream> stream;
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Must call `reply` at least once, from any thread; calls after the first
  // are dropped. `client_gone` is stopped when the client closes its
  // connection before the reply, or before the end of a streamed body: the
  // answer is then lost, so the work behind it should stop.
  virtual void handle(HttpRequest request, const std::string& client_address,
                      std::function<void(HttpReply)> reply, std::stop_token client_gone) = 0;
  // The response for a request the server refused before the handler saw it.
  virtual HttpResponse refuse(unsigned status, const std::string& code,
                              const std::string& message) = 0;
};

struct HttpLimits {
  // Counts every byte of a request after its header: the body and, when it is
  // chunked, the chunk framing, chunk extensions and trailer fields.
  std::size_t max_body_bytes;
  std::chrono::milliseconds read_timeout;
};

class HttpServer {
 public:
  // Binds and listens; throws std::system_error naming the address when it cannot.
  // With `tls`, every connection must speak HTTPS (a plain HTTP request gets 400).
  // Every connection runs on `io`, which one thread runs.
  HttpServer(boost::asio::io_context& io, const std::string& address, std::uint16_t port,
             HttpLimits limits, RequestHandler& handler,
             std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
  // Connections take turns on the threads' contexts; the listener runs on the first.
  HttpServer(IoThreads& threads, const std::string& address, std::uint16_t port, HttpLimits limits,
             RequestHandler& handler, std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
  ~HttpServer();

  // The port actually bound (useful when configured as 0).
  std::uint16_t port() const noexcept { return port_; }
  void start();
  // Closes the listening socket; sessions already open finish their requests.
  void stop_accepting();
  // Requests read but not yet answered.
  std::size_t in_flight() const noexcept { return in_flight_->load(); }

 private:
  class Listener;
  HttpServer(boost::asio::io_context& io, std::function<boost::asio::io_context&()> pick,
             const std::string& address, std::uint16_t port, HttpLimits limits,
             RequestHandler& handler, std::shared_ptr<boost::asio::ssl::context> tls);

  std::shared_ptr<Listener> listener_;
  std::shared_ptr<std::atomic<std::size_t>> in_flight_;
  std::uint16_t port_ = 0;
};

// Runs `io` on the calling thread until it stops. A handler that throws
// despite the sessions' own guards is logged and the loop goes on: one
// connection's failure ends that connection, never the process.
void run_io(boost::asio::io_context& io);

}  // namespace weir
