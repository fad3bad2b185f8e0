// One leased "connection" to a CSV directory: runs a request by streaming
// the file's matching rows to the host, line by line.
#pragma once

#include "csv_settings.hpp"

#include <weir/sdk/connection.hpp>

#include <atomic>
#include <memory>

namespace weir_csv {

class CsvConnection final : public weir::sdk::Connection {
 public:
  explicit CsvConnection(std::shared_ptr<const CsvSettings> settings);

  void execute(const boost::json::object& request, const weir::sdk::ExecOptions& options,
               weir::sdk::ValueWriter& result) override;
  bool ping() override;
  void describe_backend(weir::sdk::ValueWriter& detail) override;
  // Forgets a cancel no call used up: it was meant for the lease that ended.
  void reset() override;
  // Sets a flag that execute checks; with nothing running, it stops the
  // lease's next execute.
  void cancel() noexcept override;

 private:
  std::shared_ptr<const CsvSettings> settings_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace weir_csv
