// GET /metrics: the gateway's gauges read at scrape time (databases, pools,
// admission queues, plugins) followed by the request counters and histograms.
#include "api.hpp"

#include <charconv>

namespace weir {

namespace {

namespace http = boost::beast::http;

class Exposition {
 public:
  void family(const char* name, const char* type, const char* help) {
    out_ += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void sample(const char* name, const std::string& labels, double value) {
    char buffer[32];
    const auto r = std::to_chars(buffer, buffer + sizeof buffer, value);
    out_ += std::string(name) + (labels.empty() ? "" : "{" + labels + "}") + " " +
            std::string(buffer, r.ptr) + "\n";
  }
  std::string& text() { return out_; }

 private:
  std::string out_;
};

}  // namespace

HttpResponse Api::metrics(const Call& call) {
  const Snapshot& state = *call.state;
  const Caller& caller = call.caller;
  // A token sees the series of the databases it may use, as the listings show it only those.
  const auto shown = [&](const std::string& database) {
    return state.access.may_see(caller, database);
  };
  Exposition m;
  m.family("weir_build_info", "gauge", "The gateway's version and plugin ABI.");
  m.sample("weir_build_info",
           "version=\"" WEIR_VERSION "\",abi=\"" + std::to_string(WEIR_ABI_VERSION) + "\"", 1);
  m.family("weir_plugin_info", "gauge", "Loaded plugins.");
  for (const auto& p : state.plugins->loaded()) {
    m.sample("weir_plugin_info",
             "name=\"" + p->name + "\",version=\"" + prometheus_label(p->version) + "\",kind=\"" +
                 plugin_kind_name(p->table.kind) + "\"",
             1);
  }
  m.family("weir_plugins_rejected", "gauge",
           "Plugin files that were skipped (see GET /v1/plugins).");
  m.sample("weir_plugins_rejected", "", static_cast<double>(state.plugins->rejected().size()));
  const auto reloads = gateway_.reload_counts();
  m.family("weir_config_reloads_total", "counter",
           "Config reloads (SIGHUP or POST /v1/admin/reload), applied or refused.");
  m.sample("weir_config_reloads_total", "result=\"applied\"", static_cast<double>(reloads.applied));
  m.sample("weir_config_reloads_total", "result=\"refused\"", static_cast<double>(reloads.refused));
  const WorkerStats workers = workers_.stats();
  m.family("weir_worker_threads", "gauge",
           "Threads running blocking backend calls: all, busy, and busy past worker_blocked_ms.");
  m.sample("weir_worker_threads", "state=\"all\"", static_cast<double>(workers.threads));
  m.sample("weir_worker_threads", "state=\"busy\"", static_cast<double>(workers.busy));
  m.sample("weir_worker_threads", "state=\"blocked\"", static_cast<double>(workers.blocked));
  m.family("weir_worker_queue", "gauge", "Backend calls waiting for a worker thread.");
  m.sample("weir_worker_queue", "", static_cast<double>(workers.queued));

  struct Row {
    std::string labels;
    std::string state;
    weir_pool_stats pool;
    AdmissionStats admission;
    std::size_t transactions;
  };
  std::vector<Row> rows;
  for (const auto& [name, served] : state.databases) {
    if (!shown(name)) continue;
    rows.push_back({"database=\"" + prometheus_label(name) + "\"", served.database->health().state,
                    served.database->stats(),
                    served.admission != nullptr ? served.admission->stats() : AdmissionStats{},
                    gateway_.transactions().count(*served.database)});
  }
  const auto each = [&](const char* name, const char* type, const char* help, auto&& samples) {
    m.family(name, type, help);
    for (const auto& row : rows) samples(row);
  };
  const auto d = [](std::uint64_t v) { return static_cast<double>(v); };

  each("weir_database_up", "gauge",
       "1 when the database is healthy or degraded, 0 when unhealthy or unavailable.",
       [&](const Row& r) {
         m.sample("weir_database_up", r.labels, r.state == "healthy" || r.state == "degraded");
       });
  each("weir_pool_connections", "gauge", "Open backend connections by state.", [&](const Row& r) {
    m.sample("weir_pool_connections", r.labels + ",state=\"idle\"", r.pool.idle);
    m.sample("weir_pool_connections", r.labels + ",state=\"active\"", r.pool.active);
    m.sample("weir_pool_connections", r.labels + ",state=\"overflow\"", r.pool.overflow_active);
  });
  each("weir_pool_max_connections", "gauge", "The pool's max_size.",
       [&](const Row& r) { m.sample("weir_pool_max_connections", r.labels, r.pool.max_size); });
  each("weir_pool_waiting", "gauge", "Callers waiting in the pool's queue for a connection.",
       [&](const Row& r) { m.sample("weir_pool_waiting", r.labels, r.pool.waiting); });
  each("weir_pool_backoff_seconds", "gauge", "Current reconnect backoff; 0 while connecting works.",
       [&](const Row& r) {
         m.sample("weir_pool_backoff_seconds", r.labels, r.pool.backoff_ms / 1000.0);
       });
  each("weir_pool_connections_created_total", "counter", "Backend connections opened.",
       [&](const Row& r) {
         m.sample("weir_pool_connections_created_total", r.labels, d(r.pool.created));
       });
  each("weir_pool_connect_failures_total", "counter",
       "Failed attempts to open a backend connection.", [&](const Row& r) {
         m.sample("weir_pool_connect_failures_total", r.labels, d(r.pool.failed_connects));
       });
  each("weir_pool_connections_closed_total", "counter",
       "Backend connections closed by the pool, by reason.", [&](const Row& r) {
         m.sample("weir_pool_connections_closed_total", r.labels + ",reason=\"lifetime\"",
                  d(r.pool.recycled_lifetime));
         m.sample("weir_pool_connections_closed_total", r.labels + ",reason=\"idle\"",
                  d(r.pool.recycled_idle));
         m.sample("weir_pool_connections_closed_total", r.labels + ",reason=\"uses\"",
                  d(r.pool.recycled_uses));
         m.sample("weir_pool_connections_closed_total", r.labels + ",reason=\"broken\"",
                  d(r.pool.discarded_broken));
       });
  each("weir_pool_acquire_timeouts_total", "counter", "Acquisitions that gave up waiting.",
       [&](const Row& r) {
         m.sample("weir_pool_acquire_timeouts_total", r.labels, d(r.pool.timeouts));
       });
  each("weir_pool_leaks_total", "counter", "Leases reported as held past the leak timeout.",
       [&](const Row& r) { m.sample("weir_pool_leaks_total", r.labels, d(r.pool.leaks)); });
  each("weir_pool_acquire_wait_p99_seconds", "gauge",
       "99th percentile acquisition wait over the pool's recent window.", [&](const Row& r) {
         m.sample("weir_pool_acquire_wait_p99_seconds", r.labels, r.pool.wait_p99_us / 1e6);
       });
  each("weir_admission_requests", "gauge", "Requests running in, and queued for, a database.",
       [&](const Row& r) {
         m.sample("weir_admission_requests", r.labels + ",state=\"running\"",
                  d(r.admission.running));
         m.sample("weir_admission_requests", r.labels + ",state=\"queued\"", d(r.admission.queued));
       });
  each("weir_admission_rejected_total", "counter",
       "Requests refused by a database's admission queue.", [&](const Row& r) {
         m.sample("weir_admission_rejected_total", r.labels + ",reason=\"queue_full\"",
                  d(r.admission.rejected_full));
         m.sample("weir_admission_rejected_total", r.labels + ",reason=\"queue_timeout\"",
                  d(r.admission.rejected_timeout));
       });
  each("weir_transactions_open", "gauge",
       "Interactive transactions open on a database (each holds a connection and a slot).",
       [&](const Row& r) { m.sample("weir_transactions_open", r.labels, d(r.transactions)); });
  metrics_.render(m.text(), shown);

  HttpResponse response{http::status::ok, 11};
  response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  response.body() = std::move(m.text());
  return response;
}

}  // namespace weir
