#include "loop_statement.hpp"

#include "pg_error.hpp"

#include <chrono>

namespace weir::postgres {
namespace {

using weir::sdk::Error;
using Clock = std::chrono::steady_clock;

// How often to look whether a cancel request reached the server, once the statement ended
// before it did (CommandRunner::Exchange::cancel_still_on_its_way): rare and short.
constexpr std::chrono::milliseconds kCancelRecheck{1};

}  // namespace

LoopStatement::LoopStatement(PGconn* conn, weir::sdk::EventLoop loop) : conn_(conn), loop_(loop) {}

void LoopStatement::begin() {
  stopped_ = false;
  PQsetnonblocking(conn_, 1);
}

void LoopStatement::await(std::unique_ptr<CommandRunner::Exchange> exchange, Finished finished) {
  exchange_ = std::move(exchange);
  finished_ = std::move(finished);
  results_in_ = false;
  flushing_ = !flushed();
  const std::uint32_t events = WEIR_WATCH_READ | (flushing_ ? WEIR_WATCH_WRITE : 0u);
  if (watch_)
    loop_.change(watch_, events);
  else
    watch_ = loop_.watch(PQsocket(conn_), events, &LoopStatement::on_ready, this);
  look_at_the_time();
}

void LoopStatement::wake() {
  loop_.post(&LoopStatement::on_wake, new std::weak_ptr<LoopStatement>(weak_from_this()));
}

void LoopStatement::stop() noexcept {
  // Once stopped, the connection may serve another request on another thread: nothing
  // here touches it again until the next begin().
  if (stopped_) return;
  stopped_ = true;
  if (watch_) loop_.change(watch_, 0);
  timer_.reset();
  exchange_.reset();
  finished_ = nullptr;
  // A statement not all sent failed its request, and its connection with it; switching back
  // would wait to flush it.
  if (!flushing_) PQsetnonblocking(conn_, 0);
}

bool LoopStatement::flushed() {
  const int left = PQflush(conn_);
  if (left < 0) throw broken_connection(conn_, "sending the statement failed");
  return left == 0;
}

// Each callback keeps the statement alive until it returns: finishing may end the
// request, and the owner lets go of it then.
void LoopStatement::on_ready(void* self, std::uint32_t /*events*/) {
  auto me = static_cast<LoopStatement*>(self)->shared_from_this();
  if (me->exchange_) me->read();
}

void LoopStatement::on_timer(void* self) {
  auto me = static_cast<LoopStatement*>(self)->shared_from_this();
  me->timer_.forget();  // spent
  if (me->exchange_) me->look_at_the_time();
}

void LoopStatement::on_wake(void* weak_self) {
  const std::unique_ptr<std::weak_ptr<LoopStatement>> weak(
      static_cast<std::weak_ptr<LoopStatement>*>(weak_self));
  if (auto me = weak->lock(); me && me->exchange_) me->look_at_the_time();
}

// Nothing may escape into the host's loop, and the statement must end: whatever a step
// throws ends it with that error.
template <class Step>
void LoopStatement::step(Step&& step) {
  try {
    step();
  } catch (const Error& e) {
    finish(ResultPtr(nullptr, &PQclear), &e);
  } catch (const std::exception& e) {
    const Error failure(WEIR_E_INTERNAL, std::string("postgres plugin error: ") + e.what());
    finish(ResultPtr(nullptr, &PQclear), &failure);
  }
}

void LoopStatement::read() {
  step([&] {
    // libpq reads what the server sends also while our statement is still going out.
    if (!results_in_ && exchange_->read()) results_in_ = true;
    if (flushing_ && flushed()) {
      flushing_ = false;
      loop_.change(watch_, WEIR_WATCH_READ);
    }
    if (results_in_) settle();
  });
}

void LoopStatement::look_at_the_time() {
  step([&] {
    if (results_in_) return settle();
    if (const auto next = exchange_->look_at_the_time(Clock::now()))
      arm_timer(*next);
    else
      timer_.reset();
  });
}

void LoopStatement::settle() {
  const auto now = Clock::now();
  if (exchange_->cancel_still_on_its_way(now)) return arm_timer(now + kCancelRecheck);
  ResultPtr result = exchange_->outcome();
  finish(std::move(result), nullptr);
}

void LoopStatement::arm_timer(Clock::time_point when) {
  const auto after = std::chrono::ceil<std::chrono::milliseconds>(when - Clock::now());
  timer_ = loop_.timer(after, &LoopStatement::on_timer, this);
}

void LoopStatement::finish(ResultPtr result, const Error* failure) {
  auto finished = std::move(finished_);
  finished_ = nullptr;
  exchange_.reset();  // no longer in flight
  timer_.reset();
  results_in_ = false;
  if (finished) finished(std::move(result), failure);
}

}  // namespace weir::postgres
