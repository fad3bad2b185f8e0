// One database's write lock, shared by every connection of its pool. SQLite
// allows one writer at a time; taking this lock before writing makes
// concurrent writers wait their turn instead of failing with SQLITE_BUSY,
// while WAL readers never touch it.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>

namespace weir::sqlite {

class WriterGate {
 public:
  enum class Outcome { acquired, timed_out, cancelled };

  // Waits for the lock until `give_up_at`, returning early once `cancelled`
  // is set (checked every few milliseconds).
  Outcome acquire(std::chrono::steady_clock::time_point give_up_at,
                  const std::atomic<bool>& cancelled);
  void release() noexcept;

 private:
  std::timed_mutex mutex_;
};

}  // namespace weir::sqlite
