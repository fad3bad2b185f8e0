#include "watched_writer.hpp"

namespace weir::neo4j {

// Each callback marks the result started and forwards; the inner writer's
// ABORTED (the host stopped the result) becomes the non-zero return that the
// outer ValueWriter turns back into the same error.
struct WatchedWriterCallbacks {
  template <class Call>
  static int forward(void* data, Call&& call) noexcept {
    auto& self = *static_cast<WatchedWriter*>(data);
    self.started_ = true;
    try {
      call(self.inner_);
      return 0;
    } catch (...) {
      return 1;
    }
  }
  static weir_value_writer table(WatchedWriter* self) {
    weir_value_writer w{};
    w.struct_size = sizeof(w);
    w.host_data = self;
    w.null_value = [](void* d) { return forward(d, [](auto& o) { o.null(); }); };
    w.bool_value = [](void* d, int v) { return forward(d, [v](auto& o) { o.boolean(v != 0); }); };
    w.int64_value = [](void* d, int64_t v) { return forward(d, [v](auto& o) { o.int64(v); }); };
    w.double_value = [](void* d, double v) { return forward(d, [v](auto& o) { o.float64(v); }); };
    w.string_value = [](void* d, const char* s, size_t n) {
      return forward(d, [s, n](auto& o) { o.string({s, n}); });
    };
    w.bytes_value = [](void* d, const void* b, size_t n) {
      return forward(d, [b, n](auto& o) { o.bytes(b, n); });
    };
    w.json_value = [](void* d, const char* s, size_t n) {
      return forward(d, [s, n](auto& o) { o.json({s, n}); });
    };
    w.begin_array = [](void* d) { return forward(d, [](auto& o) { o.begin_array(); }); };
    w.end_array = [](void* d) { return forward(d, [](auto& o) { o.end_array(); }); };
    w.begin_object = [](void* d) { return forward(d, [](auto& o) { o.begin_object(); }); };
    w.key = [](void* d, const char* s, size_t n) {
      return forward(d, [s, n](auto& o) { o.key({s, n}); });
    };
    w.end_object = [](void* d) { return forward(d, [](auto& o) { o.end_object(); }); };
    return w;
  }
};

WatchedWriter::WatchedWriter(sdk::ValueWriter& inner)
    : inner_(inner), table_(WatchedWriterCallbacks::table(this)), outer_(&table_) {}

}  // namespace weir::neo4j
