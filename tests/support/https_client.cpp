#include "https_client.hpp"

#include "http_exchange.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

namespace weir::testing {

HttpReply https_call(std::uint16_t port, const std::filesystem::path& ca_file,
                     boost::beast::http::verb method, const std::string& target,
                     const std::string& body, const HttpHeaders& headers) {
  namespace ssl = boost::asio::ssl;
  ssl::context context(ssl::context::tls_client);
  context.load_verify_file(ca_file.string());
  context.set_verify_mode(ssl::verify_peer);
  boost::asio::io_context io;
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream(io, context);
  stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
  boost::beast::get_lowest_layer(stream).connect(
      boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  stream.handshake(ssl::stream_base::client);
  auto reply = http_exchange(stream, method, target, body, headers);
  boost::beast::error_code ignored;
  stream.shutdown(ignored);  // the server's close_notify, or a plain close: both end the call
  return reply;
}

HttpReply https_get(std::uint16_t port, const std::filesystem::path& ca_file,
                    const std::string& target) {
  return https_call(port, ca_file, boost::beast::http::verb::get, target);
}

}  // namespace weir::testing
