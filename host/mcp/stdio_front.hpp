// weir::mcp::serve_stdio — MCP's stdio transport (`weir mcp`): one JSON-RPC
// message per line on stdin, one answer per line on stdout, and nothing else
// on stdout (logs go to stderr or the log file); server-initiated messages
// (notifications/tools/list_changed) are lines of their own between the
// answers. The caller is the local user
// who started the process, as in local-only mode: every configured database.
#pragma once

#include "mcp/server.hpp"

#include <chrono>
#include <cstddef>
#include <iosfwd>

namespace weir::mcp {

struct StdioLimits {
  std::size_t max_message_bytes;              // a longer line is refused (-32600) and skipped
  std::chrono::milliseconds request_timeout;  // each message's deadline
};

// Serves until `in` ends, then waits for the tool calls still running and returns.
void serve_stdio(Server& server, std::istream& in, std::ostream& out, StdioLimits limits);

}  // namespace weir::mcp
