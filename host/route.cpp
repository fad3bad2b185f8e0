#include "route.hpp"

namespace weir {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::vector<std::string>> split_path(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (path.empty() || path[0] != '/') return std::nullopt;
  std::vector<std::string> segments;
  std::string segment;
  for (std::size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      if (!segment.empty()) segments.push_back(std::move(segment));
      segment.clear();
    } else if (path[i] == '%') {
      if (i + 2 >= path.size() || hex_value(path[i + 1]) < 0 || hex_value(path[i + 2]) < 0)
        return std::nullopt;
      segment += static_cast<char>(hex_value(path[i + 1]) * 16 + hex_value(path[i + 2]));
      i += 2;
    } else {
      segment += path[i];
    }
  }
  return segments;
}

bool path_matches(std::string_view pattern, const std::vector<std::string>& segments,
                  std::string& database) {
  database.clear();
  std::size_t index = 0;
  while (!pattern.empty()) {
    pattern.remove_prefix(1);  // the '/'
    const auto part = pattern.substr(0, pattern.find('/'));
    pattern.remove_prefix(part.size());
    if (index == segments.size()) return false;
    if (part == "{database}") {
      database = segments[index];
    } else if (part.starts_with('{')) {
      // Another parameter (e.g. "{transaction}"): any segment; its handler reads it.
    } else if (part != segments[index]) {
      return false;
    }
    ++index;
  }
  return index == segments.size();
}

}  // namespace weir
