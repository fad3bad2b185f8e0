#include "chroma_connection.hpp"

#include "chroma_errors.hpp"

#include <weir/sdk/write_verdict.hpp>

#include <charconv>

namespace weir::chroma {

const ChromaConnection::Operation ChromaConnection::kOperations[] = {
    {"list_collections", false, &ChromaConnection::list_collections},
    {"count_collections", false, &ChromaConnection::count_collections},
    {"create_collection", true, &ChromaConnection::create_collection},
    {"get_collection", false, &ChromaConnection::get_collection},
    {"delete_collection", true, &ChromaConnection::delete_collection},
    {"add", true, &ChromaConnection::add},
    {"upsert", true, &ChromaConnection::upsert},
    {"update", true, &ChromaConnection::update},
    {"get", false, &ChromaConnection::get},
    {"query", false, &ChromaConnection::query},
    {"delete", true, &ChromaConnection::delete_records},
    {"count", false, &ChromaConnection::count},
};

ChromaConnection::ChromaConnection(std::unique_ptr<HttpClient> client,
                                   std::shared_ptr<ServerState> state)
    : client_(std::move(client)), state_(std::move(state)) {}

void ChromaConnection::execute(const boost::json::object& request, const sdk::ExecOptions& options,
                               sdk::ValueWriter& result) {
  const auto* op = request.if_contains("op");
  std::string known;
  for (const auto& o : kOperations) known += (known.empty() ? "" : ", ") + std::string(o.name);
  if (op == nullptr || !op->is_string()) {
    throw sdk::Error(WEIR_E_INVALID_REQUEST, "a chroma request needs \"op\" (one of " + known +
                                                 "); see docs/backends/chroma.md");
  }
  for (const auto& o : kOperations) {
    if (o.name != op->get_string()) continue;
    if (o.writes && options.read_only) {
      throw sdk::Error(WEIR_E_PERMISSION,
                       std::string(o.name) + " writes, but the request was declared read-only");
    }
    deadline_.reset();
    if (options.timeout.count() > 0) deadline_ = std::chrono::steady_clock::now() + options.timeout;
    writing_ = o.writes;
    // A cancel that came just before this call (the client went away) is
    // meant for it: used up here, before anything is sent.
    if (client_->take_cancel())
      throw sdk::Error(WEIR_E_CANCELLED, std::string(o.name) + " was cancelled before it was sent");
    (this->*o.run)(RequestReader(request, o.name), result);
    return;
  }
  throw sdk::Error(WEIR_E_INVALID_REQUEST,
                   "unknown op \"" + std::string(op->get_string()) + "\" (known: " + known + ")");
}

// A validation ping is a heartbeat like the one that opens a connection, and
// as bounded: a silent server must not hold the request being served.
bool ChromaConnection::ping() {
  deadline_.reset();
  writing_ = false;
  return client_->get("/api/v2/heartbeat", state_->settings().connect_timeout).status == 200;
}

void ChromaConnection::describe_backend(sdk::ValueWriter& detail) {
  const auto response = client_->get("/api/v2/version");
  expect_success(response, "GET /api/v2/version");
  boost::system::error_code ec;
  const auto version = boost::json::parse(response.body, ec);
  const auto& s = state_->settings();
  detail.begin_object();
  detail.member("server_version", !ec && version.is_string()
                                      ? std::string_view(version.get_string())
                                      : std::string_view(response.body));
  detail.member("url", s.url);
  detail.member("tenant", s.tenant);
  detail.member("database", s.database);
  detail.member("max_batch_size", static_cast<std::int64_t>(state_->max_batch_size()));
  detail.end_object();
}

HttpResponse ChromaConnection::send(const char* method, const std::string& path,
                                    const std::string* body) {
  std::chrono::milliseconds left{0};
  if (deadline_) {
    left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline_ -
                                                                 std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      throw sdk::Error(WEIR_E_TIMEOUT,
                       std::string("the request's deadline passed before ") + method + " " + path,
                       true);
    }
  }
  // A write operation's own request (not the lookup of a collection's id)
  // is never sent twice: once sent, a failure means it may have been applied.
  const bool sends_write = writing_ && std::string_view(method) != "GET";
  const auto resend = sends_write ? HttpClient::Resend::kNever : HttpClient::Resend::kAllowed;
  try {
    if (body != nullptr) return client_->post(path, *body, left, resend);
    if (std::string_view(method) == "DELETE") return client_->del(path, left, resend);
    return client_->get(path, left);
  } catch (const sdk::Error& e) {
    // Refused: the server is away, and this request was never sent. The
    // connection is given up (the host runs the request again on a fresh
    // lease), so that the pool's next connect finds the server away and the
    // pool backs off, failing callers fast and probing, whereas a connection
    // kept would let every request try the server on its own.
    if (e.status() == WEIR_E_UNAVAILABLE)
      throw sdk::Error(WEIR_E_BROKEN, e.message(), sdk::Retry::kYes, e.code(), e.detail());
    if (sends_write) throw sdk::may_have_been_applied(e);
    throw;
  }
}

std::string ChromaConnection::collection_path(std::string_view name_or_id) const {
  return state_->database_path() + "/collections/" + encode_path_segment(name_or_id);
}

std::string ChromaConnection::collection_id(const std::string& name) {
  if (auto id = state_->cached_collection_id(name)) return *id;
  const std::string path = collection_path(name);
  const auto response = send("GET", path);
  expect_success(response, "GET " + path);
  boost::system::error_code ec;
  const auto collection = boost::json::parse(response.body, ec);
  const auto* id =
      !ec && collection.is_object() ? collection.get_object().if_contains("id") : nullptr;
  if (id == nullptr || !id->is_string()) {
    throw sdk::Error(WEIR_E_UNKNOWN,
                     "Chroma returned a collection without an id: " + response.body.substr(0, 200));
  }
  state_->remember_collection(name, std::string(id->get_string()));
  return std::string(id->get_string());
}

HttpResponse ChromaConnection::collection_request(const std::string& name, const char* method,
                                                  std::string_view endpoint,
                                                  const std::string* body, bool retry_stale) {
  const std::string id = collection_id(name);
  auto response = send(method, collection_path(id) + std::string(endpoint), body);
  if (response.status != 404) return response;
  state_->forget_collection(name);
  if (!retry_stale) return response;
  // Throws the server's "Collection [name] does not exists" when it is really gone.
  const std::string fresh = collection_id(name);
  return send(method, collection_path(fresh) + std::string(endpoint), body);
}

std::int64_t parse_count(const HttpResponse& response, std::string_view what) {
  expect_success(response, what);
  std::int64_t n = 0;
  const char* end = response.body.data() + response.body.size();
  const auto [ptr, ec] = std::from_chars(response.body.data(), end, n);
  if (ec != std::errc() || ptr != end) {
    throw sdk::Error(WEIR_E_UNKNOWN, std::string(what) + " returned \"" +
                                         response.body.substr(0, 100) +
                                         "\" where a count was expected");
  }
  return n;
}

}  // namespace weir::chroma
