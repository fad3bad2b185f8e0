// Opens libpq connections for the SDK pool. Each connect resolves host names
// afresh (libpq does so per connection and we never pin an address), so a
// failover that moves a DNS name is followed without a restart; multi-host
// lists and target_session_attrs are libpq's own.
#pragma once

#include "settings.hpp"

#include <weir/sdk/connection.hpp>

namespace weir::postgres {

class PgConnectionFactory final : public weir::sdk::ConnectionFactory {
 public:
  explicit PgConnectionFactory(Settings settings) : settings_(std::move(settings)) {}

  // Throws Error: UNAVAILABLE (retryable) when no server can be reached within
  // connect_timeout_ms (or the caller's options.timeout, when sooner),
  // UNAUTHENTICATED when the server refuses our credentials, NOT_FOUND when
  // the database does not exist. Messages name the target and never contain
  // the password.
  std::unique_ptr<weir::sdk::Connection> connect(const weir::sdk::ConnectOptions& options) override;

  const Settings& settings() const noexcept { return settings_; }

 private:
  const Settings settings_;
};

}  // namespace weir::postgres
