// weir::sdk::Error — the one exception type SDK code throws. The export
// trampolines (plugin_export.hpp) turn it into a weir_status + weir_error, so
// nothing unwinds across the C boundary.
#pragma once

#include <weir/plugin.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <exception>
#include <string>
#include <utility>

namespace weir::sdk {

// The plugin's own verdict on retrying one failure, kept by the host over the
// status's default (weir_error.retryable_decided): kNo for a write that may
// have reached the server before its connection broke, kYes for one that
// provably did not.
enum class Retry { kNo, kYes };

class Error : public std::exception {
 public:
  // `retryable` = true marks the failure retryable even where its status is
  // not by default; false leaves the status's default (plugin.h's table).
  Error(weir_status status, std::string message, bool retryable = false, std::string code = {},
        std::string detail = {})
      : status_(status),
        retryable_(retryable),
        message_(std::move(message)),
        code_(std::move(code)),
        detail_(std::move(detail)) {}
  // The plugin decides, whatever the status's default.
  Error(weir_status status, std::string message, Retry verdict, std::string code = {},
        std::string detail = {})
      : Error(status, std::move(message), verdict == Retry::kYes, std::move(code),
              std::move(detail)) {
    decided_ = true;
  }

  weir_status status() const noexcept { return status_; }
  bool retryable() const noexcept { return retryable_; }
  // retryable() is the plugin's verdict (Retry), not a hint the status may widen.
  bool retryable_decided() const noexcept { return decided_; }
  const std::string& message() const noexcept { return message_; }
  const std::string& code() const noexcept { return code_; }
  const std::string& detail() const noexcept { return detail_; }
  const char* what() const noexcept override { return message_.c_str(); }
  // The same failure (status, verdict, code, detail) told with another message.
  Error with_message(std::string message) const {
    Error copy = *this;
    copy.message_ = std::move(message);
    return copy;
  }

 private:
  weir_status status_;
  bool retryable_;
  bool decided_ = false;
  std::string message_;
  std::string code_;
  std::string detail_;
};

// Copies `text` into a fixed buffer, always NUL-terminated, truncated to fit.
template <std::size_t N>
void copy_truncated(char (&buffer)[N], const std::string& text) noexcept {
  const std::size_t n = std::min(text.size(), N - 1);
  std::memcpy(buffer, text.data(), n);
  buffer[n] = '\0';
}

// Fills a caller-owned weir_error (if any) and returns the status, for `return fail(...)`.
inline weir_status fill_error(weir_error* out, const Error& error) noexcept {
  if (out != nullptr && out->struct_size >= WEIR_ERROR_V1_SIZE) {
    out->status = error.status();
    out->retryable = error.retryable() ? 1 : 0;
    if (out->struct_size >= offsetof(weir_error, retryable_decided) + sizeof(int32_t))
      out->retryable_decided = error.retryable_decided() ? 1 : 0;
    copy_truncated(out->code, error.code());
    copy_truncated(out->message, error.message());
    copy_truncated(out->detail, error.detail());
  }
  return error.status();
}

}  // namespace weir::sdk
