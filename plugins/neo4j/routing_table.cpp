#include "routing_table.hpp"

#include <weir/sdk/error.hpp>

#include <cstdlib>

namespace weir::neo4j {
namespace {

[[noreturn]] void malformed(const std::string& from, const std::string& what) {
  throw sdk::Error(WEIR_E_UNAVAILABLE, "the routing table from " + from + " " + what, true);
}

}  // namespace

RoutingTable RoutingTable::from_route(const Map& rt, Deadline now, const std::string& from) {
  RoutingTable table;
  const auto* ttl = find(rt, "ttl");
  if (ttl == nullptr || !ttl->is<std::int64_t>() || *ttl->get_if<std::int64_t>() < 0)
    malformed(from, "has no ttl");
  table.expires_at = now + std::chrono::seconds(*ttl->get_if<std::int64_t>());
  if (const auto* db = find(rt, "db"); db != nullptr && db->is<std::string>())
    table.database = *db->get_if<std::string>();
  const auto* servers = find(rt, "servers");
  if (servers == nullptr || !servers->is<List>()) malformed(from, "has no servers list");
  for (const auto& server : *servers->get_if<List>()) {
    const auto* entry = server.get_if<Map>();
    const auto* role = entry != nullptr ? find(*entry, "role") : nullptr;
    const auto* addresses = entry != nullptr ? find(*entry, "addresses") : nullptr;
    if (role == nullptr || !role->is<std::string>() || addresses == nullptr ||
        !addresses->is<List>()) {
      malformed(from, "has a server entry without role and addresses");
    }
    const auto& name = *role->get_if<std::string>();
    auto* into = name == "ROUTE"   ? &table.routers
                 : name == "READ"  ? &table.readers
                 : name == "WRITE" ? &table.writers
                                   : nullptr;
    if (into == nullptr) continue;  // a role this client does not use
    for (const auto& a : *addresses->get_if<List>()) {
      if (!a.is<std::string>()) malformed(from, "has an address that is not a string");
      into->push_back(*a.get_if<std::string>());
    }
  }
  if (table.routers.empty()) malformed(from, "names no routers");
  if (table.readers.empty()) malformed(from, "names no readers");
  return table;
}

std::pair<std::string, std::uint16_t> split_address(const std::string& address) {
  const auto colon = address.rfind(':');
  const std::string host = address.substr(0, colon);
  const long port =
      colon == std::string::npos ? 7687 : std::strtol(address.c_str() + colon + 1, nullptr, 10);
  if (host.empty() || port < 1 || port > 65535)
    throw sdk::Error(WEIR_E_UNAVAILABLE, "bad cluster member address \"" + address + "\"", true);
  return {host, static_cast<std::uint16_t>(port)};
}

}  // namespace weir::neo4j
