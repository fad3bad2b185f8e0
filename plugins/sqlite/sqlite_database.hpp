// The SQLite connection factory for one logical database: validates the
// settings, prepares the file's directory, and opens connections that share
// one write lock (and, for ":memory:", one in-memory database).
#pragma once

#include "sqlite_handle.hpp"

#include <weir/sdk/connection.hpp>
#include <weir/sdk/plugin_export.hpp>

#include <memory>

namespace weir::sqlite {

class SqliteDatabase final : public weir::sdk::ConnectionFactory {
 public:
  // Throws Error(WEIR_E_INVALID_CONFIG) naming the field for bad settings.
  explicit SqliteDatabase(const weir::sdk::OpenContext& context);

  // Opens the file; waits on no network, so the caller's options.timeout does not apply.
  std::unique_ptr<weir::sdk::Connection> connect(const weir::sdk::ConnectOptions& options) override;

 private:
  std::shared_ptr<SharedDatabase> shared_;
  // An in-memory database lives as long as one handle on it is open; this one
  // keeps it while the pool holds no connection.
  Handle anchor_;
};

}  // namespace weir::sqlite
