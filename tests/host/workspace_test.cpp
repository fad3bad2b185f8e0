// Project root discovery and the rule that relative data paths stay inside
// the workspace data directory.
#include "workspace.hpp"
#include "config.hpp"
#include "config_error.hpp"
#include "temp_dir.hpp"

#include <weir/sdk/workspace_path.hpp>

#include <gtest/gtest.h>

#include <fstream>

namespace weir {
namespace {

namespace fs = std::filesystem;

TEST(Workspace, GitWinsOverNearerMarkers) {
  testing::TempDir dir;
  fs::create_directories(dir.path() / ".git");
  fs::create_directories(dir.path() / "service" / "src");
  std::ofstream(dir.path() / "service" / "package.json") << "{}";
  std::string found_by;
  EXPECT_EQ(find_project_root(dir.path() / "service" / "src", &found_by), dir.path());
  EXPECT_EQ(found_by, ".git");
}

TEST(Workspace, NearestOtherMarkerWithoutGit) {
  testing::TempDir dir;
  fs::create_directories(dir.path() / "app" / "deep");
  std::ofstream(dir.path() / "app" / "pyproject.toml") << "";
  std::string found_by;
  // The temp dir has no .git above it on a test machine; if one does, this
  // assertion would see that root instead, which is the documented rule.
  const auto root = find_project_root(dir.path() / "app" / "deep", &found_by);
  if (found_by != ".git") {
    EXPECT_EQ(root, dir.path() / "app");
    EXPECT_EQ(found_by, "pyproject.toml");
  }
}

TEST(Workspace, DataDirIsUnderTheRootByDefaultAndConfigurable) {
  testing::TempDir dir;
  EXPECT_EQ(make_workspace(dir.path(), dir.path().string(), ".weir").data_dir,
            dir.path() / ".weir");
  EXPECT_EQ(make_workspace(dir.path(), dir.path().string(), "state").data_dir,
            dir.path() / "state");
  EXPECT_EQ(make_workspace(dir.path(), dir.path().string(), "/var/lib/weir").data_dir,
            "/var/lib/weir");
}

TEST(WorkspacePath, RelativePathsResolveInsideTheDataDir) {
  EXPECT_EQ(sdk::resolve_workspace_path("/p/.weir", "databases/a.db", "f"),
            "/p/.weir/databases/a.db");
  EXPECT_EQ(sdk::resolve_workspace_path("/p/.weir", "x/../a.db", "f"), "/p/.weir/a.db");
  EXPECT_EQ(sdk::resolve_workspace_path("/p/.weir", "/abs/a.db", "f"), "/abs/a.db");
}

TEST(WorkspacePath, EscapingTheDataDirIsRefusedNamingTheField) {
  for (const char* escape : {"../a.db", "databases/../../a.db", ".."}) {
    try {
      sdk::resolve_workspace_path("/p/.weir", escape, "databases.main.connection.path");
      FAIL() << escape << " was accepted";
    } catch (const sdk::Error& e) {
      EXPECT_EQ(e.status(), WEIR_E_INVALID_CONFIG);
      EXPECT_NE(e.message().find("databases.main.connection.path: relative path"),
                std::string::npos)
          << e.message();
      EXPECT_NE(e.message().find("escapes the workspace data directory /p/.weir"),
                std::string::npos)
          << e.message();
    }
  }
}

// The operator may put the data directory itself on another disk through a
// link; what lies inside it may not lead out of it.
TEST(WorkspacePath, TheDataDirMayBeALinkButNothingInsideItMayLeadOut) {
  testing::TempDir dir;
  testing::TempDir outside;
  fs::create_directories(dir.path() / "disk" / "databases");
  fs::create_directory_symlink(dir.path() / "disk", dir.path() / ".weir");
  EXPECT_EQ(sdk::resolve_workspace_path(dir.path() / ".weir", "databases/a.db", "f"),
            dir.path() / "disk" / "databases" / "a.db");

  fs::create_symlink("../../outside.db", dir.path() / "disk" / "databases" / "b.db");
  try {
    sdk::resolve_workspace_path(dir.path() / ".weir", "databases/b.db",
                                "databases.b.connection.path");
    FAIL() << "a link out of the data directory was accepted";
  } catch (const sdk::Error& e) {
    EXPECT_EQ(e.status(), WEIR_E_INVALID_CONFIG);
    EXPECT_EQ(e.message(),
              "databases.b.connection.path: " + (dir.path() / ".weir").string() +
                  "/databases/b.db is a symbolic link (or lies under one) to " +
                  dir.path().string() + "/outside.db, outside the workspace data directory " +
                  (dir.path() / "disk").string() + "; use a path inside it or an absolute path");
  }
}

TEST(WorkspacePath, ALinkLoopIsRefused) {
  testing::TempDir dir;
  fs::create_symlink("loop", dir.path() / "loop");
  try {
    sdk::resolve_workspace_path(dir.path(), "loop/a.db", "f");
    FAIL() << "a link loop was accepted";
  } catch (const sdk::Error& e) {
    EXPECT_EQ(e.message(),
              "f: too many levels of symbolic links at " + (dir.path() / "loop").string());
  }
}

// The host resolves its own files (log.file) the same way as the plugins.
TEST(WorkspacePath, TheLogFileCannotLeaveTheDataDirThroughALink) {
  testing::TempDir dir;
  testing::TempDir outside;
  fs::create_directories(dir.path() / ".weir");
  fs::create_directory_symlink(outside.path(), dir.path() / ".weir" / "logs");
  try {
    parse_config(R"({"databases": {"a": {"backend": "sqlite"}}, "workspace": {"root": "."},
                     "log": {"file": "logs/weir.log"}})",
                 "test.json", dir.path(), dir.path());
    FAIL() << "a log file outside the data directory was accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "config test.json: log.file: " + (dir.path() / ".weir").string() +
                  "/logs/weir.log is a symbolic link (or lies under one) to " +
                  outside.path().string() + "/weir.log, outside the workspace data directory " +
                  (dir.path() / ".weir").string() + "; use a path inside it or an absolute path");
  }
}

}  // namespace
}  // namespace weir
