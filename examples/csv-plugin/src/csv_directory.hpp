// The connection factory: one CSV directory. A "connection" is cheap (the
// files are opened per request), but going through the SDK pool still gives
// this backend limits, statistics, health and drain for free.
#pragma once

#include "csv_settings.hpp"

#include <weir/sdk/connection.hpp>
#include <weir/sdk/plugin_export.hpp>

#include <memory>

namespace weir_csv {

class CsvDirectory final : public weir::sdk::ConnectionFactory {
 public:
  // Reads `dir` (default "csv", under the workspace data directory) and
  // `delimiter` (default ","). Throws Error(WEIR_E_INVALID_CONFIG) naming the field.
  explicit CsvDirectory(const weir::sdk::OpenContext& context);

  // Throws Error(WEIR_E_UNAVAILABLE, retryable) while the directory is missing.
  // Waits on no network, so options.timeout does not apply.
  std::unique_ptr<weir::sdk::Connection> connect(const weir::sdk::ConnectOptions& options) override;

 private:
  std::shared_ptr<const CsvSettings> settings_;
};

}  // namespace weir_csv
