#include "mcp/toolsets.hpp"

#include <algorithm>

namespace weir::mcp {

namespace {

// `reader[key]` as a non-empty array of strings; `what` says what they name.
std::vector<std::string> names(const sdk::ConfigReader& reader, const std::string& key,
                               const char* what) {
  const auto& list = reader.object().at(key);
  if (!list.is_array() || list.get_array().empty())
    reader.fail(key, std::string("must be a non-empty array of ") + what);
  std::vector<std::string> out;
  for (const auto& item : list.get_array()) {
    if (!item.is_string()) reader.fail(key, std::string("must contain only ") + what);
    out.emplace_back(item.get_string());
  }
  return out;
}

}  // namespace

Toolsets parse_toolsets(const sdk::ConfigReader& mcp, const std::vector<ConfigTool>& tools) {
  Toolsets toolsets;
  const auto defined = mcp.child("toolsets");
  for (const auto& member : defined.object()) {
    const std::string name(member.key());
    auto members = names(defined, name, "tool names");
    for (std::size_t i = 0; i < members.size(); ++i) {
      const auto& tool = members[i];
      const bool prebuilt = std::find(std::begin(kPrebuiltTools), std::end(kPrebuiltTools), tool) !=
                            std::end(kPrebuiltTools);
      const bool configured = std::any_of(tools.begin(), tools.end(),
                                          [&](const ConfigTool& t) { return t.name == tool; });
      if (!prebuilt && !configured)
        defined.fail(name + "[" + std::to_string(i) + "]",
                     "names \"" + tool +
                         "\", which is not a tool: a prebuilt one (list_databases, "
                         "describe_database, query, vector_search) or one of mcp.tools");
    }
    toolsets.emplace(name, std::move(members));
  }
  return toolsets;
}

std::optional<std::vector<std::string>> parse_token_toolsets(const sdk::ConfigReader& token,
                                                             const Toolsets& toolsets) {
  if (!token.has("toolsets")) return std::nullopt;
  auto limit = names(token, "toolsets", "toolset names");
  for (const auto& name : limit) {
    if (!toolsets.contains(name))
      token.fail("toolsets", "names \"" + name + "\", which is not one of mcp.toolsets");
  }
  return limit;
}

bool toolsets_allow(const Toolsets& toolsets, const std::optional<std::vector<std::string>>& limit,
                    std::string_view tool) {
  if (!limit) return true;
  return std::any_of(limit->begin(), limit->end(), [&](const std::string& name) {
    const auto& members = toolsets.find(name)->second;  // checked when the config was read
    return std::find(members.begin(), members.end(), tool) != members.end();
  });
}

}  // namespace weir::mcp
