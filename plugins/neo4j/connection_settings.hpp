// The "connection" object of a neo4j database, validated once at pool open.
#pragma once

#include "bolt_session.hpp"

#include <weir/sdk/config_reader.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace weir::neo4j {

struct ConnectionSettings {
  std::string scheme;  // "bolt", "neo4j" or "ws"
  std::string host;
  std::uint16_t port = 7687;
  AuthToken auth;
  std::string user_agent = "weir-neo4j/0.1.0";
  std::optional<std::string> database;  // default database for requests
  std::chrono::milliseconds connect_timeout{30000};
  std::chrono::milliseconds request_timeout{0};  // 0: only the host's deadline applies
  std::int64_t fetch_size = 1000;

  // Throws Error(WEIR_E_INVALID_CONFIG) naming the field.
  static ConnectionSettings from(const sdk::ConfigReader& reader);
};

}  // namespace weir::neo4j
