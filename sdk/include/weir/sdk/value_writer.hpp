// weir::sdk::ValueWriter — a thin C++ face on the host's weir_value_writer.
// Each call forwards to the host; when the host asks to stop (result too
// large, client gone) it throws Error(WEIR_E_ABORTED) so plugin code needs no
// return-code checks in its row loops.
#pragma once

#include <weir/plugin.h>
#include <weir/sdk/error.hpp>

#include <cstdint>
#include <string_view>

namespace weir::sdk {

class ValueWriter {
 public:
  explicit ValueWriter(weir_value_writer* writer) noexcept : w_(writer) {}

  void null() { check(w_->null_value(w_->host_data)); }
  void boolean(bool v) { check(w_->bool_value(w_->host_data, v ? 1 : 0)); }
  void int64(std::int64_t v) { check(w_->int64_value(w_->host_data, v)); }
  void float64(double v) { check(w_->double_value(w_->host_data, v)); }
  void string(std::string_view v) { check(w_->string_value(w_->host_data, v.data(), v.size())); }
  void bytes(const void* data, std::size_t n) { check(w_->bytes_value(w_->host_data, data, n)); }
  void json(std::string_view v) { check(w_->json_value(w_->host_data, v.data(), v.size())); }
  void begin_array() { check(w_->begin_array(w_->host_data)); }
  void end_array() { check(w_->end_array(w_->host_data)); }
  void begin_object() { check(w_->begin_object(w_->host_data)); }
  void key(std::string_view k) { check(w_->key(w_->host_data, k.data(), k.size())); }
  void end_object() { check(w_->end_object(w_->host_data)); }

  // Shorthands for object members.
  void member(std::string_view k, std::string_view v) { key(k), string(v); }
  void member(std::string_view k, std::int64_t v) { key(k), int64(v); }

 private:
  static void check(int rc) {
    if (rc != 0)
      throw Error(WEIR_E_ABORTED, "the host stopped the result (too large or client gone)");
  }
  weir_value_writer* w_;
};

}  // namespace weir::sdk
