#include "database.hpp"

#include "json_result_writer.hpp"
#include "logger.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>

namespace weir {

namespace {

weir_error new_error() {
  weir_error e{};
  e.struct_size = sizeof(weir_error);
  return e;
}

std::uint32_t remaining_ms(const RequestContext& context) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      context.deadline - std::chrono::steady_clock::now());
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(left.count(), 1, UINT32_MAX));
}

ApiError deadline_error(const RequestContext& context) {
  (void)context;
  return ApiError(504, "timeout", "the request's deadline passed before the backend answered",
                  true);
}

}  // namespace

// A leased connection, returned to the pool on every path out of a request.
class Database::Lease {
 public:
  Lease(const Database& db, const RequestContext& context) : db_(db) {
    weir_acquire_options options{};
    options.struct_size = sizeof options;
    options.timeout_ms = remaining_ms(context);
    options.client_id = context.client_id.c_str();
    options.tag = context.tag.c_str();
    weir_error error = new_error();
    const weir_status status = table().acquire(db_.pool_, &options, &conn_, &error);
    if (status != WEIR_OK) {
      auto api = api_error_from_plugin(status, error);
      api.extra()["database"] = db_.name();
      throw api;
    }
  }
  ~Lease() { table().release(db_.pool_, conn_, broken_ ? WEIR_RELEASE_BROKEN : WEIR_RELEASE_OK); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  // Runs one request; returns its result as JSON text or throws ApiError.
  std::string execute(const std::string& request, bool read_only, const RequestContext& context) {
    if (std::chrono::steady_clock::now() >= context.deadline) throw deadline_error(context);
    weir_exec_options options{};
    options.struct_size = sizeof options;
    options.timeout_ms = remaining_ms(context);
    options.flags = read_only ? WEIR_EXEC_READ_ONLY : 0u;
    JsonResultWriter result(context.max_result_bytes);
    weir_error error = new_error();
    const weir_status status =
        table().execute(conn_, request.data(), request.size(), &options, result.writer(), &error);
    if (status != WEIR_OK) {
      if (status == WEIR_E_ABORTED && !result.too_large()) {
        throw ApiError(
            502, "plugin_error",
            "the " + db_.config_.backend + " plugin wrote a malformed result: " + result.problem());
      }
      throw fail(status, error);
    }
    if (!result.complete()) {
      broken_ =
          true;  // a plugin that cannot describe its result is not trusted with the connection
      throw ApiError(502, "plugin_error",
                     "the " + db_.config_.backend + " plugin wrote an incomplete result" +
                         (result.problem().empty() ? "" : ": " + result.problem()));
    }
    return result.take();
  }

  void begin(bool read_only) {
    const std::string options = read_only ? R"({"read_only":true})" : "{}";
    weir_error error = new_error();
    if (weir_status s = table().begin(conn_, options.data(), options.size(), &error); s != WEIR_OK)
      throw fail(s, error);
  }
  void commit() {
    weir_error error = new_error();
    if (weir_status s = table().commit(conn_, &error); s != WEIR_OK) throw fail(s, error);
  }
  // Best effort: on failure the connection is discarded rather than reused dirty.
  void rollback() noexcept {
    weir_error error = new_error();
    if (table().rollback(conn_, &error) != WEIR_OK) broken_ = true;
  }

 private:
  const weir_plugin& table() const { return db_.plugin_->table; }
  ApiError fail(weir_status status, const weir_error& error) {
    if (status == WEIR_E_BROKEN) broken_ = true;
    auto api = api_error_from_plugin(status, error);
    api.extra()["database"] = db_.name();
    return api;
  }

  const Database& db_;
  weir_conn* conn_ = nullptr;
  bool broken_ = false;
};

Database::Database(DatabaseConfig config, const LoadedPlugin* plugin,
                   std::string unavailable_reason)
    : config_(std::move(config)),
      plugin_(plugin),
      unavailable_reason_(std::move(unavailable_reason)) {}

Database::~Database() {
  if (pool_ != nullptr) plugin_->table.pool_close(pool_);
}

void Database::open(const std::filesystem::path& data_dir) {
  if (plugin_ == nullptr) return;
  const std::string json = boost::json::serialize(config_.settings);
  const std::string dir = data_dir.string();
  weir_pool_params params{};
  params.struct_size = sizeof params;
  params.database = config_.name.c_str();
  params.config_json = json.data();
  params.config_length = json.size();
  params.data_dir = dir.c_str();
  weir_error error = new_error();
  const weir_status status = plugin_->table.pool_open(&params, &pool_, &error);
  if (status == WEIR_OK) return;
  pool_ = nullptr;
  if (status == WEIR_E_INVALID_CONFIG) throw ConfigError(error.message);
  unavailable_reason_ =
      "the " + config_.backend + " plugin could not open the pool: " + std::string(error.message);
}

ApiError Database::unavailable_error() const {
  ApiError e(503, "database_unavailable",
             "database \"" + name() + "\" is unavailable: " + unavailable_reason_, true);
  e.extra()["database"] = name();
  e.with_retry_after(5);
  return e;
}

std::string Database::query(const boost::json::object& request, bool read_only,
                            const RequestContext& context) {
  if (!available()) throw unavailable_error();
  Lease lease(*this, context);
  return lease.execute(boost::json::serialize(request), read_only, context);
}

std::string Database::transaction(const boost::json::array& statements, bool read_only,
                                  const RequestContext& context) {
  if (!available()) throw unavailable_error();
  Lease lease(*this, context);
  lease.begin(read_only);
  std::string body = "{\"results\":[";
  for (std::size_t i = 0; i < statements.size(); ++i) {
    try {
      if (i > 0) body += ',';
      body += lease.execute(boost::json::serialize(statements[i]), read_only, context);
    } catch (ApiError& e) {
      lease.rollback();
      e.extra()["statement"] = i;
      e.extra()["rolled_back"] = true;
      throw;
    }
  }
  try {
    lease.commit();
  } catch (ApiError& e) {
    lease.rollback();
    e.extra()["rolled_back"] = true;
    throw;
  }
  return body + "]}";
}

weir_pool_stats Database::stats() const {
  weir_pool_stats stats{};
  stats.struct_size = sizeof stats;
  if (available()) plugin_->table.pool_stats(pool_, &stats);
  return stats;
}

DatabaseHealth Database::health() const {
  if (!available()) return {"unavailable", unavailable_reason_};
  weir_health h{};
  h.struct_size = sizeof h;
  plugin_->table.pool_health(pool_, &h);
  const char* state = h.state == WEIR_HEALTHY    ? "healthy"
                      : h.state == WEIR_DEGRADED ? "degraded"
                                                 : "unhealthy";
  return {state, h.reason};
}

boost::json::object Database::describe() const {
  const auto h = health();
  boost::json::object out{{"name", name()},
                          {"backend", config_.backend},
                          {"optional", config_.optional},
                          {"state", h.state},
                          {"settings", config_.masked}};
  if (!h.reason.empty()) out["reason"] = h.reason;
  if (plugin_ != nullptr) out["plugin_version"] = plugin_->version;
  if (available()) {
    const auto s = stats();
    out["pool"] = boost::json::object{{"min_size", s.min_size},
                                      {"max_size", s.max_size},
                                      {"max_overflow", s.max_overflow},
                                      {"total", s.total},
                                      {"idle", s.idle},
                                      {"active", s.active},
                                      {"waiting", s.waiting},
                                      {"overflow_active", s.overflow_active},
                                      {"backoff_ms", s.backoff_ms},
                                      {"acquired", s.acquired},
                                      {"created", s.created},
                                      {"closed", s.closed},
                                      {"recycled_lifetime", s.recycled_lifetime},
                                      {"recycled_idle", s.recycled_idle},
                                      {"recycled_uses", s.recycled_uses},
                                      {"discarded_broken", s.discarded_broken},
                                      {"failed_connects", s.failed_connects},
                                      {"timeouts", s.timeouts},
                                      {"leaks", s.leaks},
                                      {"wait_mean_us", s.wait_mean_us},
                                      {"wait_max_us", s.wait_max_us},
                                      {"wait_p50_us", s.wait_p50_us},
                                      {"wait_p95_us", s.wait_p95_us},
                                      {"wait_p99_us", s.wait_p99_us}};
  }
  return out;
}

void Database::drain(std::chrono::milliseconds timeout) {
  std::lock_guard lock(drain_mutex_);
  if (!available()) return;
  std::uint32_t forced = 0;
  plugin_->table.pool_drain(pool_, static_cast<std::uint32_t>(timeout.count()), &forced);
  if (forced > 0)
    log_warn("host", "database " + name() + ": " + std::to_string(forced) +
                         " lease(s) force-closed at drain");
}

}  // namespace weir
