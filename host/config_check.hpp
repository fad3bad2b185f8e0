// weir::check_backend_settings — the backend half of config validation. The
// host knows its own settings; each plugin owns its databases' "connection"
// and "pool" settings, so the host asks it (validate_config) for every
// database and read replica before any pool opens. `weir serve`, a reload and
// `weir check-config` all run this, so they refuse the same configs with the
// same words, and nothing connects to a backend.
#pragma once

#include "config.hpp"
#include "plugin_loader.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace weir {

// The gateway cannot start: a required database cannot be served.
class StartupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws ConfigError ("config <source>: <field>: <why>") when a plugin refuses
// a database's or replica's settings, or replicas are given to a backend
// without them. A required database whose plugin is not installed throws
// StartupError when `strict` (at start, on reload), else it is noted like an
// optional one. Returns notes on what it could not check: databases whose
// plugin is missing, and plugins too old to check settings.
std::vector<std::string> check_backend_settings(const Config& config, const PluginCatalog& plugins,
                                                bool strict = true);

// Why `db` has no plugin: the directories searched and any file rejected under its name.
std::string missing_plugin_reason(const DatabaseConfig& db, const PluginCatalog& plugins);

}  // namespace weir
