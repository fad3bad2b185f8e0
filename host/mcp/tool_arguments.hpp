// weir::mcp::ToolArguments — a tool call's "arguments", read against what the
// tool's inputSchema promises. A wrong argument is refused before anything
// reaches a backend, as a tool error (400 invalid_arguments) that names it, so
// the model can correct itself.
#pragma once

#include "api_error.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::mcp {

class ToolArguments {
 public:
  // `allowed`: every argument the tool takes; any other is refused.
  ToolArguments(const boost::json::object& arguments, std::vector<std::string_view> allowed);

  std::string required_string(std::string_view key) const;
  // Absent or null: nullopt; else a non-empty string.
  std::optional<std::string> optional_string(std::string_view key) const;
  std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) const;
  // Absent or null: nullopt.
  std::optional<boost::json::object> object(std::string_view key) const;
  // An array or an object (a statement's positional or named parameters).
  std::optional<boost::json::value> params(std::string_view key) const;
  boost::json::array numbers(std::string_view key) const;  // required, non-empty

  [[noreturn]] static void refuse(std::string_view key, const std::string& what);

 private:
  const boost::json::value* find(std::string_view key) const;
  const boost::json::object& arguments_;
};

}  // namespace weir::mcp
