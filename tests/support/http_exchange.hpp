// One HTTP/1.1 exchange on a connected stream (plain or TLS), for the clients
// in http_client.cpp and https_client.cpp and for tests that bring their own
// stream. Kept apart from http_client.hpp because Beast's templates are the
// heaviest thing a test translation unit can compile.
#pragma once

#include "http_client.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cctype>

namespace weir::testing {

template <class Stream>
HttpReply http_exchange(Stream& stream, boost::beast::http::verb method, const std::string& target,
                        const std::string& body, const HttpHeaders& headers) {
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

}  // namespace weir::testing
