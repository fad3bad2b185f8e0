#include "writer_gate.hpp"

#include <algorithm>

namespace weir::sqlite {

WriterGate::Outcome WriterGate::acquire(std::chrono::steady_clock::time_point give_up_at,
                                        const std::atomic<bool>& cancelled) {
  // Short slices so a cancel does not wait for the whole timeout.
  constexpr auto kSlice = std::chrono::milliseconds(10);
  std::unique_lock lock(mutex_);
  const std::uint64_t ticket = next_ticket_++;
  line_.push_back(ticket);
  while (held_ || line_.front() != ticket) {
    const auto now = std::chrono::steady_clock::now();
    const bool stop = cancelled.load() || now >= give_up_at;
    if (stop) {
      line_.erase(std::find(line_.begin(), line_.end(), ticket));
      changed_.notify_all();  // the writer behind may now be first
      return cancelled.load() ? Outcome::kCancelled : Outcome::kTimedOut;
    }
    changed_.wait_until(lock, std::min(give_up_at, now + kSlice));
  }
  line_.pop_front();
  held_ = true;
  return Outcome::kAcquired;
}

void WriterGate::release() noexcept {
  {
    const std::lock_guard lock(mutex_);
    held_ = false;
  }
  changed_.notify_all();
}

}  // namespace weir::sqlite
