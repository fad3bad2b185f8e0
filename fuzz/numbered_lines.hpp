// The readable input format of the text harnesses: one item per line,
// "<number> <text>", e.g. "1007 {1,2}" or "404 {\"error\": ...}".
#pragma once

#include <charconv>
#include <optional>
#include <string_view>
#include <vector>

namespace weir::fuzz {

struct NumberedLine {
  std::optional<unsigned> number;  // absent when the line does not start with one
  std::string_view text;           // after the number and one space
};

inline std::vector<NumberedLine> numbered_lines(std::string_view input) {
  std::vector<NumberedLine> lines;
  while (!input.empty()) {
    const auto eol = input.find('\n');
    std::string_view line = input.substr(0, eol);
    input.remove_prefix(eol == std::string_view::npos ? input.size() : eol + 1);
    unsigned number = 0;
    const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), number);
    line.remove_prefix(static_cast<std::size_t>(end - line.data()));
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    lines.push_back({ec == std::errc() ? std::optional(number) : std::nullopt, line});
  }
  return lines;
}

}  // namespace weir::fuzz
