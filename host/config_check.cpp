#include "config_check.hpp"

#include "config_error.hpp"
#include "pool_params.hpp"

namespace weir {

namespace {

std::string searched_list(const PluginCatalog& catalog) {
  std::string list;
  for (const auto& dir : catalog.searched()) list += (list.empty() ? "" : ", ") + dir.string();
  return list;
}

// Asks `plugin` about one set of settings; `name` is the database's, or for a
// replica "main.replicas[0]" so that errors name the replica's fields. Returns
// a note when the plugin cannot tell.
std::string validate(const LoadedPlugin& plugin, const DatabaseConfig& db, const std::string& name,
                     const boost::json::object& settings, const Config& config) {
  const PoolParams params(name, settings, config.workspace.data_dir.string());
  weir_error error{};
  error.struct_size = sizeof error;
  const weir_status status = plugin.table.validate_config(params.get(), &error);
  if (status == WEIR_OK) return {};
  if (status == WEIR_E_INVALID_CONFIG)
    throw ConfigError("config " + config.source + ": " + error.message);
  return "databases." + db.name + ": the " + plugin.name + " plugin (ABI version " +
         std::to_string(plugin.table.abi_version) +
         ") did not check its settings; they are checked only when its pool opens (" +
         error.message + ")";
}

}  // namespace

std::string missing_plugin_reason(const DatabaseConfig& db, const PluginCatalog& plugins) {
  std::string reason = "backend plugin \"" + db.backend +
                       "\" is not installed (searched: " + searched_list(plugins) + ")";
  for (const auto& rejected : plugins.rejected()) {
    if (rejected.path.filename().string().find(db.backend) != std::string::npos) {
      reason += "; " + rejected.path.string() + " was rejected: " + rejected.reason;
    }
  }
  return reason;
}

std::vector<std::string> check_backend_settings(const Config& config, const PluginCatalog& plugins,
                                                bool strict) {
  std::vector<std::string> notes;
  for (const auto& db : config.databases) {
    const auto plugin = plugins.find(db.backend);
    if (plugin == nullptr) {
      const std::string reason = missing_plugin_reason(db, plugins);
      if (strict && !db.optional) {
        throw StartupError(
            "database \"" + db.name + "\": " + reason +
            ". Install the plugin, fix \"backend\", or mark the database \"optional\": true.");
      }
      notes.push_back("databases." + db.name + ": " + reason +
                      "; it is served as unavailable and its settings were not checked");
      continue;
    }
    if (!db.replicas.empty() && (plugin->table.capabilities & WEIR_CAP_READ_REPLICAS) == 0) {
      throw ConfigError("config " + config.source + ": databases." + db.name +
                        ".replicas: backend \"" + db.backend +
                        "\" does not support read replicas (it does not declare the "
                        "read_replicas capability)");
    }
    std::string note = validate(*plugin, db, db.name, db.settings, config);
    for (std::size_t i = 0; i < db.replicas.size() && note.empty(); ++i) {
      const std::string replica = db.name + ".replicas[" + std::to_string(i) + "]";
      note = validate(*plugin, db, replica, db.replicas[i], config);
    }
    if (!note.empty()) notes.push_back(std::move(note));
  }
  return notes;
}

}  // namespace weir
