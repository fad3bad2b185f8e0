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
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace weir::chroma {

class ChromaConnection final : public sdk::Connection {
 public:
  ChromaConnection(std::unique_ptr<HttpClient> client, std::shared_ptr<ServerState> state);

  void execute(const boost::json::object& request, const sdk::ExecOptions& options,
               sdk::ValueWriter& result) override;
  // Every operation runs on the loop but a write of several batches, which is handed
  // to execute() on a worker before anything is sent.
  void execute_async(const boost::json::object& request, const sdk::ExecOptions& options,
                     sdk::ValueWriter result, sdk::EventLoop loop, sdk::Completion done) override;
  bool ping() override;
  void describe_backend(sdk::ValueWriter& detail) override;
  // The lease is over: a cancel no request used up goes with it.
  void reset() override { client_->clear_cancel(); }
  // reset() talks to no one: an event loop may give the connection back itself.
  bool reset_waits_on_backend() const override { return false; }
  // Stops the request in flight, or else the lease's next execute.
  void cancel() noexcept override { client_->cancel(); }

 private:
  // An operation, checked and ready to send: one request to the server (after the
  // lookup of its collection's id when it names one), or a large write's batches one
  // after another to the same endpoint, and how the answer is written.
  struct Call {
    const char* method = "GET";
    std::string collection{};           // the collection named; then `path` follows its id
    std::string path{};                 // without a collection, the whole path
    std::vector<std::string> bodies{};  // none (GET, DELETE), one, or a write's batches
    std::size_t records = 0;            // a write's records, and how many go in a batch
    std::size_t batch_size = 0;
    std::function<void(const HttpResponse&, const std::string& what, sdk::ValueWriter&)> answer;
  };
  using Then = std::function<void(HttpResponse)>;

  // collection_operations.cpp
  Call list_collections(const RequestReader& request);
  Call count_collections(const RequestReader& request);
  Call create_collection(const RequestReader& request);
  Call get_collection(const RequestReader& request);
  Call delete_collection(const RequestReader& request);

  // record_operations.cpp
  Call add(const RequestReader& request);
  Call upsert(const RequestReader& request);
  Call update(const RequestReader& request);
  Call get(const RequestReader& request);
  Call query(const RequestReader& request);
  Call delete_records(const RequestReader& request);
  Call count(const RequestReader& request);
  Call write_records(const RequestReader& request, std::string_view endpoint, bool for_update);
  // The request minus the gateway's own fields ("op", "collection"), posted to the
  // collection's `endpoint` (get, query, delete).
  static Call forwarded(const RequestReader& request, const char* endpoint,
                        decltype(Call::answer) answer);

  struct Operation {
    std::string_view name;
    bool writes;
    Call (ChromaConnection::*plan)(const RequestReader&);
  };
  static const Operation kOperations[];

  // The operation `request` names, allowed by `options`, its deadline set; a cancel
  // that came before it is used up here.
  const Operation& begin_request(const boost::json::object& request,
                                 const sdk::ExecOptions& options);
  // Sends `call`'s request and writes its answer: before returning on a worker; on the
  // loop once the last response is in, completing the request.
  void run(std::shared_ptr<const Call> call, sdk::ValueWriter result);
  // A write's batches, one after another (on a worker): a failure after the first says
  // how many records were written.
  void send_batches(const Call& call, sdk::ValueWriter& result);
  std::string describe(const Call& call) const;

  // One exchange with the server within what is left of the caller's deadline, then
  // `then` with the response: at once on a worker, later on the loop (loop_ set). When
  // the connection breaks under a write operation's own request (not a lookup of the
  // collection's id), the write may have been applied: not retryable.
  void exchange(const char* method, std::string path, const std::string* body, Then then);
  // The UUID of collection `name`, from the cache or the server, to `then`.
  void with_collection_id(const std::string& name, std::function<void(std::string)> then);
  // A request to /collections/<uuid><endpoint>. When the server no longer knows a
  // cached UUID (the collection was dropped or recreated), the name is resolved again
  // and the request sent once more if `retry_stale` is set; `then` then gets the
  // response from the new collection.
  void exchange_with_collection(const std::string& name, const char* method, std::string endpoint,
                                const std::string* body, bool retry_stale, Then then);
  // The same on a worker, returning the last response.
  HttpResponse collection_request(const std::string& name, const char* method,
                                  std::string_view endpoint, const std::string* body,
                                  bool retry_stale);
  std::string collection_path(std::string_view name_or_id) const;
  std::chrono::milliseconds time_left(const char* method, const std::string& path) const;

  // Ends execute_async's request: the connection is the host's again.
  void end_on_loop(const sdk::Error* failure) noexcept;
  // A step of execute_async's request after it started: whatever it throws ends the
  // request with that error, since nothing may escape into the host's loop.
  template <class Step>
  void ending_on_failure(Step&& step) noexcept;

  std::unique_ptr<HttpClient> client_;
  std::shared_ptr<ServerState> state_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  bool writing_ = false;  // the request being served is a write operation
  // The loop and completion of the execute_async request running, if one is.
  std::optional<sdk::EventLoop> loop_;
  std::optional<sdk::Completion> done_;
};

// Answers of reads (`what` names the request for errors): a count endpoint's bare JSON
// integer as {"count": n}; the server's own JSON passed through.
void write_count(const HttpResponse& response, const std::string& what, sdk::ValueWriter& result);
void write_server_json(const HttpResponse& response, const std::string& what,
                       sdk::ValueWriter& result);

}  // namespace weir::chroma
