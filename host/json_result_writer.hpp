// weir::JsonResultWriter — the host's weir_value_writer: turns a plugin's
// typed value stream into JSON text, guaranteeing valid output whatever the
// plugin sends (bad UTF-8 is replaced, NaN/Infinity become strings, structure
// is checked) and stopping the plugin once the result passes a size limit.
// docs/types.md describes every value's form.
#pragma once

#include "int64_form.hpp"
#include "result_writer.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace weir {

class JsonResultWriter final : public ResultWriter {
 public:
  explicit JsonResultWriter(std::size_t max_bytes, Int64Form int64_form = Int64Form::kNumber);
  JsonResultWriter(const JsonResultWriter&) = delete;
  JsonResultWriter& operator=(const JsonResultWriter&) = delete;

  weir_value_writer* writer() noexcept override { return &writer_; }
  bool complete() const noexcept override {
    return values_at_top_ == 1 && stack_.empty() && !failed_;
  }
  bool too_large() const noexcept override { return too_large_; }
  const std::string& problem() const noexcept override { return problem_; }
  const std::string& text() const noexcept { return out_; }
  std::string take() noexcept { return std::move(out_); }
  // Empties the writer for the next value (of at most `max_bytes`), keeping its buffers.
  void restart(std::size_t max_bytes) noexcept;
  // Open arrays and objects around the next value.
  std::size_t depth() const noexcept { return stack_.size(); }

 private:
  enum class Frame { kArray, kObject };

  int scalar(std::string_view encoded);
  int int64(std::int64_t v);
  // A number from nested JSON that is not an int64, as the backend spelled it.
  int number_literal(std::string_view literal);
  int before_value();
  int fail(std::string why);
  int check_size();
  // Refuses the next value when its encoding (at least `encoded_size` bytes) cannot fit, before
  // anything is built: a 1 GB blob is refused at once, not after gigabytes of copies.
  int fits(std::size_t encoded_size);
  void append_string(const char* data, std::size_t n);

  weir_value_writer writer_{};
  std::size_t max_bytes_;
  Int64Form int64_form_;
  std::string out_;
  std::vector<Frame> stack_;
  std::vector<bool> first_;       // per open frame: no member written yet
  bool expecting_value_ = false;  // inside an object, after key()
  int values_at_top_ = 0;
  bool failed_ = false;
  bool too_large_ = false;
  std::string problem_;
};

}  // namespace weir
