#include "transactions.hpp"

#include "logger.hpp"
#include "worker_pool.hpp"

#include <boost/algorithm/hex.hpp>

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <optional>
#include <utility>

namespace weir {

namespace {

// How long, and how many, ended transactions' verdicts are kept for their clients.
constexpr std::chrono::minutes kVerdictKept{10};
constexpr std::size_t kMaxVerdicts = 10000;

// 128 bits from OpenSSL's CSPRNG, as hex: nobody guesses another client's id.
std::string new_id() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    throw ApiError(500, "internal", "the random number generator failed");
  std::string id;
  boost::algorithm::hex_lower(bytes.begin(), bytes.end(), std::back_inserter(id));
  return id;
}

// What later calls on an ended transaction get: 410, a code for the reason, and what
// became of its work.
ApiError ended(const std::string& code, const std::string& why, const char* outcome) {
  ApiError e(410, code, "this transaction " + why + "; open a new one");
  e.extra()["outcome"] = outcome;
  return e;
}

std::int64_t millis_since(std::chrono::steady_clock::time_point then,
                          std::chrono::steady_clock::time_point now) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - then).count();
}

ApiError replaced(const std::string& database) {
  return ended("transaction_database_replaced",
               "was rolled back: database \"" + database + "\" was replaced by a config reload",
               "rolled_back");
}

}  // namespace

struct Transactions::Entry {
  std::string id;
  std::string client;
  std::shared_ptr<Database> database;
  std::shared_ptr<Admission> admission;
  std::chrono::milliseconds idle_limit{0};
  Clock::time_point opened = Clock::now();
  // Guarded by mutex_:
  Clock::time_point last_active = opened;
  bool busy = true;  // while it opens or a request runs on it
  std::optional<ApiError> ended_meanwhile;
  // Touched only by whoever holds it busy:
  std::unique_ptr<Database::HeldTransaction> held;
  bool holds_turn = false;
};

Transactions::Transactions()
    : reaper_([this](std::stop_token stop) { expire_idle(std::move(stop)); }) {}

Transactions::~Transactions() = default;

std::string Transactions::open(std::shared_ptr<Database> database,
                               std::shared_ptr<Admission> admission, const std::string& client,
                               const boost::json::object& options, const OpenLimits& limits,
                               const RequestContext& context) {
  auto entry = std::make_shared<Entry>();
  entry->id = new_id();
  entry->client = client;
  entry->database = std::move(database);
  entry->admission = std::move(admission);
  entry->idle_limit = limits.idle;
  {
    // Counted from here, so concurrent opens cannot pass the limit together.
    std::lock_guard lock(mutex_);
    const auto held = std::count_if(open_.begin(), open_.end(), [&](const auto& open) {
      return open.second->client == client;
    });
    if (static_cast<std::size_t>(held) >= limits.max_per_client) {
      throw ApiError(429, "too_many_transactions",
                     "client \"" + client + "\" already holds " + std::to_string(held) +
                         " open transactions (limits.max_transactions_per_client); commit or "
                         "roll one back first");
    }
    open_.emplace(entry->id, entry);
  }
  try {
    entry->held = entry->database->begin_transaction(options, context);
  } catch (...) {
    std::lock_guard lock(mutex_);
    open_.erase(entry->id);
    throw;
  }
  entry->admission->keep_turn();
  entry->holds_turn = true;
  put_back(entry);
  log_debug("host",
            "transaction opened on database " + entry->database->name() + " for client " + client);
  return entry->id;
}

std::shared_ptr<Transactions::Entry> Transactions::take(const Handle& handle) {
  std::unique_lock lock(mutex_);
  const auto it = open_.find(handle.id);
  if (it == open_.end() || it->second->client != handle.client ||
      it->second->database->name() != handle.database.name()) {
    forget_old_verdicts(Clock::now());
    const auto verdict = ended_.find(handle.id);
    if (verdict != ended_.end() && verdict->second.client == handle.client &&
        verdict->second.database == handle.database.name())
      throw verdict->second.error;
    ApiError e(404, "transaction_not_found",
               "no open transaction with this id on database \"" + handle.database.name() +
                   "\" for this client (ids are per client; ended ones are remembered for " +
                   std::to_string(kVerdictKept.count()) + " minutes)");
    e.extra()["database"] = handle.database.name();
    throw e;
  }
  const auto entry = it->second;
  if (entry->database.get() != &handle.database && !entry->busy) {
    // The request's snapshot serves a newer database of that name: a reload replaced
    // this one, and the client hears so now rather than once the old one is retired.
    entry->busy = true;
    lock.unlock();
    const auto verdict = replaced(handle.database.name());
    finish(entry, verdict);
    throw verdict;
  }
  if (entry->busy) {
    throw ApiError(409, "transaction_busy",
                   "another request of this transaction is still running; a transaction runs "
                   "one request at a time",
                   true);
  }
  entry->busy = true;
  return entry;
}

void Transactions::put_back(const std::shared_ptr<Entry>& entry) {
  if (auto verdict = give_back(entry)) {
    finish(entry, *verdict);
    throw *verdict;
  }
}

std::optional<ApiError> Transactions::give_back(const std::shared_ptr<Entry>& entry) {
  std::unique_lock lock(mutex_);
  entry->last_active = Clock::now();
  if (entry->ended_meanwhile) return entry->ended_meanwhile;
  entry->busy = false;
  idle_changed_flag_ = true;
  lock.unlock();
  idle_changed_.notify_all();
  return std::nullopt;
}

void Transactions::finish(const std::shared_ptr<Entry>& entry, const ApiError& verdict) {
  {
    std::lock_guard lock(mutex_);
    open_.erase(entry->id);
    const auto now = Clock::now();
    forget_old_verdicts(now);
    ended_.insert_or_assign(entry->id, Verdict{entry->client, entry->database->name(), verdict});
    ended_order_.emplace_back(now, entry->id);
  }
  entry->held.reset();  // rolls back what is still open, returns the connection
  if (entry->holds_turn) entry->admission->finished();
}

void Transactions::forget_old_verdicts(Clock::time_point now) {
  while (!ended_order_.empty() &&
         (ended_order_.front().first + kVerdictKept <= now || ended_.size() > kMaxVerdicts)) {
    ended_.erase(ended_order_.front().second);
    ended_order_.pop_front();
  }
}

ApiError Transactions::connection_lost(const ApiError& failure, bool during_commit) {
  ApiError lost = during_commit
                      ? ended("transaction_connection_lost",
                              "lost its connection during commit, so whether it was committed "
                              "is unknown (" +
                                  std::string(failure.what()) + ")",
                              "unknown")
                      : ended("transaction_connection_lost",
                              "lost its connection to the backend, which rolled it back (" +
                                  std::string(failure.what()) + ")",
                              "rolled_back");
  for (const auto& member : failure.extra())
    if (!lost.extra().contains(member.key())) lost.extra()[member.key()] = member.value();
  return lost;
}

std::string Transactions::execute(const Handle& handle, const boost::json::object& request,
                                  bool read_only, const RequestContext& context) {
  const auto entry = take(handle);
  Database::LoopOutcome outcome;
  try {
    outcome.result = entry->held->execute(request, read_only, context);
  } catch (const ApiError& e) {
    outcome.error = e;
  } catch (...) {
    put_back(entry);
    throw;
  }
  Database::LoopOutcome heard;
  after_statement(
      entry, std::move(outcome), [](const std::function<void()>& ending) { ending(); },
      [&heard](Database::LoopOutcome told) { heard = std::move(told); });
  if (heard.error) throw *heard.error;
  return std::move(heard.result);
}

void Transactions::execute_on_loop(const Handle& handle, const boost::json::object& request,
                                   bool read_only, RequestContext context,
                                   boost::asio::io_context& loop, WorkerPool& workers,
                                   std::function<void(Database::LoopOutcome)> done) {
  const auto entry = take(handle);
  try {
    entry->held->execute_on_loop(
        request, read_only, std::move(context), loop, workers,
        [this, entry, &workers, done = std::move(done)](Database::LoopOutcome outcome) {
          after_statement(
              entry, std::move(outcome),
              [&workers](std::function<void()> ending) { workers.post(std::move(ending)); }, done);
        });
  } catch (...) {
    put_back(entry);
    throw;
  }
}

void Transactions::after_statement(const std::shared_ptr<Entry>& entry,
                                   Database::LoopOutcome outcome, const OffLoop& where,
                                   const std::function<void(Database::LoopOutcome)>& done) {
  std::optional<ApiError> verdict;
  if (outcome.error && entry->held->broken())
    verdict = connection_lost(*outcome.error, false);
  else
    verdict = give_back(entry);
  if (!verdict) return done(std::move(outcome));
  where([this, entry, verdict = *verdict, done] {
    finish(entry, verdict);
    done({{}, verdict, false});
  });
}

std::string Transactions::commit(const Handle& handle, const RequestContext& context) {
  const auto entry = take(handle);
  try {
    entry->held->commit(context);
  } catch (const ApiError& e) {
    if (entry->held->broken()) {
      const ApiError lost = connection_lost(e, true);
      finish(entry, lost);
      throw lost;
    }
    // After a failed commit the transaction is over; a timeout leaves its outcome unknown.
    const bool unknown = e.http_status() == 504;
    ApiError failed = e;
    failed.extra()["outcome"] = unknown ? "unknown" : "rolled_back";
    finish(entry, ended("transaction_ended",
                        unknown ? "timed out in its commit, so whether it was committed is unknown"
                                : "failed to commit and was rolled back",
                        unknown ? "unknown" : "rolled_back"));
    throw failed;
  } catch (...) {
    finish(entry,
           ended("transaction_ended", "failed to commit and was rolled back", "rolled_back"));
    throw;
  }
  finish(entry, ended("transaction_ended", "was committed", "committed"));
  return R"({"committed":true})";
}

std::string Transactions::rollback(const Handle& handle) {
  finish(take(handle), ended("transaction_ended", "was rolled back", "rolled_back"));
  return R"({"rolled_back":true})";
}

void Transactions::end_all(const Database& database, Ending why) {
  const ApiError verdict =
      why == Ending::kReload
          ? replaced(database.name())
          : ended("transaction_shutdown", "was rolled back: the gateway shut down", "rolled_back");
  std::vector<std::shared_ptr<Entry>> idle;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, entry] : open_) {
      if (entry->database.get() != &database) continue;
      if (entry->busy) {
        entry->ended_meanwhile = verdict;  // its request ends it on return (put_back)
      } else {
        entry->busy = true;
        idle.push_back(entry);
      }
    }
  }
  for (const auto& entry : idle) finish(entry, verdict);
  if (!idle.empty())
    log_info("host", "database " + database.name() + ": rolled back " +
                         std::to_string(idle.size()) + " open transaction(s)");
}

boost::json::array Transactions::describe(const Database& database) const {
  boost::json::array out;
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  for (const auto& [id, entry] : open_) {
    if (entry->database.get() != &database) continue;
    out.push_back(
        boost::json::object{{"client", entry->client},
                            {"age_ms", millis_since(entry->opened, now)},
                            {"idle_ms", entry->busy ? 0 : millis_since(entry->last_active, now)},
                            {"running", entry->busy}});
  }
  return out;
}

std::size_t Transactions::count(const Database& database) const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(open_.begin(), open_.end(), [&](const auto& open) {
    return open.second->database.get() == &database;
  }));
}

void Transactions::expire_idle(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    const auto now = Clock::now();
    std::vector<std::shared_ptr<Entry>> expired;
    std::optional<Clock::time_point> next;
    for (const auto& [id, entry] : open_) {
      if (entry->busy) continue;  // idle time starts when its request returns
      const auto due = entry->last_active + entry->idle_limit;
      if (due <= now) {
        entry->busy = true;
        expired.push_back(entry);
      } else if (!next || due < *next) {
        next = due;
      }
    }
    if (!expired.empty()) {
      lock.unlock();
      for (const auto& entry : expired) {
        const auto limit = std::to_string(entry->idle_limit.count());
        log_info("host", "database " + entry->database->name() + ": transaction of client " +
                             entry->client + " rolled back after " + limit + " ms idle");
        finish(entry,
               ended("transaction_expired",
                     "was rolled back after " + limit + " ms idle (limits.transaction_idle_ms)",
                     "rolled_back"));
      }
      lock.lock();
      continue;
    }
    // Woken by put_back (a transaction became idle), the next due time or the stop.
    const auto woken = [this] { return std::exchange(idle_changed_flag_, false); };
    if (next)
      idle_changed_.wait_until(lock, stop, *next, woken);
    else
      idle_changed_.wait(lock, stop, woken);
  }
}

}  // namespace weir
