#include "io_threads.hpp"

#include "http_server.hpp"

#include <algorithm>
#include <thread>

namespace weir {

namespace {

thread_local boost::asio::io_context* current_context = nullptr;

}  // namespace

boost::asio::io_context* IoThreads::current() noexcept { return current_context; }

void IoThreads::run_as_io_thread(boost::asio::io_context& context) {
  current_context = &context;
  run_io(context);
  current_context = nullptr;
}

IoThreads::IoThreads(unsigned count) {
  if (count == 0) count = std::max(1U, std::thread::hardware_concurrency() / 2);
  for (unsigned i = 0; i < count; ++i) {
    // One thread per context: the hint lets Asio skip locking it may not need.
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    idle_guards_.push_back(boost::asio::make_work_guard(*contexts_.back()));
  }
}

boost::asio::io_context& IoThreads::next() {
  return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

void IoThreads::run() {
  std::vector<std::thread> others;
  for (std::size_t i = 1; i < contexts_.size(); ++i)
    others.emplace_back([context = contexts_[i].get()] { run_as_io_thread(*context); });
  run_as_io_thread(main());
  for (auto& thread : others) thread.join();
}

void IoThreads::stop() {
  for (auto& context : contexts_) context->stop();
}

}  // namespace weir
