// One libcurl easy handle talking HTTP/1.1 with keep-alive to one Chroma
// server: the "connection" the pool keeps. libcurl reconnects the handle by
// itself when the server closed the socket between requests.
//
// libcurl also sends a request again by itself, on a fresh connection, when
// the reused connection it went out on closed with no byte of the answer
// back: it takes that for a server that closed the connection while idle,
// but a server that applied the request and then lost the connection gets it
// twice. Requests sent with Resend::kNever are not sent again that way.
//
// A request runs either blocking (get, post, del: execute on a worker) or on
// the host's event loop (start: execute_async), the same handle and the same
// kept connection either way (a curl share holds the connection between them).
#pragma once

#include <weir/sdk/error.hpp>
#include <weir/sdk/event_loop.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <curl/curl.h>

namespace weir::chroma {

class LoopTransfer;

struct HttpResponse {
  long status = 0;
  std::string body;
};

struct HttpClientOptions {
  std::string base_url;              // e.g. http://127.0.0.1:8000, no trailing slash
  std::vector<std::string> headers;  // extra "Name: value" lines (auth)
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds request_timeout{30000};
  // An answer larger than this is refused while it arrives (WEIR_E_INVALID_REQUEST,
  // naming the setting): it is held whole before the plugin writes it.
  std::size_t max_response_bytes = std::size_t{64} << 20;
};

class HttpClient {
 public:
  // Whether libcurl may send the request again by itself (see above):
  // kAllowed for requests that change nothing or the same thing twice,
  // kNever for writes.
  enum class Resend { kAllowed, kNever };

  explicit HttpClient(HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Each call sends one request to base_url + path and returns whatever
  // status the server answered. Transport failures throw sdk::Error:
  // WEIR_E_UNAVAILABLE (cannot connect), WEIR_E_TIMEOUT, WEIR_E_CANCELLED or
  // WEIR_E_BROKEN (the connection died mid-request), all retryable but
  // CANCELLED; WEIR_E_INVALID_REQUEST for an answer past max_response_bytes.
  // `deadline` (0 = none) shortens the configured request timeout.
  // A resend that kNever refused is WEIR_E_BROKEN too.
  HttpResponse get(std::string_view path, std::chrono::milliseconds deadline = {});
  HttpResponse post(std::string_view path, std::string_view json_body,
                    std::chrono::milliseconds deadline = {}, Resend resend = Resend::kAllowed);
  HttpResponse del(std::string_view path, std::chrono::milliseconds deadline = {},
                   Resend resend = Resend::kAllowed);

  // Any of the three: `body`, when given, goes as JSON.
  HttpResponse perform(const char* method, std::string_view path,
                       std::optional<std::string_view> body, std::chrono::milliseconds deadline,
                       Resend resend);

  // One request on `loop`, without blocking: returns at once, and `done` runs
  // once on the loop's thread, never inside start(), with the response or
  // (response empty) the failure perform() would have thrown. `body` is
  // borrowed until then. Throws sdk::Error when it cannot start.
  using Done = std::function<void(HttpResponse&& response, const sdk::Error* failure)>;
  void start(const sdk::EventLoop& loop, const char* method, std::string_view path,
             std::optional<std::string_view> body, std::chrono::milliseconds deadline,
             Resend resend, Done done);

  // Makes the request in flight (on another thread), or else the next one,
  // stop with WEIR_E_CANCELLED; used up by the request it stops.
  void cancel() noexcept;
  // Whether a cancel is waiting for the next request; used up by asking.
  bool take_cancel() noexcept { return cancelled_.exchange(false); }
  void clear_cancel() noexcept { cancelled_.store(false); }

  const std::string& base_url() const noexcept { return options_.base_url; }

 private:
  // Sets the handle up for one request (the body is borrowed until it ends).
  void prepare(const char* method, std::string_view path, std::optional<std::string_view> body,
               std::chrono::milliseconds deadline, Resend resend);
  // The request prepare() set up ended with `rc`: its response, or the failure thrown.
  HttpResponse outcome(CURLcode rc);
  static int on_progress(void* self, long long, long long, long long, long long);
  static int on_send(void* self, char*, char*, int, int);
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self);
  static int on_close_socket(void* self, curl_socket_t fd);

  HttpClientOptions options_;
  // The kept connection, shared by the blocking handle and the loop's multi handle.
  CURLSH* share_;
  CURL* handle_;
  curl_slist* json_headers_ = nullptr;  // for requests with a body
  curl_slist* plain_headers_ = nullptr;
  std::atomic<bool> cancelled_{false};
  // Of the request being performed: what it is (for errors), its response so
  // far, how often libcurl was about to send it, and whether a resend was refused.
  std::string what_;
  std::chrono::milliseconds timeout_{0};
  HttpResponse response_;
  char error_text_[CURL_ERROR_SIZE] = "";
  Resend resend_ = Resend::kAllowed;
  int sends_ = 0;
  bool resend_refused_ = false;
  bool too_large_ = false;  // the answer grew past max_response_bytes
  // Runs the requests of the last loop that had one; cancel() (any thread) wakes it
  // while one runs there.
  std::shared_ptr<LoopTransfer> on_loop_;
  bool on_loop_running_ = false;
  std::mutex on_loop_mutex_;
};

// Percent-encodes one URL path segment (tenant, database and collection names).
std::string encode_path_segment(std::string_view segment);

}  // namespace weir::chroma
