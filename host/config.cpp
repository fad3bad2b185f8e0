#include "config.hpp"

#include "config_error.hpp"
#include "json_number_range.hpp"

#include <weir/sdk/config_reader.hpp>
#include <weir/sdk/workspace_path.hpp>

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace weir {

namespace fs = std::filesystem;
using sdk::ConfigReader;

namespace {

constexpr const char* kDefaultConfig = R"({
  "listen": "127.0.0.1:7300",
  "databases": {
    "default": {"backend": "sqlite", "connection": {"path": "databases/default.db"}}
  }
})";

bool is_secret_key(std::string_view key) {
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  for (const char* word :
       {"password", "passwd", "secret", "token", "api_key", "apikey", "credential"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

// scheme://user:password@host -> scheme://user:***@host, and every "password=..."
// of a query string or a libpq key=value string -> "password=***".
std::string mask_url_password(std::string text) {
  if (const auto scheme = text.find("://"); scheme != std::string::npos) {
    // The last '@': one inside the password must not leave its tail showing.
    const auto at = text.rfind('@');
    const auto colon = text.find(':', scheme + 3);
    if (at != std::string::npos && at > scheme && colon != std::string::npos && colon < at)
      text = text.substr(0, colon + 1) + "***" + text.substr(at);
  }
  constexpr std::string_view kKey = "password=";
  for (auto pos = text.find(kKey); pos != std::string::npos; pos = text.find(kKey, pos)) {
    pos += kKey.size();
    const auto end = text.find_first_of(" &", pos);
    text.replace(pos, end == std::string::npos ? std::string::npos : end - pos, "***");
  }
  return text;
}

// Replaces "${env:NAME}" references in every string; `path` names the field for errors.
void resolve_env(boost::json::value& value, const std::string& path) {
  if (auto* object = value.if_object()) {
    for (auto& member : *object)
      resolve_env(member.value(), path + "." + std::string(member.key()));
  } else if (auto* array = value.if_array()) {
    for (std::size_t i = 0; i < array->size(); ++i)
      resolve_env((*array)[i], path + "[" + std::to_string(i) + "]");
  } else if (auto* text = value.if_string()) {
    std::string s(*text);
    std::string out;
    std::size_t pos = 0;
    while (true) {
      const auto start = s.find("${env:", pos);
      if (start == std::string::npos) break;
      const auto end = s.find('}', start);
      if (end == std::string::npos) {
        throw ConfigError(path + ": unterminated \"${env:\" reference; write ${env:NAME}");
      }
      const std::string name = s.substr(start + 6, end - start - 6);
      const char* env = std::getenv(name.c_str());
      if (env == nullptr) {
        throw ConfigError(path + ": environment variable " + name +
                          " is not set (referenced as ${env:" + name + "})");
      }
      out += s.substr(pos, start - pos);
      out += env;
      pos = end + 1;
    }
    if (pos > 0) *text = out + s.substr(pos);
  }
}

void parse_databases(const ConfigReader& root, const boost::json::object& resolved_root,
                     Config& config) {
  const auto* databases = root.object().if_contains("databases");
  if (databases == nullptr || !databases->is_object() || databases->get_object().empty()) {
    root.fail(
        "databases",
        "must be an object with at least one database, e.g. {\"main\": {\"backend\": \"sqlite\"}}");
  }
  const auto& resolved = resolved_root.at("databases").get_object();
  for (const auto& member : databases->get_object()) {
    const std::string name(member.key());
    const std::string field = "databases." + name;
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](unsigned char c) {
          return std::isalnum(c) || c == '_' || c == '-';
        })) {
      throw ConfigError(
          field +
          ": database names may use only letters, digits, '_' and '-' (they appear in URLs)");
    }
    if (!member.value().is_object())
      throw ConfigError(field + ": must be an object with at least \"backend\"");
    const ConfigReader db(member.value().get_object(), field);
    db.allow_only({"backend", "optional", "connection", "pool", "replicas", "max_rows"});
    DatabaseConfig d;
    d.name = name;
    d.backend = db.required_string("backend");
    d.optional = db.boolean("optional", false);
    d.max_rows = static_cast<std::size_t>(db.integer("max_rows", 0, 1, kMaxRowsLimit));
    db.child("connection");  // type checks: must be objects when present
    db.child("pool");
    d.settings = resolved.at(member.key()).get_object();
    d.settings.erase("replicas");
    d.settings.erase("max_rows");  // the host's, not the plugin's
    if (const auto* replicas = resolved.at(member.key()).get_object().if_contains("replicas")) {
      if (!replicas->is_array())
        db.fail("replicas", "must be an array of {\"connection\": {...}, \"pool\": {...}}");
      for (std::size_t i = 0; i < replicas->get_array().size(); ++i) {
        const auto& r = replicas->get_array()[i];
        const std::string rfield = field + ".replicas[" + std::to_string(i) + "]";
        if (!r.is_object()) throw ConfigError(rfield + ": must be an object with \"connection\"");
        const ConfigReader replica(r.get_object(), rfield);
        replica.allow_only({"connection", "pool"});
        if (!replica.has("connection"))
          replica.fail("connection", "is required: how to reach this replica");
        // A replica is the primary's settings with its own connection (and pool, if given).
        auto settings = d.settings;
        settings["connection"] = replica.child("connection").object();
        if (replica.has("pool")) settings["pool"] = replica.child("pool").object();
        d.replicas.push_back(std::move(settings));
      }
    }
    d.masked = mask_secrets(member.value()).get_object();
    config.databases.push_back(std::move(d));
  }
}

ClientLimit parse_client_limit(const ConfigReader& r, ClientLimit fallback) {
  ClientLimit l = fallback;
  l.max_concurrent = static_cast<std::size_t>(
      r.integer("max_concurrent", static_cast<std::int64_t>(l.max_concurrent), 0, 1000000));
  l.rate_per_second = static_cast<double>(
      r.integer("rate_per_second", static_cast<std::int64_t>(l.rate_per_second), 0, 1000000));
  l.burst = static_cast<double>(r.integer("burst", static_cast<std::int64_t>(l.burst), 0, 1000000));
  return l;
}

void parse_auth(const ConfigReader& root, const boost::json::object& resolved_root,
                Config& config) {
  const auto limits = root.child("client_limits");
  limits.allow_only({"max_concurrent", "rate_per_second", "burst"});
  config.client_limit = parse_client_limit(limits, {});

  const auto auth = root.child("auth");
  auth.allow_only({"tokens"});
  const auto* tokens = auth.object().if_contains("tokens");
  if (tokens != nullptr) {
    if (!tokens->is_array())
      auth.fail("tokens", "must be an array of {\"name\", \"token\", \"databases\", ...}");
    const auto& resolved = resolved_root.at("auth").at("tokens").as_array();
    for (std::size_t i = 0; i < tokens->get_array().size(); ++i) {
      const std::string field = "auth.tokens[" + std::to_string(i) + "]";
      if (!resolved[i].is_object()) throw ConfigError(field + ": must be an object");
      const ConfigReader t(resolved[i].get_object(), field);
      t.allow_only({"name", "token", "databases", "read_only", "admin", "max_concurrent",
                    "rate_per_second", "burst", "toolsets"});
      ApiToken token;
      token.name = t.required_string("name");
      token.secret = t.required_string("token");
      if (token.secret.size() < 16)
        t.fail("token",
               "must be at least 16 characters (use a random secret, e.g. from ${env:...})");
      token.read_only = t.boolean("read_only", false);
      token.admin = t.boolean("admin", false);
      token.limit = parse_client_limit(t, config.client_limit);
      token.toolsets = mcp::parse_token_toolsets(t, config.mcp.toolsets);  // parse_mcp ran first
      const auto* dbs = t.object().if_contains("databases");
      if (dbs == nullptr || !dbs->is_array() || dbs->get_array().empty()) {
        t.fail("databases", "must list the databases this token may use, or [\"*\"] for all");
      }
      for (const auto& db : dbs->get_array()) {
        if (!db.is_string()) t.fail("databases", "must contain only database names");
        const std::string name(db.get_string());
        if (name != "*" && config.find_database(name) == nullptr) {
          t.fail("databases", "names \"" + name + "\", which is not a configured database");
        }
        token.databases.push_back(name);
      }
      for (const auto& other : config.tokens) {
        if (other.name == token.name)
          t.fail("name", "\"" + token.name + "\" is used by another token");
        if (other.secret == token.secret)
          t.fail("token", "is the same secret as token \"" + other.name + "\"");
      }
      config.tokens.push_back(std::move(token));
    }
  }
  check_exposure(config);
}

// An origin as browsers send it: scheme://host[:port], nothing after.
bool is_origin(std::string_view text) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (text.substr(0, scheme.size()) != scheme) continue;
    const auto rest = text.substr(scheme.size());
    return !rest.empty() && rest.find_first_of("/?#@ ") == std::string_view::npos;
  }
  return false;
}

void parse_mcp(const ConfigReader& root, Config& config) {
  const auto mcp = root.child("mcp");
  mcp.allow_only({"writable", "allowed_origins", "tools", "toolsets"});
  const auto strings = [&](std::string_view key, const char* what) {
    std::vector<std::string> out;
    const auto* list = mcp.object().if_contains(key);
    if (list == nullptr) return out;
    if (!list->is_array()) mcp.fail(key, std::string("must be an array of ") + what);
    for (std::size_t i = 0; i < list->get_array().size(); ++i) {
      const auto& item = list->get_array()[i];
      if (!item.is_string())
        mcp.fail(std::string(key) + "[" + std::to_string(i) + "]",
                 std::string("must be a string: one of ") + what);
      out.emplace_back(item.get_string());
    }
    return out;
  };
  config.mcp.writable = strings("writable", "database names");
  for (std::size_t i = 0; i < config.mcp.writable.size(); ++i) {
    if (config.find_database(config.mcp.writable[i]) == nullptr)
      mcp.fail("writable[" + std::to_string(i) + "]",
               "names \"" + config.mcp.writable[i] + "\", which is not a configured database");
  }
  config.mcp.tools = mcp::parse_config_tools(
      mcp, [&](const std::string& name) { return config.find_database(name) != nullptr; });
  config.mcp.toolsets = mcp::parse_toolsets(mcp, config.mcp.tools);
  config.mcp.allowed_origins = strings("allowed_origins", "origins");
  for (std::size_t i = 0; i < config.mcp.allowed_origins.size(); ++i) {
    if (!is_origin(config.mcp.allowed_origins[i]))
      mcp.fail("allowed_origins[" + std::to_string(i) + "]",
               "must be an origin: scheme://host[:port], e.g. \"https://app.example.com\", got \"" +
                   config.mcp.allowed_origins[i] + "\"");
  }
}

// Certificates are the operator's files, like the config itself: paths resolve
// against the config file's directory, not the data directory.
TlsConfig parse_tls(const ConfigReader& tls, const fs::path& base_dir) {
  tls.allow_only({"certificate", "private_key"});
  TlsConfig t;
  t.certificate = (base_dir / tls.required_string("certificate")).lexically_normal();
  t.private_key = (base_dir / tls.required_string("private_key")).lexically_normal();
  t.context = load_tls_context(t.certificate, t.private_key);
  return t;
}

}  // namespace

void set_listen(Config& config, const std::string& listen, const std::string& field) {
  const auto invalid = [&] {
    throw ConfigError(field + ": must be \"host:port\" (e.g. \"127.0.0.1:7300\"), got \"" + listen +
                      "\"");
  };
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) invalid();
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const std::string port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit) ||
      std::stol(port) > 65535) {
    invalid();
  }
  config.listen_address = host;
  config.listen_port = static_cast<std::uint16_t>(std::stol(port));
}

void check_exposure(const Config& config) {
  const auto& a = config.listen_address;
  const bool loopback = a == "localhost" || a == "::1" || a.rfind("127.", 0) == 0;
  if (config.tokens.empty() && !loopback) {
    throw ConfigError(
        "listen: " + a +
        " is not a loopback address, but no API tokens are configured: add auth.tokens, "
        "or listen on 127.0.0.1 (local-only mode)");
  }
}

std::vector<std::string> keep_restart_only_settings(const Config& running, Config& next) {
  std::vector<std::string> changed;
  const auto keep = [&](const char* field, auto& value, const auto& running_value) {
    if (value == running_value) return;
    changed.emplace_back(field);
    value = running_value;
  };
  const auto listen = [](const Config& c) { return std::pair(c.listen_address, c.listen_port); };
  if (listen(next) != listen(running)) changed.emplace_back("listen");
  next.listen_address = running.listen_address;
  next.listen_port = running.listen_port;
  keep("io_threads", next.io_threads, running.io_threads);
  keep("worker_threads", next.worker_threads, running.worker_threads);
  keep("worker_threads_min", next.worker_threads_min, running.worker_threads_min);
  keep("worker_blocked_ms", next.worker_blocked, running.worker_blocked);
  keep("workspace", next.workspace.data_dir, running.workspace.data_dir);
  next.workspace = running.workspace;
  keep("limits.max_body_bytes", next.limits.max_body_bytes, running.limits.max_body_bytes);
  keep("limits.read_timeout_ms", next.limits.read_timeout, running.limits.read_timeout);
  keep("log.file", next.log_file, running.log_file);  // opened once, at start
  // The listener holds the context it started with: new paths would not be served.
  const auto tls_files = [](const Config& c) {
    return c.tls ? std::pair(c.tls->certificate, c.tls->private_key)
                 : std::pair<fs::path, fs::path>();
  };
  if (tls_files(next) != tls_files(running)) changed.emplace_back("tls");
  next.tls = running.tls;
  check_exposure(next);
  return changed;
}

bool McpConfig::writable_database(const std::string& name) const {
  return std::find(writable.begin(), writable.end(), name) != writable.end();
}

const DatabaseConfig* Config::find_database(const std::string& name) const {
  for (const auto& d : databases) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

const char* default_config_text() noexcept { return kDefaultConfig; }

boost::json::value mask_secrets(const boost::json::value& value) {
  if (const auto* object = value.if_object()) {
    boost::json::object out;
    for (const auto& member : *object) {
      out[member.key()] = is_secret_key(member.key()) && !member.value().is_null()
                              ? boost::json::value("***")
                              : mask_secrets(member.value());
    }
    return out;
  }
  if (const auto* array = value.if_array()) {
    boost::json::array out;
    for (const auto& v : *array) out.push_back(mask_secrets(v));
    return out;
  }
  if (const auto* text = value.if_string())
    return boost::json::value(mask_url_password(std::string(*text)));
  return value;
}

Config parse_config(const std::string& text, const std::string& source, const fs::path& base_dir,
                    const fs::path& start_dir) {
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(text, ec);
  if (ec) throw ConfigError("config " + source + ": not valid JSON: " + ec.message());
  if (!parsed.is_object()) throw ConfigError("config " + source + ": must be a JSON object");
  // Before anything reads it: 1e999 parses as infinity, which would reach a
  // plugin as `Infinity` (not JSON) in its settings.
  if (const auto refused = find_out_of_range_number(text, parsed))
    throw ConfigError("config " + source + ": " + refused->path + ": " + refused->what);
  try {
    boost::json::value resolved = parsed;
    resolve_env(resolved, "");
    const ConfigReader root(parsed.get_object(), "");
    root.allow_only({"listen", "io_threads", "worker_threads", "worker_threads_min",
                     "worker_blocked_ms", "plugin_dirs", "workspace", "limits", "auth",
                     "client_limits", "drain_timeout_ms", "retry_interval_ms", "log", "databases",
                     "mcp", "tls"});
    Config config;
    config.source = source;
    set_listen(config, root.string("listen", "127.0.0.1:7300"), "listen");
    config.io_threads = static_cast<unsigned>(root.integer("io_threads", config.io_threads, 0, 64));
    config.worker_threads =
        static_cast<unsigned>(root.integer("worker_threads", config.worker_threads, 1, 1024));
    config.worker_threads_min = static_cast<unsigned>(
        root.integer("worker_threads_min", config.worker_threads_min, 0, config.worker_threads));
    config.worker_blocked = root.millis("worker_blocked_ms", config.worker_blocked, 1, 60000);
    config.drain_timeout = root.millis("drain_timeout_ms", config.drain_timeout, 0, 600000);
    config.retry_interval = root.millis("retry_interval_ms", config.retry_interval, 0, 3600000);

    if (const auto* dirs = root.object().if_contains("plugin_dirs")) {
      if (!dirs->is_array()) root.fail("plugin_dirs", "must be an array of directory paths");
      for (const auto& dir : dirs->get_array()) {
        if (!dir.is_string())
          root.fail("plugin_dirs", "must contain only strings (directory paths)");
        config.plugin_dirs.push_back((base_dir / std::string(dir.get_string())).lexically_normal());
      }
    }

    const auto workspace = root.child("workspace");
    workspace.allow_only({"root", "data_dir"});
    std::string root_dir = workspace.string("root", "");
    if (!root_dir.empty()) root_dir = (base_dir / root_dir).string();
    config.workspace = make_workspace(start_dir, root_dir, workspace.string("data_dir", ".weir"));

    const auto limits = root.child("limits");
    limits.allow_only({"max_body_bytes", "max_result_bytes", "request_timeout_ms",
                       "read_timeout_ms", "max_queue", "queue_timeout_ms", "transaction_idle_ms",
                       "max_transactions_per_client", "max_batch_statements"});
    auto& l = config.limits;
    l.max_body_bytes = static_cast<std::size_t>(limits.integer(
        "max_body_bytes", static_cast<std::int64_t>(l.max_body_bytes), 64, 1ll << 32));
    l.max_result_bytes = static_cast<std::size_t>(limits.integer(
        "max_result_bytes", static_cast<std::int64_t>(l.max_result_bytes), 1024, 1ll << 34));
    l.request_timeout = limits.millis("request_timeout_ms", l.request_timeout, 1, 3600000);
    l.read_timeout = limits.millis("read_timeout_ms", l.read_timeout, 1, 3600000);
    l.max_queue = static_cast<std::size_t>(
        limits.integer("max_queue", static_cast<std::int64_t>(l.max_queue), 0, 1000000));
    l.queue_timeout = limits.millis("queue_timeout_ms", l.queue_timeout, 1, 3600000);
    l.transaction_idle = limits.millis("transaction_idle_ms", l.transaction_idle, 1, 3600000);
    l.max_transactions_per_client = static_cast<std::size_t>(
        limits.integer("max_transactions_per_client",
                       static_cast<std::int64_t>(l.max_transactions_per_client), 1, 100000));
    l.max_batch_statements = static_cast<std::size_t>(limits.integer(
        "max_batch_statements", static_cast<std::int64_t>(l.max_batch_statements), 1, 1000000));

    const auto log = root.child("log");
    log.allow_only({"level", "format", "file"});
    const std::string level = log.string("level", "info");
    if (!parse_log_level(level, config.log_level))
      log.fail("level", "must be one of debug, info, warn, error; got \"" + level + "\"");
    const std::string format = log.string("format", "text");
    if (format != "text" && format != "json")
      log.fail("format", "must be \"text\" or \"json\"; got \"" + format + "\"");
    config.log_format = format == "json" ? LogFormat::kJson : LogFormat::kText;
    // Logs are data the gateway writes, so they live with its other data.
    if (const auto file = log.optional_string("file")) {
      if (file->empty()) log.fail("file", "must be a file path, e.g. \"weir.log\"");
      config.log_file = sdk::resolve_workspace_path(config.workspace.data_dir, *file, "log.file");
    }

    if (root.has("tls")) config.tls = parse_tls(root.child("tls"), base_dir);

    parse_databases(root, resolved.get_object(), config);
    parse_mcp(root, config);
    parse_auth(root, resolved.get_object(), config);
    return config;
  } catch (const sdk::Error& e) {
    throw ConfigError("config " + source + ": " + e.message());
  } catch (const ConfigError& e) {
    throw ConfigError("config " + source + ": " + e.what());
  }
}

Config load_config(const std::optional<fs::path>& explicit_path, const fs::path& cwd) {
  std::optional<fs::path> path = explicit_path;
  if (!path) {
    if (const char* env = std::getenv("WEIR_CONFIG"); env != nullptr && *env != '\0')
      path = fs::path(env);
  }
  if (!path) {
    const fs::path candidate = find_project_root(cwd) / "weir.json";
    std::error_code ec;
    if (fs::exists(candidate, ec)) path = candidate;
  }
  if (!path) return parse_config(kDefaultConfig, "built-in default", cwd, cwd);
  const fs::path file = fs::absolute(cwd / *path);
  std::ifstream in(file);
  if (!in)
    throw ConfigError("config " + file.string() +
                      ": cannot be read (does it exist, is it readable?)");
  std::stringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), file.string(), file.parent_path(), cwd);
}

}  // namespace weir
