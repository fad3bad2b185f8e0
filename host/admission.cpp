#include "admission.hpp"

#include <boost/asio/post.hpp>

#include <vector>

namespace weir {

Admission::Admission(boost::asio::any_io_executor timers, std::string database,
                     AdmissionLimits limits)
    : timers_(boost::asio::make_strand(std::move(timers))),
      database_(std::move(database)),
      limits_(limits) {}

ApiError Admission::refusal(const std::string& code, const std::string& why) const {
  ApiError e(503, code,
             "database \"" + database_ + "\" is saturated: " + why + " (" +
                 std::to_string(stats_.running) + " running of " +
                 std::to_string(limits_.capacity) + ", " + std::to_string(stats_.queued) +
                 " queued of " + std::to_string(limits_.max_queue) + ")",
             true);
  e.extra()["database"] = database_;
  e.extra()["running"] = stats_.running;
  e.extra()["queued"] = stats_.queued;
  e.extra()["capacity"] = limits_.capacity;
  e.with_retry_after(1);
  return e;
}

void Admission::submit(Clock::time_point deadline, Start start, Reject reject,
                       std::stop_token client_gone) {
  std::unique_lock lock(mutex_);
  if (closed_) {
    const ApiError error = *closed_;
    lock.unlock();
    return reject(error);
  }
  if (stats_.running < limits_.capacity && queue_.empty()) {
    ++stats_.running;
    ++stats_.admitted;
    lock.unlock();
    return start();
  }
  if (queue_.size() >= limits_.max_queue) {
    ++stats_.rejected_full;
    const auto error = refusal("queue_full", "its admission queue is full");
    lock.unlock();
    return reject(error);
  }
  auto waiter = std::make_shared<Waiter>(std::move(start), std::move(reject),
                                         boost::asio::steady_timer(timers_));
  const auto queue_limit = Clock::now() + limits_.queue_timeout;
  const bool by_deadline = deadline < queue_limit;
  waiter->position = queue_.insert(queue_.end(), waiter);
  stats_.queued = queue_.size();
  boost::asio::post(timers_,
                    [this, waiter, until = by_deadline ? deadline : queue_limit, by_deadline] {
                      waiter->timer.expires_at(until);
                      waiter->timer.async_wait([this, w = std::weak_ptr<Waiter>(waiter),
                                                by_deadline](const boost::system::error_code& ec) {
                        if (ec) return;  // cancelled: the waiter was admitted
                        if (auto waiter = w.lock()) expire(waiter, by_deadline);
                      });
                    });
  lock.unlock();
  // Registered unlocked: it runs at once if the client is already gone. It
  // only posts, as it runs on the I/O thread that noticed.
  waiter->on_client_gone.emplace(std::move(client_gone), [this, w = std::weak_ptr(waiter)] {
    boost::asio::post(timers_, [this, w] {
      if (auto waiter = w.lock()) withdraw(waiter);
    });
  });
}

bool Admission::dequeue(Waiter& waiter) {
  if (waiter.position == queue_.end()) return false;  // admitted or rejected meanwhile
  queue_.erase(waiter.position);
  waiter.position = queue_.end();
  stats_.queued = queue_.size();
  return true;
}

void Admission::withdraw(const std::shared_ptr<Waiter>& waiter) {
  std::unique_lock lock(mutex_);
  if (!dequeue(*waiter)) return;
  lock.unlock();
  waiter->timer.cancel();
  waiter->reject(client_closed_request());
}

void Admission::expire(const std::shared_ptr<Waiter>& waiter, bool by_deadline) {
  std::unique_lock lock(mutex_);
  if (!dequeue(*waiter)) return;
  ++stats_.rejected_timeout;
  ApiError error =
      by_deadline
          ? ApiError(
                504, "timeout",
                "the request's deadline passed while it waited for database \"" + database_ + "\"",
                true)
          : refusal("queue_timeout", "no slot freed within limits.queue_timeout_ms (" +
                                         std::to_string(limits_.queue_timeout.count()) + " ms)");
  lock.unlock();
  waiter->reject(error);
}

void Admission::finished() {
  std::unique_lock lock(mutex_);
  --stats_.running;
  admit_waiters(std::move(lock));
}

void Admission::keep_turn() {
  std::lock_guard lock(mutex_);
  ++stats_.running;
}

void Admission::update(AdmissionLimits limits) {
  std::unique_lock lock(mutex_);
  limits_ = limits;
  admit_waiters(std::move(lock));
}

void Admission::close(const ApiError& why) {
  std::unique_lock lock(mutex_);
  closed_ = why;
  auto waiters = std::move(queue_);  // leaves queue_ empty
  stats_.queued = 0;
  for (auto& waiter : waiters) waiter->position = queue_.end();
  lock.unlock();
  for (auto& waiter : waiters) {
    boost::asio::post(timers_, [waiter] { waiter->timer.cancel(); });
    waiter->reject(why);
  }
}

void Admission::admit_waiters(std::unique_lock<std::mutex> lock) {
  std::vector<std::shared_ptr<Waiter>> admitted;
  while (!queue_.empty() && stats_.running < limits_.capacity) {
    auto next = queue_.front();
    queue_.pop_front();
    next->position = queue_.end();
    ++stats_.running;
    ++stats_.admitted;
    admitted.push_back(std::move(next));
  }
  stats_.queued = queue_.size();
  lock.unlock();
  for (auto& next : admitted) {
    boost::asio::post(timers_, [next] { next->timer.cancel(); });
    next->start();
  }
}

AdmissionStats Admission::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

AdmissionLimits Admission::limits() const {
  std::lock_guard lock(mutex_);
  return limits_;
}

}  // namespace weir
