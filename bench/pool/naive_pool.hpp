// The baseline: what a pool looks like before it has any of weir's features —
// one mutex, a deque of idle connections and a condition variable. No FIFO
// guarantee, no validation, no statistics, no reset.
#pragma once

#include <weir/sdk/connection.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace weir::pool_bench {

class NaivePool {
 public:
  NaivePool(sdk::ConnectionFactory& factory, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) idle_.push_back(factory.connect({}));
  }
  std::unique_ptr<sdk::Connection> acquire(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!available_.wait_for(lock, timeout, [&] { return !idle_.empty(); })) {
      throw std::runtime_error("naive pool exhausted");
    }
    auto connection = std::move(idle_.front());
    idle_.pop_front();
    return connection;
  }
  void release(std::unique_ptr<sdk::Connection> connection) {
    {
      std::lock_guard lock(mutex_);
      idle_.push_back(std::move(connection));
    }
    available_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable available_;
  std::deque<std::unique_ptr<sdk::Connection>> idle_;
};

}  // namespace weir::pool_bench
