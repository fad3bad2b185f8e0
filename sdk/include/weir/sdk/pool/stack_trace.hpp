// Where a lease was acquired, for leak reports. Debug builds only (NDEBUG not
// defined) and only when leak detection is on: capturing costs microseconds,
// far too much for a release build's hot path, where the caller's tag says
// where instead.
#pragma once

#include <string>

#if !defined(NDEBUG) && __has_include(<execinfo.h>)
#include <execinfo.h>

#include <cstdlib>
#define WEIR_POOL_STACK_TRACES 1
#endif

namespace weir::sdk::pool {

class StackTrace {
 public:
#ifdef WEIR_POOL_STACK_TRACES
  void capture() noexcept { depth_ = ::backtrace(frames_, kFrames); }
  void clear() noexcept { depth_ = 0; }
  // One frame per line, indented; empty when nothing was captured.
  std::string render() const {
    std::string out;
    if (depth_ <= 0) return out;
    char** symbols = ::backtrace_symbols(frames_, depth_);
    if (symbols == nullptr) return out;
    for (int i = 0; i < depth_; ++i) out += std::string("\n    at ") + symbols[i];
    std::free(symbols);
    return out;
  }

 private:
  static constexpr int kFrames = 16;
  void* frames_[kFrames];
  int depth_ = 0;
#else
  void capture() noexcept {}
  void clear() noexcept {}
  std::string render() const { return {}; }
#endif
};

}  // namespace weir::sdk::pool
