#include "ndjson_result_writer.hpp"

namespace weir {

namespace {

NdjsonResultWriter& self(void* p) { return *static_cast<NdjsonResultWriter*>(p); }

}  // namespace

NdjsonResultWriter::NdjsonResultWriter(std::size_t max_bytes, Int64Form int64_form, LineSink sink)
    : max_bytes_(max_bytes), sink_(std::move(sink)), line_(max_bytes, int64_form) {
  writer_.struct_size = sizeof(weir_value_writer);
  writer_.host_data = this;
  writer_.null_value = [](void* s) {
    return self(s).scalar([](weir_value_writer& w) { return w.null_value(w.host_data); });
  };
  writer_.bool_value = [](void* s, int v) {
    return self(s).scalar([v](weir_value_writer& w) { return w.bool_value(w.host_data, v); });
  };
  writer_.int64_value = [](void* s, std::int64_t v) {
    return self(s).scalar([v](weir_value_writer& w) { return w.int64_value(w.host_data, v); });
  };
  writer_.double_value = [](void* s, double v) {
    return self(s).scalar([v](weir_value_writer& w) { return w.double_value(w.host_data, v); });
  };
  writer_.string_value = [](void* s, const char* p, std::size_t n) {
    return self(s).scalar(
        [p, n](weir_value_writer& w) { return w.string_value(w.host_data, p, n); });
  };
  writer_.bytes_value = [](void* s, const void* p, std::size_t n) {
    return self(s).scalar(
        [p, n](weir_value_writer& w) { return w.bytes_value(w.host_data, p, n); });
  };
  writer_.json_value = [](void* s, const char* p, std::size_t n) {
    return self(s).scalar([p, n](weir_value_writer& w) { return w.json_value(w.host_data, p, n); });
  };
  writer_.begin_array = [](void* s) { return self(s).begin(true); };
  writer_.end_array = [](void* s) { return self(s).end(true); };
  writer_.begin_object = [](void* s) { return self(s).begin(false); };
  writer_.end_object = [](void* s) { return self(s).end(false); };
  writer_.key = [](void* s, const char* p, std::size_t n) {
    return self(s).key(std::string_view(p, n));
  };
}

int NdjsonResultWriter::begin(bool array) {
  if (!problem_.empty()) return 1;  // stopped: a plugin that goes on gets no further
  auto open = [array](weir_value_writer& w) {
    return array ? w.begin_array(w.host_data) : w.begin_object(w.host_data);
  };
  switch (part_) {
    case Part::kBefore:
      if (array) return fail("a streamed result must be a JSON object");
      part_ = Part::kHeader;
      depth_ = 1;
      restart_line();
      return forward(open);
    case Part::kRowsNext:
      if (!array) return fail("the result's \"rows\" must be an array");
      part_ = Part::kRows;
      depth_ = 2;
      return 0;
    case Part::kDone:
      return fail("more than one top-level value");
    default:
      if (part_ == Part::kRows && depth_ == 2) restart_line();  // a row begins
      ++depth_;
      return forward(open);
  }
}

int NdjsonResultWriter::end(bool array) {
  if (!problem_.empty()) return 1;  // stopped: a plugin that goes on gets no further
  auto close = [array](weir_value_writer& w) {
    return array ? w.end_array(w.host_data) : w.end_object(w.host_data);
  };
  if (part_ == Part::kBefore || part_ == Part::kRowsNext || part_ == Part::kDone)
    return fail("an end without a matching begin");
  if (part_ == Part::kRows && depth_ == 2) {  // the end of "rows": the trailer begins
    if (!array) return fail("end_object closing the \"rows\" array");
    part_ = Part::kTrailer;
    depth_ = 1;
    restart_line();
    return forward([](weir_value_writer& w) { return w.begin_object(w.host_data); });
  }
  if (int rc = forward(close)) return rc;
  --depth_;
  if (depth_ == 2 && part_ == Part::kRows) return emit();
  if (depth_ > 0) return 0;
  // The end of the result: its last line, and an empty trailer after a result without rows.
  const bool without_rows = part_ == Part::kHeader;
  part_ = Part::kDone;
  if (int rc = emit()) return rc;
  if (!without_rows) return 0;
  restart_line();
  if (int rc = forward([](weir_value_writer& w) { return w.begin_object(w.host_data); })) return rc;
  if (int rc = forward([](weir_value_writer& w) { return w.end_object(w.host_data); })) return rc;
  return emit();
}

int NdjsonResultWriter::key(std::string_view name) {
  if (!problem_.empty()) return 1;  // stopped: a plugin that goes on gets no further
  if (part_ == Part::kHeader && depth_ == 1 && name == "rows") {
    part_ = Part::kRowsNext;
    if (int rc = forward([](weir_value_writer& w) { return w.end_object(w.host_data); })) return rc;
    return emit();
  }
  if (part_ == Part::kBefore || part_ == Part::kRowsNext || part_ == Part::kDone)
    return fail("key() outside the result object");
  return forward(
      [name](weir_value_writer& w) { return w.key(w.host_data, name.data(), name.size()); });
}

int NdjsonResultWriter::scalar(const Forward& write) {
  if (!problem_.empty()) return 1;  // stopped: a plugin that goes on gets no further
  switch (part_) {
    case Part::kBefore:
      return fail("a streamed result must be a JSON object");
    case Part::kRowsNext:
      return fail("the result's \"rows\" must be an array");
    case Part::kDone:
      return fail("more than one top-level value");
    default:
      if (part_ != Part::kRows || depth_ != 2) return forward(write);
      restart_line();  // a row that is one value
      if (int rc = forward(write)) return rc;
      return emit();
  }
}

int NdjsonResultWriter::emit() {
  const std::string& line = line_.text();
  sent_bytes_ += line.size() + 1;  // with its newline
  if (sent_bytes_ > max_bytes_) {
    // Only the newline can tip it over: the line writer kept the text itself within budget.
    too_large_ = true;
    return fail("the result is larger than limits.max_result_bytes (" + std::to_string(max_bytes_) +
                ")");
  }
  return sink_(line) ? 0 : fail("the client no longer receives the result");
}

int NdjsonResultWriter::fail(std::string why) {
  if (problem_.empty()) problem_ = std::move(why);
  return 1;
}

}  // namespace weir
