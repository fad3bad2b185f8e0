// weir::ResultWriter — where a plugin's result goes: the host's
// weir_value_writer, and what the host asks of it once the plugin returns.
// JsonResultWriter keeps the result as one JSON text; NdjsonResultWriter
// sends it on as lines while the plugin writes.
#pragma once

#include <weir/plugin.h>

#include <string>

namespace weir {

class ResultWriter {
 public:
  virtual ~ResultWriter() = default;
  virtual weir_value_writer* writer() noexcept = 0;
  // True once exactly one complete value was written.
  virtual bool complete() const noexcept = 0;
  // True when the plugin was stopped because the result passed its size limit.
  virtual bool too_large() const noexcept = 0;
  // Why the value stream was refused (malformed structure, size), empty otherwise.
  virtual const std::string& problem() const noexcept = 0;
  // True when what the plugin writes goes on at once (WEIR_EXEC_STREAMED).
  virtual bool streams() const noexcept { return false; }
  // True when the request's max_rows cut the result (row_cap_writer.hpp).
  virtual bool truncated() const noexcept { return false; }
};

}  // namespace weir
