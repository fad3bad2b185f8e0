#include "chroma_settings.hpp"

#include <cstdlib>

namespace weir::chroma {

ChromaSettings ChromaSettings::from(const sdk::ConfigReader& c) {
  c.allow_only({"url", "tenant", "database", "create_database", "auth_header", "auth_token_env",
                "connect_timeout_ms", "request_timeout_ms", "max_batch_size",
                "max_response_bytes"});
  ChromaSettings s;
  s.url = c.string("url", s.url);
  if (s.url.rfind("http://", 0) != 0 && s.url.rfind("https://", 0) != 0) {
    c.fail("url", "must start with http:// or https://, got \"" + s.url + "\"");
  }
  while (s.url.size() > 8 && s.url.back() == '/') s.url.pop_back();
  s.tenant = c.string("tenant", s.tenant);
  s.database = c.string("database", s.database);
  if (s.tenant.empty()) c.fail("tenant", "must not be empty");
  if (s.database.empty()) c.fail("database", "must not be empty");
  s.create_database = c.boolean("create_database", s.create_database);

  s.auth_header = c.string("auth_header", "");
  const auto token_env = c.optional_string("auth_token_env");
  if (token_env && s.auth_header.empty()) s.auth_header = "x-chroma-token";
  if (!s.auth_header.empty()) {
    if (!token_env || token_env->empty()) {
      c.fail("auth_token_env",
             "is required when auth_header is set (the environment variable holding the token)");
    }
    const char* token = std::getenv(token_env->c_str());
    if (token == nullptr || *token == '\0') {
      c.fail("auth_token_env",
             "names the environment variable " + *token_env + ", which is not set");
    }
    s.auth_token = token;
  }

  s.connect_timeout = c.millis("connect_timeout_ms", s.connect_timeout, 1, 600000);
  s.request_timeout = c.millis("request_timeout_ms", s.request_timeout, 1, 86400000);
  if (c.has("max_batch_size")) s.max_batch_size = c.integer("max_batch_size", 0, 1, 1000000);
  s.max_response_bytes =
      c.integer("max_response_bytes", s.max_response_bytes, 1024, std::int64_t{1} << 34);
  return s;
}

}  // namespace weir::chroma
