// weir::sdk::explain_load_failure — turns the dynamic loader's complaint
// about a plugin file (dlerror's text) into a reason a person can act on.
// The host's loader and the conformance suite's loader share it, so both
// refuse a bad file with the same words.
#pragma once

#include <string>
#include <string_view>

namespace weir::sdk {

// `dlerror_text` is what dlerror() said on loading `plugin_path`, usually "<path>: <problem>".
inline std::string explain_load_failure(std::string_view plugin_path,
                                        std::string_view dlerror_text) {
  const auto has = [&](std::string_view needle) {
    return dlerror_text.find(needle) != std::string_view::npos;
  };
  const std::string said(dlerror_text);
  if (has("invalid ELF header") || has("file too short")) {
    return "not a shared library (" + said +
           "): remove it from the plugin directory, or replace it with a built plugin";
  }
  if (has("wrong ELF class") || has("ELF file's machine") || has("ELF file OS ABI")) {
    return "built for another machine or architecture (" + said +
           "): rebuild the plugin for this one";
  }
  if (const auto at = dlerror_text.find(": cannot open shared object file");
      at != std::string_view::npos && dlerror_text.substr(0, at) != plugin_path) {
    // glibc names the dependency it could not find, not the plugin.
    return "it needs " + std::string(dlerror_text.substr(0, at)) +
           ", which the system cannot find: install the package that provides it (or add its "
           "directory to LD_LIBRARY_PATH)";
  }
  if (const auto at = dlerror_text.find("undefined symbol: "); at != std::string_view::npos) {
    return "it needs the symbol " + std::string(dlerror_text.substr(at + 18)) +
           ", which no loaded library provides: it was built against other library versions; "
           "rebuild it against the installed ones";
  }
  return "cannot be loaded as a shared library: " + said;
}

}  // namespace weir::sdk
