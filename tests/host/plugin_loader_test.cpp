// The host's loader over real files: every kind of bad plugin is skipped with
// its reason and the host keeps going; an old v1 plugin keeps working.
#include "plugin_loader.hpp"
#include "database.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <unistd.h>
#include <map>

namespace weir {
namespace {

namespace fs = std::filesystem;

std::map<std::string, std::string> reasons_by_file(const PluginCatalog& catalog) {
  std::map<std::string, std::string> out;
  for (const auto& r : catalog.rejected()) out[r.path.filename().string()] = r.reason;
  return out;
}

TEST(PluginLoader, EveryBadPluginIsSkippedWithItsReason) {
  PluginCatalog catalog;
  catalog.scan({WEIR_TEST_FIXTURE_DIR});
  EXPECT_TRUE(catalog.loaded().empty());
  const auto reasons = reasons_by_file(catalog);
  EXPECT_EQ(reasons.at("no_entry_symbol.so"),
            "not a weir plugin: it does not export the entry symbol weir_plugin_entry");
  EXPECT_EQ(reasons.at("entry_returns_abi_error.so")
                .rfind("no ABI version in common with this host (which speaks version 2)", 0),
            0u)
      << reasons.at("entry_returns_abi_error.so");
  EXPECT_EQ(reasons.at("answers_newer_abi.so")
                .rfind("it answered ABI version 3 but this host offered version 2", 0),
            0u)
      << reasons.at("answers_newer_abi.so");
  EXPECT_EQ(reasons.at("missing_required_slot.so"),
            "its function table lacks the required function execute");
  EXPECT_EQ(reasons.at("entry_returns_error.so"),
            "its entry function failed with status 15: fixture: cannot start");
  EXPECT_EQ(reasons.at("bad_plugin_name.so"), "its name is missing or not of the form [a-z0-9_]+");
  // What dlerror says, without Boost.DLL's wrapping ("Bad file descriptor" is not the problem).
  EXPECT_EQ(reasons.at("not_a_plugin.so"),
            "not a shared library (" +
                (fs::path(WEIR_TEST_FIXTURE_DIR) / "not_a_plugin.so").string() +
                ": invalid ELF header): remove it from the plugin directory, or replace it with a "
                "built plugin");
  EXPECT_EQ(catalog.searched(), std::vector<fs::path>{WEIR_TEST_FIXTURE_DIR});
}

TEST(PluginLoader, APackageManagersTemporaryCopyIsNoPlugin) {
  // dpkg unpacks a plugin as <name>.dpkg-new and renames it once the package is
  // unpacked: a scan in between must not load it under that name.
  const fs::path dir =
      fs::temp_directory_path() / ("weir-loader-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path plugin = fs::path(WEIR_TEST_PLUGIN_DIR) / "weir_sqlite.so";
  for (const char* name : {"weir_sqlite.so.dpkg-new", "weir_sqlite.so.dpkg-tmp", "weir_sqlite.so."})
    fs::copy_file(plugin, dir / name);
  PluginCatalog half_installed;
  half_installed.scan({dir});
  EXPECT_TRUE(half_installed.loaded().empty());
  EXPECT_TRUE(half_installed.rejected().empty());

  fs::copy_file(plugin, dir / "weir_sqlite.so.1.2");  // a versioned name is a library
  PluginCatalog versioned;
  versioned.scan({dir});
  ASSERT_NE(versioned.find("sqlite"), nullptr);
  EXPECT_EQ(versioned.find("sqlite")->path.filename(), "weir_sqlite.so.1.2");
  fs::remove_all(dir);
}

TEST(PluginLoader, MissingDirectoryIsNotAnError) {
  PluginCatalog catalog;
  catalog.scan({"/nonexistent/weir/plugins"});
  EXPECT_TRUE(catalog.loaded().empty());
  EXPECT_TRUE(catalog.rejected().empty());
}

TEST(PluginLoader, TheFirstPluginOfANameWins) {
  PluginCatalog catalog;
  catalog.scan({WEIR_TEST_PLUGIN_DIR});
  ASSERT_NE(catalog.find("sqlite"), nullptr);
  const auto reason = catalog.load(catalog.find("sqlite")->path);
  EXPECT_EQ(reason, "a plugin named \"sqlite\" is already loaded from " +
                        catalog.find("sqlite")->path.string());
}

TEST(PluginLoader, SearchPathOrderIsConfigThenEnvironmentThenBesideTheBinary) {
  ::setenv("WEIR_PLUGIN_PATH", "/env/a::/env/b", 1);
  const auto dirs = plugin_search_path({"/config/dir"}, "/opt/weir/bin");
  ::unsetenv("WEIR_PLUGIN_PATH");
  // The libdir of the install prefix: "lib", or "lib/<multiarch>" for /usr on Debian.
  EXPECT_EQ(dirs,
            (std::vector<fs::path>{"/config/dir", "/env/a", "/env/b",
                                   fs::path("/opt/weir") / WEIR_TEST_LIBDIR / "weir/plugins"}));
}

TEST(PluginLoader, AV1PluginBuiltAgainstTheFrozenHeaderStillWorks) {
  PluginCatalog catalog;
  catalog.scan({WEIR_TEST_V1_PLUGIN_DIR});
  const auto plugin = catalog.find("frozen_v1");
  ASSERT_NE(plugin, nullptr) << (catalog.rejected().empty() ? "" : catalog.rejected()[0].reason);
  EXPECT_EQ(plugin->table.abi_version, 1u);
  // Optional slots it never filled answer "not implemented" instead of crashing.
  weir_error error{};
  error.struct_size = sizeof error;
  EXPECT_EQ(plugin->table.commit(nullptr, &error), WEIR_E_NOT_IMPLEMENTED);
  EXPECT_STREQ(error.message, "this backend does not support transactions");

  DatabaseConfig config;
  config.name = "old";
  config.backend = "frozen_v1";
  Database db(config, plugin, "");
  db.open("/tmp");
  RequestContext context;
  context.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  EXPECT_EQ(db.query(boost::json::object{{"query", "anything"}}, false, context),
            R"({"columns":["served"],"rows":[[1]]})");
  try {
    db.transaction(boost::json::array{boost::json::object{{"query", "x"}}}, {}, false, context);
    FAIL() << "a plugin without transactions ran one";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.http_status(), 501u);
    EXPECT_EQ(e.code(), "not_implemented");
  }
}

}  // namespace
}  // namespace weir
