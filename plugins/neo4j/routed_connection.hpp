// neo4j:// — what the database's weir pool hands out is a RoutedConnection,
// which holds no socket: each request leases a connection from the member
// its access mode calls for (Cluster) and returns it afterwards; a
// transaction keeps its member from begin to commit or rollback.
#pragma once

#include "cluster.hpp"

#include <mutex>
#include <optional>

namespace weir::neo4j {

class RoutedConnection : public sdk::Connection {
 public:
  explicit RoutedConnection(std::shared_ptr<Cluster> cluster) : cluster_(std::move(cluster)) {}

  // Reads (options.read_only) go to readers in turn, the rest to the writer.
  // A "not a leader" answer refreshes the table and, when nothing of the
  // result was written yet, retries once on the new writer.
  void execute(const boost::json::object& request, const sdk::ExecOptions& options,
               sdk::ValueWriter& out) override;
  // Outside a transaction, on a member connection ready now, which runs it on
  // the loop (Neo4jConnection::execute_async); the rest is handed to execute().
  // A "not a leader" answer is handed to execute() as well, which refreshes the
  // table and retries on the new writer.
  void execute_async(const boost::json::object& request, const sdk::ExecOptions& options,
                     sdk::ValueWriter out, sdk::EventLoop loop, sdk::Completion done) override;
  bool ping() override;
  // The routing table, and the backend as one reader describes it.
  void describe_backend(sdk::ValueWriter& out) override;
  void reset() override;
  // Only a transaction's member talks to the server when it goes back.
  bool reset_waits_on_backend() const override { return tx_.has_value(); }
  void begin(const boost::json::object& options, std::chrono::milliseconds timeout) override;
  void commit(std::chrono::milliseconds timeout) override;
  void rollback(std::chrono::milliseconds timeout) override;
  bool in_transaction() const override { return tx_.has_value(); }
  // Cancels what the member connection serving the running call runs.
  void cancel() noexcept override;

  // The member connection a call runs on, for cancel() from another thread: from
  // before the call reaches it until it is over there (a request on the loop: until
  // it completes), always before the member goes back to its pool.
  void serve(sdk::Connection* member) noexcept {
    std::lock_guard lock(serving_mutex_);
    serving_ = member;
  }

 private:
  void end_transaction(bool commit, std::chrono::milliseconds timeout);
  // Runs `call` on `member`, which serves this connection's cancels meanwhile.
  template <class Call>
  void on(sdk::Connection& member, Call&& call);

  std::shared_ptr<Cluster> cluster_;
  std::optional<MemberLease> tx_;  // the member holding the open transaction
  std::mutex serving_mutex_;
  sdk::Connection* serving_ = nullptr;
};

class RoutingConnectionFactory : public sdk::ConnectionFactory {
 public:
  explicit RoutingConnectionFactory(std::shared_ptr<Cluster> cluster)
      : cluster_(std::move(cluster)) {}
  // Fetches the routing table when it is missing or expired, so an
  // unreachable cluster is WEIR_E_UNAVAILABLE here and the pool backs off.
  // Refreshes an expired routing table (bounded by connect_timeout_ms, not
  // by options.timeout: the table serves every caller); the routed connection
  // then leases a member's connection per request from the member's own pool.
  std::unique_ptr<sdk::Connection> connect(const sdk::ConnectOptions& options) override;
  // The members' health (Cluster::health), so /health names one that is away.
  sdk::BackendHealth health() const override { return cluster_->health(); }

 private:
  std::shared_ptr<Cluster> cluster_;
};

}  // namespace weir::neo4j
