#include "streamed_reply.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>

namespace weir::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

struct StreamedReply::Connection {
  net::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  HttpHeaders headers;
  std::string pending;  // body bytes received and not yet returned as lines
  std::size_t body_bytes = 0;
};

StreamedReply::StreamedReply(std::uint16_t port, const std::string& target, const std::string& body,
                             const HttpHeaders& headers)
    : connection_(std::make_unique<Connection>()) {
  auto& c = *connection_;
  c.stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> request{http::verb::post, target, 11};
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  http::write(c.stream, request);
  c.parser.body_limit(boost::none);
  http::read_header(c.stream, c.buffer, c.parser);
  for (const auto& field : c.parser.get()) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    c.headers[name] = std::string(field.value());
  }
}

StreamedReply::~StreamedReply() = default;

unsigned StreamedReply::status() const { return connection_->parser.get().result_int(); }
const HttpHeaders& StreamedReply::headers() const { return connection_->headers; }
std::size_t StreamedReply::body_bytes() const { return connection_->body_bytes; }

std::optional<std::string> StreamedReply::next_line() {
  auto& c = *connection_;
  for (;;) {
    if (const auto newline = c.pending.find('\n'); newline != std::string::npos) {
      std::string line = c.pending.substr(0, newline);
      c.pending.erase(0, newline + 1);
      return line;
    }
    if (c.parser.is_done()) {
      if (c.pending.empty()) return std::nullopt;
      return std::exchange(c.pending, {});  // a last line without its newline
    }
    char chunk[16 * 1024];
    c.parser.get().body().data = chunk;
    c.parser.get().body().size = sizeof chunk;
    beast::error_code ec;
    http::read(c.stream, c.buffer, c.parser, ec);
    if (ec && ec != http::error::need_buffer) throw beast::system_error(ec);
    const std::size_t n = sizeof chunk - c.parser.get().body().size;
    c.pending.append(chunk, n);
    c.body_bytes += n;
  }
}

StreamedLines StreamedReply::read_to_end() {
  StreamedLines lines;
  lines.header = next_line();
  while (auto line = next_line()) {
    if (!line->empty() && line->front() == '[') ++lines.rows;
    lines.last = std::move(line);
  }
  return lines;
}

void StreamedReply::close() {
  beast::error_code ignored;
  connection_->stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  connection_->stream.close();
}

}  // namespace weir::testing
