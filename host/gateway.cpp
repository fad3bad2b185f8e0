#include "gateway.hpp"

#include "config_error.hpp"
#include "logger.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>

namespace weir {

namespace {

AdmissionLimits admission_limits(const Database& database, const Limits& limits) {
  return {std::max<std::size_t>(1, database.capacity()), limits.max_queue, limits.queue_timeout};
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

}  // namespace

ServiceTicket::~ServiceTicket() {
  if (released_) released_();
}

void ServiceTicket::on_released(std::function<void()> released) {
  std::lock_guard lock(mutex_);
  released_ = std::move(released);
}

// A replaced database on its way out, retired exactly once: when the last
// snapshot holding it lets go (nothing can run on it then, so the drain is
// quick), or at the drain timeout, whichever comes first; then what still
// waits for it gets 503 database_replaced and what still runs is cancelled.
class Gateway::Retirement : public std::enable_shared_from_this<Retirement> {
 public:
  Retirement(std::shared_ptr<Database> database, std::shared_ptr<Admission> admission,
             Transactions& transactions, boost::asio::any_io_executor timers,
             std::chrono::milliseconds timeout)
      : database_(std::move(database)),
        admission_(std::move(admission)),
        transactions_(transactions),
        until_(Clock::now() + timeout),
        deadline_(std::move(timers), timeout) {}

  // Blocking work goes to `retirer`, never to the thread that let go or to an I/O thread.
  void arm(ServiceTicket& ticket, boost::asio::thread_pool& retirer) {
    auto retire_there = [self = shared_from_this(), &retirer] {
      boost::asio::post(retirer, [self] { self->retire(); });
    };
    ticket.on_released(retire_there);
    deadline_.async_wait([retire_there](boost::system::error_code ec) {
      if (!ec) retire_there();
    });
  }

  void retire() {
    std::call_once(once_, [this] {
      const std::string name = database_->name();
      admission_->close(ApiError(503, "database_replaced",
                                 "database \"" + name +
                                     "\" was replaced by a config reload while this request "
                                     "waited; send it again",
                                 true)
                            .with_retry_after(1));
      transactions_.end_all(*database_, Transactions::Ending::kReload);
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(until_ - Clock::now());
      database_->drain(std::max(left, std::chrono::milliseconds(0)));
      log_info("host", "database " + name + ": the previous pool is drained");
      done_ = true;
    });
  }
  bool done() const noexcept { return done_; }

 private:
  using Clock = std::chrono::steady_clock;
  std::shared_ptr<Database> database_;
  std::shared_ptr<Admission> admission_;
  Transactions& transactions_;
  Clock::time_point until_;
  // Not cancelled once retired (that would race its own completion): it fires, finds the
  // work done and lets go.
  boost::asio::steady_timer deadline_;
  std::once_flag once_;
  std::atomic<bool> done_{false};
};

const ServedDatabase* Snapshot::find(const std::string& name) const {
  const auto it = databases.find(name);
  return it == databases.end() ? nullptr : &it->second;
}

Gateway::Gateway(Config config, ConfigLoader loader, const std::filesystem::path& executable_dir,
                 boost::asio::any_io_executor timers)
    : loader_(std::move(loader)), executable_dir_(executable_dir), timers_(std::move(timers)) {
  ReloadReport report;
  publish(build(std::move(config), nullptr, true, report));
  background_ = std::jthread([this](std::stop_token stop) { background_loop(stop); });
}

Gateway::~Gateway() {
  background_ = {};  // stops and joins
  retirer_.join();
}

std::shared_ptr<const Snapshot> Gateway::snapshot() const {
  std::lock_guard lock(snapshot_mutex_);
  return snapshot_;
}

std::shared_ptr<Database> Gateway::open_database(const DatabaseConfig& db, const Snapshot& next,
                                                 bool strict) const {
  auto plugin = next.plugins->find(db.backend);
  const std::string reason = plugin == nullptr ? missing_plugin_reason(db, *next.plugins) : "";
  auto database = std::make_shared<Database>(db, std::move(plugin), reason);
  try {
    database->open(next.config.workspace.data_dir);
  } catch (const ConfigError& e) {
    throw ConfigError("config " + next.config.source + ": " + e.what());
  }
  if (!database->available() && strict && !db.optional)
    throw StartupError("database \"" + db.name + "\": " + database->health().reason);
  return database;
}

std::shared_ptr<Snapshot> Gateway::build(Config config, const Snapshot* current, bool strict,
                                         ReloadReport& report) const {
  const auto dirs = plugin_search_path(config.plugin_dirs, executable_dir_);
  auto plugins = std::make_shared<PluginCatalog>();
  if (current != nullptr)
    *plugins = PluginCatalog::rescan(*current->plugins, dirs);
  else
    plugins->scan(dirs);
  // Every database's settings, before any pool opens: a refused one leaves nothing half-opened.
  check_backend_settings(config, *plugins, strict);
  AccessControl access(config.tokens);
  auto next = std::make_shared<Snapshot>(
      Snapshot{std::move(config), std::move(plugins), std::move(access), {}});

  for (const auto& db : next->config.databases) {
    const ServedDatabase* old = current != nullptr ? current->find(db.name) : nullptr;
    if (old != nullptr && old->database->available() && old->database->config() == db) {
      next->databases.emplace(db.name, *old);
      report.unchanged.push_back(db.name);
      continue;
    }
    ServedDatabase served{open_database(db, *next, strict), nullptr};
    if (served.database->available()) {
      served.admission = std::make_shared<Admission>(
          timers_, db.name, admission_limits(*served.database, next->config.limits));
    }
    (old != nullptr ? report.replaced : report.added).push_back(db.name);
    next->databases.emplace(db.name, std::move(served));
  }
  if (current != nullptr) {
    for (const auto& [name, served] : current->databases) {
      if (next->find(name) == nullptr) report.removed.push_back(name);
    }
  }
  return next;
}

void Gateway::publish(std::shared_ptr<Snapshot> next) {
  std::shared_ptr<const Snapshot> previous;
  {
    std::lock_guard lock(snapshot_mutex_);
    previous = std::exchange(snapshot_, next);
  }
  for (const auto& [name, served] : next->databases) {
    const auto* before = previous != nullptr ? previous->find(name) : nullptr;
    if (before != nullptr && before->database == served.database) {
      // Kept as is; the queue limits may have changed.
      served.admission->update(admission_limits(*served.database, next->config.limits));
    } else if (served.database->available()) {
      log_info("host",
               "database " + name + " ready on backend " + served.database->config().backend);
    } else {
      log_warn("host", "database " + name +
                           (served.database->config().optional ? " (optional)" : "") +
                           " is unavailable: " + served.database->health().reason +
                           "; retrying in the background");
    }
  }
  if (previous == nullptr) return;
  for (const auto& [id, listener] : listeners_) listener(*previous, *next);
  std::erase_if(retiring_, [](const auto& retirement) { return retirement->done(); });
  for (const auto& [name, old] : previous->databases) {
    const auto* now = next->find(name);
    if (old.database->available() && (now == nullptr || now->database != old.database)) {
      // Holds the database and its queue, not the ticket: the snapshots alone decide when.
      auto retirement = std::make_shared<Retirement>(old.database, old.admission, transactions_,
                                                     timers_, next->config.drain_timeout);
      retirement->arm(*old.ticket, retirer_);
      retiring_.push_back(std::move(retirement));
    }
  }
}

ReloadReport Gateway::reload() {
  std::lock_guard lock(change_mutex_);
  const auto current = snapshot();
  ReloadReport report;
  try {
    if (!loader_) throw ConfigError("this gateway was started without a config source to re-read");
    Config config = loader_();
    report.restart_required = keep_restart_only_settings(current->config, config);
    publish(build(std::move(config), current.get(), true, report));
  } catch (const std::exception& e) {
    ++reloads_refused_;
    log_error("host",
              std::string("reload refused, still serving the previous config: ") + e.what());
    if (dynamic_cast<const ConfigError*>(&e) != nullptr) throw;
    throw ConfigError(e.what());
  }
  ++reloads_applied_;
  const auto& config = snapshot()->config;
  Logger::instance().configure(config.log_level, config.log_format);
  log_info("host", "reloaded " + config.source + ": added " + joined(report.added) + "; replaced " +
                       joined(report.replaced) + "; removed " + joined(report.removed) +
                       "; unchanged " + joined(report.unchanged));
  for (const auto& field : report.restart_required) {
    log_warn("host", "reload: \"" + field +
                         "\" changed but takes effect only after a restart; keeping the running "
                         "value");
  }
  return report;
}

std::uint64_t Gateway::on_new_snapshot(SnapshotListener listener) {
  std::lock_guard lock(change_mutex_);
  listeners_.emplace(next_listener_, std::move(listener));
  return next_listener_++;
}

void Gateway::remove_listener(std::uint64_t id) {
  std::lock_guard lock(change_mutex_);
  listeners_.erase(id);
}

void Gateway::request_reload() {
  {
    std::lock_guard lock(wake_mutex_);
    reload_requested_ = true;
  }
  wake_.notify_all();
}

void Gateway::retry_unavailable() {
  std::lock_guard lock(change_mutex_);
  const auto current = snapshot();
  const bool any_unavailable =
      std::any_of(current->databases.begin(), current->databases.end(),
                  [](const auto& entry) { return !entry.second.database->available(); });
  if (!any_unavailable) return;
  ReloadReport report;
  try {
    auto next = build(current->config, current.get(), false, report);
    const bool recovered = std::any_of(
        report.replaced.begin(), report.replaced.end(),
        [&](const std::string& name) { return next->find(name)->database->available(); });
    if (recovered) publish(std::move(next));
  } catch (const std::exception& e) {
    // E.g. a plugin installed since start refuses the database's settings; it says so each time.
    log_warn("host", std::string("retrying unavailable databases: ") + e.what());
  }
}

void Gateway::background_loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    bool reload_now = false;
    {
      std::unique_lock lock(wake_mutex_);
      const auto interval = snapshot()->config.retry_interval;
      const auto requested = [this] { return reload_requested_; };
      if (interval.count() > 0)
        wake_.wait_for(lock, stop, interval, requested);
      else
        wake_.wait(lock, stop, requested);
      if (stop.stop_requested()) return;
      reload_now = std::exchange(reload_requested_, false);
    }
    if (!reload_now) {
      retry_unavailable();
      continue;
    }
    try {
      reload();
    } catch (const ConfigError&) {
      // Logged by reload(); the previous config keeps serving.
    }
  }
}

void Gateway::drain() {
  background_ = {};  // no reload or retry may start now
  std::vector<std::thread> threads;
  {
    // Replaced databases still draining finish now, within their own timeout.
    std::lock_guard lock(change_mutex_);
    for (auto& retirement : retiring_) retirement->retire();
    retiring_.clear();
  }
  const auto current = snapshot();
  for (const auto& [name, served] : current->databases) {
    // Whatever still waits past the drain gets an answer rather than a closed socket.
    if (served.admission != nullptr)
      served.admission->close(
          ApiError(503, "shutting_down", "the gateway is shutting down", true).with_retry_after(1));
    threads.emplace_back([this, &db = *served.database, timeout = current->config.drain_timeout] {
      transactions_.end_all(db, Transactions::Ending::kShutdown);
      db.drain(timeout);
    });
  }
  for (auto& t : threads) t.join();
}

}  // namespace weir
