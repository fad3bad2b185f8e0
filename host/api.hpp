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

#include <map>
#include <memory>

#include <string>
#include <vector>

namespace weir {

class Api : public RequestHandler {
 public:
  // `timers` runs the admission queues' timeouts (the HTTP I/O context).
  Api(Gateway& gateway, boost::asio::any_io_executor timers);
  ~Api() override;

  void handle(HttpRequest request, const std::string& client_address,
              std::function<void(HttpResponse)> reply) override;
  HttpResponse refuse(unsigned status, const std::string& code,
                      const std::string& message) override;

  // Waits for queued backend work to finish (for shutdown).
  void join_workers();

 private:
  using Deadline = std::chrono::steady_clock::time_point;

  HttpResponse route(const HttpRequest& request, const Caller& caller, Deadline deadline);
  HttpResponse database_request(const HttpRequest& request, const Caller& caller,
                                Database& database, const std::string& operation,
                                Deadline deadline);
  ClientLimit limit_for(const Caller& caller) const;
  HttpResponse health() const;
  HttpResponse readiness() const;
  HttpResponse list_databases(const Caller& caller) const;
  // The database's own description plus its admission queue.
  boost::json::object describe(const Database& database) const;
  HttpResponse list_plugins() const;
  HttpResponse metrics() const;

  Gateway& gateway_;
  AccessControl access_;
  ClientLimits client_limits_;
  boost::asio::thread_pool workers_;
  std::map<std::string, std::unique_ptr<Admission>> admissions_;  // per available database
  Metrics metrics_;
};

// Splits "/v1/databases/x/query" into {"v1", "databases", "x", "query"}; false if a segment is
// malformed.
bool split_path(const std::string& target, std::vector<std::string>& segments);

}  // namespace weir
