#include "routed_connection.hpp"

#include "failure_mapping.hpp"
#include "watched_writer.hpp"

namespace weir::neo4j {
namespace {

bool breaks_connection(const sdk::Error& e) {
  return e.status() == WEIR_E_BROKEN || e.status() == WEIR_E_TIMEOUT;
}

// What a failure on `member` says about it: a broken connection is closed on release, and a
// member that answered "not a leader" gets no more writes until the table is refreshed.
void note_failure(Cluster& cluster, MemberLease& member, const sdk::Error& e) {
  if (breaks_connection(e)) member.mark_broken();
  if (is_not_a_leader(e.code())) cluster.forget_writer(member.address());
}

// Runs `work` on a member leased for `mode`. When that member answers "not a leader", `work`
// runs once more on the writer of the refreshed table, if `may_retry()` says nothing of the
// first attempt reached the caller.
template <class Work, class MayRetry>
void on_member(Cluster& cluster, AccessMode mode, Work&& work, MayRetry&& may_retry) {
  for (int attempt = 0;; ++attempt) {
    auto member = cluster.lease(mode);
    try {
      return work(member);
    } catch (const sdk::Error& e) {
      note_failure(cluster, member, e);
      if (!is_not_a_leader(e.code()) || attempt > 0 || !may_retry()) throw;
    }
  }
}

void write_list(sdk::ValueWriter& out, const char* key, const std::vector<std::string>& items) {
  out.key(key);
  out.begin_array();
  for (const auto& item : items) out.string(item);
  out.end_array();
}

}  // namespace

void RoutedConnection::execute(const boost::json::object& request, const sdk::ExecOptions& options,
                               sdk::ValueWriter& out) {
  if (tx_) {
    try {
      return tx_->connection().execute(request, options, out);
    } catch (const sdk::Error& e) {
      if (breaks_connection(e)) tx_->mark_broken();
      // A failure ends the transaction on the server (the member RESETs).
      if (!tx_->connection().in_transaction()) tx_.reset();
      throw;
    }
  }
  // A read that must see the client's own writes goes to the writer (the leader).
  const auto mode = options.read_only && !options.primary ? AccessMode::kRead : AccessMode::kWrite;
  WatchedWriter watched(out);
  on_member(
      *cluster_, mode,
      [&](MemberLease& member) { member.connection().execute(request, options, watched.writer()); },
      [&] { return !watched.started(); });
}

bool RoutedConnection::ping() {
  try {
    cluster_->ensure_fresh();
    return true;
  } catch (const sdk::Error&) {
    return false;
  }
}

void RoutedConnection::describe_backend(sdk::ValueWriter& out) {
  auto member = cluster_->lease(AccessMode::kRead);
  const auto table = cluster_->table();
  out.begin_object();
  out.key("member");
  out.string(member.address());
  out.key("backend");
  member.connection().describe_backend(out);
  out.key("routing");
  out.begin_object();
  write_list(out, "routers", table.routers);
  write_list(out, "readers", table.readers);
  write_list(out, "writers", table.writers);
  out.member("database", table.database);
  out.end_object();
  out.end_object();
}

void RoutedConnection::reset() {
  // Returning the member lease rolls back whatever is open there.
  tx_.reset();
}

void RoutedConnection::begin(const boost::json::object& options,
                             std::chrono::milliseconds timeout) {
  if (tx_) throw sdk::Error(WEIR_E_INVALID_REQUEST, "a transaction is already open");
  const auto* ro = options.if_contains("read_only");
  const bool read_only = ro != nullptr && ro->is_bool() && ro->get_bool();
  const auto mode = read_only ? AccessMode::kRead : AccessMode::kWrite;
  on_member(
      *cluster_, mode,
      [&](MemberLease& member) {
        member.connection().begin(options, timeout);
        tx_.emplace(std::move(member));
      },
      [] { return true; });  // nothing ran yet, so one retry is safe
}

void RoutedConnection::commit(std::chrono::milliseconds timeout) { end_transaction(true, timeout); }
void RoutedConnection::rollback(std::chrono::milliseconds timeout) {
  end_transaction(false, timeout);
}

void RoutedConnection::end_transaction(bool commit, std::chrono::milliseconds timeout) {
  if (!tx_) throw sdk::Error(WEIR_E_INVALID_REQUEST, "no transaction is open");
  // The member goes back to its pool whatever happens.
  std::optional<MemberLease> member = std::move(tx_);
  tx_.reset();
  try {
    if (commit)
      member->connection().commit(timeout);
    else
      member->connection().rollback(timeout);
  } catch (const sdk::Error& e) {
    note_failure(*cluster_, *member, e);
    throw;
  }
}

std::unique_ptr<sdk::Connection> RoutingConnectionFactory::connect(
    const sdk::ConnectOptions& /*options*/) {
  cluster_->ensure_fresh();
  return std::make_unique<RoutedConnection>(cluster_);
}

}  // namespace weir::neo4j
