#include "request_json.hpp"

#include "api_error.hpp"
#include "json_number_range.hpp"

#include <weir/sdk/json_parse.hpp>

namespace weir {

boost::json::value parse_request_body(std::string_view body) {
  boost::system::error_code ec;
  auto value = sdk::parse_json(body, ec);
  if (ec)
    throw ApiError(400, "invalid_json", "the request body is not valid JSON: " + ec.message());
  if (const auto refused = find_out_of_range_number(body, value)) {
    ApiError e(400, "invalid_request",
               refused->path + ": " + refused->what + "; send it as a string");
    e.extra()["field"] = refused->path;
    throw e;
  }
  return value;
}

}  // namespace weir
