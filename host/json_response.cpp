#include "json_response.hpp"

namespace weir {

namespace http = boost::beast::http;

HttpResponse json_response(unsigned status, std::string body) {
  HttpResponse response{static_cast<http::status>(status), 11};
  response.set(http::field::content_type, "application/json");
  response.set(http::field::server, "weir/" WEIR_VERSION);
  response.body() = std::move(body);
  return response;
}

HttpResponse error_response(const ApiError& error) {
  auto response = json_response(error.http_status(), error.body());
  // The code in a header too: cheap to read for proxies and access logs.
  response.set("x-weir-error", error.code());
  if (error.retry_after_s() > 0)
    response.set(http::field::retry_after, std::to_string(error.retry_after_s()));
  if (const auto* allow = error.extra().if_contains("allow"))  // 405: RFC 9110 section 15.5.6
    response.set(http::field::allow, allow->as_string());
  return response;
}

}  // namespace weir
