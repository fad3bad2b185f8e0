// weir::sdk::Connection for one Bolt session: maps weir requests onto
// RUN/PULL, transactions onto BEGIN/COMMIT/ROLLBACK, and reset-on-return
// onto RESET (only when the session is mid-stream or in a transaction).
#pragma once

#include "bolt_session.hpp"
#include "connection_settings.hpp"
#include "loop_socket.hpp"

#include <weir/sdk/connection.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace weir::neo4j {

// The newest bookmark seen on any connection of a database: requests that
// name no bookmarks send it, so reads follow the writes before them
// (causal consistency) whichever connection or cluster member serves them.
class BookmarkStore {
 public:
  void put(const std::string& bookmark) {
    if (bookmark.empty()) return;
    std::lock_guard lock(mutex_);
    latest_ = bookmark;
  }
  std::string get() const {
    std::lock_guard lock(mutex_);
    return latest_;
  }

 private:
  mutable std::mutex mutex_;
  std::string latest_;
};

class Neo4jConnection : public sdk::Connection {
 public:
  Neo4jConnection(std::unique_ptr<BoltSession> session,
                  std::shared_ptr<const ConnectionSettings> settings,
                  std::shared_ptr<BookmarkStore> bookmarks);

  void execute(const boost::json::object& request, const sdk::ExecOptions& options,
               sdk::ValueWriter& out) override;
  // A query outside a transaction, over Bolt on plain TCP, on the host's loop
  // (neo4j_connection_async.cpp); the rest is handed to execute().
  void execute_async(const boost::json::object& request, const sdk::ExecOptions& options,
                     sdk::ValueWriter out, sdk::EventLoop loop, sdk::Completion done) override;
  // Stops what runs on the connection (the host's deadline, a client gone): a query on
  // the loop ends at once, a call on a worker fails as its socket is shut down. Either
  // way the connection is given up, so the server stops the query when it finds the
  // connection gone (Bolt has no cancel of its own but RESET, which waits its turn).
  void cancel() noexcept override;
  bool ping() override;
  void describe_backend(sdk::ValueWriter& out) override;
  void reset() override;
  // A session left mid-result or in a transaction is RESET; a broken one is only closed.
  bool reset_waits_on_backend() const override { return !session_->broken() && !session_->idle(); }
  void begin(const boost::json::object& options, std::chrono::milliseconds timeout) override;
  void commit(std::chrono::milliseconds timeout) override;
  void rollback(std::chrono::milliseconds timeout) override;
  // Also while a transaction the server ended at a failure awaits the client's end.
  bool in_transaction() const override {
    return session_->in_transaction() || session_->transaction_failed();
  }

  BoltSession& session() noexcept { return *session_; }

 private:
  // A request read and checked: what RUN sends.
  struct QueryPlan {
    std::string query;
    Map params;
    Map extra;
    bool discard = false;
    // Outside a transaction a query commits itself: once sent, one that is not declared
    // read-only may have written whatever became of the connection.
    bool commits_itself = false;
  };
  QueryPlan plan(const boost::json::object& request, const sdk::ExecOptions& options);
  // RUN and PULL of one request, its rows and summary written to `out`.
  void run_and_write(QueryPlan plan, std::chrono::milliseconds timeout, sdk::ValueWriter& out);
  // The result as it arrives: its columns, each record, then how it ended.
  static void begin_result(const std::vector<std::string>& columns, sdk::ValueWriter& out);
  static void write_record(const List& values, sdk::ValueWriter& out);
  void end_result(const Map& meta, sdk::ValueWriter& out);

  struct LoopRun;
  LoopSocket& loop_socket_on(const sdk::EventLoop& loop, int fd);
  // One reply of a query on the loop; true once the query ended (and completed).
  bool on_loop_reply(LoopRun& run, Structure reply);
  void end_on_loop(LoopRun& run, const sdk::Error* failure);
  Deadline deadline(std::chrono::milliseconds timeout) const;
  // BEGIN, COMMIT and ROLLBACK end by the request's deadline (`timeout`);
  // without one (a rollback on release) request_timeout_ms bounds them, or
  // else connect_timeout_ms, as it bounds RESET, so a server gone silent
  // cannot hold a transaction forever.
  Deadline transaction_deadline(std::chrono::milliseconds timeout) const;
  List bookmarks_for(const boost::json::object& o, const char* what) const;

  std::unique_ptr<BoltSession> session_;
  std::shared_ptr<const ConnectionSettings> settings_;
  std::shared_ptr<BookmarkStore> bookmarks_;
  // The session's socket on the loop it last served. Declared after session_, so it stops
  // watching the socket before the session closes it.
  std::mutex on_loop_mutex_;  // on_loop_ is replaced on a loop and read by cancel()
  std::shared_ptr<LoopSocket> on_loop_;
  // A cancel shut the socket down: the call it stopped says CANCELLED, and the
  // connection is not reused.
  std::atomic<bool> interrupted_{false};
};

// One authenticated Bolt session with host:port, over the transport and TLS
// the settings call for; `routing` is HELLO's routing context (neo4j:// only).
// One deadline covers the TCP, TLS, WebSocket and Bolt handshakes and HELLO.
std::unique_ptr<BoltSession> open_session(const ConnectionSettings& settings,
                                          const std::string& host, std::uint16_t port,
                                          std::optional<Map> routing, Deadline deadline);

// Opens direct connections (bolt://, ws:// and their TLS forms) to one
// server, or to one cluster member with the cluster's routing context in
// every HELLO (as the official drivers send it).
class DirectConnectionFactory : public sdk::ConnectionFactory {
 public:
  DirectConnectionFactory(std::shared_ptr<const ConnectionSettings> settings, std::string host,
                          std::uint16_t port, std::shared_ptr<BookmarkStore> bookmarks,
                          std::optional<Map> routing = std::nullopt);
  std::unique_ptr<sdk::Connection> connect(const sdk::ConnectOptions& options) override;

 private:
  std::shared_ptr<const ConnectionSettings> settings_;
  std::string host_;
  std::uint16_t port_;
  std::shared_ptr<BookmarkStore> bookmarks_;
  std::optional<Map> routing_;
};

}  // namespace weir::neo4j
