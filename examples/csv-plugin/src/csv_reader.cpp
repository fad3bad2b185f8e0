#include "csv_reader.hpp"

#include <weir/sdk/error.hpp>

namespace weir_csv {

CsvReader::CsvReader(std::istream& in, char delimiter, std::string name)
    : in_(in), delimiter_(delimiter), name_(std::move(name)) {}

bool CsvReader::next(std::vector<std::string>& fields) {
  fields.clear();
  // Skip blank lines (often a trailing one at the end of the file).
  while (in_.peek() == '\n' || in_.peek() == '\r') {
    if (in_.get() == '\n') ++next_line_;
  }
  if (in_.peek() == std::char_traits<char>::eof()) return false;

  record_line_ = next_line_;
  std::string field;
  bool in_quotes = false;
  while (true) {
    const int c = in_.get();
    if (in_quotes) {
      if (c == std::char_traits<char>::eof()) {
        throw weir::sdk::Error(WEIR_E_QUERY, name_ + " line " + std::to_string(record_line_) +
                                                 ": a quoted field is never closed");
      }
      if (c == '"' && in_.peek() == '"') {
        in_.get();
        field += '"';  // "" inside quotes is one quote
      } else if (c == '"') {
        in_quotes = false;
      } else {
        if (c == '\n') ++next_line_;
        field += static_cast<char>(c);
      }
    } else if (c == '"' && field.empty()) {
      in_quotes = true;
    } else if (c == delimiter_) {
      fields.push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && in_.peek() == '\n') {
      continue;  // CRLF line ends
    } else if (c == '\n' || c == std::char_traits<char>::eof()) {
      if (c == '\n') ++next_line_;
      fields.push_back(std::move(field));
      return true;
    } else {
      field += static_cast<char>(c);
    }
  }
}

}  // namespace weir_csv
