// Config text in, a Config or a ConfigError out: parse_config with every
// relative path anchored in an empty temporary directory, then the checks
// that run on a parsed config (exposure) and the masking used for display.
#include "config.hpp"
#include "config_error.hpp"

#include <boost/json/parse.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

std::filesystem::path base_dir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "weir-fuzz-config-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  return pattern;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path dir = base_dir();
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const weir::Config config = weir::parse_config(text, "fuzz.json", dir, dir);
    weir::check_exposure(config);
  } catch (const weir::ConfigError&) {
  }
  boost::system::error_code ec;
  const auto value = boost::json::parse(text, ec);
  if (!ec) weir::mask_secrets(value);
  return 0;
}
