// weir::NdjsonResultWriter — a query result as NDJSON lines, sent on while
// the plugin still writes (docs/http-api.yaml, "Streamed results"). The
// result object's members before "rows" make the first line (the header:
// columns, column_types), each element of "rows" one line, and the members
// after it the last line (the trailer: rows_affected, ...). A result without
// "rows" is all header, followed by an empty trailer `{}`. Each line is
// checked and encoded by a JsonResultWriter; max_bytes bounds all of them
// together, as limits.max_result_bytes bounds a buffered result.
#pragma once

#include "json_result_writer.hpp"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace weir {

class NdjsonResultWriter final : public ResultWriter {
 public:
  // Takes one line (JSON text, without its newline); false means nobody reads
  // any more, which stops the plugin.
  using LineSink = std::function<bool(std::string_view line)>;

  NdjsonResultWriter(std::size_t max_bytes, Int64Form int64_form, LineSink sink);
  NdjsonResultWriter(const NdjsonResultWriter&) = delete;
  NdjsonResultWriter& operator=(const NdjsonResultWriter&) = delete;

  weir_value_writer* writer() noexcept override { return &writer_; }
  bool complete() const noexcept override { return part_ == Part::kDone && problem_.empty(); }
  bool too_large() const noexcept override { return too_large_ || line_.too_large(); }
  const std::string& problem() const noexcept override {
    return problem_.empty() ? line_.problem() : problem_;
  }
  bool streams() const noexcept override { return true; }
  // True once a line went to the sink: the result can no longer be taken back.
  bool started() const noexcept { return sent_bytes_ > 0; }

 private:
  // Where the plugin is in the result object.
  enum class Part { kBefore, kHeader, kRowsNext, kRows, kTrailer, kDone };
  using Forward = std::function<int(weir_value_writer&)>;

  int begin(bool array);
  int end(bool array);
  int key(std::string_view name);
  int scalar(const Forward& write);
  int forward(const Forward& write) { return write(*line_.writer()); }
  // Starts the next line's value with what is left of the byte budget.
  void restart_line() { line_.restart(max_bytes_ - sent_bytes_); }
  int emit();
  int fail(std::string why);

  weir_value_writer writer_{};
  std::size_t max_bytes_;
  LineSink sink_;
  JsonResultWriter line_;
  Part part_ = Part::kBefore;
  std::size_t depth_ = 0;  // open arrays and objects, the result object included
  std::size_t sent_bytes_ = 0;
  bool too_large_ = false;  // a newline tipped it over (line_ knows about the rest)
  std::string problem_;
};

}  // namespace weir
