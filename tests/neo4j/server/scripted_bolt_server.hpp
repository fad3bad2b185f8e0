// A scripted Bolt server on loopback (free port) for tests: each accepted
// connection plays one session of a BoltScript. The first bytes decide the
// transport: the Bolt magic for plain TCP, "GET " for a WebSocket upgrade on
// the same port; with TLS both run inside it. Every deviation from the
// script is recorded in failures(); a session that ends with required steps
// left is a failure too. The server hangs up when a session ends.
#pragma once

#include "bolt_script.hpp"

#include "test_certificate.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace weir::neo4j::testing {

struct ServerOptions {
  // Serve TLS only, with this certificate: like Neo4j with TLS required, a
  // connection that does not open with a TLS handshake is hung up on.
  std::optional<weir::testing::TestCertificate> tls;
  // Any loopback address; another than 127.0.0.1 is one the test
  // certificate does not name.
  std::string bind_address = "127.0.0.1";
};

class ScriptedBoltServer {
 public:
  // Binds first, so the script may use ${SELF}; throws on a bad script.
  ScriptedBoltServer(const std::string& script_path, std::map<std::string, std::string> vars = {},
                     ServerOptions options = {});
  ~ScriptedBoltServer();  // stops and joins every connection
  ScriptedBoltServer(const ScriptedBoltServer&) = delete;
  ScriptedBoltServer& operator=(const ScriptedBoltServer&) = delete;

  std::uint16_t port() const;
  std::string address() const;  // "<bind address>:<port>"

  // Closes the listener and every open connection, then joins their threads.
  void stop();
  // After stop(): listens again on the same address (a member coming back).
  void start();
  std::vector<std::string> failures() const;
  int connections() const;  // accepted so far
  // Every message received, in arrival order over all connections: its name,
  // and for RUN the query ("RUN RETURN 1").
  std::vector<std::string> received() const;
  // Assigns a server variable of a rules script (see rule_book.hpp).
  void set(const std::string& name, boost::json::value value);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace weir::neo4j::testing
