#include "http_client.hpp"

#include "http_exchange.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/json/parse.hpp>

namespace weir::testing {

boost::json::value HttpReply::json() const { return boost::json::parse(body); }

std::string HttpReply::error_code() const {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return "";
  const auto* e = v.as_object().if_contains("error");
  return e != nullptr && e->is_object() && e->as_object().contains("code")
             ? std::string(e->as_object().at("code").as_string())
             : "";
}

HttpReply http_call(std::uint16_t port, boost::beast::http::verb method, const std::string& target,
                    const std::string& body, const HttpHeaders& headers) {
  boost::asio::io_context io;
  boost::beast::tcp_stream stream(io);
  stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  auto reply = http_exchange(stream, method, target, body, headers);
  boost::beast::error_code ignored;
  stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  return reply;
}

HttpReply http_get(std::uint16_t port, const std::string& target) {
  return http_call(port, boost::beast::http::verb::get, target);
}

HttpReply http_post(std::uint16_t port, const std::string& target, const std::string& body) {
  return http_call(port, boost::beast::http::verb::post, target, body);
}

}  // namespace weir::testing
