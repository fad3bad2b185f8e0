#include "http_server.hpp"

#include "logger.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>

#include <optional>
#include <system_error>

namespace weir {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpLimits limits, RequestHandler& handler,
          std::shared_ptr<std::atomic<std::size_t>> in_flight)
      : stream_(std::move(socket)),
        read_timer_(stream_.get_executor()),
        limits_(limits),
        handler_(handler),
        in_flight_(std::move(in_flight)) {
    boost::system::error_code ec;
    const auto endpoint = stream_.socket().remote_endpoint(ec);
    client_ = ec ? "unknown" : endpoint.address().to_string();
  }

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(limits_.max_body_bytes);
    parser_->header_limit(16 * 1024);
    // Our own timer rather than the stream's timeout: the stream would close
    // the socket, and a client stalled mid-request deserves a 408 first.
    read_timed_out_ = false;
    stream_.expires_never();  // the write's timeout must not carry into this read
    read_timer_.expires_after(limits_.read_timeout);
    read_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;  // the read finished first
      self->read_timed_out_ = true;
      beast::error_code ignored;
      self->stream_.socket().cancel(ignored);
    });
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->read_timer_.cancel();
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::connection_reset ||
        ec == net::error::eof) {
      return close();
    }
    if (read_timed_out_) {
      // A client that is mid-request gets told why; an idle keep-alive one is just closed.
      if (parser_->got_some()) {
        return send(handler_.refuse(408, "request_timeout",
                                    "the request was not received within limits.read_timeout_ms (" +
                                        std::to_string(limits_.read_timeout.count()) + " ms)"),
                    true);
      }
      return close();
    }
    if (ec == http::error::body_limit) {
      return send(handler_.refuse(413, "payload_too_large",
                                  "the request body is larger than limits.max_body_bytes (" +
                                      std::to_string(limits_.max_body_bytes) + " bytes)"),
                  true);
    }
    if (ec == http::error::header_limit) {
      return send(
          handler_.refuse(431, "headers_too_large", "the request headers are larger than 16 KiB"),
          true);
    }
    if (ec) {
      return send(handler_.refuse(400, "bad_http", "malformed HTTP request: " + ec.message()),
                  true);
    }
    in_flight_->fetch_add(1);
    keep_alive_ = parser_->keep_alive();
    handler_.handle(
        parser_->release(), client_, [self = shared_from_this()](HttpResponse response) {
          net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
            self->in_flight_->fetch_sub(1);
            self->send(std::move(response), !self->keep_alive_);
          });
        });
  }

  void send(HttpResponse response, bool close_after) {
    response.keep_alive(!close_after);
    response.prepare_payload();
    auto message = std::make_shared<HttpResponse>(std::move(response));
    stream_.expires_after(limits_.read_timeout);
    http::async_write(
        stream_, *message,
        [self = shared_from_this(), message, close_after](beast::error_code ec, std::size_t) {
          if (ec || close_after) return self->close();
          self->read();
        });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  net::steady_timer read_timer_;
  bool read_timed_out_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpLimits limits_;
  RequestHandler& handler_;
  std::shared_ptr<std::atomic<std::size_t>> in_flight_;
  std::string client_;
  bool keep_alive_ = true;
};

}  // namespace

class HttpServer::Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& io, tcp::endpoint endpoint, HttpLimits limits, RequestHandler& handler,
           std::shared_ptr<std::atomic<std::size_t>> in_flight)
      : io_(io),
        acceptor_(net::make_strand(io)),
        limits_(limits),
        handler_(handler),
        in_flight_(std::move(in_flight)) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void accept() {
    acceptor_.async_accept(
        net::make_strand(io_), [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
          if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
          if (!ec)
            std::make_shared<Session>(std::move(s), self->limits_, self->handler_, self->in_flight_)
                ->start();
          self->accept();
        });
  }
  void stop() {
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
    });
  }

 private:
  net::io_context& io_;
  tcp::acceptor acceptor_;
  HttpLimits limits_;
  RequestHandler& handler_;
  std::shared_ptr<std::atomic<std::size_t>> in_flight_;
};

HttpServer::HttpServer(net::io_context& io, const std::string& address, std::uint16_t port,
                       HttpLimits limits, RequestHandler& handler)
    : in_flight_(std::make_shared<std::atomic<std::size_t>>(0)) {
  boost::system::error_code ec;
  const auto ip = net::ip::make_address(address, ec);
  if (ec) throw std::system_error(ec, "listen address \"" + address + "\" is not an IP address");
  try {
    listener_ =
        std::make_shared<Listener>(io, tcp::endpoint(ip, port), limits, handler, in_flight_);
  } catch (const boost::system::system_error& e) {
    throw std::system_error(e.code(), "cannot listen on " + address + ":" + std::to_string(port));
  }
  port_ = listener_->port();
}

HttpServer::~HttpServer() = default;

void HttpServer::start() { listener_->accept(); }
void HttpServer::stop_accepting() { listener_->stop(); }

}  // namespace weir
