// The backends the network-fault tests put a FaultProxy in front of: each
// starts its real server once per test binary and says how a database
// reaches it through a given address, with requests small enough that the
// suite stays fast.
#pragma once

#include "chroma_server.hpp"
#include "postgres_cluster.hpp"
#include "scripted_bolt_server.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

namespace weir::testing {

// A new connection through a black hole must give up well before a request's deadline.
inline constexpr int kConnectTimeoutMs = 250;

class BackendServer {
 public:
  virtual ~BackendServer() = default;
  virtual std::uint16_t port() const = 0;
  // The "connection" settings of a database whose server is at host:port `address`.
  virtual boost::json::object connection(const std::string& address) const = 0;
  // A small request the server answers at once.
  virtual std::string probe() const = 0;
  // A request the server itself answers only after the given request deadlines.
  virtual std::string slow_request() const { return probe(); }
  // What a client sees when the connection its probe runs on goes silent,
  // how far past the deadline (what the plugin spends, by design, making
  // sure the server stopped), and whether it may retry.
  struct SilentConnection {
    unsigned status;
    std::string code;
    std::chrono::milliseconds overrun;
    bool retryable;
  };
  virtual SilentConnection on_silent_connection() const { return {504, "timeout", {}, true}; }
  // Whether the client may retry the probe when its connection was cut after
  // the probe was sent: not when the plugin knows the server may have applied
  // it (a statement not declared read-only).
  virtual bool cut_after_sending_is_retryable() const { return true; }
  // Whether the client may retry the slow request when its deadline passed
  // after it was sent: not when the plugin cannot make the server stop it
  // and it may have written.
  virtual bool timed_out_after_sending_is_retryable() const { return true; }
  // How long the pool's validation ping of a silent connection, and the
  // connect that replaces it, may take: the ABI gives ping no deadline.
  virtual std::chrono::milliseconds ping_bound() const {
    return std::chrono::milliseconds(2 * kConnectTimeoutMs);
  }
  virtual bool has_transactions() const { return true; }

  static BackendServer& named(const std::string& backend);
};

class PostgresBackend final : public BackendServer {
 public:
  PostgresBackend() { ::setenv("WEIR_FAULT_TEST_PW", cluster_.superuser_password().c_str(), 1); }
  std::uint16_t port() const override { return static_cast<std::uint16_t>(cluster_.port()); }
  boost::json::object connection(const std::string& address) const override {
    return {{"url", "postgresql://postgres@" + address + "/postgres"},
            {"password_env", "WEIR_FAULT_TEST_PW"},
            {"connect_timeout_ms", kConnectTimeoutMs}};
  }
  std::string probe() const override { return R"({"query":"select 1"})"; }
  std::string slow_request() const override { return R"J({"query":"select pg_sleep(5)"})J"; }
  // Past the deadline a cancel request gets CommandRunner::kCancelGrace (1 s)
  // to stop the statement; unanswered, the connection is given up.
  SilentConnection on_silent_connection() const override {
    return {502, "connection_broken", std::chrono::milliseconds(1000),
            cut_after_sending_is_retryable()};
  }
  bool cut_after_sending_is_retryable() const override { return false; }
  // PgConnection's ping timeout (2 s), the cancel grace (1 s), then a connect.
  std::chrono::milliseconds ping_bound() const override {
    return std::chrono::milliseconds(3000 + kConnectTimeoutMs);
  }

 private:
  PostgresCluster cluster_;
};

class ChromaBackend final : public BackendServer {
 public:
  std::uint16_t port() const override { return server_.port(); }
  boost::json::object connection(const std::string& address) const override {
    return {{"url", "http://" + address}, {"connect_timeout_ms", kConnectTimeoutMs}};
  }
  std::string probe() const override { return R"({"op":"list_collections"})"; }
  bool has_transactions() const override { return false; }

 private:
  ChromaServer server_;
};

// The Bolt test server standing in for Neo4j, playing the conformance rules.
class BoltBackend final : public BackendServer {
 public:
  std::uint16_t port() const override { return server_.port(); }
  boost::json::object connection(const std::string& address) const override {
    return {{"url", "bolt://" + address},
            {"user", "neo4j"},
            {"password", "secret"},
            {"connect_timeout_ms", kConnectTimeoutMs}};
  }
  std::string probe() const override {
    return R"({"query":"RETURN $n + 1 AS answer, 'two' AS two","params":{"n":41}})";
  }
  // The probe is not declared read-only: once sent, it may have written,
  // and Bolt cannot make the server stop it when the deadline passes.
  bool cut_after_sending_is_retryable() const override { return false; }
  bool timed_out_after_sending_is_retryable() const override { return false; }
  SilentConnection on_silent_connection() const override {
    return {504, "timeout", {}, timed_out_after_sending_is_retryable()};
  }

 private:
  neo4j::testing::ScriptedBoltServer server_{WEIR_BOLT_SCRIPTS_DIR "/conformance.json"};
};

// Started on first use, stopped when the test binary exits.
inline BackendServer& BackendServer::named(const std::string& backend) {
  static std::map<std::string, std::unique_ptr<BackendServer>> started;
  auto& server = started[backend];
  if (!server) {
    if (backend == "postgres") server = std::make_unique<PostgresBackend>();
    if (backend == "chroma") server = std::make_unique<ChromaBackend>();
    if (backend == "neo4j") server = std::make_unique<BoltBackend>();
  }
  return *server;
}

}  // namespace weir::testing
