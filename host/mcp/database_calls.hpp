// weir::mcp::DatabaseCalls — how the MCP front reaches a database: through
// the REST API's own path (authorization by token, the database's admission
// queue, worker threads, the deadline, cancellation and metrics), which
// weir::Api implements. The MCP front never opens its own way to a backend.
#pragma once

#include "access.hpp"
#include "api_error.hpp"
#include "database.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

namespace weir {
struct Snapshot;
}

namespace weir::mcp {

class DatabaseCalls {
 public:
  struct Request {
    std::shared_ptr<const Snapshot> state;  // held until `done` returns
    Caller caller;
    std::string database;
    std::string operation;  // the operation label of weir_requests_total, e.g. "mcp_query"
    std::chrono::steady_clock::time_point deadline;
    std::stop_token cancelled;  // stopped: the running statement is cancelled
  };
  // Runs on a worker thread; returns JSON text or throws ApiError.
  using Work = std::function<std::string(Database&, const RequestContext&)>;
  // Exactly one of `result` and `error` is set.
  using Done = std::function<void(std::string result, std::optional<ApiError> error)>;

  virtual ~DatabaseCalls() = default;
  // Calls `done` once, from any thread (on this one when the call is refused at once).
  virtual void run(Request request, Work work, Done done) = 0;
};

}  // namespace weir::mcp
