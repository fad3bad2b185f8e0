#include "socket_transports.hpp"

namespace weir::neo4j {

std::unique_ptr<Transport> connect_transport(Framing framing, const std::string& host,
                                             std::uint16_t port, const TlsContext* tls,
                                             Deadline deadline) {
  if (framing == Framing::kWebSocket) return connect_websocket(host, port, tls, deadline);
  return connect_bolt(host, port, tls, deadline);
}

}  // namespace weir::neo4j
