#include "connection_settings.hpp"

#include <weir/sdk/workspace_path.hpp>

#include <algorithm>
#include <cstdlib>
#include <iterator>

namespace weir::neo4j {
namespace {

// Credentials come from the config or from a named environment variable, so
// secrets can stay out of the config file.
std::optional<std::string> secret(const sdk::ConfigReader& r, std::string_view key,
                                  std::string_view env_key) {
  if (auto direct = r.optional_string(key)) return direct;
  const auto name = r.optional_string(env_key);
  if (!name) return std::nullopt;
  const char* value = std::getenv(name->c_str());
  if (value == nullptr) r.fail(env_key, "environment variable " + *name + " is not set");
  return std::string(value);
}

enum class Tls { kNone, kVerify, kAnyCertificate };

struct Scheme {
  std::string_view name;
  bool routing;
  Framing framing;
  Tls tls;
};

// The official drivers' url schemes: +s verifies the server's certificate
// and name, +ssc encrypts but accepts any certificate (self-signed).
constexpr Scheme kSchemes[] = {
    {"bolt", false, Framing::kBolt, Tls::kNone},
    {"bolt+s", false, Framing::kBolt, Tls::kVerify},
    {"bolt+ssc", false, Framing::kBolt, Tls::kAnyCertificate},
    {"neo4j", true, Framing::kBolt, Tls::kNone},
    {"neo4j+s", true, Framing::kBolt, Tls::kVerify},
    {"neo4j+ssc", true, Framing::kBolt, Tls::kAnyCertificate},
    {"ws", false, Framing::kWebSocket, Tls::kNone},
    {"wss", false, Framing::kWebSocket, Tls::kVerify},
};

}  // namespace

ConnectionSettings ConnectionSettings::from(const sdk::ConfigReader& r,
                                            const std::filesystem::path& data_dir) {
  r.allow_only({"url", "user", "user_env", "password", "password_env", "database", "user_agent",
                "connect_timeout_ms", "request_timeout_ms", "fetch_size", "max_message_bytes",
                "trusted_certificates"});
  ConnectionSettings s;
  const std::string url = r.required_string("url");
  const auto colon = url.find("://");
  if (colon == std::string::npos) r.fail("url", "must look like bolt://host:7687, got " + url);
  s.scheme = url.substr(0, colon);
  const auto* scheme = std::find_if(std::begin(kSchemes), std::end(kSchemes),
                                    [&](const Scheme& k) { return k.name == s.scheme; });
  if (scheme == std::end(kSchemes)) {
    r.fail("url",
           "scheme must be bolt, bolt+s, bolt+ssc, neo4j, neo4j+s, neo4j+ssc, ws or wss, got " +
               s.scheme);
  }
  s.routing = scheme->routing;
  s.framing = scheme->framing;
  std::string authority = url.substr(colon + 3);
  authority = authority.substr(0, authority.find_first_of("/?"));
  const auto port_at = authority.rfind(':');
  s.host = authority.substr(0, port_at);
  if (port_at != std::string::npos) {
    const std::string port = authority.substr(port_at + 1);
    char* end = nullptr;
    const long p = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || p < 1 || p > 65535)
      r.fail("url", "port must be 1 to 65535, got " + port);
    s.port = static_cast<std::uint16_t>(p);
  }
  if (s.host.empty()) r.fail("url", "has no host");

  if (auto user = secret(r, "user", "user_env")) {
    auto password = secret(r, "password", "password_env");
    if (!password)
      r.fail("password", "is required when a user is set (or name it with password_env)");
    s.auth = {"basic", *user, *password};
  }
  const auto trusted = r.optional_string("trusted_certificates");
  if (trusted && scheme->tls != Tls::kVerify) {
    r.fail("trusted_certificates",
           "only applies to urls that verify the server's certificate (bolt+s, neo4j+s, wss); " +
               s.scheme + "://" +
               (scheme->tls == Tls::kNone ? " does not use TLS" : " accepts any certificate"));
  }
  if (scheme->tls != Tls::kNone) {
    TlsPolicy policy{s.scheme, scheme->tls == Tls::kVerify, std::nullopt,
                     r.field("trusted_certificates")};
    if (trusted) {
      policy.trusted_certificates =
          sdk::resolve_workspace_path(data_dir, *trusted, policy.trusted_certificates_field);
    }
    s.tls = std::make_shared<const TlsContext>(std::move(policy));
  }
  s.user_agent = r.string("user_agent", s.user_agent);
  s.database = r.optional_string("database");
  s.connect_timeout = r.millis("connect_timeout_ms", s.connect_timeout, 1, 600000);
  s.request_timeout = r.millis("request_timeout_ms", s.request_timeout, 0, 86400000);
  s.fetch_size = r.integer("fetch_size", s.fetch_size, 1, 1000000);
  s.max_message_bytes =
      r.integer("max_message_bytes", s.max_message_bytes, 1024, std::int64_t{1} << 34);
  return s;
}

}  // namespace weir::neo4j
