#include "http_client.hpp"

#include "http_client_loop.hpp"

#include <algorithm>
#include <cctype>

#include <unistd.h>

namespace weir::chroma {
namespace {

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

curl_slist* append(curl_slist* list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list, line.c_str());
  if (grown == nullptr)
    throw sdk::Error(WEIR_E_INTERNAL, "out of memory building HTTP headers", true);
  return grown;
}

}  // namespace

HttpClient::HttpClient(HttpClientOptions options) : options_(std::move(options)) {
  global_init_once();
  share_ = curl_share_init();
  handle_ = curl_easy_init();
  if (share_ == nullptr || handle_ == nullptr) {
    curl_easy_cleanup(handle_);
    curl_share_cleanup(share_);
    throw sdk::Error(WEIR_E_INTERNAL, "curl_easy_init or curl_share_init failed", true);
  }
  try {
    for (const auto& h : options_.headers) plain_headers_ = append(plain_headers_, h);
    json_headers_ = append(json_headers_, "Content-Type: application/json");
    // libcurl would otherwise send Expect: 100-continue on large bodies and wait a round trip.
    json_headers_ = append(json_headers_, "Expect:");
    for (const auto& h : options_.headers) json_headers_ = append(json_headers_, h);
  } catch (...) {
    curl_slist_free_all(plain_headers_);
    curl_slist_free_all(json_headers_);
    curl_easy_cleanup(handle_);
    curl_share_cleanup(share_);
    throw;
  }
  // One handle, one request at a time: the share needs no lock.
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  curl_easy_setopt(handle_, CURLOPT_SHARE, share_);
  curl_easy_setopt(handle_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle_, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(handle_, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(handle_, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(handle_, CURLOPT_WRITEFUNCTION, &HttpClient::on_body);
  curl_easy_setopt(handle_, CURLOPT_XFERINFOFUNCTION, &HttpClient::on_progress);
  curl_easy_setopt(handle_, CURLOPT_XFERINFODATA, this);
  curl_easy_setopt(handle_, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(handle_, CURLOPT_PREREQFUNCTION, &HttpClient::on_send);
  curl_easy_setopt(handle_, CURLOPT_PREREQDATA, this);
  curl_easy_setopt(handle_, CURLOPT_CLOSESOCKETFUNCTION, &HttpClient::on_close_socket);
  curl_easy_setopt(handle_, CURLOPT_CLOSESOCKETDATA, this);
  curl_easy_setopt(handle_, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(handle_, CURLOPT_ERRORBUFFER, error_text_);
}

HttpClient::~HttpClient() {
  // Closing the kept connection stops the loop watching its socket (on_close_socket).
  curl_easy_cleanup(handle_);
  curl_share_cleanup(share_);
  on_loop_.reset();
  curl_slist_free_all(plain_headers_);
  curl_slist_free_all(json_headers_);
}

HttpResponse HttpClient::get(std::string_view path, std::chrono::milliseconds deadline) {
  return perform("GET", path, std::nullopt, deadline, Resend::kAllowed);
}
HttpResponse HttpClient::post(std::string_view path, std::string_view body,
                              std::chrono::milliseconds deadline, Resend resend) {
  return perform("POST", path, body, deadline, resend);
}
HttpResponse HttpClient::del(std::string_view path, std::chrono::milliseconds deadline,
                             Resend resend) {
  return perform("DELETE", path, std::nullopt, deadline, resend);
}

int HttpClient::on_progress(void* self, long long, long long, long long, long long) {
  return static_cast<HttpClient*>(self)->cancelled_.load() ? 1 : 0;
}

// Called by libcurl on the connection it is about to send the request on,
// once per attempt: a second call is its resend.
int HttpClient::on_send(void* self, char*, char*, int, int) {
  auto& client = *static_cast<HttpClient*>(self);
  if (++client.sends_ > 1 && client.resend_ == Resend::kNever) {
    client.resend_refused_ = true;
    return CURL_PREREQFUNC_ABORT;
  }
  return CURL_PREREQFUNC_OK;
}

std::size_t HttpClient::on_body(char* data, std::size_t size, std::size_t count, void* self) {
  auto& client = *static_cast<HttpClient*>(self);
  const std::size_t n = size * count;
  if (client.response_.body.size() + n > client.options_.max_response_bytes) {
    client.too_large_ = true;
    return 0;  // CURLE_WRITE_ERROR: the transfer stops here
  }
  client.response_.body.append(data, n);
  return n;
}

int HttpClient::on_close_socket(void* self, curl_socket_t fd) {
  auto& client = *static_cast<HttpClient*>(self);
  if (client.on_loop_) client.on_loop_->forget_socket(fd);  // before its number is reused
  return ::close(fd);
}

void HttpClient::cancel() noexcept {
  cancelled_.store(true);
  std::lock_guard lock(on_loop_mutex_);
  try {
    if (on_loop_running_) on_loop_->wake();
  } catch (const std::bad_alloc&) {
    // Not woken: the request's own timeout ends it instead.
  }
}

HttpResponse HttpClient::perform(const char* method, std::string_view path,
                                 std::optional<std::string_view> body,
                                 std::chrono::milliseconds deadline, Resend resend) {
  prepare(method, path, body, deadline, resend);
  return outcome(curl_easy_perform(handle_));
}

void HttpClient::start(const sdk::EventLoop& loop, const char* method, std::string_view path,
                       std::optional<std::string_view> body, std::chrono::milliseconds deadline,
                       Resend resend, Done done) {
  prepare(method, path, body, deadline, resend);
  {
    std::lock_guard lock(on_loop_mutex_);
    // Another loop is another thread: its watches go, the socket is watched on this one.
    if (on_loop_ && !on_loop_->runs_on(loop)) on_loop_.reset();
    if (!on_loop_) on_loop_ = std::make_shared<LoopTransfer>(handle_, loop, cancelled_);
    on_loop_running_ = true;
    // A cancel that came between two requests of one operation stops this one.
    if (cancelled_.load()) on_loop_->wake();
  }
  on_loop_->start([this, done = std::move(done)](CURLcode rc) {
    {
      std::lock_guard lock(on_loop_mutex_);
      on_loop_running_ = false;
    }
    HttpResponse response;
    try {
      response = outcome(rc);
    } catch (const sdk::Error& failure) {
      return done({}, &failure);
    } catch (const std::exception& e) {  // nothing may escape into the host's loop
      const sdk::Error failure(WEIR_E_INTERNAL, std::string("chroma plugin error: ") + e.what());
      return done({}, &failure);
    }
    done(std::move(response), nullptr);
  });
}

void HttpClient::prepare(const char* method, std::string_view path,
                         std::optional<std::string_view> body, std::chrono::milliseconds deadline,
                         Resend resend) {
  what_.assign(method).append(" ").append(path);
  timeout_ = deadline.count() > 0 ? std::min(deadline, options_.request_timeout)
                                  : options_.request_timeout;
  response_ = {};
  error_text_[0] = '\0';
  const std::string url = options_.base_url + std::string(path);
  curl_easy_setopt(handle_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle_, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  if (body) {
    curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, json_headers_);
    curl_easy_setopt(handle_, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(handle_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    curl_easy_setopt(handle_, CURLOPT_CUSTOMREQUEST, nullptr);
  } else {
    curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, plain_headers_);
    curl_easy_setopt(handle_, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(handle_, CURLOPT_CUSTOMREQUEST,
                     std::string_view(method) == "GET" ? nullptr : method);
  }
  resend_ = resend;
  sends_ = 0;
  resend_refused_ = false;
  too_large_ = false;
}

HttpResponse HttpClient::outcome(CURLcode rc) {
  if (rc == CURLE_OK) {
    curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &response_.status);
    return std::move(response_);
  }
  const std::string reason = error_text_[0] != '\0' ? error_text_ : curl_easy_strerror(rc);
  if (too_large_) {
    // The client asked for too much (WEIR_E_ABORTED is the host's writer's word alone).
    throw sdk::Error(WEIR_E_INVALID_REQUEST,
                     "Chroma's answer to " + what_ + " is larger than max_response_bytes (" +
                         std::to_string(options_.max_response_bytes) +
                         " bytes): ask for fewer records (a limit, fewer n_results or include "
                         "fields) or raise the setting");
  }
  if (resend_refused_) {
    throw sdk::Error(WEIR_E_BROKEN,
                     "the connection to Chroma at " + options_.base_url + " closed during " +
                         what_ + " with no answer; it was not sent again",
                     true);
  }
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      throw sdk::Error(WEIR_E_UNAVAILABLE,
                       "cannot reach Chroma at " + options_.base_url + ": " + reason, true, "",
                       what_);
    case CURLE_OPERATION_TIMEDOUT:
      throw sdk::Error(WEIR_E_TIMEOUT,
                       "Chroma at " + options_.base_url + " did not answer " + what_ + " within " +
                           std::to_string(timeout_.count()) + " ms",
                       true, "", reason);
    case CURLE_ABORTED_BY_CALLBACK:
      cancelled_.store(false);  // used up by the request it stopped
      throw sdk::Error(WEIR_E_CANCELLED, what_ + " was cancelled", false);
    default:
      throw sdk::Error(WEIR_E_BROKEN,
                       "the connection to Chroma at " + options_.base_url + " broke during " +
                           what_ + ": " + reason,
                       true);
  }
}

std::string encode_path_segment(std::string_view segment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(segment.size());
  for (const unsigned char c : segment) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace weir::chroma
