// weir::Api — the HTTP API (docs/http-api.yaml): routes each request, runs
// backend work on worker threads (never on the I/O threads) and renders
// every outcome as JSON, errors included.
#pragma once

#include "access.hpp"
#include "admission.hpp"
#include "api_error.hpp"
#include "batch_request.hpp"
#include "client_limits.hpp"
#include "deadline_watchdog.hpp"
#include "gateway.hpp"
#include "http_server.hpp"
#include "mcp/database_calls.hpp"
#include "mcp/http_front.hpp"
#include "mcp/server.hpp"
#include "metrics.hpp"
#include "worker_pool.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>

namespace weir {

// Also the MCP front's way to its databases (mcp::DatabaseCalls), and the
// home of its Streamable HTTP transport at /mcp.
class Api : public RequestHandler, public mcp::DatabaseCalls {
 public:
  explicit Api(Gateway& gateway);
  ~Api() override;

  void handle(HttpRequest request, const std::string& client_address,
              std::function<void(HttpReply)> reply, std::stop_token client_gone) override;
  HttpResponse refuse(unsigned status, const std::string& code,
                      const std::string& message) override;

  // Waits for queued backend work to finish (for shutdown).
  void join_workers();

  void run(Request request, Work work, Done done) override;
  // The MCP front, for the stdio transport (`weir mcp`); /mcp is served by handle().
  mcp::Server& mcp_server() noexcept { return mcp_server_; }
  // Answers every open MCP server stream (GET /mcp), so a drain does not wait on them.
  void end_mcp_streams() { mcp_http_.end_streams(); }

 private:
  using Deadline = std::chrono::steady_clock::time_point;
  struct Endpoint;
  // A database call under way, shared by its work and the deadline watchdog.
  struct BackendCall {
    explicit BackendCall(std::stop_token client_gone);
    // Requested when the client goes or the deadline passes; stops the call.
    std::stop_source cancel;
    std::stop_callback<std::function<void()>> cancel_when_client_gone;
    // What the watchdog's answer depends on: set once the body is read, and
    // once the request went to the plugin.
    std::atomic<bool> read_only{false};
    std::atomic<bool> sent_to_plugin{false};
  };
  // One request on its way through the API, from the endpoint table to the response.
  struct Call {
    HttpRequest request;
    std::shared_ptr<const Snapshot> state;  // held until the response is sent
    const Endpoint* endpoint = nullptr;
    Caller caller;
    const ServedDatabase* database = nullptr;  // the endpoint's {database}, if it has one
    Deadline deadline;
    std::stop_token client_gone;
    std::chrono::steady_clock::time_point received;
    std::shared_ptr<BackendCall> backend;  // for calls admitted to a database
    // The session's reply, for a handler that answers before it returns (a
    // streamed result); the request's outcome still ends it, and its own
    // reply is then dropped.
    std::function<void(HttpReply)> reply;
    // The event loop of the I/O thread that received the request (null off one):
    // where a plugin with execute_async runs it.
    boost::asio::io_context* loop = nullptr;
  };
  // What a request ended with: the response and, for metrics, the error code ("ok" if none).
  struct Outcome {
    HttpResponse response;
    std::string code;
  };

  // The endpoint for the target and method; throws 400 invalid_path, 404 not_found or
  // 405 method_not_allowed.
  static const Endpoint& find_endpoint(const HttpRequest& request, std::string& database);
  // Runs the endpoint's handler and turns whatever it throws into the error response.
  Outcome serve(const Call& call);
  // The outcome of `respond`: its response, or the error response for what it throws.
  static Outcome outcome_of(const std::function<HttpResponse()>& respond);
  void submit(std::shared_ptr<Call> call, std::function<void(Outcome)> answer);
  // Waits for a turn in `admission`, then runs `work` on a worker thread (on `loop` instead,
  // when given: work that never blocks, a query the plugin runs there); `refused` when no
  // turn comes (queue full, wait over, client gone). When the work still runs 2 s past the
  // deadline, `backend` is cancelled and `overdue` answers (deadline_watchdog.hpp): the
  // callers answer once, whichever comes first.
  // Backend work, given the function to call once it is over (on any thread).
  using BackendWork = std::function<void(std::function<void()> finished)>;
  void in_turn(Admission& admission, Deadline deadline, std::shared_ptr<BackendCall> backend,
               std::stop_token client_gone, std::chrono::steady_clock::time_point received,
               BackendWork work, std::function<void(const ApiError&)> refused,
               std::function<void(const ApiError&)> overdue,
               boost::asio::io_context* loop = nullptr);
  // A call on an open transaction: on a worker (its queries on the loop, as runs_on_loop
  // says), watched for its deadline, never queued (the transaction holds its admission
  // turn already).
  void held(std::shared_ptr<Call> call, std::function<void(Outcome)> answer);
  // Starts `work` on a worker thread (or on `loop`, see in_turn) and runs `then` when it is
  // over; when the work still runs 2 s past the deadline, `backend` is cancelled and `overdue`
  // answers instead.
  void watched(const std::string& database, Deadline deadline, std::shared_ptr<BackendCall> backend,
               BackendWork work, std::function<void(const ApiError&)> overdue,
               std::function<void()> then, boost::asio::io_context* loop = nullptr);
  // Answers `call` with its handler's response (serve), then calls `finished`; a query
  // whose database runs on the event loop is answered from there (on_loop).
  void serve_then(const std::shared_ptr<Call>& call, const std::function<void(Outcome)>& answer,
                  std::function<void()> finished);
  // Whether `call` is a query, alone or in an open transaction, or a batch, that runs on its
  // I/O thread's event loop: its database's plugin runs requests there, its result is whole.
  bool runs_on_loop(const Call& call) const;
  // Which endpoint such a call is.
  enum class OnLoop { kQuery, kTransactionQuery, kBatch };
  // Runs such a call on the loop, from start to answer (api_loop_query.cpp).
  void on_loop(const std::shared_ptr<Call>& call, OnLoop what, std::function<void(Outcome)> answer,
               std::function<void()> finished);
  // What a client hears when its call outlived the deadline.
  static ApiError overdue_error(const BackendCall& backend, const std::string& database);
  // POST/DELETE /mcp: the MCP front answers (docs/mcp.md).
  void mcp(const std::shared_ptr<Call>& call, std::function<void(Outcome)> answer);
  // The configured database `name`, if the caller may use it; throws 404 database_not_found
  // (listing the ones the caller may see) or 403.
  static const ServedDatabase& find_database(const Snapshot& state, const std::string& name,
                                             const Caller& caller);
  static ClientLimit limit_for(const Snapshot& state, const Caller& caller);

  // The handlers, one per row of the endpoint table (api.cpp). Every request is served by
  // the snapshot it started with (see gateway.hpp).
  HttpResponse health(const Call& call);
  HttpResponse readiness(const Call& call);
  HttpResponse liveness(const Call& call);
  HttpResponse metrics(const Call& call);
  HttpResponse reload(const Call& call);
  HttpResponse list_databases(const Call& call);
  HttpResponse list_plugins(const Call& call);
  HttpResponse describe_database(const Call& call);
  HttpResponse query(const Call& call);
  // What a handler of a body-taking database endpoint reads first: the body minus the
  // host's members read here (read_only, int64), whether it is read-only, and its context.
  struct BackendRequest {
    boost::json::object body;
    bool read_only;
    RequestContext context;
  };
  BackendRequest backend_request(const Call& call, std::string_view endpoint);
  // The query endpoint's: also max_rows and consistency.
  BackendRequest query_request(const Call& call);
  // An open transaction's query endpoint's: the same, its tag naming the transaction.
  BackendRequest transaction_query_request(const Call& call);
  // The batch endpoint's: the batch checked whole (batch_request.hpp).
  struct BatchRequest {
    Batch batch;
    bool read_only;
    RequestContext context;
  };
  BatchRequest batch_request(const Call& call);
  // The {transaction} of /v1/databases/{database}/transactions/{transaction}/...
  static std::string transaction_id(const HttpRequest& request);
  // The query's result as NDJSON lines (api_streamed_query.cpp); answers through call.reply.
  void query_streamed(const Call& call, const boost::json::object& request, bool read_only,
                      const RequestContext& context);
  static bool wants_ndjson(const HttpRequest& request);
  HttpResponse transaction(const Call& call);
  // Many statements, each with its own result or error (database.hpp, Database::batch).
  HttpResponse batch(const Call& call);
  // Interactive transactions (transactions.hpp).
  HttpResponse open_transaction(const Call& call);
  HttpResponse transaction_query(const Call& call);
  HttpResponse commit_transaction(const Call& call);
  HttpResponse rollback_transaction(const Call& call);

  // What every backend request carries to the plugin (deadline, cancel, caps).
  RequestContext request_context(const Snapshot& state, const std::string& client_id,
                                 Deadline deadline, BackendCall& backend, std::string tag);
  // The database's own description plus its admission queue and open transactions.
  boost::json::object describe(const ServedDatabase& served);

  Gateway& gateway_;
  ClientLimits client_limits_;  // outlives reloads: a client's window is not reset by one
  WorkerPool workers_;
  // Runs plugins' cancel(), which may block (PostgreSQL's connects to the
  // server): never on an I/O thread, and never queued behind busy workers.
  boost::asio::thread_pool cancels_{1};
  Metrics metrics_;
  mcp::Server mcp_server_{gateway_, *this};
  mcp::HttpFront mcp_http_{mcp_server_};
  // Last: its callbacks answer through everything above.
  DeadlineWatchdog watchdog_;
};

}  // namespace weir
