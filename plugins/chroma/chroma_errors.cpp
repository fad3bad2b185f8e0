#include "chroma_errors.hpp"

#include <boost/json.hpp>

#include <string>

namespace weir::chroma {
namespace {

weir_status status_for(long http_status, std::string_view message) {
  switch (http_status) {
    case 400:
    case 422:  // valid JSON that does not fit the server's schema
      return WEIR_E_QUERY;
    case 401:
      return WEIR_E_UNAUTHENTICATED;
    case 403:
      return WEIR_E_PERMISSION;
    case 404:
      return WEIR_E_NOT_FOUND;
    case 409:
      return WEIR_E_CONFLICT;
    case 413:
      return WEIR_E_INVALID_REQUEST;
    case 429:
    case 502:
    case 503:
    case 504:
      return WEIR_E_UNAVAILABLE;
    case 501:
      return WEIR_E_NOT_IMPLEMENTED;
    case 500:
      // Renaming onto an existing name surfaces as a raw SQLite constraint error.
      if (message.find("UNIQUE constraint failed") != std::string_view::npos)
        return WEIR_E_CONFLICT;
      return WEIR_E_UNKNOWN;
    default:
      return WEIR_E_UNKNOWN;
  }
}

}  // namespace

sdk::Error chroma_error(const HttpResponse& response, std::string_view what) {
  std::string kind;
  std::string message;
  // Error bodies are usually {"error": kind, "message": text}, but may be empty or plain text.
  boost::system::error_code ec;
  const auto parsed = boost::json::parse(response.body, ec);
  if (!ec && parsed.is_object()) {
    const auto& o = parsed.get_object();
    if (const auto* e = o.if_contains("error"); e != nullptr && e->is_string())
      kind = e->get_string();
    if (const auto* m = o.if_contains("message"); m != nullptr && m->is_string())
      message = m->get_string();
  }
  if (message.empty()) {
    message = "Chroma answered HTTP " + std::to_string(response.status) +
              (response.body.empty() ? " with an empty body" : ": " + response.body.substr(0, 200));
  }
  if (response.status == 413)
    message +=
        " (the request body is over the server's max_payload_size_bytes; send fewer records per "
        "request)";
  const weir_status status = status_for(response.status, message);
  const bool retryable = status == WEIR_E_UNAVAILABLE;
  return sdk::Error(status, std::move(message), retryable, std::move(kind),
                    std::string(what) + " -> HTTP " + std::to_string(response.status));
}

void expect_success(const HttpResponse& response, std::string_view what) {
  if (response.status < 200 || response.status > 299) throw chroma_error(response, what);
}

}  // namespace weir::chroma
