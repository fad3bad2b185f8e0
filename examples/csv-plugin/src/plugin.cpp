// The plugin's one exported symbol: who it is, and how to open a database.
#include "csv_directory.hpp"

#include <weir/sdk/plugin_export.hpp>

namespace weir_csv {

struct CsvDriver {
  static constexpr weir::sdk::PluginInfo info{
      "csv", "0.1.0", "Read-only CSV files in a directory, one table per file", WEIR_KIND_OTHER,
      WEIR_CAP_PARAMETERS | WEIR_CAP_NAMED_PARAMETERS | WEIR_CAP_STREAMING | WEIR_CAP_CANCEL};

  static std::unique_ptr<weir::sdk::ConnectionFactory> open(const weir::sdk::OpenContext& context) {
    return std::make_unique<CsvDirectory>(context);
  }
};

}  // namespace weir_csv

WEIR_EXPORT_PLUGIN(weir_csv::CsvDriver)
