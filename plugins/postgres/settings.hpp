// weir::postgres::Settings — a database's "connection" object, validated once
// at pool_open and turned into libpq keyword/value pairs.
//
// The password never lives in the config: it comes from an environment
// variable (password_env) or a file (password_file), is read at each connect
// (so a rotated file is picked up) and never appears in a message or log line.
#pragma once

#include <weir/sdk/plugin_export.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace weir::postgres {

// When release runs DISCARD ALL: only after a statement that may have touched
// session state (auto), or every time (always).
enum class ResetMode { kAuto, kAlways };

class PasswordSource {
 public:
  PasswordSource() = default;
  static PasswordSource from_env(std::string variable, std::string field);
  static PasswordSource from_file(std::filesystem::path file, std::string field);

  bool configured() const noexcept { return kind_ != Kind::kNone; }
  // Reads the password now. Throws Error(INVALID_CONFIG) naming the setting
  // (never the value) when it cannot.
  std::string read() const;

 private:
  enum class Kind { kNone, kEnv, kFile };
  Kind kind_ = Kind::kNone;
  std::string source_;  // variable name or file path
  std::string field_;   // config path, for errors
};

struct Settings {
  // libpq keyword/value pairs, without the password.
  std::vector<std::pair<std::string, std::string>> libpq;
  PasswordSource password;
  std::chrono::milliseconds connect_timeout{5000};
  ResetMode reset = ResetMode::kAuto;
  // Named prepared statements kept per connection (statement_cache.hpp); 0: none.
  std::size_t statement_cache_size = 100;

  // Reads and validates `connection`; throws Error(INVALID_CONFIG) naming the field.
  static Settings from(const weir::sdk::ConfigReader& connection,
                       const std::filesystem::path& data_dir);

  // "host=... port=... dbname=... user=...": what we connect to, for messages. No secrets.
  std::string target() const;
};

}  // namespace weir::postgres
