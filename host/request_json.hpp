// weir::parse_request_body — a client's JSON body as a value, with every
// number literal checked first (json_number_range.hpp): an integer beyond 64
// bits or a number beyond a double is refused, naming where it is (e.g.
// "params[2]", "params.id"), for every backend alike.
#pragma once

#include <boost/json/value.hpp>

#include <string_view>

namespace weir {

// Throws ApiError 400: invalid_json for malformed text, invalid_request for an
// integer literal outside the signed 64-bit range (from -2^63 to 2^63-1) or a
// number beyond a double's (about ±1.8e308).
boost::json::value parse_request_body(std::string_view body);

}  // namespace weir
