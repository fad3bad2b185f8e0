// The SQLite backend as the SDK's export glue sees it.
#pragma once

#include "sqlite_database.hpp"
#include "sqlite_settings.hpp"

#include <weir/sdk/plugin_export.hpp>

#include <memory>

namespace weir::sqlite {

struct SqliteDriver {
  static constexpr weir::sdk::PluginInfo info{
      "sqlite", "0.1.0", "SQLite files (WAL, one writer, many readers) and in-memory databases",
      WEIR_KIND_SQL,
      WEIR_CAP_TRANSACTIONS | WEIR_CAP_PARAMETERS | WEIR_CAP_NAMED_PARAMETERS | WEIR_CAP_CANCEL |
          WEIR_CAP_PARAMETER_SETS};

  static void validate(const weir::sdk::OpenContext& context) { read_settings(context); }
  static std::unique_ptr<weir::sdk::ConnectionFactory> open(const weir::sdk::OpenContext& context) {
    return std::make_unique<SqliteDatabase>(context);
  }
};

}  // namespace weir::sqlite
