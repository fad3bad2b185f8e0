// What the host does with a request body before a plugin sees it: parse it
// as a JSON object and take out the members the host itself owns. Every
// refusal is an ApiError naming what the client must fix.
#pragma once

#include "api_error.hpp"
#include "http_server.hpp"
#include "int64_form.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace weir {

// The body as a JSON object: 415 for a non-JSON Content-Type, 400 for text
// that is not JSON or not an object.
boost::json::object parse_body(const HttpRequest& request);

// Removes and returns the host-level "read_only" member (false when absent).
bool take_read_only(boost::json::object& body);

// Removes and returns "max_rows" (docs/http-api.yaml): `fallback` when absent (the
// database's default; 0 = no cap), else an integer from 1 to kMaxRowsLimit.
std::size_t take_max_rows(boost::json::object& body, std::size_t fallback);

// Removes "consistency" and returns true for "primary" (read from the primary even
// where a replica could serve), false when absent or "any".
bool take_primary(boost::json::object& body);

// Removes and returns the host-level "int64" member: "number" (the default) or "string".
Int64Form take_int64_form(boost::json::object& body);

// Removes and returns the "statements" of `what` ("a transaction", "a batch"): a non-empty
// array of objects; what is left of `body` are its options.
boost::json::array take_statements(boost::json::object& body,
                                   std::string_view what = "a transaction");

}  // namespace weir
