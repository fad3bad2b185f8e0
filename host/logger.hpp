// weir::Logger — the host's one log: levels, text for a terminal or JSON
// lines for machines, to stderr or a file. Thread-safe; each line is written
// whole, with one write(2), so lines from many threads never interleave.
#pragma once

#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>

namespace weir {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat { kText, kJson };

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

  // From now on appends lines to `path` (created with its directories) instead
  // of stderr. Throws std::system_error naming the path when it cannot.
  void open_file(const std::filesystem::path& path);
  // Opens the file again by its path, so that after logrotate renamed it the
  // lines go to a new file. When that fails, keeps the old file and logs why.
  // A no-op when logging to stderr.
  void reopen();

 private:
  Logger() = default;
  void write_line(const std::string& line);  // callers hold mutex_

  std::atomic<LogLevel> level_{LogLevel::kInfo};
  std::atomic<LogFormat> format_{LogFormat::kText};
  std::mutex mutex_;
  // stderr until open_file. Never closed at exit: threads may still log then.
  int fd_ = 2;
  std::filesystem::path path_;
};

inline void log_debug(std::string_view source, std::string_view m) {
  Logger::instance().write(LogLevel::kDebug, source, m);
}
inline void log_info(std::string_view source, std::string_view m) {
  Logger::instance().write(LogLevel::kInfo, source, m);
}
inline void log_warn(std::string_view source, std::string_view m) {
  Logger::instance().write(LogLevel::kWarn, source, m);
}
inline void log_error(std::string_view source, std::string_view m) {
  Logger::instance().write(LogLevel::kError, source, m);
}

// Parses "debug" / "info" / "warn" / "error"; false when unknown.
bool parse_log_level(std::string_view text, LogLevel& out) noexcept;

}  // namespace weir
