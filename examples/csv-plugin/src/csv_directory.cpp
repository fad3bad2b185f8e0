#include "csv_directory.hpp"

#include "csv_connection.hpp"

#include <weir/sdk/workspace_path.hpp>

namespace weir_csv {

CsvDirectory::CsvDirectory(const weir::sdk::OpenContext& context) {
  const auto& reader = context.connection;
  reader.allow_only({"dir", "delimiter"});
  CsvSettings settings;
  settings.dir = weir::sdk::resolve_workspace_path(context.data_dir, reader.string("dir", "csv"),
                                                   reader.field("dir"));
  const std::string delimiter = reader.string("delimiter", ",");
  if (delimiter.size() != 1 || delimiter == "\"" || delimiter == "\n" || delimiter == "\r") {
    reader.fail("delimiter", "must be one character other than a quote or a line break, got \"" +
                                 delimiter + "\"");
  }
  settings.delimiter = delimiter[0];
  settings_ = std::make_shared<const CsvSettings>(std::move(settings));
}

std::unique_ptr<weir::sdk::Connection> CsvDirectory::connect(
    const weir::sdk::ConnectOptions& /*options*/) {
  // A missing directory is a backend that is down, not a bad config: it may
  // appear later, and the pool retries with backoff.
  if (!std::filesystem::is_directory(settings_->dir)) {
    throw weir::sdk::Error(WEIR_E_UNAVAILABLE,
                           "CSV directory " + settings_->dir.string() + " does not exist", true);
  }
  return std::make_unique<CsvConnection>(settings_);
}

}  // namespace weir_csv
