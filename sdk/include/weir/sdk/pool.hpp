// weir::sdk::Pool — the generic connection pool every plugin uses.
// FIRST FORM: bounded size, blocking acquire with timeout, reset on release.
// The pool issue grows it (FIFO hand-off, validation, recycling, backoff,
// leak detection, statistics); this public surface is what the export glue uses.
#pragma once

#include <weir/sdk/connection.hpp>
#include <weir/sdk/pool_config.hpp>
#include <weir/sdk/value_writer.hpp>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace weir::sdk {

struct AcquireOptions {
  std::chrono::milliseconds timeout{0};  // 0 = the configured acquire_timeout
  std::string_view client_id;
  std::string_view tag;
};

class Pool {
 public:
  // One pooled connection; a leased Lease* is what the C ABI calls weir_conn.
  struct Lease {
    std::unique_ptr<Connection> connection;
    bool broken = false;  // set when a request broke the connection; release then closes it
  };

  Pool(PoolConfig config, std::unique_ptr<ConnectionFactory> factory, std::string name)
      : config_(config), factory_(std::move(factory)), name_(std::move(name)) {}
  ~Pool() { drain(std::chrono::milliseconds(0)); }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  const PoolConfig& config() const noexcept { return config_; }

  Lease* acquire(const AcquireOptions& options) {
    const auto timeout = options.timeout.count() > 0 ? options.timeout : config_.acquire_timeout;
    std::unique_lock lock(mutex_);
    const bool ready = available_.wait_for(lock, timeout, [&] {
      return closed_ || !idle_.empty() || total_ < config_.max_size;
    });
    if (closed_) throw Error(WEIR_E_CLOSED, "pool " + name_ + " is closed", true);
    if (!ready) throw Error(WEIR_E_EXHAUSTED, "pool " + name_ + " exhausted", true);
    if (!idle_.empty()) {
      Lease* lease = idle_.front().release();
      idle_.pop_front();
      return lease;
    }
    ++total_;
    lock.unlock();
    try {
      return new Lease{factory_->connect()};
    } catch (...) {
      lock.lock();
      --total_;
      available_.notify_one();
      throw;
    }
  }

  void release(Lease* lease, bool broken) noexcept {
    std::unique_ptr<Lease> owned(lease);
    if (!broken) {
      try {
        if (owned->connection->in_transaction()) owned->connection->rollback();
        owned->connection->reset();
      } catch (...) {
        broken = true;
      }
    }
    std::lock_guard lock(mutex_);
    if (broken || closed_) {
      --total_;
    } else {
      idle_.push_back(std::move(owned));
    }
    available_.notify_one();
  }

  void stats(weir_pool_stats& out) const noexcept {
    std::lock_guard lock(mutex_);
    out.min_size = config_.min_size;
    out.max_size = config_.max_size;
    out.max_overflow = config_.max_overflow;
    out.total = total_;
    out.idle = static_cast<std::uint32_t>(idle_.size());
    out.active = total_ - out.idle;
  }

  void health(weir_health& out) const noexcept { out.state = WEIR_HEALTHY; }

  std::uint32_t drain(std::chrono::milliseconds timeout) noexcept {
    std::unique_lock lock(mutex_);
    closed_ = true;
    available_.notify_all();
    available_.wait_for(lock, timeout, [&] { return total_ == idle_.size(); });
    const auto forced = static_cast<std::uint32_t>(total_ - idle_.size());
    total_ -= static_cast<std::uint32_t>(idle_.size());
    idle_.clear();
    return forced;
  }

  void describe(ValueWriter& out) const {
    out.begin_object();
    out.member("max_size", static_cast<std::int64_t>(config_.max_size));
    out.end_object();
  }

 private:
  const PoolConfig config_;
  const std::unique_ptr<ConnectionFactory> factory_;
  const std::string name_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::deque<std::unique_ptr<Lease>> idle_;
  std::uint32_t total_ = 0;
  bool closed_ = false;
};

}  // namespace weir::sdk
