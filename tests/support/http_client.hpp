// A blocking HTTP/1.1 client for tests (Boost.Beast), one connection per call
// (https_client.hpp adds TLS).
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <map>
#include <string>

namespace weir::testing {

struct HttpReply {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names

  boost::json::value json() const { return boost::json::parse(body); }
  // The "error.code" of an error body, or "" when there is none.
  std::string error_code() const {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (ec || !v.is_object()) return "";
    const auto* e = v.as_object().if_contains("error");
    return e != nullptr && e->is_object() && e->as_object().contains("code")
               ? std::string(e->as_object().at("code").as_string())
               : "";
  }
};

// Writes one request on a connected stream (plain or TLS) and reads the reply.
template <class Stream>
HttpReply http_exchange(Stream& stream, boost::beast::http::verb method, const std::string& target,
                        const std::string& body,
                        const std::map<std::string, std::string>& headers) {
  namespace http = boost::beast::http;
  http::request<http::string_body> request{method, target, 11};
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  http::write(stream, request);
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1ull << 30);
  http::read(stream, buffer, parser);
  const auto& response = parser.get();
  HttpReply reply;
  reply.status = response.result_int();
  reply.body = response.body();
  for (const auto& field : response) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[name] = std::string(field.value());
  }
  return reply;
}

inline HttpReply http_call(std::uint16_t port, boost::beast::http::verb method,
                           const std::string& target, const std::string& body = {},
                           const std::map<std::string, std::string>& headers = {
                               {"content-type", "application/json"}}) {
  boost::asio::io_context io;
  boost::beast::tcp_stream stream(io);
  stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  auto reply = http_exchange(stream, method, target, body, headers);
  boost::beast::error_code ignored;
  stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  return reply;
}

inline HttpReply http_get(std::uint16_t port, const std::string& target) {
  return http_call(port, boost::beast::http::verb::get, target);
}
inline HttpReply http_post(std::uint16_t port, const std::string& target, const std::string& body) {
  return http_call(port, boost::beast::http::verb::post, target, body);
}

}  // namespace weir::testing
