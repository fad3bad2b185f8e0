#include "mcp/config_tool.hpp"

#include "api_error.hpp"
#include "json_text.hpp"

#include <algorithm>
#include <cctype>

namespace weir::mcp {

namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;

constexpr std::string_view kTypes[] = {"string", "integer", "number", "boolean", "array"};

bool is_type(const value& v, std::string_view type) {
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_int64() || v.is_uint64();
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_bool();
  if (type == "array") return v.is_array();
  return true;  // an array's items of any type
}

// Why `v` does not fit `p`, or "" when it does.
std::string misfit(const ToolParameter& p, const value& v) {
  if (!is_type(v, p.type))
    return std::string(p.type == "integer" || p.type == "array" ? "must be an " : "must be a ") +
           p.type;
  if (p.type == "array" && !p.item_type.empty()) {
    for (const auto& item : v.get_array()) {
      if (!is_type(item, p.item_type)) return "must be an array of " + p.item_type + "s";
    }
  }
  if (p.allowed && std::find(p.allowed->begin(), p.allowed->end(), v) == p.allowed->end())
    return "must be one of " + json_text(*p.allowed);
  if (v.is_number()) {
    const double n = v.to_number<double>();
    if (p.minimum && n < p.minimum->to_number<double>())
      return "must be at least " + json_text(*p.minimum);
    if (p.maximum && n > p.maximum->to_number<double>())
      return "must be at most " + json_text(*p.maximum);
  }
  return {};
}

bool valid_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
}

ToolParameter parse_parameter(const sdk::ConfigReader& r) {
  r.allow_only({"name", "type", "items", "description", "enum", "minimum", "maximum", "default"});
  ToolParameter p;
  p.name = r.required_string("name");
  if (!valid_name(p.name)) r.fail("name", "may use only letters, digits, '_' and '-' (at most 64)");
  if (p.name == "cursor") r.fail("name", "\"cursor\" is the paging argument of every tool");
  p.type = r.required_string("type");
  const auto known = [](const std::string& t) {
    return std::find(std::begin(kTypes), std::end(kTypes), t) != std::end(kTypes);
  };
  if (!known(p.type))
    r.fail("type",
           "must be one of string, integer, number, boolean, array; got \"" + p.type + "\"");
  p.item_type = r.string("items", "");
  if (!p.item_type.empty() && (p.type != "array" || !known(p.item_type) || p.item_type == "array"))
    r.fail("items", "is the item type of an array parameter: string, integer, number or boolean");
  p.description = r.string("description", "");
  if (const auto* allowed = r.object().if_contains("enum")) {
    if (!allowed->is_array() || allowed->get_array().empty())
      r.fail("enum", "must be a non-empty array of the allowed values");
    p.allowed = allowed->get_array();
    for (const auto& v : *p.allowed) {
      if (!is_type(v, p.type)) r.fail("enum", "must hold only " + p.type + " values");
    }
  }
  for (const char* bound : {"minimum", "maximum"}) {
    const auto* v = r.object().if_contains(bound);
    if (v == nullptr) continue;
    if (p.type != "integer" && p.type != "number")
      r.fail(bound, "applies only to integer and number parameters");
    if (!v->is_number()) r.fail(bound, "must be a number");
    (std::string_view(bound) == "minimum" ? p.minimum : p.maximum) = *v;
  }
  if (const auto* fallback = r.object().if_contains("default")) {
    p.fallback = *fallback;
    if (const auto why = misfit(p, *fallback); !why.empty()) r.fail("default", why);
  }
  return p;
}

}  // namespace

object ConfigTool::input_schema() const {
  object properties;
  array required;
  for (const auto& p : parameters) {
    object property{{"type", p.type}};
    if (!p.item_type.empty()) property["items"] = object{{"type", p.item_type}};
    if (!p.description.empty()) property["description"] = p.description;
    if (p.allowed) property["enum"] = *p.allowed;
    if (p.minimum) property["minimum"] = *p.minimum;
    if (p.maximum) property["maximum"] = *p.maximum;
    if (p.fallback) {
      property["default"] = *p.fallback;
    } else {
      required.push_back(value(p.name));
    }
    properties[p.name] = std::move(property);
  }
  object schema{{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) schema["required"] = std::move(required);
  schema["additionalProperties"] = false;
  return schema;
}

std::vector<value> ConfigTool::bind(const object& arguments) const {
  const auto refuse = [](std::string_view name, const std::string& why) {
    throw ApiError(400, "invalid_arguments", "arguments." + std::string(name) + " " + why);
  };
  for (const auto& member : arguments) {
    const bool known = std::any_of(parameters.begin(), parameters.end(),
                                   [&](const ToolParameter& p) { return p.name == member.key(); });
    if (!known) refuse(member.key(), "is not a parameter of this tool");
  }
  std::vector<value> bound;
  for (const auto& p : parameters) {
    const auto* given = arguments.if_contains(p.name);
    if (given == nullptr || given->is_null()) {
      if (!p.fallback) refuse(p.name, "is required");
      bound.push_back(*p.fallback);
      continue;
    }
    if (const auto why = misfit(p, *given); !why.empty()) refuse(p.name, why);
    bound.push_back(*given);
  }
  return bound;
}

std::vector<ConfigTool> parse_config_tools(
    const sdk::ConfigReader& mcp, const std::function<bool(const std::string&)>& is_database) {
  std::vector<ConfigTool> tools;
  const auto defined = mcp.child("tools");
  for (const auto& member : defined.object()) {
    const std::string name(member.key());
    if (!valid_name(name) || std::find(std::begin(kPrebuiltTools), std::end(kPrebuiltTools),
                                       name) != std::end(kPrebuiltTools))
      defined.fail(name,
                   "a tool name may use only letters, digits, '_' and '-' (at most 64) and may not "
                   "be a prebuilt tool's (list_databases, describe_database, query, "
                   "vector_search)");
    const auto t = defined.child(name);
    t.allow_only({"title", "description", "database", "statement", "parameters", "read_only"});
    ConfigTool tool;
    tool.name = name;
    tool.title = t.string("title", "");
    tool.description = t.required_string("description");
    tool.database = t.required_string("database");
    if (!is_database(tool.database))
      t.fail("database", "names \"" + tool.database + "\", which is not a configured database");
    tool.statement = t.required_string("statement");
    tool.read_only = t.boolean("read_only", true);
    if (const auto* parameters = t.object().if_contains("parameters")) {
      if (!parameters->is_array())
        t.fail("parameters", "must be an array of {\"name\", \"type\", ...}, in binding order");
      for (std::size_t i = 0; i < parameters->get_array().size(); ++i) {
        const auto& p = parameters->get_array()[i];
        const std::string key = "parameters[" + std::to_string(i) + "]";
        if (!p.is_object()) t.fail(key, "must be an object with \"name\" and \"type\"");
        auto parameter = parse_parameter(sdk::ConfigReader(p.get_object(), t.field(key)));
        for (const auto& other : tool.parameters) {
          if (other.name == parameter.name)
            t.fail(key + ".name", "\"" + parameter.name + "\" is used by another parameter");
        }
        tool.parameters.push_back(std::move(parameter));
      }
    }
    tools.push_back(std::move(tool));
  }
  return tools;
}

}  // namespace weir::mcp
