// Transports over Boost.Beast: plain TCP (bolt://, neo4j://) and Bolt over
// WebSocket (ws://, binary frames). Each owns a private io_context and runs
// one operation at a time against the caller's deadline, so a synchronous
// caller still gets Beast's tcp_stream timeouts. Beast stays out of headers.
#pragma once

#include "transport.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace weir::neo4j {

// Both throw Error(WEIR_E_UNAVAILABLE, retryable) when the server cannot be
// reached or refuses the upgrade, WEIR_E_TIMEOUT past the deadline.
std::unique_ptr<Transport> connect_tcp(const std::string& host, std::uint16_t port,
                                       Deadline deadline);
std::unique_ptr<Transport> connect_websocket(const std::string& host, std::uint16_t port,
                                             Deadline deadline);

}  // namespace weir::neo4j
