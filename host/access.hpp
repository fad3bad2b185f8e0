// weir::AccessControl — who may call what. With no API tokens configured the
// gateway is in local-only mode: it listens on loopback only and every local
// caller may use every database. With tokens, each /v1 request needs
// `Authorization: Bearer <token>`; a token names the databases it may use
// and whether it may write. Tokens are compared in constant time.
#pragma once

#include "api_error.hpp"
#include "client_limits.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir {

struct ApiToken {
  std::string name;  // shown in logs and metrics; never the secret
  std::string secret;
  std::vector<std::string> databases;  // "*" = all
  bool read_only = false;
  bool admin = false;  // may call /v1/admin/* (reload)
  ClientLimit limit;   // unset fields take the client_limits defaults
  // MCP: only the tools of these mcp.toolsets; unset = every tool.
  std::optional<std::vector<std::string>> toolsets;
};

struct Caller {
  std::string client_id;  // token name, or the peer address in local-only mode
  const ApiToken* token = nullptr;
};

class AccessControl {
 public:
  explicit AccessControl(std::vector<ApiToken> tokens) : tokens_(std::move(tokens)) {}

  bool local_only() const noexcept { return tokens_.empty(); }
  // Identifies the caller from the Authorization header value (may be empty); throws 401.
  Caller authenticate(std::string_view authorization, const std::string& peer_address) const;
  // Throws 403 unless `caller` may use `database`.
  void authorize(const Caller& caller, const std::string& database) const;
  bool may_see(const Caller& caller, const std::string& database) const noexcept;
  // Throws 403 unless `caller` may use the admin endpoints (any local caller in local-only mode).
  void authorize_admin(const Caller& caller) const;

 private:
  std::vector<ApiToken> tokens_;
};

// Equal-length-independent comparison whose time does not depend on where the inputs differ.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace weir
