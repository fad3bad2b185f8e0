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

AccessMode mode_for(const sdk::ExecOptions& options) {
  // A read that must see the client's own writes goes to the writer (the leader).
  return options.read_only && !options.primary ? AccessMode::kRead : AccessMode::kWrite;
}

// A request a member's connection runs on the loop: the member stays leased until the
// request completes, and its ending is the routed request's.
class MemberCall {
 public:
  MemberCall(RoutedConnection& routed, std::shared_ptr<Cluster> cluster, MemberLease member,
             sdk::Completion outer)
      : routed_(routed), cluster_(std::move(cluster)), member_(std::move(member)), outer_(outer) {
    routed_.serve(&member_.connection());
    inner_.struct_size = sizeof inner_;
    inner_.host_data = this;
    inner_.complete = &MemberCall::complete;
  }
  ~MemberCall() { routed_.serve(nullptr); }  // before the member goes back to its pool
  sdk::Connection& connection() { return member_.connection(); }
  sdk::Completion completion() { return sdk::Completion(&inner_, &broken_); }

 private:
  static void complete(void* self, weir_status status, const weir_error* error) {
    std::unique_ptr<MemberCall> call(static_cast<MemberCall*>(self));
    if (call->broken_ || status == WEIR_E_TIMEOUT) call->member_.mark_broken();
    const bool not_a_leader = error != nullptr && is_not_a_leader(error->code);
    if (not_a_leader) call->cluster_->forget_writer(call->member_.address());
    const auto outer = call->outer_;
    call.reset();  // the member's connection goes back to its pool first
    if (!not_a_leader) return outer.pass_on(status, error);
    // Nothing was written: execute() refreshes the table and runs it on the new writer.
    outer.fail(sdk::runs_through_execute("the member was not the leader"));
  }

  RoutedConnection& routed_;
  std::shared_ptr<Cluster> cluster_;
  MemberLease member_;
  sdk::Completion outer_;
  weir_completion inner_{};
  bool broken_ = false;  // the member's request broke its connection
};

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
      return on(tx_->connection(), [&](sdk::Connection& c) { c.execute(request, options, out); });
    } catch (const sdk::Error& e) {
      if (breaks_connection(e)) tx_->mark_broken();
      // A failure ends the transaction on the server (the member RESETs).
      if (!tx_->connection().in_transaction()) tx_.reset();
      throw;
    }
  }
  WatchedWriter watched(out);
  on_member(
      *cluster_, mode_for(options),
      [&](MemberLease& member) {
        on(member.connection(),
           [&](sdk::Connection& c) { c.execute(request, options, watched.writer()); });
      },
      [&] { return !watched.started(); });
}

template <class Call>
void RoutedConnection::on(sdk::Connection& member, Call&& call) {
  serve(&member);
  try {
    call(member);
  } catch (...) {
    serve(nullptr);
    throw;
  }
  serve(nullptr);
}

void RoutedConnection::cancel() noexcept {
  std::lock_guard lock(serving_mutex_);
  if (serving_ != nullptr) serving_->cancel();
}

void RoutedConnection::execute_async(const boost::json::object& request,
                                     const sdk::ExecOptions& options, sdk::ValueWriter out,
                                     sdk::EventLoop loop, sdk::Completion done) {
  if (tx_) throw sdk::runs_through_execute("a transaction is open");
  // Known before a member is leased, which the member would only hand back.
  if (!cluster_->settings().raw_bolt())
    throw sdk::runs_through_execute("Bolt over TLS or WebSocket");
  auto member = cluster_->lease_ready(mode_for(options));
  if (!member) {
    throw sdk::runs_through_execute("no member connection is ready without waiting");
  }
  auto call = std::make_unique<MemberCall>(*this, cluster_, std::move(*member), done);
  call->connection().execute_async(request, options, out, loop, call->completion());
  call.release();  // started: its completion frees it
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
    on(member->connection(), [&](sdk::Connection& c) {
      if (commit)
        c.commit(timeout);
      else
        c.rollback(timeout);
    });
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
