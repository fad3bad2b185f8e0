// Resolves a configured file path against the workspace data directory.
// Relative paths live under the data directory (e.g. <project>/.weir) and may
// never leave it, neither by ".." nor through a symbolic link inside it;
// absolute paths are the operator's explicit choice and are kept as given.
#pragma once

#include <weir/sdk/error.hpp>

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace weir::sdk {

// `path` (absolute) with every symbolic link followed, like realpath(3), but
// also through links whose target does not exist yet: SQLite would create a
// database at the target of such a link, so it must be judged by where it
// points. std::filesystem::weakly_canonical stops resolving at the first
// missing component, which is exactly such a link.
inline std::filesystem::path real_path(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  constexpr int kMaxLinks = 40;  // as Linux's ELOOP
  int links = 0;
  fs::path real = path.root_path();
  std::vector<fs::path> rest;  // components still to walk, the next one last
  const auto push_components = [&rest](const fs::path& relative) {
    const std::vector<fs::path> parts(relative.begin(), relative.end());
    rest.insert(rest.end(), parts.rbegin(), parts.rend());
  };
  push_components(path.relative_path());
  while (!rest.empty()) {
    const fs::path part = std::move(rest.back());
    rest.pop_back();
    if (part.empty() || part == ".") continue;
    if (part == "..") {  // `real` holds no links, so its parent is the real parent
      real = real.parent_path();
      continue;
    }
    const fs::path next = real / part;
    std::error_code error;
    if (!fs::is_symlink(fs::symlink_status(next, error))) {
      real = next;
      continue;
    }
    if (++links > kMaxLinks) {
      throw Error(WEIR_E_INVALID_CONFIG, "too many levels of symbolic links at " + next.string());
    }
    const fs::path target = fs::read_symlink(next, error);
    if (error) throw Error(WEIR_E_INVALID_CONFIG, "cannot read the link " + next.string());
    if (target.is_absolute()) real = target.root_path();
    push_components(target.relative_path());
  }
  return real;
}

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
                                           base.string() +
                                           "; use a path inside it or an absolute path");
  }
  // The data directory itself may be a link (the operator put it on another
  // disk); what lies inside it must stay inside it.
  fs::path real_base;
  fs::path real;
  try {
    real_base = real_path(base);
    real = real_path(resolved);
  } catch (const Error& error) {
    throw Error(WEIR_E_INVALID_CONFIG, field + ": " + error.message());
  }
  const auto real_rel = real.lexically_relative(real_base);
  if (real_rel.empty() || *real_rel.begin() == "..") {
    throw Error(WEIR_E_INVALID_CONFIG,
                field + ": " + resolved.string() + " is a symbolic link (or lies under one) to " +
                    real.string() + ", outside the workspace data directory " + real_base.string() +
                    "; use a path inside it or an absolute path");
  }
  return real;
}

}  // namespace weir::sdk
