// Matching a request target against the API's endpoint table (api.cpp):
// the path is split and percent-decoded once, then compared with each
// endpoint's pattern, where "{database}" (or another "{name}") stands for one segment.
#pragma once

#include <boost/container/small_vector.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace weir {

// A path's segments: every endpoint's fit inline, so routing a request allocates nothing.
using PathSegments = boost::container::small_vector<std::string, 8>;

// Splits "/v1/databases/x/query?a=b" into {"v1", "databases", "x", "query"}, decoding %XX;
// nullopt when the target is not an absolute path or a %-escape is malformed.
std::optional<PathSegments> split_path(std::string_view target);

// Whether `segments` fit `pattern` (e.g. "/v1/databases/{database}/query"); on a match, the
// segment in the place of "{database}" is written to `database` (emptied when the pattern has
// none). Any other "{name}" matches one segment.
bool path_matches(std::string_view pattern, const PathSegments& segments, std::string& database);

}  // namespace weir
