// weir::BodyStream — a response body made on one thread (a worker running a
// plugin) and sent on another (the connection's I/O thread). The producer
// waits while `limit` bytes are unsent, so a client that reads slowly slows
// the plugin down instead of growing the gateway's memory.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>

namespace weir {

class BodyStream {
 public:
  explicit BodyStream(std::size_t limit) : limit_(limit) {}

  // Producer: queues `bytes` and a newline, first waiting while the queue is
  // full. False when the bytes will never be sent (the consumer abandoned the
  // stream) or `stop` was requested while waiting: stop producing.
  bool write_line(std::string_view bytes, std::stop_token stop);
  // Producer: nothing more comes.
  void end();

  // Consumer: calls `ready` once bytes or the end are there — at once, or
  // later on the producer's thread. One wait at a time.
  void when_ready(std::function<void()> ready);
  // Consumer: everything queued; `ended` is true when that was the last of it.
  std::string take(bool& ended);
  // Consumer: nothing more will be sent (the client left or a write failed);
  // wakes a waiting producer.
  void abandon();

 private:
  const std::size_t limit_;
  std::mutex mutex_;
  std::condition_variable_any has_room_;
  std::string queued_;
  bool ended_ = false;
  bool abandoned_ = false;
  std::function<void()> ready_;
};

}  // namespace weir
