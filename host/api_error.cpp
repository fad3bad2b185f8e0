#include "api_error.hpp"

#include <boost/json/serialize.hpp>
#include <boost/locale/utf.hpp>

#include <string_view>

namespace weir {

namespace {

// Replaces each byte that does not belong to a well-formed UTF-8 sequence
// with U+FFFD. Applied to serialized JSON, whose own syntax is ASCII, it only
// touches string contents: so a body that echoes what a client sent (a
// database name from a percent-encoded path, a URL) stays valid JSON.
std::string valid_utf8(std::string_view text) {
  using boost::locale::utf::utf_traits;
  std::string out;
  out.reserve(text.size());
  for (auto p = text.begin(); p != text.end();) {
    const auto start = p;
    const auto c = utf_traits<char>::decode(p, text.end());
    if (c == boost::locale::utf::illegal || c == boost::locale::utf::incomplete) {
      out += "\xEF\xBF\xBD";
      p = start + 1;  // what follows the bad byte may well be valid
    } else {
      out.append(start, p);
    }
  }
  return out;
}

}  // namespace

std::string ApiError::body() const {
  boost::json::object error{{"code", code_}, {"message", what()}, {"retryable", retryable_}};
  for (const auto& member : extra_) error[member.key()] = member.value();
  return valid_utf8(boost::json::serialize(boost::json::object{{"error", std::move(error)}}));
}

ApiError client_closed_request() {
  return ApiError(499, "client_closed_request",
                  "the client closed its connection before the answer; the request was cancelled");
}

namespace {

struct StatusMapping {
  unsigned http;
  const char* code;
  bool retryable;
};

StatusMapping mapping_for(weir_status status) noexcept {
  switch (status) {
    case WEIR_E_NOT_IMPLEMENTED:
      return {501, "not_implemented", false};
    case WEIR_E_INVALID_REQUEST:
      return {400, "invalid_request", false};
    case WEIR_E_INVALID_CONFIG:
      return {500, "invalid_config", false};
    case WEIR_E_NOT_FOUND:
      return {404, "not_found", false};
    case WEIR_E_CONFLICT:
      return {409, "conflict", false};
    case WEIR_E_QUERY:
      return {400, "query_error", false};
    case WEIR_E_UNAVAILABLE:
      return {503, "backend_unavailable", true};
    case WEIR_E_EXHAUSTED:
      return {503, "pool_exhausted", true};
    case WEIR_E_TIMEOUT:
      return {504, "timeout", true};
    case WEIR_E_CANCELLED:
      return {499, "cancelled", true};
    case WEIR_E_BROKEN:
      return {502, "connection_broken", true};
    case WEIR_E_UNAUTHENTICATED:
      return {502, "backend_auth_failed", false};
    case WEIR_E_PERMISSION:
      return {403, "permission_denied", false};
    case WEIR_E_ABORTED:
      return {413, "result_too_large", false};
    case WEIR_E_CLOSED:
      return {503, "database_closing", true};
    case WEIR_E_INTERNAL:
      return {500, "plugin_error", false};
    default:
      return {500, "internal", false};
  }
}

}  // namespace

ApiError api_error_from_plugin(weir_status status, const weir_error& error) {
  const auto m = mapping_for(status);
  std::string message = error.message[0] != '\0' ? error.message : m.code;
  // A plugin may know better whether this particular failure is transient:
  // a v2 plugin's verdict stands either way; a v1 plugin can only widen the
  // status's default (plugin.h, weir_error).
  const bool filled = error.status == status;
  const bool retryable = filled && error.retryable_decided != 0
                             ? error.retryable != 0
                             : m.retryable || (filled && error.retryable != 0);
  ApiError api(m.http, m.code, message, retryable);
  if (error.code[0] != '\0') api.extra()["backend_code"] = error.code;
  if (error.detail[0] != '\0') api.extra()["detail"] = error.detail;
  if (m.http == 503 && retryable) api.with_retry_after(1);
  return api;
}

}  // namespace weir
