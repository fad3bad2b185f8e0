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
  for (int attempt = 0;; ++attempt) {
    const auto address = pick(mode);
    auto& pool = pool_for(address);
    try {
      return MemberLease(pool, pool.acquire({}), address);
    } catch (const sdk::Error& e) {
      // An unreachable member is dropped until a fresh table names it again,
      // and the request tries once more elsewhere.
      if (e.status() != WEIR_E_UNAVAILABLE || attempt > 0) throw;
      forget(address);
    }
  }
}

std::string Cluster::pick(AccessMode mode) {
  ensure_fresh();
  std::string address;
  for (int attempt = 0; attempt < 2 && address.empty(); ++attempt) {
    if (attempt == 1) refresh(Clock::now());  // no member for the mode: ask again once
    std::lock_guard lock(mutex_);
    const auto& members = mode == AccessMode::kRead ? table_.readers : table_.writers;
    if (!members.empty())
      address = members[mode == AccessMode::kRead ? next_reader_++ % members.size() : 0];
  }
  if (address.empty()) {
    throw sdk::Error(WEIR_E_UNAVAILABLE,
                     "the neo4j cluster has no " +
                         std::string(mode == AccessMode::kRead ? "reader" : "writer") + " for " +
                         seed_ + " (a leader election may be in progress)",
                     true);
  }
  return address;
}

void Cluster::forget(const std::string& address) {
  std::lock_guard lock(mutex_);
  std::erase(table_.readers, address);
  std::erase(table_.writers, address);
  table_.expires_at = {};
}

sdk::Pool& Cluster::pool_for(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto& pool = pools_[address];
  if (!pool) {
    const auto [host, port] = split_address(address);
    pool = std::make_unique<sdk::Pool>(
        member_pool_, std::make_unique<DirectConnectionFactory>(settings_, host, port, bookmarks_),
        "neo4j member " + address);
  }
  return *pool;
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
  Map context{{"address", seed_}};
  const auto session = open_session(*settings_, host, port, context, until);
  List marks(bookmarks.begin(), bookmarks.end());
  const Map rt = session->route(std::move(context), std::move(marks), settings_->database, until);
  return RoutingTable::from_route(rt, Clock::now(), router);
}

}  // namespace weir::neo4j
