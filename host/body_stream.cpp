#include "body_stream.hpp"

#include <utility>

namespace weir {

bool BodyStream::write_line(std::string_view bytes, std::stop_token stop) {
  std::function<void()> ready;
  {
    std::unique_lock lock(mutex_);
    if (!has_room_.wait(lock, stop, [this] { return abandoned_ || queued_.size() < limit_; }))
      return false;
    if (abandoned_) return false;
    queued_.append(bytes);
    queued_ += '\n';
    ready = std::exchange(ready_, nullptr);
  }
  if (ready) ready();
  return true;
}

void BodyStream::end() {
  std::function<void()> ready;
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
    ready = std::exchange(ready_, nullptr);
  }
  if (ready) ready();
}

void BodyStream::when_ready(std::function<void()> ready) {
  {
    std::lock_guard lock(mutex_);
    if (queued_.empty() && !ended_) {
      ready_ = std::move(ready);
      return;
    }
  }
  ready();
}

std::string BodyStream::take(bool& ended) {
  std::string bytes;
  {
    std::lock_guard lock(mutex_);
    bytes.swap(queued_);
    ended = ended_;
  }
  has_room_.notify_one();
  return bytes;
}

void BodyStream::abandon() {
  {
    std::lock_guard lock(mutex_);
    abandoned_ = true;
    ready_ = nullptr;
  }
  has_room_.notify_all();
}

}  // namespace weir
