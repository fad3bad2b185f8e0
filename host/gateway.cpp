#include "gateway.hpp"

#include "logger.hpp"

#include <thread>
#include <vector>

namespace weir {

namespace {

std::string searched_list(const PluginCatalog& catalog) {
  std::string list;
  for (const auto& dir : catalog.searched()) list += (list.empty() ? "" : ", ") + dir.string();
  return list;
}

std::string missing_plugin_reason(const DatabaseConfig& db, const PluginCatalog& catalog) {
  std::string reason = "backend plugin \"" + db.backend +
                       "\" is not installed (searched: " + searched_list(catalog) + ")";
  for (const auto& rejected : catalog.rejected()) {
    if (rejected.path.filename().string().find(db.backend) != std::string::npos) {
      reason += "; " + rejected.path.string() + " was rejected: " + rejected.reason;
    }
  }
  return reason;
}

}  // namespace

Gateway::Gateway(Config config, const std::filesystem::path& executable_dir)
    : config_(std::move(config)) {
  plugins_.scan(plugin_search_path(config_.plugin_dirs, executable_dir));
  for (const auto& db : config_.databases) {
    const LoadedPlugin* plugin = plugins_.find(db.backend);
    std::string reason = plugin == nullptr ? missing_plugin_reason(db, plugins_) : "";
    if (plugin == nullptr && !db.optional) {
      throw StartupError(
          "database \"" + db.name + "\": " + reason +
          ". Install the plugin, fix \"backend\", or mark the database \"optional\": true.");
    }
    auto database = std::make_unique<Database>(db, plugin, reason);
    try {
      database->open(config_.workspace.data_dir);
    } catch (const ConfigError& e) {
      throw ConfigError("config " + config_.source + ": " + e.what());
    }
    const auto health = database->health();
    if (health.state == "unavailable") {
      if (!db.optional) throw StartupError("database \"" + db.name + "\": " + health.reason);
      log_warn("host", "database " + db.name + " (optional) is unavailable: " + health.reason);
    } else {
      log_info("host", "database " + db.name + " ready on backend " + db.backend);
    }
    databases_.emplace(db.name, std::move(database));
  }
}

Gateway::~Gateway() = default;

Database* Gateway::find(const std::string& name) const {
  const auto it = databases_.find(name);
  return it == databases_.end() ? nullptr : it->second.get();
}

void Gateway::drain() {
  std::vector<std::thread> threads;
  for (auto& [name, db] : databases_) {
    threads.emplace_back([&db = *db, timeout = config_.drain_timeout] { db.drain(timeout); });
  }
  for (auto& t : threads) t.join();
}

}  // namespace weir
