// weir::ApiError — the one error type that reaches clients: a stable code,
// an HTTP status, a message for humans, `retryable`, and optional extra
// members (backend code, detail, failing statement, pool numbers).
#pragma once

#include <weir/plugin.h>

#include <boost/json/object.hpp>

#include <stdexcept>
#include <string>

namespace weir {

class ApiError : public std::runtime_error {
 public:
  ApiError(unsigned http_status, std::string code, const std::string& message,
           bool retryable = false)
      : std::runtime_error(message),
        http_status_(http_status),
        code_(std::move(code)),
        retryable_(retryable) {}

  unsigned http_status() const noexcept { return http_status_; }
  const std::string& code() const noexcept { return code_; }
  bool retryable() const noexcept { return retryable_; }
  // Members added next to code/message/retryable in the error body.
  boost::json::object& extra() noexcept { return extra_; }
  const boost::json::object& extra() const noexcept { return extra_; }
  // Seconds for a Retry-After header; 0 = none.
  unsigned retry_after_s() const noexcept { return retry_after_s_; }
  ApiError& with_retry_after(unsigned seconds) noexcept {
    retry_after_s_ = seconds;
    return *this;
  }

  // {"error": {"code", "message", "retryable", ...extra}}, always valid UTF-8:
  // bytes that are not (e.g. from a client's URL) become U+FFFD.
  std::string body() const;

 private:
  unsigned http_status_;
  std::string code_;
  bool retryable_;
  boost::json::object extra_;
  unsigned retry_after_s_ = 0;
};

// A request whose client went away: nobody reads the answer, but metrics and
// logs count it (499, as nginx names it).
ApiError client_closed_request();

// Maps a plugin's failure to what the client sees. `error` holds the plugin's detail.
ApiError api_error_from_plugin(weir_status status, const weir_error& error);

}  // namespace weir
