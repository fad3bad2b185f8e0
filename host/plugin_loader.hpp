// weir::PluginCatalog — finds plugin libraries, loads them with Boost.DLL,
// negotiates the ABI and keeps each validated function table. A file that is
// not a usable plugin is skipped with one log line and listed with its reason;
// loading never stops the host. A loaded library is never unloaded: a rescan
// (on reload) keeps every plugin already loaded and adds new files, so no
// pointer into a plugin can dangle while a database still uses it.
#pragma once

#define BOOST_DLL_USE_STD_FS
#include <weir/plugin.h>

#include <boost/dll/shared_library.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace weir {

struct LoadedPlugin {
  std::filesystem::path path;
  boost::dll::shared_library library;
  weir_host host{};     // what this plugin was given; host_data points here
  weir_plugin table{};  // validated; NULL optional slots replaced by stubs
  std::string name;
  std::string version;
  std::string description;
};

struct RejectedPlugin {
  std::filesystem::path path;
  std::string reason;
};

class PluginCatalog {
 public:
  // Loads every *.so in each directory (in order; the first plugin of a name wins).
  void scan(const std::vector<std::filesystem::path>& dirs);
  // A new catalog of `dirs` that keeps every plugin `previous` loaded and loads
  // the files added since. Rejections `previous` already reported are not logged again.
  static PluginCatalog rescan(const PluginCatalog& previous,
                              const std::vector<std::filesystem::path>& dirs);
  // Loads one file; returns the reason when it is rejected, empty on success.
  std::string load(const std::filesystem::path& file);

  std::shared_ptr<const LoadedPlugin> find(std::string_view name) const;
  const std::vector<std::shared_ptr<const LoadedPlugin>>& loaded() const noexcept {
    return loaded_;
  }
  const std::vector<RejectedPlugin>& rejected() const noexcept { return rejected_; }
  const std::vector<std::filesystem::path>& searched() const noexcept { return searched_; }

 private:
  std::string try_load(const std::filesystem::path& file);
  bool is_loaded(const std::filesystem::path& file) const;

  std::vector<std::shared_ptr<const LoadedPlugin>> loaded_;
  std::vector<RejectedPlugin> already_reported_;  // by the catalog this one rescans
  std::vector<RejectedPlugin> rejected_;
  std::vector<std::filesystem::path> searched_;
};

// Where plugins are looked for, in order: the config's plugin_dirs, then each
// entry of $WEIR_PLUGIN_PATH (':'-separated), then the installation's own:
// <libdir>/weir/plugins of the prefix the binary lives in (/usr/bin/weir:
// /usr/lib/<multiarch>/weir/plugins; a build tree mirrors that layout).
std::vector<std::filesystem::path> plugin_search_path(
    const std::vector<std::filesystem::path>& configured,
    const std::filesystem::path& executable_dir);

// Human name of a WEIR_KIND_* value ("sql", "vector", ...).
const char* plugin_kind_name(std::uint32_t kind) noexcept;
// Names of the WEIR_CAP_* bits set in `capabilities`.
std::vector<std::string> plugin_capability_names(std::uint64_t capabilities);

}  // namespace weir
