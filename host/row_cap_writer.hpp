// weir::RowCapWriter — a request's `max_rows` (docs/http-api.yaml): passes a
// result on to another ResultWriter with at most `max_rows` elements in its
// top-level "rows" array and, when a row was cut, `"truncated": true` as the
// result's last member. One place for every backend and both encodings (a
// buffered JSON document, NDJSON lines where it makes the trailer).
//
// With `stop_backend` (a read-only request) the plugin is stopped at the
// first row past the cap; the members the plugin would have written after
// "rows" (rows_affected, ...) are then absent. With `rows_as_they_come` too,
// the plugin is asked for each row as the backend sends it (WEIR_EXEC_STREAMED),
// so that stopping stops the backend rather than a copy of a whole result
// (PostgreSQL cancels the statement: never inside a transaction). Otherwise the rest of the result
// is read and dropped: stopping a statement that writes (INSERT ... RETURNING) would cancel it on
// PostgreSQL and in a Neo4j auto-commit transaction, undoing the write the client asked for.
#pragma once

#include "result_writer.hpp"

#include <cstddef>
#include <functional>
#include <string_view>

namespace weir {

class RowCapWriter final : public ResultWriter {
 public:
  RowCapWriter(ResultWriter& result, std::size_t max_rows, bool stop_backend,
               bool rows_as_they_come);
  RowCapWriter(const RowCapWriter&) = delete;
  RowCapWriter& operator=(const RowCapWriter&) = delete;

  weir_value_writer* writer() noexcept override { return &writer_; }
  bool complete() const noexcept override { return result_.complete(); }
  bool too_large() const noexcept override { return result_.too_large(); }
  const std::string& problem() const noexcept override { return result_.problem(); }
  bool streams() const noexcept override { return result_.streams() || rows_as_they_come_; }
  // True once a row was cut; with stop_backend the result is then whole already, and the
  // plugin's failure to finish it (it was told to stop) is no failure.
  bool truncated() const noexcept override { return truncated_; }

 private:
  using Forward = std::function<int(weir_value_writer&)>;
  enum class Value { kScalar, kArray, kObject };

  // A value starts: a scalar, or the beginning of an array or object.
  int value(const Forward& write, Value kind);
  int close(const Forward& write);
  int key(std::string_view name);
  int cut();
  // Writes the member "truncated": true into the result object.
  int say_truncated();
  static int forward_to(weir_value_writer& w, const Forward& write) { return write(w); }

  weir_value_writer writer_{};
  ResultWriter& result_;
  std::size_t max_rows_;
  bool stop_backend_;
  bool rows_as_they_come_;
  std::size_t depth_ = 0;     // open arrays and objects, the result object included
  bool rows_next_ = false;    // the result's "rows" key was the last thing written
  bool in_rows_ = false;      // inside the result's "rows" array
  std::size_t rows_ = 0;      // rows passed on
  std::size_t dropping_ = 0;  // > 0: inside a dropped row, this many levels deep
  bool truncated_ = false;
  bool stopped_ = false;
};

}  // namespace weir
