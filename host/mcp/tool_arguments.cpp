#include "mcp/tool_arguments.hpp"

#include <algorithm>

namespace weir::mcp {

ToolArguments::ToolArguments(const boost::json::object& arguments,
                             std::vector<std::string_view> allowed)
    : arguments_(arguments) {
  for (const auto& member : arguments) {
    if (std::find(allowed.begin(), allowed.end(), member.key()) != allowed.end()) continue;
    std::string known;
    for (auto key : allowed) known += (known.empty() ? "" : ", ") + std::string(key);
    refuse(member.key(), "is not an argument of this tool (it takes " + known + ")");
  }
}

void ToolArguments::refuse(std::string_view key, const std::string& what) {
  throw ApiError(400, "invalid_arguments", "arguments." + std::string(key) + " " + what);
}

const boost::json::value* ToolArguments::find(std::string_view key) const {
  const auto* value = arguments_.if_contains(key);
  return value == nullptr || value->is_null() ? nullptr : value;
}

std::string ToolArguments::required_string(std::string_view key) const {
  const auto* value = find(key);
  if (value == nullptr) refuse(key, "is required");
  if (!value->is_string() || value->get_string().empty()) refuse(key, "must be a non-empty string");
  return std::string(value->get_string());
}

std::optional<std::string> ToolArguments::optional_string(std::string_view key) const {
  if (find(key) == nullptr) return std::nullopt;
  return required_string(key);
}

std::int64_t ToolArguments::integer(std::string_view key, std::int64_t fallback, std::int64_t min,
                                    std::int64_t max) const {
  const auto* value = find(key);
  if (value == nullptr) return fallback;
  const auto range =
      "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!value->is_int64()) refuse(key, range);
  const auto n = value->get_int64();
  if (n < min || n > max) refuse(key, range + ", got " + std::to_string(n));
  return n;
}

std::optional<boost::json::object> ToolArguments::object(std::string_view key) const {
  const auto* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_object()) refuse(key, "must be an object");
  return value->get_object();
}

std::optional<boost::json::value> ToolArguments::params(std::string_view key) const {
  const auto* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_array() && !value->is_object())
    refuse(key, "must be an array (positional parameters) or an object (named parameters)");
  return *value;
}

boost::json::array ToolArguments::numbers(std::string_view key) const {
  const auto* value = find(key);
  if (value == nullptr) refuse(key, "is required");
  if (!value->is_array() || value->get_array().empty())
    refuse(key, "must be a non-empty array of numbers");
  for (const auto& n : value->get_array()) {
    if (!n.is_number()) refuse(key, "must be a non-empty array of numbers");
  }
  return value->get_array();
}

}  // namespace weir::mcp
