// weir::mcp::ConfigTool — a tool an operator defines in the config
// (mcp.tools, docs/mcp.md): one statement on one database, with typed
// parameters that become the tool's JSON Schema inputSchema. A call's
// arguments are checked against them before anything reaches a backend, and
// always bound as the statement's parameters, never spliced into its text.
#pragma once

#include <weir/sdk/config_reader.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::mcp {

// The prebuilt tools' names (tools.hpp), which a tool in the config may not take.
inline constexpr std::string_view kPrebuiltTools[] = {"list_databases", "describe_database",
                                                      "query", "vector_search"};

struct ToolParameter {
  std::string name;
  std::string type;       // string, integer, number, boolean or array
  std::string item_type;  // an array's: string, integer, number or boolean; empty = any
  std::string description;
  std::optional<boost::json::array> allowed;  // enum
  // As the config wrote them (an integer bound reads "at least 1", not 1.0).
  std::optional<boost::json::value> minimum;
  std::optional<boost::json::value> maximum;
  std::optional<boost::json::value> fallback;  // default; a parameter without one is required
};

struct ConfigTool {
  std::string name;
  std::string title;
  std::string description;
  std::string database;
  std::string statement;
  std::vector<ToolParameter> parameters;  // in binding order ($1, ? ...)
  bool read_only = true;

  boost::json::object input_schema() const;
  // The arguments as the statement's parameters, in declared order; defaults filled in.
  // Throws ApiError 400 invalid_arguments naming the argument.
  std::vector<boost::json::value> bind(const boost::json::object& arguments) const;
};

// Reads mcp.tools; `is_database` says whether a name is a configured database. Throws
// sdk::Error naming the field.
std::vector<ConfigTool> parse_config_tools(
    const sdk::ConfigReader& mcp, const std::function<bool(const std::string&)>& is_database);

}  // namespace weir::mcp
