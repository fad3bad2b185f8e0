#include "route.hpp"

#include <algorithm>

namespace weir {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<PathSegments> split_path(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (path.empty() || path[0] != '/') return std::nullopt;
  PathSegments segments;
  for (std::size_t start = 1; start < path.size();) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view raw = path.substr(start, end - start);
    start = end + 1;
    if (raw.empty()) continue;
    std::string& segment = segments.emplace_back();
    // Plain runs are copied whole; each %XX becomes its byte.
    for (std::size_t i = 0; i < raw.size();) {
      const std::size_t escape = std::min(raw.find('%', i), raw.size());
      segment.append(raw.substr(i, escape - i));
      if (escape == raw.size()) break;
      if (escape + 2 >= raw.size()) return std::nullopt;
      const int high = hex_value(raw[escape + 1]);
      const int low = hex_value(raw[escape + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      segment += static_cast<char>(high * 16 + low);
      i = escape + 3;
    }
  }
  return segments;
}

bool path_matches(std::string_view pattern, const PathSegments& segments, std::string& database) {
  const std::string* named = nullptr;
  std::size_t index = 0;
  while (!pattern.empty()) {
    pattern.remove_prefix(1);  // the '/'
    const auto part = pattern.substr(0, pattern.find('/'));
    pattern.remove_prefix(part.size());
    if (index == segments.size()) return false;
    if (part == "{database}") {
      named = &segments[index];
    } else if (part.starts_with('{')) {
      // Another parameter (e.g. "{transaction}"): any segment; its handler reads it.
    } else if (part != segments[index]) {
      return false;
    }
    ++index;
  }
  if (index != segments.size()) return false;
  database = named != nullptr ? *named : std::string();
  return true;
}

}  // namespace weir
