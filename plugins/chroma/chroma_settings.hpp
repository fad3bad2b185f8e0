// The "connection" settings of a chroma database, read and validated once
// when the pool opens (see docs/backends/chroma.md for the reference).
#pragma once

#include <weir/sdk/config_reader.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace weir::chroma {

struct ChromaSettings {
  std::string url = "http://localhost:8000";  // no trailing slash
  std::string tenant = "default_tenant";
  std::string database = "default_database";
  bool create_database = false;  // create tenant and database when missing
  // An auth header whose value comes from an environment variable, so the
  // secret never sits in the config file. Empty header = no auth.
  std::string auth_header;
  std::string auth_token;  // resolved from auth_token_env; never logged
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds request_timeout{30000};
  // Caps the records sent per request below the server's own max_batch_size.
  std::optional<std::int64_t> max_batch_size;
  // The largest answer taken from the server for one request (it is held whole).
  std::int64_t max_response_bytes = std::int64_t{64} << 20;

  // Reads `connection` (path databases.<name>.connection); throws
  // Error(WEIR_E_INVALID_CONFIG) naming the field.
  static ChromaSettings from(const sdk::ConfigReader& connection);
};

}  // namespace weir::chroma
