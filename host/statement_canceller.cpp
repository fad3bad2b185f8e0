#include "statement_canceller.hpp"

namespace weir {

StatementCanceller::Request StatementCanceller::start() noexcept {
  current_.store(++last_);
  return last_;
}

void StatementCanceller::end() noexcept { current_.store(0); }

void StatementCanceller::cancel(Request request) noexcept {
  // Under the lock: let_go() waits for a cancel in progress, so it never reaches a
  // connection that went back to the pool.
  std::lock_guard lock(mutex_);
  if (conn_ != nullptr && current_.load() == request) table_->cancel(conn_);
}

void StatementCanceller::let_go() noexcept {
  current_.store(0);
  std::lock_guard lock(mutex_);
  conn_ = nullptr;
}

}  // namespace weir
