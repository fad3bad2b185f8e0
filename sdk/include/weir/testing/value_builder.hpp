// weir::testing::ValueBuilder — a weir_value_writer that builds a
// boost::json::value, for tests of plugins and of the conformance suite.
// Bytes become {"$base64": "..."} — the same form the host's JSON encoder uses.
#pragma once

#include <weir/plugin.h>
#include <weir/sdk/base64.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weir::testing {

class ValueBuilder {
 public:
  ValueBuilder() {
    writer_.struct_size = sizeof(weir_value_writer);
    writer_.host_data = this;
    writer_.null_value = [](void* s) { return self(s).put(nullptr); };
    writer_.bool_value = [](void* s, int v) { return self(s).put(v != 0); };
    writer_.int64_value = [](void* s, std::int64_t v) { return self(s).put(v); };
    writer_.double_value = [](void* s, double v) { return self(s).put(v); };
    writer_.string_value = [](void* s, const char* p, std::size_t n) {
      return self(s).put(boost::json::string(p, n));
    };
    writer_.bytes_value = [](void* s, const void* p, std::size_t n) {
      return self(s).put(boost::json::object{{"$base64", weir::sdk::base64_encode(p, n)}});
    };
    writer_.json_value = [](void* s, const char* p, std::size_t n) {
      boost::system::error_code ec;
      auto v = boost::json::parse(std::string_view(p, n), ec);
      return ec ? 1 : self(s).put(std::move(v));
    };
    writer_.begin_array = [](void* s) { return self(s).open(boost::json::array()); };
    writer_.begin_object = [](void* s) { return self(s).open(boost::json::object()); };
    writer_.end_array = [](void* s) { return self(s).close(); };
    writer_.end_object = [](void* s) { return self(s).close(); };
    writer_.key = [](void* s, const char* p, std::size_t n) {
      self(s).key_.assign(p, n);
      return 0;
    };
  }
  ValueBuilder(const ValueBuilder&) = delete;
  ValueBuilder& operator=(const ValueBuilder&) = delete;

  weir_value_writer* writer() noexcept { return &writer_; }
  const boost::json::value& value() const noexcept { return root_; }
  // Makes every later call fail, as a host does when a result grows too large.
  void refuse_after(std::size_t calls) noexcept { budget_ = calls; }

 private:
  static ValueBuilder& self(void* s) { return *static_cast<ValueBuilder*>(s); }

  int put(boost::json::value v) {
    if (budget_ == 0) return 1;
    --budget_;
    if (stack_.empty()) {
      root_ = std::move(v);
    } else if (auto* a = stack_.back()->if_array()) {
      a->push_back(std::move(v));
    } else {
      stack_.back()->as_object()[key_] = std::move(v);
    }
    return 0;
  }
  int open(boost::json::value container) {
    if (put(std::move(container)) != 0) return 1;
    boost::json::value* placed = &root_;
    if (!stack_.empty()) {
      if (auto* a = stack_.back()->if_array()) placed = &a->back();
      else placed = &stack_.back()->as_object()[key_];
    }
    stack_.push_back(placed);
    return 0;
  }
  int close() {
    if (stack_.empty()) return 1;
    stack_.pop_back();
    return 0;
  }

  weir_value_writer writer_{};
  boost::json::value root_;
  std::vector<boost::json::value*> stack_;
  std::string key_;
  std::size_t budget_ = SIZE_MAX;
};

}  // namespace weir::testing
