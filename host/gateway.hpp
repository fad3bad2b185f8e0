// weir::Gateway — what the HTTP API serves: the loaded plugins, the API
// tokens and, per configured database, its Database and admission queue.
// All of it lives in one immutable Snapshot. A reload builds the next
// snapshot and swaps it in; every request keeps the snapshot it started with
// until it ends, so a reload never pulls a database, a token or a plugin out
// from under a running request.
#pragma once

#include "access.hpp"
#include "admission.hpp"
#include "config.hpp"
#include "config_check.hpp"
#include "database.hpp"
#include "plugin_loader.hpp"
#include "transactions.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace weir {

// Shared by every snapshot that serves one database (requests hold
// snapshots): when the last of them lets go, no request can reach the
// database any more, and the ticket runs what was registered for that moment.
class ServiceTicket {
 public:
  ~ServiceTicket();
  // `released` runs once, on the thread that drops the last snapshot.
  void on_released(std::function<void()> released);

 private:
  std::mutex mutex_;
  std::function<void()> released_;
};

struct ServedDatabase {
  std::shared_ptr<Database> database;
  std::shared_ptr<Admission> admission;  // null while the database is unavailable
  std::shared_ptr<ServiceTicket> ticket = std::make_shared<ServiceTicket>();
};

struct Snapshot {
  Config config;
  std::shared_ptr<const PluginCatalog> plugins;
  AccessControl access;
  std::map<std::string, ServedDatabase> databases;

  const ServedDatabase* find(const std::string& name) const;
};

// What a reload did, by database name.
struct ReloadReport {
  std::vector<std::string> added;
  std::vector<std::string> replaced;  // settings changed, or it was unavailable and was reopened
  std::vector<std::string> removed;
  std::vector<std::string> unchanged;
  std::vector<std::string> restart_required;  // changed settings a reload cannot apply
};

struct ReloadCounts {
  std::uint64_t applied = 0;
  std::uint64_t refused = 0;
};

class Gateway {
 public:
  // Re-reads the configuration for a reload (the same file and command-line overrides).
  using ConfigLoader = std::function<Config()>;

  // Loads plugins and opens every database. A missing plugin makes an
  // optional database unavailable and a required one a StartupError; a
  // setting the plugin refuses is always a ConfigError. `timers` runs the
  // admission queues' timeouts. Unavailable databases are retried in the
  // background every `retry_interval_ms`.
  Gateway(Config config, ConfigLoader loader, const std::filesystem::path& executable_dir,
          boost::asio::any_io_executor timers);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // What requests starting now are served by. Cheap: one shared_ptr copy.
  std::shared_ptr<const Snapshot> snapshot() const;

  // Re-reads the config and rescans the plugin directories. New databases
  // open; changed ones are replaced, the old one draining in the background
  // once its requests are done; unchanged ones are kept as they are. Throws
  // ConfigError, and keeps serving the previous config, when the new config
  // is invalid, a plugin refuses its settings, or a required database in it
  // cannot be opened.
  ReloadReport reload();
  // Asks the background thread to reload (for SIGHUP: returns at once).
  void request_reload();
  ReloadCounts reload_counts() const noexcept {
    return {reloads_applied_.load(), reloads_refused_.load()};
  }

  // Stops background work, rolls back open transactions and drains every
  // pool (in parallel), each up to the config's drain timeout.
  void drain();

  // The open interactive transactions: a reload that replaces their database
  // and the drain roll them back.
  Transactions& transactions() noexcept { return transactions_; }

  // Called with the snapshots before and after each one that replaces another (a reload, a
  // database that came back), under the change lock: keep it short. Returns its id.
  using SnapshotListener = std::function<void(const Snapshot& before, const Snapshot& after)>;
  std::uint64_t on_new_snapshot(SnapshotListener listener);
  // Returns once the listener is not running and will not be called again.
  void remove_listener(std::uint64_t id);

 private:
  // Builds the snapshot for `config`, reusing what `current` (may be null)
  // serves unchanged. `strict`: a required database that cannot be opened
  // throws StartupError instead of being served as unavailable.
  std::shared_ptr<Snapshot> build(Config config, const Snapshot* current, bool strict,
                                  ReloadReport& report) const;
  std::shared_ptr<Database> open_database(const DatabaseConfig& db, const Snapshot& next,
                                          bool strict) const;
  class Retirement;
  // Swaps `next` in and retires what `current` served that `next` does not.
  void publish(std::shared_ptr<Snapshot> next);
  void retry_unavailable();
  void background_loop(std::stop_token stop);

  ConfigLoader loader_;
  std::filesystem::path executable_dir_;
  boost::asio::any_io_executor timers_;

  std::mutex change_mutex_;  // one reload or retry at a time
  mutable std::mutex snapshot_mutex_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::vector<std::shared_ptr<Retirement>> retiring_;    // guarded by change_mutex_
  std::map<std::uint64_t, SnapshotListener> listeners_;  // guarded by change_mutex_
  std::uint64_t next_listener_ = 0;                      // guarded by change_mutex_
  Transactions transactions_;  // outlives the retirer, which ends transactions
  boost::asio::thread_pool retirer_{
      1};  // drains replaced pools: blocking work, off the I/O threads

  std::atomic<std::uint64_t> reloads_applied_{0};
  std::atomic<std::uint64_t> reloads_refused_{0};
  std::mutex wake_mutex_;
  std::condition_variable_any wake_;
  bool reload_requested_ = false;  // guarded by wake_mutex_
  std::jthread background_;        // last: stopped and joined first
};

}  // namespace weir
