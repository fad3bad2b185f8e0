#include "server_state.hpp"

#include "chroma_errors.hpp"

#include <weir/sdk/json_text.hpp>

#include <boost/json.hpp>

namespace weir::chroma {
namespace {

std::string make_database_path(const ChromaSettings& s) {
  return "/api/v2/tenants/" + encode_path_segment(s.tenant) + "/databases/" +
         encode_path_segment(s.database);
}

// POST that treats 409 (already exists) as success: creation is idempotent here.
void create_if_missing(HttpClient& client, const std::string& path, const std::string& name) {
  const std::string body = weir::sdk::json_text(boost::json::object{{"name", name}});
  const auto response = client.post(path, body);
  if (response.status != 409) expect_success(response, "POST " + path);
}

}  // namespace

ServerState::ServerState(ChromaSettings settings)
    : settings_(std::move(settings)), database_path_(make_database_path(settings_)) {}

HttpClientOptions ServerState::client_options() const {
  HttpClientOptions o;
  o.base_url = settings_.url;
  if (!settings_.auth_header.empty())
    o.headers.push_back(settings_.auth_header + ": " + settings_.auth_token);
  o.connect_timeout = settings_.connect_timeout;
  o.request_timeout = settings_.request_timeout;
  o.max_response_bytes = static_cast<std::size_t>(settings_.max_response_bytes);
  return o;
}

void ServerState::prepare(HttpClient& client) {
  {
    std::lock_guard lock(mutex_);
    if (prepared_) return;
  }
  // Two first connections may both get here; every step is idempotent.
  ensure_database(client);
  const auto response = client.get("/api/v2/pre-flight-checks");
  expect_success(response, "GET /api/v2/pre-flight-checks");
  boost::system::error_code ec;
  const auto checks = boost::json::parse(response.body, ec);
  const auto* limit =
      !ec && checks.is_object() ? checks.get_object().if_contains("max_batch_size") : nullptr;
  if (limit == nullptr || !limit->is_int64() || limit->get_int64() < 1) {
    throw sdk::Error(WEIR_E_UNKNOWN, "Chroma's pre-flight checks have no usable max_batch_size: " +
                                         response.body.substr(0, 200));
  }
  std::lock_guard lock(mutex_);
  server_max_batch_size_ = static_cast<std::size_t>(limit->get_int64());
  prepared_ = true;
}

void ServerState::ensure_database(HttpClient& client) {
  if (settings_.create_database) {
    create_if_missing(client, "/api/v2/tenants", settings_.tenant);
    create_if_missing(client,
                      "/api/v2/tenants/" + encode_path_segment(settings_.tenant) + "/databases",
                      settings_.database);
    return;
  }
  const auto response = client.get(database_path_);
  if (response.status == 404) {
    auto error = chroma_error(response, "GET " + database_path_);
    throw sdk::Error(WEIR_E_NOT_FOUND,
                     error.message() + " (tenant \"" + settings_.tenant + "\", database \"" +
                         settings_.database + "\"; create it or set connection.create_database)",
                     false, error.code(), error.detail());
  }
  expect_success(response, "GET " + database_path_);
}

std::size_t ServerState::max_batch_size() const {
  std::lock_guard lock(mutex_);
  if (settings_.max_batch_size &&
      static_cast<std::size_t>(*settings_.max_batch_size) < server_max_batch_size_) {
    return static_cast<std::size_t>(*settings_.max_batch_size);
  }
  return server_max_batch_size_;
}

std::optional<std::string> ServerState::cached_collection_id(const std::string& name) const {
  std::lock_guard lock(mutex_);
  const auto it = collection_ids_.find(name);
  if (it == collection_ids_.end()) return std::nullopt;
  return it->second;
}

void ServerState::remember_collection(const std::string& name, const std::string& id) {
  std::lock_guard lock(mutex_);
  collection_ids_[name] = id;
}

void ServerState::forget_collection(const std::string& name) {
  std::lock_guard lock(mutex_);
  collection_ids_.erase(name);
}

}  // namespace weir::chroma
