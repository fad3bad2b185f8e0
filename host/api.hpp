// weir::Api — the HTTP API (docs/http-api.yaml): routes each request, runs
// backend work on worker threads (never on the I/O threads) and renders
// every outcome as JSON, errors included.
#pragma once

#include "api_error.hpp"
#include "gateway.hpp"
#include "http_server.hpp"

#include <boost/asio/thread_pool.hpp>

#include <string>
#include <vector>

namespace weir {

class Api : public RequestHandler {
 public:
  explicit Api(Gateway& gateway);
  ~Api() override;

  void handle(HttpRequest request, const std::string& client_address,
              std::function<void(HttpResponse)> reply) override;
  HttpResponse refuse(unsigned status, const std::string& code,
                      const std::string& message) override;

  // Waits for queued backend work to finish (for shutdown).
  void join_workers();

 private:
  HttpResponse route(const HttpRequest& request, const std::string& client_address);
  HttpResponse database_request(const HttpRequest& request, const std::string& client_address,
                                Database& database, const std::string& operation);
  HttpResponse health() const;
  HttpResponse readiness() const;
  HttpResponse list_databases() const;
  HttpResponse list_plugins() const;

  Gateway& gateway_;
  boost::asio::thread_pool workers_;
};

// Splits "/v1/databases/x/query" into {"v1", "databases", "x", "query"}; false if a segment is
// malformed.
bool split_path(const std::string& target, std::vector<std::string>& segments);

}  // namespace weir
