#include "settings.hpp"

#include <weir/sdk/workspace_path.hpp>

#include <libpq-fe.h>

#include <array>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

namespace weir::postgres {
namespace {

using weir::sdk::ConfigReader;
using weir::sdk::Error;

// Server settings every weir connection starts with, so results decode the
// same way whatever the server's defaults are. They go in the startup packet,
// which makes them session defaults that DISCARD ALL / RESET ALL restore.
constexpr const char* kSessionDefaults = "-c DateStyle=ISO,YMD -c IntervalStyle=iso_8601";

using Pairs = std::vector<std::pair<std::string, std::string>>;

constexpr std::array<const char*, 6> kSslModes = {"disable", "allow",     "prefer",
                                                  "require", "verify-ca", "verify-full"};
constexpr std::array<const char*, 6> kSessionAttrs = {"any",     "read-write", "read-only",
                                                      "primary", "standby",    "prefer-standby"};

template <const auto& kAllowed>
bool one_of_list(const std::string& value) {
  for (const char* a : kAllowed) {
    if (value == a) return true;
  }
  return false;
}

template <std::size_t N>
std::string join(const std::array<const char*, N>& items) {
  std::string out;
  for (const char* i : items) out += (out.empty() ? "" : ", ") + std::string(i);
  return out;
}

// "5432" or "5432,5433" (an empty element means libpq's default for that host).
bool valid_ports(const std::string& ports) {
  std::size_t start = 0;
  while (true) {
    const auto end = ports.find(',', start);
    const auto item =
        ports.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!item.empty()) {
      int n = 0;
      const auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
      if (ec != std::errc() || p != item.data() + item.size() || n < 1 || n > 65535) return false;
    }
    if (end == std::string::npos) return true;
    start = end + 1;
  }
}

// A URL's user-info ("user:password@") or a key=value string's password=...
// would put a secret in the config file, where operators display it.
bool url_carries_password(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme != std::string::npos) {
    const auto start = scheme + 3;
    const auto at = url.find('@', start);
    const auto slash = url.find('/', start);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      if (url.substr(start, at - start).find(':') != std::string::npos) return true;
    }
  }
  return url.find("password=") != std::string::npos;
}

void set(std::vector<std::pair<std::string, std::string>>& pairs, const std::string& key,
         std::string value) {
  for (auto& [k, v] : pairs) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  pairs.emplace_back(key, std::move(value));
}

const std::string* get(const std::vector<std::pair<std::string, std::string>>& pairs,
                       const std::string& key) {
  for (const auto& [k, v] : pairs) {
    if (k == key) return &v;
  }
  return nullptr;
}

// Validates a merged value, blaming the field when it was set there, else the URL.
void check_value(const ConfigReader& c, const Pairs& pairs, const char* key,
                 bool (*valid)(const std::string&), const std::string& expected) {
  const auto* v = get(pairs, key);
  if (v == nullptr || valid(*v)) return;
  if (c.has(key)) c.fail(key, expected + ", got \"" + *v + "\"");
  c.fail("url", std::string(key) + " " + expected + ", got \"" + *v + "\"");
}

void read_url(const ConfigReader& c, std::vector<std::pair<std::string, std::string>>& pairs) {
  const auto url = c.optional_string("url");
  if (!url) return;
  if (url_carries_password(*url)) {
    c.fail("url",
           "must not contain a password; put it in an environment variable (password_env) "
           "or a file (password_file)");
  }
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(url->c_str(), &error), &PQconninfoFree);
  if (!options) {
    std::string why = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    c.fail("url", "is not a libpq connection URL or key=value string: " + why);
  }
  for (auto* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val != nullptr) set(pairs, o->keyword, o->val);
  }
}

// "port" may be a number or, for multi-host lists, "5432,5433".
std::optional<std::string> read_port(const ConfigReader& c) {
  const auto* v = c.object().if_contains("port");
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_string()) return std::string(v->get_string());
  return std::to_string(c.integer("port", 5432, 1, 65535));
}

}  // namespace

PasswordSource PasswordSource::from_env(std::string variable, std::string field) {
  PasswordSource s;
  s.kind_ = Kind::kEnv;
  s.source_ = std::move(variable);
  s.field_ = std::move(field);
  return s;
}

PasswordSource PasswordSource::from_file(std::filesystem::path file, std::string field) {
  PasswordSource s;
  s.kind_ = Kind::kFile;
  s.source_ = file.string();
  s.field_ = std::move(field);
  return s;
}

std::string PasswordSource::read() const {
  switch (kind_) {
    case Kind::kNone:
      return {};
    case Kind::kEnv: {
      const char* value = std::getenv(source_.c_str());
      if (value == nullptr || *value == '\0') {
        throw Error(WEIR_E_INVALID_CONFIG,
                    field_ + ": environment variable " + source_ + " is not set or empty");
      }
      return value;
    }
    case Kind::kFile: {
      std::ifstream in(source_);
      if (!in) throw Error(WEIR_E_INVALID_CONFIG, field_ + ": cannot read " + source_);
      std::string password;
      std::getline(in, password);  // the first line; a trailing newline is not part of it
      if (!password.empty() && password.back() == '\r') password.pop_back();
      if (password.empty())
        throw Error(WEIR_E_INVALID_CONFIG, field_ + ": " + source_ + " is empty");
      return password;
    }
  }
  return {};
}

Settings Settings::from(const ConfigReader& c, const std::filesystem::path& data_dir) {
  if (c.has("password")) {
    c.fail("password",
           "is not accepted in the config; put the password in an environment "
           "variable (password_env) or a file (password_file)");
  }
  c.allow_only({"url", "host", "port", "dbname", "user", "password_env", "password_file", "sslmode",
                "sslrootcert", "sslcert", "sslkey", "sslcrl", "target_session_attrs",
                "application_name", "options", "connect_timeout_ms", "reset",
                "statement_cache_size"});
  Settings s;
  read_url(c, s.libpq);
  for (const char* key : {"host", "dbname", "user", "application_name"}) {
    if (auto v = c.optional_string(key)) set(s.libpq, key, *v);
  }
  if (auto port = read_port(c)) set(s.libpq, "port", *port);
  for (const char* key : {"sslmode", "target_session_attrs"}) {
    if (auto v = c.optional_string(key)) set(s.libpq, key, *v);
  }
  for (const char* key : {"sslrootcert", "sslcert", "sslkey", "sslcrl"}) {
    if (auto v = c.optional_string(key)) {
      set(s.libpq, key, weir::sdk::resolve_workspace_path(data_dir, *v, c.field(key)).string());
    }
  }
  // Checked here, whether they came from a field or the URL: libpq would only
  // refuse them when connecting, where they would look like an outage.
  check_value(c, s.libpq, "port", valid_ports,
              "must be a port number (1-65535) or a comma list of them");
  check_value(c, s.libpq, "sslmode", one_of_list<kSslModes>, "must be one of " + join(kSslModes));
  check_value(c, s.libpq, "target_session_attrs", one_of_list<kSessionAttrs>,
              "must be one of " + join(kSessionAttrs));

  const auto user_options = c.optional_string("options");
  const auto* url_options = get(s.libpq, "options");
  std::string options = user_options ? *user_options : (url_options ? *url_options : "");
  set(s.libpq, "options", options.empty() ? kSessionDefaults : options + " " + kSessionDefaults);
  // Results are written as UTF-8 whatever the database's encoding.
  set(s.libpq, "client_encoding", "UTF8");
  if (get(s.libpq, "application_name") == nullptr) set(s.libpq, "application_name", "weir");
  // The connect deadline below is ours; libpq's own would round up to whole seconds.
  set(s.libpq, "connect_timeout", "0");

  const bool has_env = c.has("password_env"), has_file = c.has("password_file");
  if (has_env && has_file)
    c.fail("password_file", "cannot be combined with password_env; pick one");
  if (has_env) {
    s.password =
        PasswordSource::from_env(c.required_string("password_env"), c.field("password_env"));
  } else if (has_file) {
    s.password = PasswordSource::from_file(
        weir::sdk::resolve_workspace_path(data_dir, c.required_string("password_file"),
                                          c.field("password_file")),
        c.field("password_file"));
  }
  s.password.read();  // fail at start, not at the first connect

  s.connect_timeout = c.millis("connect_timeout_ms", s.connect_timeout, 100, 600000);
  const auto reset = c.string("reset", "auto");
  if (reset != "auto" && reset != "always") {
    c.fail("reset",
           "must be \"auto\" (DISCARD ALL only after session-level statements) or "
           "\"always\", got \"" +
               reset + "\"");
  }
  s.reset = reset == "always" ? ResetMode::kAlways : ResetMode::kAuto;
  s.statement_cache_size = static_cast<std::size_t>(c.integer(
      "statement_cache_size", static_cast<std::int64_t>(s.statement_cache_size), 0, 10000));
  return s;
}

std::string Settings::target() const {
  std::ostringstream out;
  for (const char* key : {"host", "hostaddr", "port", "dbname", "user"}) {
    if (const auto* v = get(libpq, key); v != nullptr && !v->empty()) {
      out << (out.tellp() > 0 ? " " : "") << key << "=" << *v;
    }
  }
  const auto text = out.str();
  return text.empty() ? "libpq defaults" : text;
}

}  // namespace weir::postgres
