// weir::sdk::Connection — what a plugin author implements for one backend
// connection, and ConnectionFactory, which makes them. The SDK pool owns the
// connections and drives every method below; the export glue maps them onto
// the C ABI. Methods report failure by throwing weir::sdk::Error.
#pragma once

#include <weir/plugin.h>
#include <weir/sdk/error.hpp>
#include <weir/sdk/event_loop.hpp>
#include <weir/sdk/value_writer.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace weir::sdk {

struct ExecOptions {
  std::chrono::milliseconds timeout{0};  // time left before the deadline; 0 = none
  bool read_only = false;                // the client declared the request read-only
  bool streamed = false;  // the host sends rows on as they are written (WEIR_EXEC_STREAMED)
  bool primary = false;   // never a replica, even for a read (WEIR_EXEC_PRIMARY)
  // "params" holds one parameter set per run of the statement (WEIR_EXEC_PARAMETER_SETS)
  bool parameter_sets = false;
};

// The error execute_async throws (or gives `done.fail`) to hand a request to execute() on a
// worker, before anything of it left the plugin; `why` says what the loop does not take.
inline Error runs_through_execute(const std::string& why) {
  return Error(WEIR_E_WOULD_BLOCK, "runs through execute: " + why);
}

class Connection {
 public:
  virtual ~Connection() = default;

  // Runs one request (see weir_plugin::execute for the shapes) and writes its result.
  virtual void execute(const boost::json::object& request, const ExecOptions& options,
                       ValueWriter& result) = 0;

  // Optional (ABI v2; WEIR_CAP_EXECUTE_ASYNC in the driver's info): runs a request as
  // execute() does without blocking the thread: starts it on `loop` and returns, then waits
  // through the loop's watches and timers and ends it with `done` (event_loop.hpp says
  // how). `request` is borrowed for the call; `result` and `done` stay valid until done.
  // A throw means it did not start; Error(WEIR_E_WOULD_BLOCK), before anything of the
  // request left the plugin, hands it to execute() on a worker, on the same connection.
  // `done.fail` with WEIR_E_WOULD_BLOCK does the same for a request that did nothing.
  virtual void execute_async(const boost::json::object& /*request*/, const ExecOptions& /*options*/,
                             ValueWriter /*result*/, EventLoop /*loop*/, Completion /*done*/) {
    throw runs_through_execute("this connection has no execute_async");
  }

  // A cheap liveness round trip; false (or a throw) means the connection is dead.
  virtual bool ping() = 0;

  // Writes an object describing the backend (at least "server_version" when known).
  virtual void describe_backend(ValueWriter& detail) { detail.begin_object(), detail.end_object(); }

  // Returns the session to the state of a fresh connection before reuse. Throwing
  // makes the pool close the connection instead.
  virtual void reset() {}
  // Whether reset() (with a rollback of an open transaction) would talk to the backend
  // now, so wait: an event loop then leaves the release to a thread that may block.
  virtual bool reset_waits_on_backend() const { return true; }

  // Transactions. `timeout` is the time left before the deadline of the
  // request the lease serves (at least 1 ms, also once it has passed), as
  // ExecOptions::timeout is for execute; 0 = none (the pool rolling back on
  // release, a host that passed no deadline): the plugin's own bound applies.
  virtual void begin(const boost::json::object& /*options*/,
                     std::chrono::milliseconds /*timeout*/) {
    not_implemented("transactions");
  }
  virtual void commit(std::chrono::milliseconds /*timeout*/) { not_implemented("transactions"); }
  virtual void rollback(std::chrono::milliseconds /*timeout*/) { not_implemented("transactions"); }
  // Whether a transaction is open; the pool rolls it back on release.
  virtual bool in_transaction() const { return false; }

  // Interrupts a running execute() from another thread; must be thread-safe.
  virtual void cancel() noexcept {}

 protected:
  [[noreturn]] static void not_implemented(const char* what) {
    throw Error(WEIR_E_NOT_IMPLEMENTED, std::string("this backend does not support ") + what);
  }
};

// What a connect may spend (see ConnectionFactory::connect).
struct ConnectOptions {
  // Time left before the deadline of the acquire the connect is made for (the
  // request's deadline or acquire_timeout_ms, whichever is sooner); 0 = none,
  // for the pool's background connects.
  std::chrono::milliseconds timeout{0};

  // The bound for this connect: the factory's own connect timeout, cut to
  // `timeout` when that is sooner.
  std::chrono::milliseconds bound(std::chrono::milliseconds own) const noexcept {
    return timeout.count() > 0 && timeout < own ? timeout : own;
  }
};

// A backend's health as a factory sees it (see ConnectionFactory::health).
struct BackendHealth {
  std::int32_t state = WEIR_HEALTHY;  // WEIR_HEALTHY, WEIR_DEGRADED or WEIR_UNHEALTHY
  std::string reason;                 // why, when not healthy
};

class ConnectionFactory {
 public:
  virtual ~ConnectionFactory() = default;
  // Opens a new connection within options.bound(<the factory's own connect
  // timeout>), so that a caller waiting on it is answered by its deadline.
  // Throws Error; WEIR_E_UNAVAILABLE (retryable) when the backend cannot be
  // reached in time, so the pool backs off and retries.
  virtual std::unique_ptr<Connection> connect(const ConnectOptions& options) = 0;
  // What the factory knows beyond the pool's own connections, e.g. a cluster
  // member that cannot be reached; the pool reports it while its own state
  // is healthy. Any thread at any time; must not wait on I/O.
  virtual BackendHealth health() const { return {}; }
};

}  // namespace weir::sdk
