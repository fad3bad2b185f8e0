// weir::Gateway — the running state behind the HTTP API: the loaded plugins
// and one Database per configured logical database.
#pragma once

#include "config.hpp"
#include "database.hpp"
#include "plugin_loader.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

namespace weir {

// The gateway cannot start: a required database cannot be served.
class StartupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Gateway {
 public:
  // Loads plugins and opens every database. A missing plugin makes an
  // optional database unavailable and a required one a StartupError; a
  // setting the plugin refuses is always a StartupError (ConfigError).
  Gateway(Config config, const std::filesystem::path& executable_dir);
  ~Gateway();

  const Config& config() const noexcept { return config_; }
  const PluginCatalog& plugins() const noexcept { return plugins_; }
  Database* find(const std::string& name) const;
  const std::map<std::string, std::unique_ptr<Database>>& databases() const noexcept {
    return databases_;
  }

  // Drains every pool (in parallel), each up to the config's drain timeout.
  void drain();

 private:
  Config config_;
  PluginCatalog plugins_;
  std::map<std::string, std::unique_ptr<Database>> databases_;
};

}  // namespace weir
