// A scripted backend for the pool's own unit tests (the one place a fake
// belongs): connections count themselves, and the test decides whether
// connect, ping, reset and rollback succeed.
#pragma once

#include <weir/sdk/connection.hpp>
#include <weir/sdk/error.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace weir::pool_test {

// What the test scripts and observes; shared by the factory and its connections.
struct Backend {
  std::atomic<int> connects{0};  // attempts, failed ones included
  std::atomic<int> live{0};      // connections open right now
  std::atomic<int> closed{0};
  std::atomic<int> pings{0};
  std::atomic<int> resets{0};
  std::atomic<bool> down{false};   // connect throws down_status
  std::atomic<int> fail_every{0};  // > 0: every n-th connect fails (stress)
  std::string down_message = "connection refused (127.0.0.1:5432)";
  weir_status down_status = WEIR_E_UNAVAILABLE;  // e.g. WEIR_E_UNAUTHENTICATED: a refused login
  std::optional<sdk::Retry> down_verdict;        // the factory's own verdict on retrying, if any
  std::atomic<bool> silent{false};               // connect waits out its whole bound, then fails
  std::atomic<std::chrono::milliseconds> last_connect_timeout{std::chrono::milliseconds(-1)};
  // What the last begin, commit or rollback was given to spend.
  std::atomic<std::chrono::milliseconds> last_transaction_timeout{std::chrono::milliseconds(-1)};

  // Holds every connect attempt until opened, to keep one in flight.
  void hold_connects() {
    std::lock_guard lock(gate_mutex);
    gate_open = false;
  }
  void release_connects() {
    {
      std::lock_guard lock(gate_mutex);
      gate_open = true;
    }
    gate.notify_all();
  }
  void pass_gate() {
    std::unique_lock lock(gate_mutex);
    ++at_gate;
    gate.wait(lock, [&] { return gate_open; });
    --at_gate;
  }
  std::atomic<int> at_gate{0};  // connect attempts being held right now

 private:
  std::mutex gate_mutex;
  std::condition_variable gate;
  bool gate_open = true;
};

class ScriptedConnection final : public sdk::Connection {
 public:
  ScriptedConnection(Backend& backend, int id) : backend_(backend), id_(id) { ++backend_.live; }
  ~ScriptedConnection() override {
    --backend_.live;
    ++backend_.closed;
  }

  void execute(const boost::json::object&, const sdk::ExecOptions&, sdk::ValueWriter&) override {}
  bool ping() override {
    ++backend_.pings;
    if (ping_throws) throw sdk::Error(WEIR_E_BROKEN, "server closed the connection");
    return ping_ok;
  }
  void reset() override {
    ++resets;
    ++backend_.resets;
    if (reset_throws) throw sdk::Error(WEIR_E_BROKEN, "reset failed");
  }
  void begin(const boost::json::object&, std::chrono::milliseconds timeout) override {
    backend_.last_transaction_timeout = timeout;
    in_tx = true;
  }
  void commit(std::chrono::milliseconds timeout) override {
    backend_.last_transaction_timeout = timeout;
    in_tx = false;
  }
  void rollback(std::chrono::milliseconds timeout) override {
    backend_.last_transaction_timeout = timeout;
    ++rollbacks;
    if (rollback_throws) throw sdk::Error(WEIR_E_BROKEN, "rollback failed");
    in_tx = false;
  }
  bool in_transaction() const override { return in_tx; }
  // As a real backend's: a transaction to roll back talks to the server.
  bool reset_waits_on_backend() const override { return in_tx; }
  void cancel() noexcept override {
    ++cancels;
    if (on_cancel) on_cancel();
  }

  int id() const noexcept { return id_; }

  // Scripted by the test.
  bool ping_ok = true;
  bool ping_throws = false;
  bool reset_throws = false;
  bool rollback_throws = false;
  bool in_tx = false;
  std::function<void()> on_cancel;  // runs inside cancel(), e.g. to block as PQcancel does
  // Observed by the test.
  int resets = 0;
  int rollbacks = 0;
  std::atomic<int> cancels{0};
  std::atomic<int> holder{0};  // stress test: who holds it (0 = nobody)

 private:
  Backend& backend_;
  const int id_;
};

class ScriptedFactory final : public sdk::ConnectionFactory {
 public:
  static constexpr std::chrono::milliseconds kOwnConnectTimeout{2000};

  explicit ScriptedFactory(Backend& backend) : backend_(backend) {}
  std::unique_ptr<sdk::Connection> connect(const sdk::ConnectOptions& options) override {
    const int n = ++backend_.connects;
    backend_.last_connect_timeout = options.timeout;
    backend_.pass_gate();
    if (backend_.silent) {
      std::this_thread::sleep_for(options.bound(kOwnConnectTimeout));
      throw sdk::Error(WEIR_E_UNAVAILABLE, "no answer", true);
    }
    if (backend_.down && backend_.down_verdict)
      throw sdk::Error(backend_.down_status, backend_.down_message, *backend_.down_verdict);
    if (backend_.down) {  // retryable when away, as plugins mark it
      throw sdk::Error(backend_.down_status, backend_.down_message,
                       backend_.down_status == WEIR_E_UNAVAILABLE);
    }
    const int every = backend_.fail_every;
    if (every > 0 && n % every == 0) {
      throw sdk::Error(WEIR_E_UNAVAILABLE, "intermittent failure", true);
    }
    return std::make_unique<ScriptedConnection>(backend_, n);
  }

 private:
  Backend& backend_;
};

inline ScriptedConnection& scripted(sdk::Connection& c) {
  return static_cast<ScriptedConnection&>(c);
}

}  // namespace weir::pool_test
