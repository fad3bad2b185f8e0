// Who holds a pool's connections, in words, for the "exhausted" error and
// leak reports: `client "agent-7" 12.3 s at "POST /v1/databases/main/query"`.
#pragma once

#include <weir/sdk/pool/clock.hpp>
#include <weir/sdk/pool/intrusive_list.hpp>
#include <weir/sdk/pool/lease.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace weir::sdk::pool {

// "12.3 s"
inline std::string seconds_text(std::chrono::nanoseconds d) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f s", std::chrono::duration<double>(d).count());
  return buffer;
}

// One holder: client, how long, where.
inline std::string holder_text(const Lease& lease, Instant now) {
  std::string text = lease.client.empty() ? std::string("anonymous client")
                                          : "client \"" + std::string(lease.client.view()) + "\"";
  text += " " + seconds_text(now - lease.acquired_at);
  text += lease.tag.empty() ? std::string(" (no tag)")
                            : " at \"" + std::string(lease.tag.view()) + "\"";
  return text;
}

// The `limit` longest-held leases, longest first, then "and N more".
inline std::string holders_text(const IntrusiveList<Lease>& active, Instant now,
                                std::size_t limit = 5) {
  if (active.empty()) return "none";
  std::vector<const Lease*> leases;
  leases.reserve(active.size());
  active.for_each([&](const Lease& l) { leases.push_back(&l); });
  const std::size_t shown = std::min(limit, leases.size());
  std::partial_sort(leases.begin(), leases.begin() + static_cast<std::ptrdiff_t>(shown),
                    leases.end(),
                    [](const Lease* a, const Lease* b) { return a->acquired_at < b->acquired_at; });
  std::string text;
  for (std::size_t i = 0; i < shown; ++i) {
    text += (i == 0 ? "" : ", ") + holder_text(*leases[i], now);
  }
  if (leases.size() > shown) text += ", and " + std::to_string(leases.size() - shown) + " more";
  return text;
}

}  // namespace weir::sdk::pool
