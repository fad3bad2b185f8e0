#include "csv_connection.hpp"

#include "csv_field.hpp"
#include "csv_query.hpp"
#include "csv_reader.hpp"

#include <weir/sdk/error.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace weir_csv {
namespace {

using weir::sdk::Error;
using Clock = std::chrono::steady_clock;

// The index of `column` in the header; an unknown name is a query error,
// like a missing column in SQL.
std::size_t column_index(const std::vector<std::string>& header, const std::string& column,
                         const std::string& file) {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == column) return i;
  }
  std::string known;
  for (const auto& name : header) known += (known.empty() ? "" : ", ") + name;
  throw Error(WEIR_E_QUERY, file + " has no column \"" + column + "\" (columns: " + known + ")");
}

std::ifstream open_table(const CsvSettings& settings, const std::string& file) {
  const auto path = settings.dir / file;
  std::ifstream in(path, std::ios::binary);
  if (in) return in;
  const int error = errno;
  if (!std::filesystem::exists(path)) {
    throw Error(WEIR_E_NOT_FOUND, "no file " + file + " in the CSV directory");
  }
  throw Error(WEIR_E_UNAVAILABLE, "cannot read " + file + ": " + std::strerror(error));
}

}  // namespace

CsvConnection::CsvConnection(std::shared_ptr<const CsvSettings> settings)
    : settings_(std::move(settings)) {}

void CsvConnection::execute(const boost::json::object& request,
                            const weir::sdk::ExecOptions& options, weir::sdk::ValueWriter& result) {
  // A cancel that came just before this call is meant for it: used up here.
  if (cancelled_.exchange(false)) throw Error(WEIR_E_CANCELLED, "the request was cancelled");
  std::optional<Clock::time_point> deadline;
  if (options.timeout.count() > 0) deadline = Clock::now() + options.timeout;

  const CsvQuery query = parse_query(request);
  std::ifstream in = open_table(*settings_, query.file);
  CsvReader reader(in, settings_->delimiter, query.file);

  std::vector<std::string> header;
  if (!reader.next(header)) {
    throw Error(WEIR_E_QUERY, query.file + " is empty: its first line must name the columns");
  }
  std::vector<std::size_t> selected;
  for (const auto& column : query.columns)
    selected.push_back(column_index(header, column, query.file));
  if (query.columns.empty()) {
    for (std::size_t i = 0; i < header.size(); ++i) selected.push_back(i);
  }
  std::vector<std::pair<std::size_t, boost::json::value>> conditions;
  for (const auto& [column, value] : query.where) {
    conditions.emplace_back(column_index(header, column, query.file), value);
  }

  result.begin_object();
  result.key("columns");
  result.begin_array();
  for (const auto i : selected) result.string(header[i]);
  result.end_array();
  result.key("rows");
  result.begin_array();
  std::vector<std::string> fields;
  std::uint64_t matched = 0;
  std::uint64_t written = 0;
  while ((!query.limit || written < *query.limit) && reader.next(fields)) {
    if (cancelled_.exchange(false)) throw Error(WEIR_E_CANCELLED, "the request was cancelled");
    if (deadline && Clock::now() >= *deadline) {
      throw Error(WEIR_E_TIMEOUT, "the request ran past its deadline (" +
                                      std::to_string(options.timeout.count()) + " ms)");
    }
    if (fields.size() != header.size()) {
      throw Error(WEIR_E_QUERY, query.file + " line " + std::to_string(reader.line()) +
                                    ": expected " + std::to_string(header.size()) +
                                    " fields, got " + std::to_string(fields.size()));
    }
    bool keep = true;
    for (const auto& [index, value] : conditions)
      keep = keep && typed_field(fields[index]) == value;
    if (!keep || matched++ < query.offset) continue;
    result.begin_array();
    for (const auto i : selected) write_scalar(result, typed_field(fields[i]));
    result.end_array();
    ++written;
  }
  result.end_array();
  result.end_object();
}

bool CsvConnection::ping() { return std::filesystem::is_directory(settings_->dir); }

void CsvConnection::describe_backend(weir::sdk::ValueWriter& detail) {
  detail.begin_object();
  detail.member("server_version", "weir_csv 0.1.0");
  detail.member("dir", settings_->dir.string());
  detail.member("delimiter", std::string(1, settings_->delimiter));
  detail.end_object();
}

void CsvConnection::reset() { cancelled_ = false; }

void CsvConnection::cancel() noexcept { cancelled_ = true; }

}  // namespace weir_csv
