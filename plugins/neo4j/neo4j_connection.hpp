// weir::sdk::Connection for one Bolt session: maps weir requests onto
// RUN/PULL, transactions onto BEGIN/COMMIT/ROLLBACK, and reset-on-return
// onto RESET (only when the session is mid-stream or in a transaction).
#pragma once

#include "bolt_session.hpp"
#include "connection_settings.hpp"

#include <weir/sdk/connection.hpp>

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
  bool ping() override;
  void describe_backend(sdk::ValueWriter& out) override;
  void reset() override;
  void begin(const boost::json::object& options, std::chrono::milliseconds timeout) override;
  void commit(std::chrono::milliseconds timeout) override;
  void rollback(std::chrono::milliseconds timeout) override;
  bool in_transaction() const override { return session_->in_transaction(); }

  BoltSession& session() noexcept { return *session_; }

 private:
  // RUN and PULL of one request, its rows and summary written to `out`.
  void run_and_write(const std::string& query, Map params, Map extra, bool discard,
                     std::chrono::milliseconds timeout, sdk::ValueWriter& out);
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
