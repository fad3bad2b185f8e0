// weir::mcp::Tools — the prebuilt tools (docs/mcp.md): list_databases,
// describe_database, query (SQL and Cypher) and vector_search (Chroma), and
// the tools the config defines (mcp.tools, config_tool.hpp). A
// caller is shown, and may call, only the databases its token may use; every
// backend call goes through DatabaseCalls (the REST API's path). A tool's
// failure is a tool result with isError and weir's error body, as MCP asks.
#pragma once

#include "mcp/config_tool.hpp"
#include "mcp/database_calls.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <functional>
#include <memory>
#include <string>

namespace weir::mcp {

// The default and the largest `max_rows` of the query tool.
inline constexpr std::int64_t kDefaultMaxRows = 100;
inline constexpr std::int64_t kMostRows = 10000;
// A page's rows stop before their JSON text passes this (one row always fits): a page fits
// a model's context window.
inline constexpr std::size_t kPageBytes = 64 * 1024;

// Which rows of a statement's result one call returns.
struct Page {
  std::string statement;   // the statement's identity (database or tool, text, parameters)
  std::size_t offset = 0;  // rows skipped: the cursor's
  std::int64_t max_rows = kDefaultMaxRows;
};

class Tools {
 public:
  // A CallToolResult: content, structuredContent, isError.
  using Done = std::function<void(boost::json::object)>;
  struct CallContext {
    std::shared_ptr<const Snapshot> state;
    Caller caller;
    std::chrono::steady_clock::time_point deadline;
    std::stop_token cancelled;
  };

  explicit Tools(DatabaseCalls& calls) : calls_(calls) {}

  // The tools the caller may use: MCP Tool objects (name, title, description,
  // inputSchema, annotations).
  boost::json::array list(const Snapshot& state, const Caller& caller) const;
  // Calls `done` once, from any thread. Throws RpcError -32602 for a tool the caller is not
  // shown.
  void call(const std::string& name, const boost::json::object& arguments,
            const CallContext& context, Done done);

 private:
  void query(const boost::json::object& arguments, const CallContext& context, Done done);
  void vector_search(const boost::json::object& arguments, const CallContext& context, Done done);
  void describe_database(const boost::json::object& arguments, const CallContext& context,
                         Done done);
  void config_tool(const ConfigTool& tool, const boost::json::object& arguments,
                   const CallContext& context, Done done);
  // One statement in a transaction, read-only (by the engine) unless `read_only` is false;
  // the result holds the rows of `page`.
  void run_statement(const std::string& tool, const std::string& database,
                     boost::json::object statement, bool read_only, Page page,
                     const CallContext& context, Done done);
  // Runs `work` on the database the arguments name, as tool `tool`; `done` gets its result
  // (already shaped by `work`) or its error.
  void run(const std::string& tool, const std::string& database, const CallContext& context,
           std::function<boost::json::object(Database&, const RequestContext&)> work, Done done);

  DatabaseCalls& calls_;
};

// A tool's success: the structured result and its compact JSON text.
boost::json::object tool_result(boost::json::object structured);
// A tool's failure: weir's error body ({"error": {code, message, retryable, ...}}) as its text.
boost::json::object tool_error(const ApiError& error);

}  // namespace weir::mcp
