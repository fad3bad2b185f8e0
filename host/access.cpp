#include "access.hpp"

#include <algorithm>

namespace weir {

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

Caller AccessControl::authenticate(std::string_view authorization,
                                   const std::string& peer_address) const {
  if (local_only()) return {peer_address, nullptr};
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() ||
      authorization.substr(0, kBearer.size()) != kBearer) {
    ApiError e(401, "unauthorized", "send an API token as \"Authorization: Bearer <token>\"");
    throw e;
  }
  const auto presented = authorization.substr(kBearer.size());
  // Check every token so the time taken does not reveal which one matched.
  const ApiToken* match = nullptr;
  for (const auto& token : tokens_) {
    if (constant_time_equal(presented, token.secret)) match = &token;
  }
  if (match == nullptr) throw ApiError(401, "unauthorized", "the API token is not valid");
  return {match->name, match};
}

bool AccessControl::may_see(const Caller& caller, const std::string& database) const noexcept {
  if (caller.token == nullptr) return true;
  const auto& allowed = caller.token->databases;
  return std::find(allowed.begin(), allowed.end(), "*") != allowed.end() ||
         std::find(allowed.begin(), allowed.end(), database) != allowed.end();
}

void AccessControl::authorize(const Caller& caller, const std::string& database) const {
  if (may_see(caller, database)) return;
  ApiError e(403, "forbidden",
             "API token \"" + caller.token->name + "\" may not use database \"" + database + "\"");
  e.extra()["database"] = database;
  throw e;
}

void AccessControl::authorize_admin(const Caller& caller) const {
  if (caller.token == nullptr || caller.token->admin) return;
  throw ApiError(403, "forbidden",
                 "API token \"" + caller.token->name +
                     "\" may not call admin endpoints (give a token \"admin\": true)");
}

}  // namespace weir
