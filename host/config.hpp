// weir::Config — the gateway's configuration: one JSON file (or the built-in
// default), validated whole at start. Every error names the field and says
// what would be valid; nothing is half-applied. String values of the form
// "${env:NAME}" are replaced by that environment variable (for secrets).
#pragma once

#include "access.hpp"
#include "client_limits.hpp"
#include "logger.hpp"
#include "mcp/config_tool.hpp"
#include "mcp/toolsets.hpp"
#include "tls_context.hpp"
#include "workspace.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace weir {

struct DatabaseConfig {
  std::string name;
  std::string backend;  // plugin name
  bool optional = false;
  // The database object minus "replicas", env references resolved: goes to the plugin.
  boost::json::object settings;
  std::vector<boost::json::object> replicas;  // the same per read replica (own connection/pool)
  boost::json::object masked;                 // the same with secrets masked: for display only
  std::size_t max_rows = 0;  // a request's max_rows when it sends none; 0 = every row

  // Equal settings: a reload keeps such a database (and its pool) as it is.
  bool operator==(const DatabaseConfig&) const = default;
};

// The largest max_rows a request or a database's default may ask for.
constexpr std::int64_t kMaxRowsLimit = 1'000'000'000;

// The one definition of these defaults: the config reader, admission and each request's
// context start from them, and docs/configuration.md states them (a test compares).
struct Limits {
  std::size_t max_body_bytes = 1 << 20;              // request bodies larger get 413
  std::size_t max_result_bytes = 64u << 20;          // results larger get 413 result_too_large
  std::chrono::milliseconds request_timeout{30000};  // default deadline per request
  std::chrono::milliseconds read_timeout{10000};  // a client must send a whole request within this
  std::size_t max_queue = 1024;                   // requests waiting per database; more get 503
  std::chrono::milliseconds queue_timeout{5000};  // longest wait for a database slot; then 503
  // Interactive transactions (POST .../transactions): one idle this long is rolled back,
  // and a client (token, or address in local-only mode) holds at most this many open.
  std::chrono::milliseconds transaction_idle{10000};
  std::size_t max_transactions_per_client = 8;
  // A batch (POST .../batch) runs at most this many statements, each parameter set counting one.
  std::size_t max_batch_statements = 10000;
};

// The MCP front (docs/mcp.md): which databases its `query` tool may write, which
// browser origins may call /mcp besides the loopback ones, and the tools the config defines.
struct McpConfig {
  std::vector<std::string> writable;         // database names
  std::vector<std::string> allowed_origins;  // e.g. "https://app.example.com"
  std::vector<mcp::ConfigTool> tools;
  mcp::Toolsets toolsets;

  bool writable_database(const std::string& name) const;
};

// HTTPS for the listener; paths are absolute (relative ones resolve against the config file).
struct TlsConfig {
  std::filesystem::path certificate;
  std::filesystem::path private_key;
  std::shared_ptr<boost::asio::ssl::context> context;  // loaded and checked by parse_config
};

struct Config {
  std::string source;  // the file read, or "built-in default"
  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = 7300;
  unsigned io_threads = 0;  // HTTP I/O threads; 0 = half the CPU cores, at least one
  // Blocking backend calls (host/worker_pool.hpp): threads kept free of calls
  // running past worker_blocked (0 = twice the CPU cores), and the most threads.
  unsigned worker_threads_min = 0;
  unsigned worker_threads = 64;
  std::chrono::milliseconds worker_blocked{20};
  std::vector<std::filesystem::path> plugin_dirs;  // from the config file, absolute
  Workspace workspace;
  Limits limits;
  std::chrono::milliseconds drain_timeout{10000};
  std::chrono::milliseconds retry_interval{5000};  // unavailable databases retried; 0 = never
  LogLevel log_level = LogLevel::kInfo;
  LogFormat log_format = LogFormat::kText;
  std::filesystem::path log_file;  // absolute; empty = stderr
  std::optional<TlsConfig> tls;    // unset = plain HTTP
  std::vector<DatabaseConfig> databases;
  std::vector<ApiToken> tokens;  // empty = local-only mode (loopback listener required)
  ClientLimit client_limit;      // per client, unless its token says otherwise
  McpConfig mcp;

  const DatabaseConfig* find_database(const std::string& name) const;
};

// Parses config text. `base_dir` anchors relative paths in the file (plugin
// dirs, workspace root); `start_dir` is where the project root search begins.
Config parse_config(const std::string& text, const std::string& source,
                    const std::filesystem::path& base_dir, const std::filesystem::path& start_dir);

// Picks the config: `explicit_path`, else $WEIR_CONFIG, else <project root>/weir.json,
// else the built-in default (one SQLite database "default").
Config load_config(const std::optional<std::filesystem::path>& explicit_path,
                   const std::filesystem::path& cwd);

// Sets the listen address from "host:port" / "[v6]:port"; errors name `field`.
void set_listen(Config& config, const std::string& listen, const std::string& field);
// Refuses a non-loopback listener without API tokens (local-only mode).
void check_exposure(const Config& config);

// For a reload: puts `running`'s value back into `next` for every setting
// that only a restart can change (listener, threads, workspace, ...) and
// returns the names of those that differed. Throws ConfigError if `next`
// would then expose the listener (its tokens were removed).
std::vector<std::string> keep_restart_only_settings(const Config& running, Config& next);

// The built-in default config text.
const char* default_config_text() noexcept;

// A copy of `value` with secrets replaced by "***" (keys naming passwords,
// tokens, secrets; passwords inside URLs).
boost::json::value mask_secrets(const boost::json::value& value);

}  // namespace weir
