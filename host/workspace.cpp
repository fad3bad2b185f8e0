#include "workspace.hpp"

#include <array>
#include <system_error>

namespace weir {

namespace fs = std::filesystem;

namespace {

bool path_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

}  // namespace

fs::path find_project_root(const fs::path& start, std::string* found_by) {
  const fs::path from = fs::absolute(start).lexically_normal();
  // .git wins over the other markers: subdirectories of a repository often
  // carry their own CMakeLists.txt or package.json.
  for (fs::path dir = from;; dir = dir.parent_path()) {
    if (path_exists(dir / ".git")) {
      if (found_by != nullptr) *found_by = ".git";
      return dir;
    }
    if (dir == dir.parent_path()) break;
  }
  static const std::array<const char*, 3> kMarkers{"pyproject.toml", "package.json",
                                                   "CMakeLists.txt"};
  for (fs::path dir = from;; dir = dir.parent_path()) {
    for (const char* marker : kMarkers) {
      if (path_exists(dir / marker)) {
        if (found_by != nullptr) *found_by = marker;
        return dir;
      }
    }
    if (dir == dir.parent_path()) break;
  }
  if (found_by != nullptr) *found_by = "start directory";
  return from;
}

Workspace make_workspace(const fs::path& start, const std::string& root_override,
                         const std::string& data_dir) {
  Workspace w;
  if (root_override.empty()) {
    w.root = find_project_root(start, &w.found_by);
  } else {
    w.root = fs::absolute(start / root_override).lexically_normal();
    w.found_by = "config";
  }
  const fs::path dir(data_dir);
  w.data_dir = (dir.is_absolute() ? dir : w.root / dir).lexically_normal();
  return w;
}

}  // namespace weir
