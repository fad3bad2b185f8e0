// weir::Logger — the host's one log: levels, text for a terminal or JSON
// lines for machines, to stderr. Thread-safe; each line is written whole.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <string_view>

namespace weir {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };
enum class LogFormat { text, json };

class Logger {
 public:
  static Logger& instance();

  void configure(LogLevel level, LogFormat format) noexcept {
    level_.store(level);
    format_.store(format);
  }
  bool enabled(LogLevel level) const noexcept { return level >= level_.load(); }
  // `source` names the component ("host", "loader", "plugin:sqlite", ...).
  void write(LogLevel level, std::string_view source, std::string_view message);

 private:
  std::atomic<LogLevel> level_{LogLevel::info};
  std::atomic<LogFormat> format_{LogFormat::text};
  std::mutex mutex_;
};

inline void log_debug(std::string_view source, std::string_view m) {
  Logger::instance().write(LogLevel::debug, source, m);
}
inline void log_info(std::string_view source, std::string_view m) {
  Logger::instance().write(LogLevel::info, source, m);
}
inline void log_warn(std::string_view source, std::string_view m) {
  Logger::instance().write(LogLevel::warn, source, m);
}
inline void log_error(std::string_view source, std::string_view m) {
  Logger::instance().write(LogLevel::error, source, m);
}

// Parses "debug" / "info" / "warn" / "error"; false when unknown.
bool parse_log_level(std::string_view text, LogLevel& out) noexcept;

}  // namespace weir
