// weir::Transactions — the open interactive transactions of the whole
// gateway (POST /v1/databases/{name}/transactions, docs/http-api.yaml). Each
// holds a connection (Database::HeldTransaction) and the admission turn of
// the request that opened it until it ends: committed, rolled back, idle past
// its limit, its database replaced by a reload, the shutdown drain, or its
// connection broken. A client learns which on its next call: an ended
// transaction leaves its verdict behind for a while. Ids are 128 random bits
// bound to the client that opened them; to anyone else they do not exist
// (404), so ids never leak through a different answer.
#pragma once

#include "admission.hpp"
#include "api_error.hpp"
#include "database.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace weir {

class Transactions {
 public:
  // From the config's limits when the transaction opens.
  struct OpenLimits {
    std::chrono::milliseconds idle;  // rolled back after this long without a request
    std::size_t max_per_client;      // open at once per client
  };
  // Who calls about which transaction.
  struct Handle {
    const std::string& id;
    const std::string& client;  // Caller::client_id
    const Database& database;   // the one in the request's path
  };

  Transactions();
  ~Transactions();
  Transactions(const Transactions&) = delete;
  Transactions& operator=(const Transactions&) = delete;

  // Begins a transaction on `database` for `client` and returns its id. Called in an
  // admission turn of `admission`, which the transaction keeps until it ends.
  // Throws 429 too_many_transactions past the client's limit, or the begin's error.
  std::string open(std::shared_ptr<Database> database, std::shared_ptr<Admission> admission,
                   const std::string& client, const boost::json::object& options,
                   const OpenLimits& limits, const RequestContext& context);
  // Runs one statement (the query endpoint's request) in the transaction.
  std::string execute(const Handle& handle, const boost::json::object& request, bool read_only,
                      const RequestContext& context);
  // The same without a thread waiting on the backend, called on `loop`'s thread when the
  // database runs_on_loop: throws what execute throws before the statement starts; after,
  // `done` gets what execute returns or throws. Ending the transaction (its connection
  // broke, or it was ended meanwhile) rolls back and returns its connection, which may
  // wait: that, and then `done`, run on `workers`.
  void execute_on_loop(const Handle& handle, const boost::json::object& request, bool read_only,
                       RequestContext context, boost::asio::io_context& loop, WorkerPool& workers,
                       std::function<void(Database::LoopOutcome)> done);
  // End it; each returns the response body.
  std::string commit(const Handle& handle, const RequestContext& context);
  std::string rollback(const Handle& handle);

  // Why every transaction on a database ends at once.
  enum class Ending { kReload, kShutdown };
  // Rolls back every transaction on `database`: idle ones now, one running a
  // request when that request returns.
  void end_all(const Database& database, Ending why);

  // For the database's description: owner, age and idle time of each open transaction.
  boost::json::array describe(const Database& database) const;
  // How many are open on `database` (for the metrics).
  std::size_t count(const Database& database) const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry;

  // The client's open transaction for one request: throws its verdict if it ended, 404
  // if it is unknown, someone else's or on another database, 409 while a request runs on it.
  std::shared_ptr<Entry> take(const Handle& handle);
  // Back after a request; when it was ended from outside meanwhile, ends it and throws why.
  void put_back(const std::shared_ptr<Entry>& entry);
  // Back after a request, unless it was ended from outside meanwhile: then it stays taken
  // and the verdict is returned, for the caller to finish it where that may wait.
  std::optional<ApiError> give_back(const std::shared_ptr<Entry>& entry);
  // Runs work that may wait on a thread that may: at once on a worker, posted from a loop.
  using OffLoop = std::function<void(std::function<void()>)>;
  // After a statement whose result or error is `outcome`: gives the transaction back, or
  // ends it (through `where`) when its connection broke or it was ended meanwhile, then
  // tells `done` what the client hears.
  void after_statement(const std::shared_ptr<Entry>& entry, Database::LoopOutcome outcome,
                       const OffLoop& where,
                       const std::function<void(Database::LoopOutcome)>& done);
  // Ends a taken transaction: `verdict` is what later calls get; rolls back unless committed.
  void finish(const std::shared_ptr<Entry>& entry, const ApiError& verdict);
  // What a failure on a broken connection becomes, and what later calls hear.
  static ApiError connection_lost(const ApiError& failure, bool during_commit);
  void forget_old_verdicts(Clock::time_point now);
  void expire_idle(std::stop_token stop);

  struct Verdict {
    std::string client;
    std::string database;
    ApiError error;
  };

  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Entry>> open_;
  std::map<std::string, Verdict> ended_;
  std::deque<std::pair<Clock::time_point, std::string>> ended_order_;  // oldest first
  std::condition_variable_any idle_changed_;
  bool idle_changed_flag_ = false;  // a transaction became idle since the reaper looked
  std::jthread reaper_;             // last: stopped and joined first
};

}  // namespace weir
