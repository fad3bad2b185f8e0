// A weir_value_writer for C callbacks in front of a ValueWriter. It is sticky:
// once the host asks to stop, every later call does nothing and returns
// non-zero, and rethrow_stop() then reports WEIR_E_ABORTED whatever the C
// callback returned, so C code need not check every call.
#pragma once

#include <weir/plugin.h>
#include <weir/sdk/value_writer.hpp>

#include <exception>
#include <string_view>

namespace weir::sdk::c {

class WriterBridge {
 public:
  explicit WriterBridge(ValueWriter& out) noexcept : out_(out) {
    writer_.struct_size = sizeof(writer_);
    writer_.host_data = this;
    writer_.null_value = [](void* b) { return forward(b, [](ValueWriter& w) { w.null(); }); };
    writer_.bool_value = [](void* b, int v) {
      return forward(b, [&](ValueWriter& w) { w.boolean(v != 0); });
    };
    writer_.int64_value = [](void* b, std::int64_t v) {
      return forward(b, [&](ValueWriter& w) { w.int64(v); });
    };
    writer_.double_value = [](void* b, double v) {
      return forward(b, [&](ValueWriter& w) { w.float64(v); });
    };
    writer_.string_value = [](void* b, const char* s, std::size_t n) {
      return forward(b, [&](ValueWriter& w) { w.string(std::string_view(s, n)); });
    };
    writer_.bytes_value = [](void* b, const void* data, std::size_t n) {
      return forward(b, [&](ValueWriter& w) { w.bytes(data, n); });
    };
    writer_.json_value = [](void* b, const char* s, std::size_t n) {
      return forward(b, [&](ValueWriter& w) { w.json(std::string_view(s, n)); });
    };
    writer_.begin_array = [](void* b) {
      return forward(b, [](ValueWriter& w) { w.begin_array(); });
    };
    writer_.end_array = [](void* b) { return forward(b, [](ValueWriter& w) { w.end_array(); }); };
    writer_.begin_object = [](void* b) {
      return forward(b, [](ValueWriter& w) { w.begin_object(); });
    };
    writer_.key = [](void* b, const char* s, std::size_t n) {
      return forward(b, [&](ValueWriter& w) { w.key(std::string_view(s, n)); });
    };
    writer_.end_object = [](void* b) { return forward(b, [](ValueWriter& w) { w.end_object(); }); };
  }
  WriterBridge(const WriterBridge&) = delete;
  WriterBridge& operator=(const WriterBridge&) = delete;

  weir_value_writer* writer() noexcept { return &writer_; }

  // Throws what stopped the writer (Error(WEIR_E_ABORTED) from ValueWriter), if anything did.
  void rethrow_stop() const {
    if (stopped_) std::rethrow_exception(stopped_);
  }

 private:
  template <class Call>
  static int forward(void* bridge, Call&& call) noexcept {
    auto& self = *static_cast<WriterBridge*>(bridge);
    if (self.stopped_) return 1;
    try {
      call(self.out_);
      return 0;
    } catch (...) {
      self.stopped_ = std::current_exception();
      return 1;
    }
  }

  ValueWriter& out_;
  weir_value_writer writer_{};
  std::exception_ptr stopped_;
};

}  // namespace weir::sdk::c
