// A plain libcurl client for the Chroma REST API, independent of the chroma
// plugin: tests use it as the oracle ("what does the server answer directly?")
// and the benchmark as the baseline, with or without connection reuse.
#pragma once

#include <curl/curl.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace weir::testing {

class ChromaDirectClient {
 public:
  struct Response {
    long status = 0;
    std::string body;
  };

  // keep_alive = false opens a new TCP connection for every request.
  explicit ChromaDirectClient(std::string base_url, bool keep_alive = true)
      : base_url_(std::move(base_url)), handle_(curl_easy_init()) {
    if (handle_ == nullptr) throw std::runtime_error("curl_easy_init failed");
    headers_ = curl_slist_append(nullptr, "Content-Type: application/json");
    headers_ = curl_slist_append(headers_, "Expect:");
    curl_easy_setopt(handle_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle_, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(handle_, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(handle_, CURLOPT_WRITEFUNCTION, &ChromaDirectClient::append);
    if (!keep_alive) {
      curl_easy_setopt(handle_, CURLOPT_FRESH_CONNECT, 1L);
      curl_easy_setopt(handle_, CURLOPT_FORBID_REUSE, 1L);
    }
  }
  ~ChromaDirectClient() {
    curl_slist_free_all(headers_);
    curl_easy_cleanup(handle_);
  }
  ChromaDirectClient(const ChromaDirectClient&) = delete;
  ChromaDirectClient& operator=(const ChromaDirectClient&) = delete;

  Response get(std::string_view path) { return perform(path, nullptr); }
  Response post(std::string_view path, std::string_view json) { return perform(path, &json); }

 private:
  static std::size_t append(char* data, std::size_t size, std::size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
  }

  Response perform(std::string_view path, const std::string_view* json) {
    Response r;
    const std::string url = base_url_ + std::string(path);
    curl_easy_setopt(handle_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle_, CURLOPT_WRITEDATA, &r.body);
    if (json != nullptr) {
      curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, headers_);
      curl_easy_setopt(handle_, CURLOPT_POSTFIELDS, json->data());
      curl_easy_setopt(handle_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json->size()));
    } else {
      curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, nullptr);
      curl_easy_setopt(handle_, CURLOPT_HTTPGET, 1L);
    }
    const CURLcode rc = curl_easy_perform(handle_);
    if (rc != CURLE_OK) throw std::runtime_error(url + ": " + curl_easy_strerror(rc));
    curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &r.status);
    return r;
  }

  std::string base_url_;
  CURL* handle_;
  curl_slist* headers_ = nullptr;
};

}  // namespace weir::testing
