#include "row_cap_writer.hpp"

namespace weir {

namespace {

RowCapWriter& self(void* p) { return *static_cast<RowCapWriter*>(p); }

}  // namespace

RowCapWriter::RowCapWriter(ResultWriter& result, std::size_t max_rows, bool stop_backend,
                           bool rows_as_they_come)
    : result_(result),
      max_rows_(max_rows),
      stop_backend_(stop_backend),
      rows_as_they_come_(rows_as_they_come) {
  writer_.struct_size = sizeof(weir_value_writer);
  writer_.host_data = this;
  writer_.null_value = [](void* s) {
    return self(s).value([](weir_value_writer& w) { return w.null_value(w.host_data); },
                         Value::kScalar);
  };
  writer_.bool_value = [](void* s, int v) {
    return self(s).value([v](weir_value_writer& w) { return w.bool_value(w.host_data, v); },
                         Value::kScalar);
  };
  writer_.int64_value = [](void* s, std::int64_t v) {
    return self(s).value([v](weir_value_writer& w) { return w.int64_value(w.host_data, v); },
                         Value::kScalar);
  };
  writer_.double_value = [](void* s, double v) {
    return self(s).value([v](weir_value_writer& w) { return w.double_value(w.host_data, v); },
                         Value::kScalar);
  };
  writer_.string_value = [](void* s, const char* p, std::size_t n) {
    return self(s).value([p, n](weir_value_writer& w) { return w.string_value(w.host_data, p, n); },
                         Value::kScalar);
  };
  writer_.bytes_value = [](void* s, const void* p, std::size_t n) {
    return self(s).value([p, n](weir_value_writer& w) { return w.bytes_value(w.host_data, p, n); },
                         Value::kScalar);
  };
  writer_.json_value = [](void* s, const char* p, std::size_t n) {
    return self(s).value([p, n](weir_value_writer& w) { return w.json_value(w.host_data, p, n); },
                         Value::kScalar);
  };
  writer_.begin_array = [](void* s) {
    return self(s).value([](weir_value_writer& w) { return w.begin_array(w.host_data); },
                         Value::kArray);
  };
  writer_.begin_object = [](void* s) {
    return self(s).value([](weir_value_writer& w) { return w.begin_object(w.host_data); },
                         Value::kObject);
  };
  writer_.end_array = [](void* s) {
    return self(s).close([](weir_value_writer& w) { return w.end_array(w.host_data); });
  };
  writer_.end_object = [](void* s) {
    return self(s).close([](weir_value_writer& w) { return w.end_object(w.host_data); });
  };
  writer_.key = [](void* s, const char* p, std::size_t n) {
    return self(s).key(std::string_view(p, n));
  };
}

int RowCapWriter::value(const Forward& write, Value kind) {
  const bool opens = kind != Value::kScalar;
  if (stopped_) return 1;  // stopped at the cap: a plugin that goes on gets no further
  if (dropping_ > 0) {     // inside a row past the cap
    if (opens) ++dropping_;
    return 0;
  }
  if (in_rows_ && depth_ == 2) {  // a row begins
    if (rows_ == max_rows_) {
      truncated_ = true;
      if (stop_backend_) return cut();
      if (opens) dropping_ = 1;
      return 0;
    }
    ++rows_;
  }
  if (depth_ == 1) {
    in_rows_ = rows_next_ && kind == Value::kArray;
    rows_next_ = false;
  }
  if (opens) ++depth_;
  return forward_to(*result_.writer(), write);
}

int RowCapWriter::close(const Forward& write) {
  if (stopped_) return 1;
  if (dropping_ > 0) {
    --dropping_;
    return 0;
  }
  if (in_rows_ && depth_ == 2) in_rows_ = false;  // the rows array ends
  if (depth_ == 1 && truncated_) {                // the result ends
    if (int rc = say_truncated()) return rc;
  }
  if (depth_ > 0) --depth_;
  return forward_to(*result_.writer(), write);
}

int RowCapWriter::key(std::string_view name) {
  if (stopped_) return 1;
  if (dropping_ > 0) return 0;
  if (depth_ == 1) rows_next_ = name == "rows";
  auto& w = *result_.writer();
  return w.key(w.host_data, name.data(), name.size());
}

// Ends the result here, rows cut, and stops the plugin.
int RowCapWriter::cut() {
  stopped_ = true;
  auto& w = *result_.writer();
  if (int rc = w.end_array(w.host_data)) return rc;
  if (int rc = say_truncated()) return rc;
  if (int rc = w.end_object(w.host_data)) return rc;
  return 1;
}

int RowCapWriter::say_truncated() {
  auto& w = *result_.writer();
  constexpr std::string_view kKey = "truncated";
  if (int rc = w.key(w.host_data, kKey.data(), kKey.size())) return rc;
  return w.bool_value(w.host_data, 1);
}

}  // namespace weir
