#include "writer_gate.hpp"

#include <algorithm>

namespace weir::sqlite {

WriterGate::Outcome WriterGate::acquire(std::chrono::steady_clock::time_point give_up_at,
                                        const std::atomic<bool>& cancelled) {
  // Short slices so a cancel does not wait for the whole timeout.
  constexpr auto kSlice = std::chrono::milliseconds(10);
  while (true) {
    if (cancelled.load()) return Outcome::cancelled;
    const auto now = std::chrono::steady_clock::now();
    if (mutex_.try_lock_until(std::min(give_up_at, now + kSlice))) return Outcome::acquired;
    if (std::chrono::steady_clock::now() >= give_up_at) return Outcome::timed_out;
  }
}

void WriterGate::release() noexcept { mutex_.unlock(); }

}  // namespace weir::sqlite
