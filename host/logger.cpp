#include "logger.hpp"

#include "json_text.hpp"

#include <boost/json/object.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <system_error>

namespace weir {

namespace {

const char* level_name(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

int open_append(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) throw std::system_error(ec, "cannot open " + path.string());
  // O_APPEND keeps each line whole even if another process writes to the file too.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0)
    throw std::system_error(errno, std::generic_category(), "cannot open " + path.string());
  return fd;
}

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buffer;
}

}  // namespace

Logger& Logger::instance() {
  static Logger logger;
  return logger;
}

void Logger::write(LogLevel level, std::string_view source, std::string_view message) {
  if (!enabled(level)) return;
  std::string line;
  if (format_.load() == LogFormat::kJson) {
    line = json_text(boost::json::object{
        {"ts", timestamp()}, {"level", level_name(level)}, {"source", source}, {"msg", message}});
  } else {
    line = timestamp() + " " + level_name(level) + " [" + std::string(source) + "] " +
           std::string(message);
  }
  line += '\n';
  std::lock_guard lock(mutex_);
  write_line(line);
}

void Logger::write_line(const std::string& line) {
  // A failed write (disk full) loses the line: there is nowhere better to report it.
  for (std::size_t done = 0; done < line.size();) {
    const auto n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

void Logger::open_file(const std::filesystem::path& path) {
  const int fd = open_append(path);
  std::lock_guard lock(mutex_);
  if (fd_ != STDERR_FILENO) ::close(fd_);
  fd_ = fd;
  path_ = path;
}

void Logger::reopen() {
  std::filesystem::path path;
  {
    std::lock_guard lock(mutex_);
    path = path_;
  }
  if (path.empty()) return;
  try {
    const int fd = open_append(path);
    std::lock_guard lock(mutex_);
    ::close(fd_);
    fd_ = fd;
  } catch (const std::system_error& e) {
    write(LogLevel::kError, "host",
          std::string("log file not reopened: ") + e.what() +
              "; still writing to the file opened before");
    return;
  }
  write(LogLevel::kInfo, "host", "log file reopened: " + path.string());
}

bool parse_log_level(std::string_view text, LogLevel& out) noexcept {
  for (auto level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (text == level_name(level)) {
      out = level;
      return true;
    }
  }
  return false;
}

}  // namespace weir
