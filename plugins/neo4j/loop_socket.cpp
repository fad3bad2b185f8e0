#include "loop_socket.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <system_error>

namespace weir::neo4j {
namespace {

using weir::sdk::Error;

// Read at most this much per system call; a loop turn reads until nothing waits.
constexpr std::size_t kReadSize = 16 * 1024;

[[noreturn]] void socket_failed(const char* what, int error) {
  throw Error(WEIR_E_BROKEN, std::string(what) + ": " + std::system_category().message(error),
              true);
}

}  // namespace

LoopSocket::LoopSocket(int fd, weir::sdk::EventLoop loop) : fd_(fd), loop_(loop) {}

void LoopSocket::start(std::string bytes, Deadline deadline, Arrived arrived, Failed failed) {
  in_.clear();
  out_ = std::move(bytes);
  sent_ = 0;
  write_some();  // throws when nothing could be sent: the request did not start
  if (!watch_) watch_ = loop_.watch(fd_, 0, &LoopSocket::on_ready, this);
  if (deadline != kNoDeadline) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    timer_ = loop_.timer(left, &LoopSocket::on_timer, this);
  }
  watch_for_more();
  arrived_ = std::move(arrived);
  failed_ = std::move(failed);
  ++request_;
  std::lock_guard lock(running_mutex_);
  running_ = true;
}

void LoopSocket::send(std::string bytes) {
  out_.append(bytes);
  write_some();
  watch_for_more();
}

bool LoopSocket::cancel() {
  std::lock_guard lock(running_mutex_);
  if (running_) loop_.post(&LoopSocket::on_cancel, new std::weak_ptr<LoopSocket>(weak_from_this()));
  return running_;
}

void LoopSocket::stop() noexcept {
  {
    std::lock_guard lock(running_mutex_);
    if (!running_) return;
    running_ = false;
  }
  if (watch_) loop_.change(watch_, 0);
  timer_.reset();
  arrived_ = nullptr;
  failed_ = nullptr;
}

// Each callback keeps the socket alive until it returns: ending the request may let the
// owner go of it.
void LoopSocket::on_ready(void* self, std::uint32_t events) {
  auto me = static_cast<LoopSocket*>(self)->shared_from_this();
  if (!me->running_) return;
  me->step([&] {
    if ((events & WEIR_WATCH_WRITE) != 0) me->write_some();
    if ((events & WEIR_WATCH_READ) != 0) me->read_some();
    me->hand_over();
  });
}

void LoopSocket::on_timer(void* self) {
  auto me = static_cast<LoopSocket*>(self)->shared_from_this();
  me->timer_.forget();  // spent
  if (me->running_) me->fail(Error(WEIR_E_TIMEOUT, "reading from neo4j: timed out", true));
}

void LoopSocket::on_cancel(void* weak_self) {
  const std::unique_ptr<std::weak_ptr<LoopSocket>> weak(
      static_cast<std::weak_ptr<LoopSocket>*>(weak_self));
  if (auto me = weak->lock(); me && me->running_)
    me->fail(Error(WEIR_E_CANCELLED, "the neo4j query was cancelled", false));
}

// Nothing may escape into the host's loop, and the request must end: whatever a step
// throws ends it with that error.
template <class Step>
void LoopSocket::step(Step&& step) {
  try {
    step();
  } catch (const Error& e) {
    fail(e);
  } catch (const std::exception& e) {
    fail(Error(WEIR_E_INTERNAL, std::string("neo4j plugin error: ") + e.what()));
  }
}

void LoopSocket::write_some() {
  while (sent_ < out_.size()) {
    const auto n =
        ::send(fd_, out_.data() + sent_, out_.size() - sent_, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      socket_failed("writing to neo4j", errno);
    }
    sent_ += static_cast<std::size_t>(n);
  }
  out_.clear();
  sent_ = 0;
}

void LoopSocket::read_some() {
  char buffer[kReadSize];
  for (;;) {
    const auto n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n > 0) {
      in_.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) throw Error(WEIR_E_BROKEN, "reading from neo4j: End of file", true);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    socket_failed("reading from neo4j", errno);
  }
}

void LoopSocket::hand_over() {
  const auto request = request_;
  std::string_view rest(in_);
  // Held here through the call, which may end the request and so reset arrived_.
  auto arrived = std::move(arrived_);
  arrived(rest);
  // Ended (and the connection perhaps already serving its next request): hands off.
  if (request_ != request || !running_) return;
  arrived_ = std::move(arrived);
  in_.erase(0, in_.size() - rest.size());
  watch_for_more();
}

void LoopSocket::watch_for_more() {
  loop_.change(watch_, WEIR_WATCH_READ | (sent_ < out_.size() ? WEIR_WATCH_WRITE : 0u));
}

void LoopSocket::fail(const Error& failure) {
  auto failed = std::move(failed_);
  stop();
  if (failed) failed(failure);
}

}  // namespace weir::neo4j
