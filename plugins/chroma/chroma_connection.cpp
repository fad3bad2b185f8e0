#include "chroma_connection.hpp"

#include "chroma_errors.hpp"

#include <weir/sdk/write_verdict.hpp>

#include <charconv>

namespace weir::chroma {

namespace {

// A transport failure as the caller sees it. A refused connect means the server is away
// and this request was never sent: the connection is given up (the host runs the request
// again on a fresh lease), so that the pool's next connect finds the server away and the
// pool backs off, failing callers fast and probing, whereas a connection kept would let
// every request try the server on its own.
sdk::Error transport_failure(const sdk::Error& e, bool sends_write) {
  if (e.status() == WEIR_E_UNAVAILABLE)
    return sdk::Error(WEIR_E_BROKEN, e.message(), sdk::Retry::kYes, e.code(), e.detail());
  if (sends_write) return sdk::may_have_been_applied(e);
  return e;
}

std::optional<std::string_view> as_body(const std::string* body) {
  return body != nullptr ? std::optional<std::string_view>(*body) : std::nullopt;
}

// For the error naming the operations; built only then.
std::string known_operations(const auto& operations) {
  std::string known;
  for (const auto& o : operations) known += (known.empty() ? "" : ", ") + std::string(o.name);
  return known;
}

}  // namespace

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

const ChromaConnection::Operation& ChromaConnection::begin_request(
    const boost::json::object& request, const sdk::ExecOptions& options) {
  const auto* op = request.if_contains("op");
  if (op == nullptr || !op->is_string()) {
    throw sdk::Error(WEIR_E_INVALID_REQUEST, "a chroma request needs \"op\" (one of " +
                                                 known_operations(kOperations) +
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
    return o;
  }
  throw sdk::Error(WEIR_E_INVALID_REQUEST, "unknown op \"" + std::string(op->get_string()) +
                                               "\" (known: " + known_operations(kOperations) + ")");
}

void ChromaConnection::execute(const boost::json::object& request, const sdk::ExecOptions& options,
                               sdk::ValueWriter& result) {
  const Operation& o = begin_request(request, options);
  auto call = std::make_shared<const Call>((this->*o.plan)(RequestReader(request, o.name)));
  if (call->bodies.size() > 1) return send_batches(*call, result);
  run(std::move(call), result);
}

void ChromaConnection::execute_async(const boost::json::object& request,
                                     const sdk::ExecOptions& options, sdk::ValueWriter result,
                                     sdk::EventLoop loop, sdk::Completion done) {
  const Operation& o = begin_request(request, options);
  auto call = std::make_shared<const Call>((this->*o.plan)(RequestReader(request, o.name)));
  if (call->bodies.size() > 1) {
    throw sdk::runs_through_execute(std::string(o.name) + " in " +
                                    std::to_string(call->bodies.size()) + " batches");
  }
  loop_.emplace(loop);
  done_.emplace(done);
  try {
    run(std::move(call), result);
  } catch (...) {
    loop_.reset();  // not started: the error is execute_async's
    done_.reset();
    throw;
  }
}

void ChromaConnection::run(std::shared_ptr<const Call> call, sdk::ValueWriter result) {
  const std::string* body = call->bodies.empty() ? nullptr : &call->bodies.front();
  Then answer = [this, call, result](HttpResponse response) mutable {
    call->answer(response, describe(*call), result);
    if (loop_) end_on_loop(nullptr);
  };
  if (call->collection.empty())
    exchange(call->method, call->path, body, std::move(answer));
  else
    exchange_with_collection(call->collection, call->method, call->path, body, true,
                             std::move(answer));
}

void ChromaConnection::send_batches(const Call& call, sdk::ValueWriter& result) {
  const std::size_t batches = call.bodies.size();
  HttpResponse last;
  for (std::size_t k = 0; k < batches; ++k) {
    try {
      // Only the first batch may chase a recreated collection: later ones must land where
      // the earlier ones did.
      last = collection_request(call.collection, call.method, call.path, &call.bodies[k], k == 0);
      expect_success(last, describe(call));
    } catch (const sdk::Error& e) {
      if (k == 0) throw;
      throw sdk::Error(e.status(),
                       "batch " + std::to_string(k + 1) + " of " + std::to_string(batches) +
                           " failed after " + std::to_string(k * call.batch_size) + " of " +
                           std::to_string(call.records) + " records were written: " + e.message(),
                       e.retryable(), e.code(), e.detail());
    }
  }
  call.answer(last, describe(call), result);
}

std::string ChromaConnection::describe(const Call& call) const {
  return std::string(call.method) + " " +
         (call.collection.empty() ? call.path : collection_path(call.collection) + call.path);
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

std::chrono::milliseconds ChromaConnection::time_left(const char* method,
                                                      const std::string& path) const {
  if (!deadline_) return std::chrono::milliseconds{0};
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      *deadline_ - std::chrono::steady_clock::now());
  if (left.count() <= 0) {
    throw sdk::Error(WEIR_E_TIMEOUT,
                     std::string("the request's deadline passed before ") + method + " " + path,
                     true);
  }
  return left;
}

template <class Step>
void ChromaConnection::ending_on_failure(Step&& step) noexcept {
  try {
    step();
  } catch (const sdk::Error& e) {
    end_on_loop(&e);
  } catch (const std::exception& e) {
    const sdk::Error failure(WEIR_E_INTERNAL, std::string("chroma plugin error: ") + e.what());
    end_on_loop(&failure);
  }
}

void ChromaConnection::exchange(const char* method, std::string path, const std::string* body,
                                Then then) {
  const auto left = time_left(method, path);
  // A write operation's own request (not the lookup of a collection's id)
  // is never sent twice: once sent, a failure means it may have been applied.
  const bool sends_write = writing_ && std::string_view(method) != "GET";
  const auto resend = sends_write ? HttpClient::Resend::kNever : HttpClient::Resend::kAllowed;
  if (loop_) {
    client_->start(*loop_, method, path, as_body(body), left, resend,
                   [this, sends_write, then = std::move(then)](HttpResponse&& response,
                                                               const sdk::Error* failure) {
                     ending_on_failure([&] {
                       if (failure != nullptr) throw transport_failure(*failure, sends_write);
                       then(std::move(response));
                     });
                   });
    return;
  }
  HttpResponse response;
  try {
    response = client_->perform(method, path, as_body(body), left, resend);
  } catch (const sdk::Error& e) {
    throw transport_failure(e, sends_write);
  }
  then(std::move(response));
}

std::string ChromaConnection::collection_path(std::string_view name_or_id) const {
  return state_->database_path() + "/collections/" + encode_path_segment(name_or_id);
}

void ChromaConnection::with_collection_id(const std::string& name,
                                          std::function<void(std::string)> then) {
  if (auto id = state_->cached_collection_id(name)) return then(std::move(*id));
  std::string path = collection_path(name);
  exchange("GET", path, nullptr, [this, name, path, then = std::move(then)](HttpResponse response) {
    expect_success(response, "GET " + path);
    boost::system::error_code ec;
    const auto collection = boost::json::parse(response.body, ec);
    const auto* id =
        !ec && collection.is_object() ? collection.get_object().if_contains("id") : nullptr;
    if (id == nullptr || !id->is_string()) {
      throw sdk::Error(WEIR_E_UNKNOWN, "Chroma returned a collection without an id: " +
                                           response.body.substr(0, 200));
    }
    state_->remember_collection(name, std::string(id->get_string()));
    then(std::string(id->get_string()));
  });
}

void ChromaConnection::exchange_with_collection(const std::string& name, const char* method,
                                                std::string endpoint, const std::string* body,
                                                bool retry_stale, Then then) {
  with_collection_id(name, [=, this](std::string id) {
    exchange(method, collection_path(id) + endpoint, body, [=, this](HttpResponse response) {
      if (response.status != 404) return then(std::move(response));
      state_->forget_collection(name);
      if (!retry_stale) return then(std::move(response));
      // Throws the server's "Collection [name] does not exists" when it is really gone.
      with_collection_id(name, [=, this](std::string fresh) {
        exchange(method, collection_path(fresh) + endpoint, body, then);
      });
    });
  });
}

// On a worker every exchange is done before the call that started it returns.
HttpResponse ChromaConnection::collection_request(const std::string& name, const char* method,
                                                  std::string_view endpoint,
                                                  const std::string* body, bool retry_stale) {
  HttpResponse last;
  exchange_with_collection(name, method, std::string(endpoint), body, retry_stale,
                           [&last](HttpResponse response) { last = std::move(response); });
  return last;
}

void ChromaConnection::end_on_loop(const sdk::Error* failure) noexcept {
  const sdk::Completion done = *done_;
  loop_.reset();
  done_.reset();
  if (failure != nullptr)
    done.fail(*failure);
  else
    done.succeed();
}

void write_count(const HttpResponse& response, const std::string& what, sdk::ValueWriter& result) {
  expect_success(response, what);
  std::int64_t n = 0;
  const char* end = response.body.data() + response.body.size();
  const auto [ptr, ec] = std::from_chars(response.body.data(), end, n);
  if (ec != std::errc() || ptr != end) {
    throw sdk::Error(WEIR_E_UNKNOWN, what + " returned \"" + response.body.substr(0, 100) +
                                         "\" where a count was expected");
  }
  result.begin_object();
  result.member("count", n);
  result.end_object();
}

void write_server_json(const HttpResponse& response, const std::string& what,
                       sdk::ValueWriter& result) {
  expect_success(response, what);
  result.json(response.body);
}

}  // namespace weir::chroma
