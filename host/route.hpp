// Matching a request target against the API's endpoint table (api.cpp):
// the path is split and percent-decoded once, then compared with each
// endpoint's pattern, where "{database}" (or another "{name}") stands for one segment.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir {

// Splits "/v1/databases/x/query?a=b" into {"v1", "databases", "x", "query"}, decoding %XX;
// nullopt when the target is not an absolute path or a %-escape is malformed.
std::optional<std::vector<std::string>> split_path(std::string_view target);

// Whether `segments` fit `pattern` (e.g. "/v1/databases/{database}/query"); the segment in
// the place of "{database}" is written to `database`. Any other "{name}" matches one segment.
bool path_matches(std::string_view pattern, const std::vector<std::string>& segments,
                  std::string& database);

}  // namespace weir
