// weir::Api — the HTTP API (docs/http-api.yaml): routes each request, runs
// backend work on worker threads (never on the I/O threads) and renders
// every outcome as JSON, errors included.
#pragma once

#include "access.hpp"
#include "admission.hpp"
#include "api_error.hpp"
#include "client_limits.hpp"
#include "gateway.hpp"
#include "http_server.hpp"
#include "metrics.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <string>
#include <vector>

namespace weir {

class Api : public RequestHandler {
 public:
  explicit Api(Gateway& gateway);
  ~Api() override;

  void handle(HttpRequest request, const std::string& client_address,
              std::function<void(HttpResponse)> reply, std::stop_token client_gone) override;
  HttpResponse refuse(unsigned status, const std::string& code,
                      const std::string& message) override;

  // Waits for queued backend work to finish (for shutdown).
  void join_workers();

 private:
  using Deadline = std::chrono::steady_clock::time_point;

  // Every request is served by the snapshot it started with (see gateway.hpp).
  // `client_gone` stops the backend work of a client that went away.
  HttpResponse route(const HttpRequest& request, const Snapshot& state, const Caller& caller,
                     Deadline deadline, std::stop_token client_gone = {});
  HttpResponse database_request(const HttpRequest& request, const Snapshot& state,
                                const Caller& caller, Database& database,
                                const std::string& operation, Deadline deadline,
                                std::stop_token client_gone);
  HttpResponse reload(const Snapshot& state, const Caller& caller);
  static ClientLimit limit_for(const Snapshot& state, const Caller& caller);
  // Each database's failure reason goes only to callers `reason_shown` accepts.
  static HttpResponse health(const Snapshot& state, const DatabaseFilter& reason_shown);
  static HttpResponse readiness(const Snapshot& state, const DatabaseFilter& reason_shown);
  static HttpResponse list_databases(const Snapshot& state, const Caller& caller);
  // The database's own description plus its admission queue.
  static boost::json::object describe(const ServedDatabase& served);
  static HttpResponse list_plugins(const Snapshot& state);
  HttpResponse metrics(const Snapshot& state, const Caller& caller) const;

  Gateway& gateway_;
  ClientLimits client_limits_;  // outlives reloads: a client's window is not reset by one
  boost::asio::thread_pool workers_;
  // Runs plugins' cancel(), which may block (PostgreSQL's connects to the
  // server): never on an I/O thread, and never queued behind busy workers.
  boost::asio::thread_pool cancels_{1};
  Metrics metrics_;
};

// Splits "/v1/databases/x/query" into {"v1", "databases", "x", "query"}; false if a segment is
// malformed.
bool split_path(const std::string& target, std::vector<std::string>& segments);

}  // namespace weir
