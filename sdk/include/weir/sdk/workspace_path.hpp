// Resolves a configured file path against the workspace data directory.
// Relative paths live under the data directory (e.g. <project>/.weir) and may
// never climb out of it; absolute paths are the operator's explicit choice and
// are kept as given.
#pragma once

#include <weir/sdk/error.hpp>

#include <filesystem>
#include <string>

namespace weir::sdk {

inline std::filesystem::path resolve_workspace_path(const std::filesystem::path& data_dir,
                                                    const std::string& configured,
                                                    const std::string& field) {
  namespace fs = std::filesystem;
  const fs::path given(configured);
  if (given.is_absolute()) return given.lexically_normal();
  const fs::path base = data_dir.lexically_normal();
  const fs::path resolved = (base / given).lexically_normal();
  const auto rel = resolved.lexically_relative(base);
  if (rel.empty() || *rel.begin() == "..") {
    throw Error(WEIR_E_INVALID_CONFIG, field + ": relative path \"" + configured +
                                           "\" escapes the workspace data directory " +
                                           base.string() + "; use a path inside it or an absolute path");
  }
  return resolved;
}

}  // namespace weir::sdk
