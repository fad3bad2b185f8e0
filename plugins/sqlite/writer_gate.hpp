// One database's write lock, shared by every connection of its pool. SQLite
// allows one writer at a time; taking this lock before writing makes
// concurrent writers wait their turn, first come first served, instead of
// failing with SQLITE_BUSY, while WAL readers never touch it.
//
// Not a mutex: a transaction may begin on one thread and commit on another
// (the host hands leases between its worker threads), so the lock belongs to
// the connection, not to a thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>

namespace weir::sqlite {

class WriterGate {
 public:
  enum class Outcome { kAcquired, kTimedOut, kCancelled };

  // Waits in line for the lock until `give_up_at`, returning early once
  // `cancelled` is set (checked every few milliseconds).
  Outcome acquire(std::chrono::steady_clock::time_point give_up_at,
                  const std::atomic<bool>& cancelled);
  // Called once per successful acquire, from any thread.
  void release() noexcept;

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool held_ = false;
  std::deque<std::uint64_t> line_;  // tickets of the waiting writers, oldest first
  std::uint64_t next_ticket_ = 0;
};

}  // namespace weir::sqlite
