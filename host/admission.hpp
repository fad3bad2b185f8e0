// weir::Admission — one database's front door. At most `capacity` requests
// (the pool's max_size + max_overflow) run at once; the rest wait in a
// bounded FIFO queue that holds no thread, each until its queue timeout or
// deadline. So a saturated or dead database fills only its own queue and
// never delays requests to another database.
#pragma once

#include "api_error.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

namespace weir {

// No defaults of its own: the gateway builds it from the pool's capacity and
// the config's limits (Limits in config.hpp holds the defaults).
struct AdmissionLimits {
  std::size_t capacity;                     // requests running at once
  std::size_t max_queue;                    // requests waiting at once
  std::chrono::milliseconds queue_timeout;  // longest wait in the queue
};

struct AdmissionStats {
  std::size_t running = 0;
  std::size_t queued = 0;
  std::uint64_t admitted = 0;
  std::uint64_t rejected_full = 0;
  std::uint64_t rejected_timeout = 0;
};

class Admission {
 public:
  using Clock = std::chrono::steady_clock;
  using Start = std::function<void()>;  // runs the request; must lead to finished()
  using Reject = std::function<void(const ApiError&)>;

  Admission(boost::asio::any_io_executor timers, std::string database, AdmissionLimits limits);
  Admission(const Admission&) = delete;
  Admission& operator=(const Admission&) = delete;

  // Starts the request now, queues it, or rejects it (queue full / wait over,
  // or `client_gone` stopped while it waits: then with client_closed_request).
  // Exactly one of `start` and `reject` is called, possibly on another thread.
  void submit(Clock::time_point deadline, Start start, Reject reject,
              std::stop_token client_gone = {});
  // A started request ended: admit the next waiter, if any.
  void finished();
  // The running request's turn outlives it: it stays counted as running
  // until one more finished() (an open transaction holds the turn of the
  // request that opened it until it ends).
  void keep_turn();

  // New limits from a reload; a larger capacity admits waiters at once.
  void update(AdmissionLimits limits);
  // Rejects every queued request, and every later one, with `why` (the
  // database was replaced by a reload, or the gateway is shutting down).
  void close(const ApiError& why);

  AdmissionStats stats() const;
  AdmissionLimits limits() const;
  const std::string& database() const noexcept { return database_; }

 private:
  struct Waiter {
    // A constructor, not aggregate initialisation: make_shared cannot use parentheses on an
    // aggregate with clang 14 (the fuzz preset's compiler).
    Waiter(Start start_with, Reject reject_with, boost::asio::steady_timer timer_on)
        : start(std::move(start_with)),
          reject(std::move(reject_with)),
          timer(std::move(timer_on)) {}

    Start start;
    Reject reject;
    boost::asio::steady_timer timer;
    std::list<std::shared_ptr<Waiter>>::iterator position;
    std::optional<std::stop_callback<std::function<void()>>> on_client_gone;
  };

  ApiError refusal(const std::string& code, const std::string& why) const;
  // Takes a waiter out of the queue; false if it already left. Needs mutex_.
  bool dequeue(Waiter& waiter);
  void expire(const std::shared_ptr<Waiter>& waiter, bool by_deadline);
  // The waiter's client went away: it leaves the queue (runs on the strand).
  void withdraw(const std::shared_ptr<Waiter>& waiter);
  // Starts queued requests while there is capacity; called with `lock` held, releases it.
  void admit_waiters(std::unique_lock<std::mutex> lock);

  // Every timer operation runs on this strand: timers are not thread-safe.
  boost::asio::strand<boost::asio::any_io_executor> timers_;
  const std::string database_;
  AdmissionLimits limits_;
  mutable std::mutex mutex_;
  std::list<std::shared_ptr<Waiter>> queue_;
  AdmissionStats stats_;
  std::optional<ApiError> closed_;
};

}  // namespace weir
