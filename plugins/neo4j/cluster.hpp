// A Neo4j cluster behind a neo4j:// url: the routing table (fetched with
// ROUTE, refreshed when its ttl runs out or a writer turns out not to lead
// or cannot be reached) and one SDK pool per member, so each member gets
// every pool behaviour (validation, recycling, backoff, probes on demand) on
// its own, with the database's pool settings. Every connection, to a router
// or a member, sends the routing context {"address": <the url's host:port>}
// in HELLO, as the official drivers do.
//
// Thread-safety: every member function may be called from any thread.
// Refreshes are serialised and never hold the lock that picks members.
#pragma once

#include "connection_settings.hpp"
#include "neo4j_connection.hpp"
#include "routing_table.hpp"

#include <weir/sdk/pool.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace weir::neo4j {

enum class AccessMode { kRead, kWrite };

// A connection leased from one member's pool, returned when destroyed.
class MemberLease {
 public:
  MemberLease(sdk::Pool& pool, sdk::Pool::Lease* lease, std::string address)
      : pool_(&pool), lease_(lease), address_(std::move(address)) {}
  MemberLease(MemberLease&& other) noexcept
      : pool_(other.pool_),
        lease_(std::exchange(other.lease_, nullptr)),
        address_(std::move(other.address_)) {}
  MemberLease& operator=(MemberLease&&) = delete;
  ~MemberLease() {
    if (lease_ != nullptr) pool_->release(lease_, lease_->broken);
  }

  sdk::Connection& connection() { return *lease_->connection; }
  const std::string& address() const { return address_; }
  // A request broke the member's connection: close it on release.
  void mark_broken() { lease_->broken = true; }

 private:
  sdk::Pool* pool_;
  sdk::Pool::Lease* lease_;
  std::string address_;
};

class Cluster {
 public:
  Cluster(std::shared_ptr<const ConnectionSettings> settings,
          std::shared_ptr<BookmarkStore> bookmarks, sdk::PoolConfig member_pool);

  // Leases a connection from a member that takes `mode`: readers in turn,
  // the writer for writes. Refreshes an expired table first. A member that
  // cannot be reached (its pool fails fast while it is down, and probes it
  // on demand) is skipped for the next one; when none can be reached the
  // last error is thrown, and an unreachable writer also makes the next
  // write refresh the table. Throws Error(WEIR_E_UNAVAILABLE, retryable)
  // when no router answers or the table has no member for the mode.
  MemberLease lease(AccessMode mode);
  // lease() for an event loop, which must not wait: a connection ready now on
  // the first member for `mode` that has one, or nullopt when none has or the
  // table has expired (lease() then refreshes it, connects or waits).
  std::optional<MemberLease> lease_ready(AccessMode mode);
  // `address` answered "not a leader": stop writing to it and refresh before
  // the next write.
  void forget_writer(const std::string& address);
  // Makes sure the table is fresh (a ROUTE round trip when it has expired).
  void ensure_fresh();
  RoutingTable table() const;
  const ConnectionSettings& settings() const noexcept { return *settings_; }
  // Degraded while a member of the table cannot be reached (or its pool is
  // otherwise unwell), naming it; unhealthy when none can. Never waits on I/O.
  sdk::BackendHealth health() const;

 private:
  // Fetches a new table unless one was fetched after `asked_at`.
  void refresh(Deadline asked_at);
  // The members that take `mode`, starting with the one whose turn it is.
  std::vector<std::string> candidates(AccessMode mode);
  // Readers take turns: the list rotated to start at the one whose turn it is.
  void take_turns(AccessMode mode, std::vector<std::string>& members);
  RoutingTable fetch_from(const std::string& router, const std::vector<std::string>& bookmarks);
  sdk::Pool& pool_for(const std::string& address);
  Map routing_context() const { return Map{{"address", seed_}}; }

  std::shared_ptr<const ConnectionSettings> settings_;
  std::shared_ptr<BookmarkStore> bookmarks_;
  sdk::PoolConfig member_pool_;  // each member's pool
  std::string seed_;             // the url's host:port: the first router, and the routing context
  std::mutex refresh_mutex_;
  mutable std::mutex mutex_;  // table_, pools_
  RoutingTable table_;
  Deadline fetched_at_{};
  std::map<std::string, std::unique_ptr<sdk::Pool>> pools_;
  std::atomic<std::size_t> next_reader_{0};
};

}  // namespace weir::neo4j
