// A cluster's routing table as ROUTE returns it: who answers ROUTE, who
// takes reads, who takes writes, and until when that holds (ttl).
#pragma once

#include "packstream_value.hpp"
#include "transport.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace weir::neo4j {

struct RoutingTable {
  std::vector<std::string> routers;  // "host:port"
  std::vector<std::string> readers;
  std::vector<std::string> writers;  // empty during a leader election
  std::string database;
  Deadline expires_at{};  // the default is already expired

  bool expired(Deadline now) const { return now >= expires_at; }

  // Reads ROUTE's "rt" map; throws Error(WEIR_E_UNAVAILABLE, retryable) naming
  // what is wrong with a malformed table or one without routers or readers.
  static RoutingTable from_route(const Map& rt, Deadline now, const std::string& from);
};

// "host:port" -> host and port; throws Error(WEIR_E_UNAVAILABLE) when malformed.
std::pair<std::string, std::uint16_t> split_address(const std::string& address);

}  // namespace weir::neo4j
