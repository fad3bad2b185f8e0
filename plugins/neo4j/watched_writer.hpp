// A ValueWriter that forwards to another and remembers whether anything was
// written: a request that failed before its first value can be retried on
// another cluster member without the caller seeing half a result.
#pragma once

#include <weir/sdk/value_writer.hpp>

namespace weir::neo4j {

class WatchedWriter {
 public:
  explicit WatchedWriter(sdk::ValueWriter& inner);
  WatchedWriter(const WatchedWriter&) = delete;
  WatchedWriter& operator=(const WatchedWriter&) = delete;

  sdk::ValueWriter& writer() noexcept { return outer_; }
  bool started() const noexcept { return started_; }

 private:
  // The C callbacks below reach these through host_data.
  friend struct WatchedWriterCallbacks;
  sdk::ValueWriter& inner_;
  bool started_ = false;
  weir_value_writer table_;
  sdk::ValueWriter outer_;
};

}  // namespace weir::neo4j
