// Installs a weir_host whose log collects lines, so tests can assert what an
// operator would read, and how often.
#pragma once

#include <weir/plugin.h>
#include <weir/sdk/log.hpp>

#include <mutex>
#include <string>
#include <vector>

namespace weir::pool_test {

class LogCapture {
 public:
  struct Line {
    int level;
    std::string text;
  };

  LogCapture() {
    host_.struct_size = sizeof host_;
    host_.abi_version = WEIR_ABI_VERSION;
    host_.host_version = "test";
    host_.host_data = this;
    host_.log = [](void* self, int32_t level, const char* message) {
      auto& capture = *static_cast<LogCapture*>(self);
      std::lock_guard lock(capture.mutex_);
      capture.lines_.push_back({level, message});
    };
    sdk::set_host(&host_);
  }
  ~LogCapture() { sdk::set_host(nullptr); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::vector<Line> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  // Lines at `level` containing `needle`.
  std::vector<std::string> matching(int level, const std::string& needle) const {
    std::vector<std::string> out;
    for (const auto& line : lines()) {
      if (line.level == level && line.text.find(needle) != std::string::npos)
        out.push_back(line.text);
    }
    return out;
  }

 private:
  weir_host host_{};
  mutable std::mutex mutex_;
  std::vector<Line> lines_;
};

}  // namespace weir::pool_test
