// A blocking HTTP/1.1 client for tests (Boost.Beast), one connection per call
// (https_client.hpp adds TLS). Only declarations here: the Beast code is
// compiled once, in http_client.cpp.
#pragma once

#include <ostream>  // before verb.hpp, which needs it

#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <string>

namespace weir::testing {

using HttpHeaders = std::map<std::string, std::string>;

struct HttpReply {
  unsigned status = 0;
  std::string body;
  HttpHeaders headers;  // lower-case names

  boost::json::value json() const;
  // The "error.code" of an error body, or "" when there is none.
  std::string error_code() const;
};

HttpReply http_call(std::uint16_t port, boost::beast::http::verb method, const std::string& target,
                    const std::string& body = {},
                    const HttpHeaders& headers = {{"content-type", "application/json"}});
HttpReply http_get(std::uint16_t port, const std::string& target);
HttpReply http_post(std::uint16_t port, const std::string& target, const std::string& body);

}  // namespace weir::testing
