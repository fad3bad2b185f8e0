#include "cluster.hpp"

#include <weir/sdk/error.hpp>

#include <algorithm>

namespace weir::neo4j {

Cluster::Cluster(std::shared_ptr<const ConnectionSettings> settings,
                 std::shared_ptr<BookmarkStore> bookmarks, sdk::PoolConfig member_pool)
    : settings_(std::move(settings)),
      bookmarks_(std::move(bookmarks)),
      member_pool_(member_pool),
      seed_(settings_->host + ":" + std::to_string(settings_->port)) {}

RoutingTable Cluster::table() const {
  std::lock_guard lock(mutex_);
  return table_;
}

void Cluster::ensure_fresh() {
  const auto now = Clock::now();
  {
    std::lock_guard lock(mutex_);
    if (!table_.expired(now)) return;
  }
  refresh(now);
}

void Cluster::forget_writer(const std::string& address) {
  std::lock_guard lock(mutex_);
  std::erase(table_.writers, address);
  table_.expires_at = {};
}

MemberLease Cluster::lease(AccessMode mode) {
  const auto members = candidates(mode);
  for (std::size_t i = 0;; ++i) {
    auto& pool = pool_for(members[i]);
    try {
      return MemberLease(pool, pool.acquire({}), members[i]);
    } catch (const sdk::Error& e) {
      if (e.status() != WEIR_E_UNAVAILABLE) throw;
      // An unreachable writer may have lost the lead: ask the routers again.
      if (mode == AccessMode::kWrite) forget_writer(members[i]);
      if (i + 1 == members.size()) throw;
    }
  }
}

std::vector<std::string> Cluster::candidates(AccessMode mode) {
  ensure_fresh();
  std::vector<std::string> members;
  for (int attempt = 0; attempt < 2 && members.empty(); ++attempt) {
    if (attempt == 1) refresh(Clock::now());  // no member for the mode: ask again once
    std::lock_guard lock(mutex_);
    members = mode == AccessMode::kRead ? table_.readers : table_.writers;
  }
  if (members.empty()) {
    throw sdk::Error(WEIR_E_UNAVAILABLE,
                     "the neo4j cluster has no " +
                         std::string(mode == AccessMode::kRead ? "reader" : "writer") + " for " +
                         seed_ + " (a leader election may be in progress)",
                     true);
  }
  take_turns(mode, members);
  return members;
}

std::optional<MemberLease> Cluster::lease_ready(AccessMode mode) {
  std::vector<std::string> members;
  {
    std::lock_guard lock(mutex_);
    if (table_.expired(Clock::now())) return std::nullopt;
    members = mode == AccessMode::kRead ? table_.readers : table_.writers;
  }
  if (members.empty()) return std::nullopt;
  take_turns(mode, members);
  for (const auto& member : members) {
    auto& pool = pool_for(member);
    if (auto* lease = pool.acquire_ready({})) return MemberLease(pool, lease, member);
  }
  return std::nullopt;
}

void Cluster::take_turns(AccessMode mode, std::vector<std::string>& members) {
  if (mode != AccessMode::kRead) return;
  const auto turn = static_cast<std::ptrdiff_t>(next_reader_++ % members.size());
  std::rotate(members.begin(), members.begin() + turn, members.end());
}

sdk::Pool& Cluster::pool_for(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto& pool = pools_[address];
  if (!pool) {
    const auto [host, port] = split_address(address);
    pool = std::make_unique<sdk::Pool>(member_pool_,
                                       std::make_unique<DirectConnectionFactory>(
                                           settings_, host, port, bookmarks_, routing_context()),
                                       "neo4j member " + address);
  }
  return *pool;
}

sdk::BackendHealth Cluster::health() const {
  std::vector<std::pair<std::string, const sdk::Pool*>> members;
  {
    std::lock_guard lock(mutex_);
    for (const auto* list : {&table_.writers, &table_.readers}) {
      for (const auto& address : *list) {
        const auto pool = pools_.find(address);
        if (pool != pools_.end()) members.emplace_back(address, pool->second.get());
      }
    }
  }
  sdk::BackendHealth out;
  std::size_t unhealthy = 0;
  for (const auto& [address, pool] : members) {
    weir_health h{};
    h.struct_size = sizeof h;
    pool->health(h);
    if (h.state == WEIR_HEALTHY) continue;
    unhealthy += h.state == WEIR_UNHEALTHY;
    out.reason +=
        (out.reason.empty() ? "" : "; ") + std::string("neo4j member ") + address + ": " + h.reason;
  }
  if (!out.reason.empty()) out.state = unhealthy == members.size() ? WEIR_UNHEALTHY : WEIR_DEGRADED;
  return out;
}

void Cluster::refresh(Deadline asked_at) {
  std::lock_guard serial(refresh_mutex_);
  std::vector<std::string> routers;
  {
    std::lock_guard lock(mutex_);
    // Another caller refreshed after this one found the table wanting.
    if (fetched_at_ > asked_at) return;
    routers = table_.routers;
  }
  // The url's address last, so a cluster that moved on is still found.
  if (std::find(routers.begin(), routers.end(), seed_) == routers.end()) routers.push_back(seed_);
  std::vector<std::string> bookmarks;
  if (auto latest = bookmarks_->get(); !latest.empty()) bookmarks.push_back(std::move(latest));
  std::string errors;
  for (const auto& router : routers) {
    try {
      auto fresh = fetch_from(router, bookmarks);
      std::lock_guard lock(mutex_);
      table_ = std::move(fresh);
      fetched_at_ = Clock::now();
      return;
    } catch (const sdk::Error& e) {
      // A router that refuses (auth, unknown database) would refuse on every
      // member too: report that rather than "unavailable".
      if (e.status() != WEIR_E_UNAVAILABLE && e.status() != WEIR_E_BROKEN &&
          e.status() != WEIR_E_TIMEOUT) {
        throw;
      }
      errors += (errors.empty() ? "" : "; ") + router + ": " + e.message();
    }
  }
  throw sdk::Error(WEIR_E_UNAVAILABLE, "no neo4j router answered ROUTE (" + errors + ")", true);
}

RoutingTable Cluster::fetch_from(const std::string& router,
                                 const std::vector<std::string>& bookmarks) {
  const auto [host, port] = split_address(router);
  const auto until = deadline_after(settings_->connect_timeout);
  const auto session = open_session(*settings_, host, port, routing_context(), until);
  List marks(bookmarks.begin(), bookmarks.end());
  const Map rt = session->route(routing_context(), std::move(marks), settings_->database, until);
  return RoutingTable::from_route(rt, Clock::now(), router);
}

}  // namespace weir::neo4j
