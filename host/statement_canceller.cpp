#include "statement_canceller.hpp"

namespace weir {

StatementCanceller::Request StatementCanceller::start() noexcept {
  std::lock_guard lock(mutex_);
  current_ = ++last_;
  return current_;
}

void StatementCanceller::end() noexcept {
  std::lock_guard lock(mutex_);
  current_ = 0;
}

void StatementCanceller::cancel(Request request) noexcept {
  // Under the lock: end() and let_go() wait for a cancel in progress, so it never
  // reaches a connection that has moved on.
  std::lock_guard lock(mutex_);
  if (conn_ != nullptr && request == current_) table_->cancel(conn_);
}

void StatementCanceller::let_go() noexcept {
  std::lock_guard lock(mutex_);
  conn_ = nullptr;
  current_ = 0;
}

}  // namespace weir
