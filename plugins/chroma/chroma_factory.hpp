// Opens Chroma connections for the SDK pool. A connection is only handed out
// after a heartbeat round trip, so "server down" surfaces here as
// WEIR_E_UNAVAILABLE (retryable) and the pool backs off.
#pragma once

#include "server_state.hpp"

#include <weir/sdk/connection.hpp>

#include <memory>

namespace weir::chroma {

class ChromaFactory final : public sdk::ConnectionFactory {
 public:
  explicit ChromaFactory(ChromaSettings settings);
  std::unique_ptr<sdk::Connection> connect(const sdk::ConnectOptions& options) override;

 private:
  std::shared_ptr<ServerState> state_;
};

}  // namespace weir::chroma
