// weir::parse_request_body — a client's JSON body as a value, with every
// integer literal checked first. Boost.JSON reads an integer beyond 64 bits
// (2^64, -2^63-1) as a double, which would silently reach the backend as
// 1.8446744073709552e19; such a literal is refused instead, naming where it is
// (e.g. "params[2]", "params.id"), for every backend alike.
#pragma once

#include <boost/json/value.hpp>

#include <string_view>

namespace weir {

// Throws ApiError 400: invalid_json for malformed text, invalid_request for an
// integer literal outside the signed 64-bit range (from -2^63 to 2^63-1).
boost::json::value parse_request_body(std::string_view body);

}  // namespace weir
