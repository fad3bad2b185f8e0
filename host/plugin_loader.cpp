#include "plugin_loader.hpp"

#include "logger.hpp"
#include "loop_services.hpp"
#include "plugin_stubs.hpp"

#include <weir/sdk/load_failure.hpp>
#include <weir/sdk/negotiation.hpp>

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace weir {

namespace fs = std::filesystem;

namespace {

// "x.so" or a versioned "x.so.1.2" — not a package manager's temporary copy
// such as dpkg's "x.so.dpkg-new", which a scan can meet while a plugin
// package is being installed (it is renamed to "x.so" a moment later).
bool looks_like_library(const fs::path& p) {
  const std::string name = p.filename().string();
  if (name.size() > 3 && name.ends_with(".so")) return true;
  const auto version = name.find(".so.");
  return version != std::string::npos && version > 0 && name.size() > version + 4 &&
         name.find_first_not_of("0123456789.", version + 4) == std::string::npos;
}

void plugin_log(void* host_data, int32_t level, const char* message) {
  const auto* plugin = static_cast<const LoadedPlugin*>(host_data);
  const std::string source =
      "plugin:" + (plugin->name.empty() ? plugin->path.filename().string() : plugin->name);
  const auto lvl = level <= WEIR_LOG_DEBUG  ? LogLevel::kDebug
                   : level == WEIR_LOG_INFO ? LogLevel::kInfo
                   : level == WEIR_LOG_WARN ? LogLevel::kWarn
                                            : LogLevel::kError;
  Logger::instance().write(lvl, source, message != nullptr ? message : "");
}

// Boost.DLL wraps dlerror's text as "... (dlerror system message: <text>): <errno text>",
// and the errno part is noise (e.g. "Bad file descriptor" for a text file).
std::string dlerror_text_of(const std::string& what) {
  constexpr std::string_view kMarker = "dlerror system message: ";
  const auto start = what.find(kMarker);
  const auto end = what.rfind("): ");
  if (start == std::string::npos || end == std::string::npos || end < start) return what;
  return what.substr(start + kMarker.size(), end - start - kMarker.size());
}

}  // namespace

void PluginCatalog::scan(const std::vector<fs::path>& dirs) {
  for (const auto& dir : dirs) {
    searched_.push_back(dir);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      log_debug("loader", "plugin directory " + dir.string() + " does not exist; skipped");
      continue;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.is_regular_file(ec) && looks_like_library(entry.path()))
        files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      if (!is_loaded(file)) load(file);
    }
  }
}

PluginCatalog PluginCatalog::rescan(const PluginCatalog& previous,
                                    const std::vector<fs::path>& dirs) {
  PluginCatalog next;
  next.loaded_ = previous.loaded_;
  next.already_reported_ = previous.rejected_;
  next.scan(dirs);
  next.already_reported_.clear();
  return next;
}

bool PluginCatalog::is_loaded(const fs::path& file) const {
  const auto path = fs::absolute(file);
  return std::any_of(loaded_.begin(), loaded_.end(),
                     [&](const auto& p) { return p->path == path; });
}

std::string PluginCatalog::load(const fs::path& file) {
  std::string reason = try_load(file);
  if (!reason.empty()) {
    const bool reported =
        std::any_of(already_reported_.begin(), already_reported_.end(),
                    [&](const RejectedPlugin& r) { return r.path == file && r.reason == reason; });
    if (!reported) log_warn("loader", "skipped " + file.string() + ": " + reason);
    rejected_.push_back({file, reason});
  }
  return reason;
}

std::string PluginCatalog::try_load(const fs::path& file) {
  auto plugin = std::make_shared<LoadedPlugin>();
  plugin->path = fs::absolute(file);
  try {
    plugin->library.load(plugin->path,
                         boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    return sdk::explain_load_failure(plugin->path.string(), dlerror_text_of(e.what()));
  }
  if (!plugin->library.has(WEIR_ENTRY_SYMBOL)) return sdk::missing_entry_refusal().reason;
  auto& entry = plugin->library.get<std::remove_pointer_t<weir_plugin_entry_fn>>(WEIR_ENTRY_SYMBOL);

  plugin->host.struct_size = sizeof(weir_host);
  plugin->host.abi_version = WEIR_ABI_VERSION;
  plugin->host.host_version = WEIR_VERSION;
  plugin->host.host_data = plugin.get();
  plugin->host.log = plugin_log;
  lend_event_loop(plugin->host);
  if (auto refusal = sdk::negotiate(&entry, WEIR_ABI_VERSION, &plugin->host, plugin->table))
    return refusal->reason;
  weir_plugin& t = plugin->table;
  if (const auto other = find(t.name)) {
    return "a plugin named \"" + std::string(t.name) + "\" is already loaded from " +
           other->path.string();
  }
  fill_optional_slots(t);
  plugin->name = t.name;
  plugin->version = t.version;
  plugin->description = t.description != nullptr ? t.description : "";
  log_info("loader", "loaded plugin " + plugin->name + " " + plugin->version + " (" +
                         plugin_kind_name(t.kind) + ", ABI " + std::to_string(t.abi_version) +
                         ") from " + plugin->path.string());
  loaded_.push_back(std::move(plugin));
  return {};
}

std::shared_ptr<const LoadedPlugin> PluginCatalog::find(std::string_view name) const {
  for (const auto& p : loaded_) {
    if (p->name == name) return p;
  }
  return nullptr;
}

std::vector<fs::path> plugin_search_path(const std::vector<fs::path>& configured,
                                         const fs::path& executable_dir) {
  std::vector<fs::path> dirs = configured;
  if (const char* env = std::getenv("WEIR_PLUGIN_PATH"); env != nullptr) {
    std::stringstream list(env);
    std::string dir;
    while (std::getline(list, dir, ':')) {
      if (!dir.empty()) dirs.push_back(fs::absolute(dir).lexically_normal());
    }
  }
  dirs.push_back((executable_dir / WEIR_PLUGIN_DIR_FROM_BINDIR).lexically_normal());
  return dirs;
}

const char* plugin_kind_name(std::uint32_t kind) noexcept {
  switch (kind) {
    case WEIR_KIND_SQL:
      return "sql";
    case WEIR_KIND_VECTOR:
      return "vector";
    case WEIR_KIND_GRAPH:
      return "graph";
    default:
      return "other";
  }
}

std::vector<std::string> plugin_capability_names(std::uint64_t capabilities) {
  static const std::pair<std::uint64_t, const char*> kNames[] = {
      {WEIR_CAP_TRANSACTIONS, "transactions"},
      {WEIR_CAP_PARAMETERS, "parameters"},
      {WEIR_CAP_NAMED_PARAMETERS, "named_parameters"},
      {WEIR_CAP_STREAMING, "streaming"},
      {WEIR_CAP_CANCEL, "cancel"},
      {WEIR_CAP_READ_REPLICAS, "read_replicas"},
      {WEIR_CAP_PARAMETER_SETS, "parameter_sets"},

      {WEIR_CAP_EXECUTE_ASYNC, "execute_async"}};
  std::vector<std::string> names;
  for (const auto& [bit, name] : kNames) {
    if ((capabilities & bit) != 0) names.emplace_back(name);
  }
  return names;
}

}  // namespace weir
