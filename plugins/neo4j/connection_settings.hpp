// The "connection" object of a neo4j database, validated once at pool open.
#pragma once

#include "bolt_session.hpp"
#include "tls_context.hpp"
#include "transport.hpp"

#include <weir/sdk/config_reader.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace weir::neo4j {

struct ConnectionSettings {
  // As in the url: bolt, neo4j, ws, or a TLS form (bolt+s, bolt+ssc,
  // neo4j+s, neo4j+ssc, wss).
  std::string scheme;
  bool routing = false;                   // neo4j, neo4j+s, neo4j+ssc: a cluster (cluster.hpp)
  Framing framing = Framing::kBolt;       // kWebSocket for ws and wss
  std::shared_ptr<const TlsContext> tls;  // null: plain text
  std::string host;
  std::uint16_t port = 7687;
  AuthToken auth;
  std::string user_agent = "weir-neo4j/0.1.0";
  std::optional<std::string> database;  // default database for requests
  std::chrono::milliseconds connect_timeout{30000};
  std::chrono::milliseconds request_timeout{0};  // 0: only the host's deadline applies
  std::int64_t fetch_size = 1000;
  // The largest message taken from the server: one record (of a batch of fetch_size) or a
  // summary, held whole before it is written out (bolt_framing.hpp).
  std::int64_t max_message_bytes = std::int64_t{64} << 20;

  // Bolt's own bytes on a plain socket (no TLS, no WebSocket frames): what a
  // query on the event loop needs (BoltSession::raw_socket).
  bool raw_bolt() const noexcept { return tls == nullptr && framing == Framing::kBolt; }

  // Throws Error(WEIR_E_INVALID_CONFIG) naming the field. A relative
  // trusted_certificates path resolves under `data_dir` (the workspace).
  static ConnectionSettings from(const sdk::ConfigReader& reader,
                                 const std::filesystem::path& data_dir);
};

}  // namespace weir::neo4j
