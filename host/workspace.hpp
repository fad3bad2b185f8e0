// Finds the project a gateway serves and its data directory. The root is the
// nearest ancestor holding .git; failing that the nearest holding
// pyproject.toml, package.json or CMakeLists.txt; failing that the start
// directory. Data lives under <root>/<data_dir> (".weir" by default).
#pragma once

#include <filesystem>
#include <string>

namespace weir {

struct Workspace {
  std::filesystem::path root;
  std::filesystem::path data_dir;  // absolute
  std::string found_by;            // the marker that identified the root, or "start directory"
};

std::filesystem::path find_project_root(const std::filesystem::path& start,
                                        std::string* found_by = nullptr);

// `root_override` empty = discover from `start`; `data_dir` relative to the root or absolute.
Workspace make_workspace(const std::filesystem::path& start, const std::string& root_override,
                         const std::string& data_dir);

}  // namespace weir
