#include "http_server.hpp"

#include "body_stream.hpp"
#include "io_threads.hpp"
#include "logger.hpp"
#include "response_head.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <atomic>
#include <optional>
#include <system_error>
#include <thread>
#include <type_traits>

namespace weir {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

// A connection's handlers run on its I/O thread's io_context, named by its concrete
// executor: Asio's type-erased any_io_executor cost a copy and a destruction on every
// operation (docs/performance.md).
using Executor = net::io_context::executor_type;
using Socket = net::basic_stream_socket<tcp, Executor>;
using TcpStream = beast::basic_stream<tcp, Executor, beast::unlimited_rate_policy>;
using TlsStream = beast::ssl_stream<Socket>;
using Timer = net::basic_waitable_timer<std::chrono::steady_clock,
                                        net::wait_traits<std::chrono::steady_clock>, Executor>;

// Request headers beyond this get 431.
constexpr std::uint32_t kHeaderLimit = 16 * 1024;
// Bytes asked of the connection at a time: a header and a small body fit in the first, and
// a connection in its first read holds no more (10,000 of them at 64 KiB each would be what
// the gateway's memory holds); a body is read in larger bites.
constexpr std::size_t kHeaderReadSize = 4 * 1024;
constexpr std::size_t kBodyReadSize = 64 * 1024;

// What every session of one listener shares.
struct SessionContext {
  HttpLimits limits;
  RequestHandler& handler;
  std::shared_ptr<std::atomic<std::size_t>> in_flight;
  std::shared_ptr<ssl::context> tls;  // null on a plain HTTP listener
};

// A request's reply, as the handler makes it: `immediate` holds one made
// during the handler's call on the session's own thread.
struct PendingReply {
  std::atomic<bool> replied{false};
  std::atomic<std::thread::id> handler_thread;
  std::optional<HttpReply> immediate;
};

// One connection: read a request, hand it to the handler, write the answer,
// repeat while keep-alive. `Stream` is a plain TCP socket or TLS over one;
// only the handshake and the goodbye differ.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
  using Clock = std::chrono::steady_clock;

 public:
  // `buffer` holds bytes already read from the connection (by TLS detection).
  // `plain_on_https_port`: the client spoke plain HTTP to an HTTPS listener;
  // its request is read (so the answer is not lost to a reset) and refused.
  Session(Stream stream, beast::flat_buffer buffer, SessionContext context,
          bool plain_on_https_port = false)
      : stream_(std::move(stream)),
        deadline_timer_(stream_.get_executor()),
        buffer_(std::move(buffer)),
        context_(std::move(context)),
        plain_on_https_port_(plain_on_https_port) {
    boost::system::error_code ec;
    const auto endpoint = socket().remote_endpoint(ec);
    client_ = ec ? "unknown" : endpoint.address().to_string();
  }

  // `connected`: when the connection was accepted. A TLS handshake must finish within
  // read_timeout of it, detection included.
  void start(Clock::time_point connected = Clock::now()) {
    if constexpr (kTls) {
      net::dispatch(stream_.get_executor(), [self = this->shared_from_this(), connected] {
        self->expire_at(connected + self->context_.limits.read_timeout);
        self->handshake();
      });
    } else {
      net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->read(); });
    }
  }

 private:
  Socket& socket() { return beast::get_lowest_layer(stream_); }

  // Every read, write and TLS exchange must progress within read_timeout. One timer per
  // connection keeps that, lazily: each step moves `deadline_`, and the timer, when it
  // fires, acts only on a deadline that has passed, else waits again until the new one.
  // So a request costs a clock read, not a timer's schedule and cancel per step.
  void expire_after_timeout() { expire_at(Clock::now() + context_.limits.read_timeout); }
  void expire_at(Clock::time_point deadline) {
    deadline_ = deadline;
    if (!deadline_armed_) arm_deadline_timer();  // else it fires earlier, then waits on
  }
  // While the handler works on a request, the request's own deadline applies.
  void no_deadline() { deadline_ = Clock::time_point::max(); }

  void arm_deadline_timer() {
    deadline_armed_ = true;
    deadline_timer_.expires_at(deadline_);
    // A weak reference: a connection otherwise done is not kept open by its timer.
    deadline_timer_.async_wait([weak = this->weak_from_this()](beast::error_code ec) {
      if (auto self = weak.lock()) self->on_deadline(ec);
    });
  }

  void on_deadline(beast::error_code ec) {
    deadline_armed_ = false;
    if (ec || deadline_ == Clock::time_point::max()) return;
    if (Clock::now() < deadline_) return arm_deadline_timer();
    no_deadline();
    timed_out_ = true;  // the operation in flight ends, aborted
    beast::error_code ignored;
    socket().cancel(ignored);
  }

  // Runs under the deadline set at start, so a client that connects and never
  // completes the handshake is dropped at the read timeout.
  void handshake() {
    // bind_front_handler, as in Beast's flex server example: Boost 1.81's
    // constraint on the buffered handshake rejects a lambda taking (ec, bytes_used).
    stream_.async_handshake(
        ssl::stream_base::server, buffer_.data(),
        beast::bind_front_handler(&Session::on_handshake, this->shared_from_this()));
  }

  void on_handshake(beast::error_code ec, std::size_t bytes_used) {
    if (ec) {
      // Nothing can be said to a client without TLS; the socket closes with the session.
      log_debug("http", "TLS handshake with " + client_ + " failed: " + ec.message());
      return;
    }
    buffer_.consume(bytes_used);
    read();
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(context_.limits.max_body_bytes);
    parser_->header_limit(kHeaderLimit);
    after_header_ = 0;
    // A client stalled mid-request is told so (408) before the connection closes.
    timed_out_ = false;
    expire_after_timeout();
    parse();
  }

  // Feeds Beast's parser ourselves rather than through http::async_read: so
  // that every byte after the header counts against max_body_bytes (Beast's
  // body limit counts only the body, and buffers a chunk extension or the
  // trailer fields whole, however large), and so that an exception from the
  // parser ends this request with an answer instead of unwinding into run().
  void parse() {
    while (buffer_.size() > 0) {
      const bool in_body = parser_->is_header_done();
      beast::error_code ec;
      std::size_t used = 0;
      try {
        used = parser_->put(buffer_.data(), ec);
      } catch (const std::exception& e) {
        // e.g. std::length_error for a trailer field of 64 KiB or more, which Beast cannot store
        return send(context_.handler.refuse(400, "bad_http",
                                            std::string("malformed HTTP request: ") + e.what()),
                    true);
      }
      buffer_.consume(used);
      if (in_body) after_header_ += used;
      if (after_header_ > context_.limits.max_body_bytes) return on_read(http::error::body_limit);
      if (ec && ec != http::error::need_more) return on_read(ec);
      if (parser_->is_done()) return on_read({});
      if (ec || used == 0) break;  // the parser needs more bytes
    }
    receive();
  }

  // Reads more of the request; after its header, never beyond max_body_bytes.
  void receive() {
    std::size_t size = kHeaderReadSize;
    if (parser_->is_header_done()) {
      const std::size_t received = after_header_ + buffer_.size();
      if (received >= context_.limits.max_body_bytes) return on_read(http::error::body_limit);
      size = std::min(kBodyReadSize, context_.limits.max_body_bytes - received);
    }
    stream_.async_read_some(
        buffer_.prepare(size),
        beast::bind_front_handler(&Session::on_received, this->shared_from_this()));
  }

  void on_received(beast::error_code ec, std::size_t bytes) {
    buffer_.commit(bytes);
    if (ec == net::error::eof && parser_->got_some()) {
      parser_->put_eof(ec);  // partial_message for a request cut short
      return on_read(ec);
    }
    if (ec) return on_read(ec);
    parse();
  }

  void on_read(beast::error_code ec) {
    no_deadline();
    // stream_truncated: a TLS client closed its connection without close_notify.
    if (ec == net::error::connection_reset || ec == net::error::eof ||
        ec == ssl::error::stream_truncated) {
      return close();
    }
    if (timed_out_) {
      // A client that is mid-request gets told why; an idle keep-alive one is just closed.
      if (parser_->got_some()) {
        return send(context_.handler.refuse(
                        408, "request_timeout",
                        "the request was not received within limits.read_timeout_ms (" +
                            std::to_string(context_.limits.read_timeout.count()) + " ms)"),
                    true);
      }
      return close();
    }
    if (ec == http::error::body_limit) {
      return send(context_.handler.refuse(
                      413, "payload_too_large",
                      "the request body, with its chunk framing, extensions and trailer fields, "
                      "is larger than limits.max_body_bytes (" +
                          std::to_string(context_.limits.max_body_bytes) + " bytes)"),
                  true);
    }
    if (ec == http::error::header_limit) {
      return send(context_.handler.refuse(431, "headers_too_large",
                                          "the request headers are larger than 16 KiB"),
                  true);
    }
    if (ec) {
      return send(
          context_.handler.refuse(400, "bad_http", "malformed HTTP request: " + ec.message()),
          true);
    }
    if (plain_on_https_port_) {
      return send(context_.handler.refuse(400, "https_required",
                                          "this port serves HTTPS only: use https:// in the URL"),
                  true);
    }
    context_.in_flight->fetch_add(1);
    keep_alive_ = parser_->keep_alive();
    auto request = parser_->release();
    request_line_.assign(request.method_string());  // into the last one's memory
    request_line_ += ' ';
    request_line_.append(request.target());
    // One stop source serves the connection's requests until its client leaves.
    if (client_gone_.stop_requested()) client_gone_ = std::stop_source();
    awaiting_reply_ = true;
    // The handler's promise is to reply once; should it throw instead, the
    // client still gets an answer, and a late second reply is dropped. A reply
    // made during the call, on this thread (health, listings: answered from
    // memory), is sent at once: no hop through the executor, no watch.
    auto pending = std::make_shared<PendingReply>();
    auto reply = [self = this->shared_from_this(), pending](HttpReply answer) {
      if (pending->replied.exchange(true)) return;
      if (pending->handler_thread.load() == std::this_thread::get_id()) {
        pending->immediate = std::move(answer);
        return;
      }
      net::post(self->stream_.get_executor(), [self, answer = std::move(answer)]() mutable {
        self->on_reply(std::move(answer), true);
      });
    };
    pending->handler_thread = std::this_thread::get_id();
    try {
      context_.handler.handle(std::move(request), client_, reply, client_gone_.get_token());
    } catch (const std::exception& e) {
      log_error("http", "the handler of " + request_line_ + " failed: " + e.what());
      reply(context_.handler.refuse(500, "internal", std::string("internal error: ") + e.what()));
    }
    pending->handler_thread = std::thread::id();
    if (pending->immediate) return on_reply(std::move(*pending->immediate), false);
    // Posted replies run on this session's executor, one handler at a time: not before this
    // returns.
    watch_client();
  }

  // While a request is in flight, waits for the connection to become readable:
  // end of stream or a reset means the client left and will never read the
  // answer, so the request is cancelled. Bytes (a pipelined next request, or
  // TLS records) mean it is still there; they stay for the next read.
  void watch_client() {
    if (buffer_.size() > 0) return;  // the next request is already here
    // Nothing is buffered: the read buffer goes back to the heap while the request runs, or
    // 10,000 requests in flight would hold 10,000 of them (the next read takes a new one).
    buffer_.shrink_to_fit();
    socket().async_wait(Socket::wait_read, [self = this->shared_from_this()](beast::error_code ec) {
      if (!ec && self->awaiting_reply_) self->on_readable();
    });
  }

  void on_readable() {
    char byte = 0;
    beast::error_code ec;
    socket().non_blocking(true, ec);
    const std::size_t n = socket().receive(net::buffer(&byte, 1), Socket::message_peek, ec);
    if (ec == net::error::would_block) return watch_client();
    if (!ec && n > 0) return;
    log_info("http", "client " + client_ + " closed its connection before the answer to " +
                         request_line_ + "; cancelling the request");
    client_gone_.request_stop();
  }

  void on_reply(HttpReply answer, bool watched) {
    awaiting_reply_ = false;
    if (watched) {
      beast::error_code ignored;
      socket().cancel(ignored);  // ends the watch
    }
    if (answer.stream) return send_streamed(std::move(answer.response), std::move(answer.stream));
    context_.in_flight->fetch_sub(1);
    send(std::move(answer.response), !keep_alive_);
  }

  // A streamed body goes out chunked, as the producer writes it: the header
  // first, then whatever is queued each time the previous write is done. A
  // client that stops reading is dropped after read_timeout without progress,
  // which stops the producer (and its request) too.
  void send_streamed(HttpResponse header, std::shared_ptr<BodyStream> body) {
    header.keep_alive(keep_alive_);
    header.chunked(true);
    auto message = std::make_shared<HttpResponse>(std::move(header));
    auto serializer = std::make_shared<http::response_serializer<http::string_body>>(*message);
    expire_after_timeout();
    http::async_write_header(stream_, *serializer,
                             [self = this->shared_from_this(), message, serializer, body](
                                 beast::error_code ec, std::size_t) {
                               if (ec) return self->stream_failed(body);
                               self->send_next_chunk(body);
                             });
  }

  void send_next_chunk(std::shared_ptr<BodyStream> body) {
    no_deadline();  // the producer takes the time it takes; its request has a deadline
    body->when_ready([self = this->shared_from_this(), body] {
      net::post(self->stream_.get_executor(), [self, body] { self->write_chunk(body); });
    });
  }

  void write_chunk(std::shared_ptr<BodyStream> body) {
    bool ended = false;
    auto bytes = std::make_shared<std::string>(body->take(ended));
    if (bytes->empty()) return ended ? write_last_chunk(body) : send_next_chunk(body);
    expire_after_timeout();
    net::async_write(
        stream_, http::make_chunk(net::buffer(*bytes)),
        [self = this->shared_from_this(), body, bytes, ended](beast::error_code ec, std::size_t) {
          if (ec) return self->stream_failed(body);
          if (ended) return self->write_last_chunk(body);
          self->send_next_chunk(body);
        });
  }

  void write_last_chunk(std::shared_ptr<BodyStream> body) {
    expire_after_timeout();
    net::async_write(stream_, http::make_chunk_last(),
                     [self = this->shared_from_this(), body](beast::error_code ec, std::size_t) {
                       if (ec) return self->stream_failed(body);
                       self->context_.in_flight->fetch_sub(1);
                       if (!self->keep_alive_) return self->close();
                       self->read();
                     });
  }

  // The client left mid-body or stopped reading: the rest is never sent.
  void stream_failed(const std::shared_ptr<BodyStream>& body) {
    log_info("http", "client " + client_ + " stopped receiving the answer to " + request_line_ +
                         "; cancelling the request");
    client_gone_.request_stop();
    body->abandon();
    context_.in_flight->fetch_sub(1);
    close();
  }

  // The head and the body in one gather write (response_head.hpp says why not Beast's
  // serializer), from the session's own strings: one response is written at a time.
  void send(HttpResponse response, bool close_after) {
    response.keep_alive(!close_after);
    response.prepare_payload();
    write_response_head(response, head_out_);
    body_out_ = std::move(response.body());
    const std::array<net::const_buffer, 2> bytes{net::buffer(head_out_), net::buffer(body_out_)};
    expire_after_timeout();
    net::async_write(
        stream_, bytes,
        [self = this->shared_from_this(), close_after](beast::error_code ec, std::size_t) {
          // The body may be as large as max_result_bytes: an idle connection does not keep it.
          self->body_out_ = std::string();
          if (ec || close_after) return self->close();
          self->read();
        });
  }

  void close() {
    if constexpr (kTls) {
      // close_notify tells the client the last response is complete; a client
      // that never answers it is not waited for beyond the read timeout.
      expire_after_timeout();
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ignored;
      socket().shutdown(Socket::shutdown_send, ignored);
    }
  }

  Stream stream_;
  Timer deadline_timer_;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool deadline_armed_ = false;
  bool timed_out_ = false;     // the deadline cut the operation in flight short
  beast::flat_buffer buffer_;  // bytes read, not yet taken by the parser
  std::optional<http::request_parser<http::string_body>> parser_;
  std::size_t after_header_ = 0;  // bytes of this request after its header, taken by the parser
  SessionContext context_;        // also keeps the TLS context alive for this connection
  bool plain_on_https_port_;
  std::string client_;
  bool keep_alive_ = true;
  // The request in flight, between the handler's call and its reply.
  std::string request_line_;  // "POST /v1/...", for the log
  bool awaiting_reply_ = false;
  std::stop_source client_gone_;
  // The response being written (send): the head's memory serves the next one too.
  std::string head_out_;
  std::string body_out_;
};

// On an HTTPS listener, looks at a connection's first bytes: a TLS client
// goes on to the handshake, one speaking plain HTTP is told to use https://
// instead of seeing its connection dropped for a failed handshake.
class TlsDetector : public std::enable_shared_from_this<TlsDetector> {
 public:
  TlsDetector(Socket socket, SessionContext context)
      : stream_(std::move(socket)), context_(std::move(context)) {}

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      // One deadline for detection and handshake together (Session::start).
      self->stream_.expires_after(self->context_.limits.read_timeout);
      beast::async_detect_ssl(self->stream_, self->buffer_,
                              [self](beast::error_code ec, bool tls) { self->on_detect(ec, tls); });
    });
  }

 private:
  void on_detect(beast::error_code ec, bool tls) {
    if (ec) return;  // closed or timed out before saying anything
    if (tls) {
      auto& tls_context = *context_.tls;
      std::make_shared<Session<TlsStream>>(TlsStream(stream_.release_socket(), tls_context),
                                           std::move(buffer_), std::move(context_))
          ->start(connected_);
    } else {
      std::make_shared<Session<Socket>>(stream_.release_socket(), std::move(buffer_),
                                        std::move(context_), true)
          ->start();
    }
  }

  TcpStream stream_;
  beast::flat_buffer buffer_;
  SessionContext context_;
  std::chrono::steady_clock::time_point connected_ = std::chrono::steady_clock::now();
};

}  // namespace

class HttpServer::Listener : public std::enable_shared_from_this<Listener> {
 public:
  // `pick` gives the io_context each accepted connection runs on: one run by one thread.
  Listener(net::io_context& io, std::function<net::io_context&()> pick, tcp::endpoint endpoint,
           SessionContext context)
      : pick_(std::move(pick)), acceptor_(net::make_strand(io)), context_(std::move(context)) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
    // For accept_waiting; async_accept works the same either way.
    acceptor_.non_blocking(true);
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void accept() {
    acceptor_.async_accept(pick_(), [self = shared_from_this()](beast::error_code ec, Socket s) {
      if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
      if (!ec) self->serve(std::move(s));
      self->accept_waiting();
      self->accept();
    });
  }
  // Takes the connections already waiting in the listen queue, a turn's worth at most, as
  // nginx's multi_accept does: one accept per turn of a busy loop lets a burst of clients
  // overflow the queue (the kernel then drops their handshakes, and resets some of them).
  void accept_waiting() {
    constexpr int kPerTurn = 64;
    beast::error_code ec;
    for (int i = 0; i < kPerTurn && !ec; ++i) {
      Socket socket(pick_());
      acceptor_.accept(socket, ec);
      if (!ec) serve(std::move(socket));
    }
  }
  void stop() {
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
    });
  }

 private:
  void serve(Socket socket) {
    if (context_.tls) {
      std::make_shared<TlsDetector>(std::move(socket), context_)->start();
    } else {
      std::make_shared<Session<Socket>>(std::move(socket), beast::flat_buffer{}, context_)->start();
    }
  }

  std::function<net::io_context&()> pick_;
  tcp::acceptor acceptor_;
  SessionContext context_;
};

HttpServer::HttpServer(net::io_context& io, const std::string& address, std::uint16_t port,
                       HttpLimits limits, RequestHandler& handler,
                       std::shared_ptr<ssl::context> tls)
    : HttpServer(
          io, [&io]() -> net::io_context& { return io; }, address, port, limits, handler,
          std::move(tls)) {}

HttpServer::HttpServer(IoThreads& threads, const std::string& address, std::uint16_t port,
                       HttpLimits limits, RequestHandler& handler,
                       std::shared_ptr<ssl::context> tls)
    : HttpServer(
          // One thread runs each context: its connections need no strand.
          threads.main(), [&threads]() -> net::io_context& { return threads.next(); }, address,
          port, limits, handler, std::move(tls)) {}

HttpServer::HttpServer(net::io_context& io, std::function<net::io_context&()> pick,
                       const std::string& address, std::uint16_t port, HttpLimits limits,
                       RequestHandler& handler, std::shared_ptr<ssl::context> tls)
    : in_flight_(std::make_shared<std::atomic<std::size_t>>(0)) {
  boost::system::error_code ec;
  const auto ip = net::ip::make_address(address, ec);
  if (ec) throw std::system_error(ec, "listen address \"" + address + "\" is not an IP address");
  try {
    listener_ =
        std::make_shared<Listener>(io, std::move(pick), tcp::endpoint(ip, port),
                                   SessionContext{limits, handler, in_flight_, std::move(tls)});
  } catch (const boost::system::system_error& e) {
    throw std::system_error(e.code(), "cannot listen on " + address + ":" + std::to_string(port));
  }
  port_ = listener_->port();
}

HttpServer::~HttpServer() = default;

void run_io(net::io_context& io) {
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      log_error("http",
                std::string("an I/O handler failed; its connection is dropped: ") + e.what());
    } catch (...) {
      log_error("http", "an I/O handler failed; its connection is dropped");
    }
  }
}

void HttpServer::start() { listener_->accept(); }
void HttpServer::stop_accepting() { listener_->stop(); }

}  // namespace weir
