// One libcurl easy handle talking HTTP/1.1 with keep-alive to one Chroma
// server: the "connection" the pool keeps. libcurl reconnects the handle by
// itself when the server closed the socket between requests.
//
// libcurl also sends a request again by itself, on a fresh connection, when
// the reused connection it went out on closed with no byte of the answer
// back: it takes that for a server that closed the connection while idle,
// but a server that applied the request and then lost the connection gets it
// twice. Requests sent with Resend::kNever are not sent again that way.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

typedef void CURL;
struct curl_slist;

namespace weir::chroma {

struct HttpResponse {
  long status = 0;
  std::string body;
};

struct HttpClientOptions {
  std::string base_url;              // e.g. http://127.0.0.1:8000, no trailing slash
  std::vector<std::string> headers;  // extra "Name: value" lines (auth)
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds request_timeout{30000};
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
  // CANCELLED. `deadline` (0 = none) shortens the configured request timeout.
  // A resend that kNever refused is WEIR_E_BROKEN too.
  HttpResponse get(std::string_view path, std::chrono::milliseconds deadline = {});
  HttpResponse post(std::string_view path, std::string_view json_body,
                    std::chrono::milliseconds deadline = {}, Resend resend = Resend::kAllowed);
  HttpResponse del(std::string_view path, std::chrono::milliseconds deadline = {},
                   Resend resend = Resend::kAllowed);

  // Makes the request in flight (on another thread), or else the next one,
  // stop with WEIR_E_CANCELLED; used up by the request it stops.
  void cancel() noexcept { cancelled_.store(true); }
  // Whether a cancel is waiting for the next request; used up by asking.
  bool take_cancel() noexcept { return cancelled_.exchange(false); }
  void clear_cancel() noexcept { cancelled_.store(false); }

  const std::string& base_url() const noexcept { return options_.base_url; }

 private:
  HttpResponse perform(const char* method, std::string_view path, const std::string_view* body,
                       std::chrono::milliseconds deadline, Resend resend);
  static int on_progress(void* self, long long, long long, long long, long long);
  static int on_send(void* self, char*, char*, int, int);
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* out);

  HttpClientOptions options_;
  CURL* handle_;
  curl_slist* json_headers_ = nullptr;  // for requests with a body
  curl_slist* plain_headers_ = nullptr;
  std::atomic<bool> cancelled_{false};
  // Of the request being performed: how often libcurl was about to send it,
  // and whether a resend was refused.
  Resend resend_ = Resend::kAllowed;
  int sends_ = 0;
  bool resend_refused_ = false;
};

// Percent-encodes one URL path segment (tenant, database and collection names).
std::string encode_path_segment(std::string_view segment);

}  // namespace weir::chroma
