// weir::mcp toolsets — named groups of tools (mcp.toolsets, docs/mcp.md). A
// token limited to toolsets (auth.tokens[].toolsets) is listed, and may
// call, only the tools in them; a token without the key, and the stdio
// caller, may use every tool.
#pragma once

#include "mcp/config_tool.hpp"

#include <weir/sdk/config_reader.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::mcp {

using Toolsets = std::map<std::string, std::vector<std::string>, std::less<>>;

// Reads mcp.toolsets: by name, each a non-empty array of tool names, prebuilt or defined in
// mcp.tools (`tools`). Throws sdk::Error naming the field.
Toolsets parse_toolsets(const sdk::ConfigReader& mcp, const std::vector<ConfigTool>& tools);

// Reads a token's "toolsets": absent means every tool; otherwise names of `toolsets`.
std::optional<std::vector<std::string>> parse_token_toolsets(const sdk::ConfigReader& token,
                                                             const Toolsets& toolsets);

// Whether a caller limited to `limit` (nullopt: no limit) may use `tool`.
bool toolsets_allow(const Toolsets& toolsets, const std::optional<std::vector<std::string>>& limit,
                    std::string_view tool);

}  // namespace weir::mcp
