// Transports over Boost.Beast: Bolt on TCP (bolt://, neo4j://) or in
// WebSocket binary frames (ws://), each optionally inside TLS (+s, +ssc,
// wss). Each owns a private io_context and runs one operation at a time
// against the caller's deadline, so a synchronous caller still gets Beast's
// tcp_stream timeouts. Beast stays out of headers.
#pragma once

#include "tls_context.hpp"
#include "transport.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace weir::neo4j {

// Connects, runs the TLS handshake when `tls` is set and the WebSocket
// upgrade for kWebSocket, all before one deadline. Throws
// Error(WEIR_E_UNAVAILABLE) when the server cannot be reached, refuses the
// upgrade or fails the TLS handshake (TlsContext::handshake_error); retryable
// unless retrying cannot help (a certificate the config does not trust).
std::unique_ptr<Transport> connect_transport(Framing framing, const std::string& host,
                                             std::uint16_t port, const TlsContext* tls,
                                             Deadline deadline);

// The two framings connect_transport chooses between, each in a file of its
// own (bolt_transport.cpp, websocket_transport.cpp).
std::unique_ptr<Transport> connect_bolt(const std::string& host, std::uint16_t port,
                                        const TlsContext* tls, Deadline deadline);
std::unique_ptr<Transport> connect_websocket(const std::string& host, std::uint16_t port,
                                             const TlsContext* tls, Deadline deadline);

}  // namespace weir::neo4j
