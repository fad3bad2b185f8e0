// One pooled Chroma connection: an HttpClient plus the database's shared
// ServerState. execute() takes the request shapes of docs/backends/chroma.md
// ({"op": "query", "collection": ..., ...}); collection operations live in
// collection_operations.cpp, record operations in record_operations.cpp.
#pragma once

#include "http_client.hpp"
#include "request_reader.hpp"
#include "server_state.hpp"

#include <weir/sdk/connection.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace weir::chroma {

class ChromaConnection final : public sdk::Connection {
 public:
  ChromaConnection(std::unique_ptr<HttpClient> client, std::shared_ptr<ServerState> state);

  void execute(const boost::json::object& request, const sdk::ExecOptions& options,
               sdk::ValueWriter& result) override;
  bool ping() override;
  void describe_backend(sdk::ValueWriter& detail) override;
  // The lease is over: a cancel no request used up goes with it.
  void reset() override { client_->clear_cancel(); }
  // Stops the request in flight, or else the lease's next execute.
  void cancel() noexcept override { client_->cancel(); }

 private:
  // collection_operations.cpp
  void list_collections(const RequestReader& request, sdk::ValueWriter& result);
  void count_collections(const RequestReader& request, sdk::ValueWriter& result);
  void create_collection(const RequestReader& request, sdk::ValueWriter& result);
  void get_collection(const RequestReader& request, sdk::ValueWriter& result);
  void delete_collection(const RequestReader& request, sdk::ValueWriter& result);

  // record_operations.cpp
  void add(const RequestReader& request, sdk::ValueWriter& result);
  void upsert(const RequestReader& request, sdk::ValueWriter& result);
  void update(const RequestReader& request, sdk::ValueWriter& result);
  void get(const RequestReader& request, sdk::ValueWriter& result);
  void query(const RequestReader& request, sdk::ValueWriter& result);
  void delete_records(const RequestReader& request, sdk::ValueWriter& result);
  void count(const RequestReader& request, sdk::ValueWriter& result);
  void write_records(const RequestReader& request, std::string_view endpoint, bool for_update,
                     sdk::ValueWriter& result);

  struct Operation {
    std::string_view name;
    bool writes;
    void (ChromaConnection::*run)(const RequestReader&, sdk::ValueWriter&);
  };
  static const Operation kOperations[];

  // Sends one request within what is left of the caller's deadline. When the
  // connection breaks under a write operation's own request (not a lookup
  // of the collection's id), the write may have been applied: not retryable.
  HttpResponse send(const char* method, const std::string& path, const std::string* body = nullptr);
  // The UUID of collection `name`, from the cache or the server.
  std::string collection_id(const std::string& name);
  // A request to /collections/<uuid><endpoint>. When the server no longer
  // knows a cached UUID (the collection was dropped or recreated), the name is
  // resolved again and the request sent once more if `retry_stale` is set;
  // the returned response is then from the new collection.
  HttpResponse collection_request(const std::string& name, const char* method,
                                  std::string_view endpoint, const std::string* body,
                                  bool retry_stale = true);
  std::string collection_path(std::string_view name_or_id) const;

  std::unique_ptr<HttpClient> client_;
  std::shared_ptr<ServerState> state_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  bool writing_ = false;  // the request being served is a write operation
};

// A bare JSON integer body (count endpoints).
std::int64_t parse_count(const HttpResponse& response, std::string_view what);

}  // namespace weir::chroma
