// Reads CSV records (RFC 4180) one at a time from a stream, so a large file
// streams to the client without being held in memory.
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <vector>

namespace weir_csv {

class CsvReader {
 public:
  // `name` is the file name used in error messages.
  CsvReader(std::istream& in, char delimiter, std::string name);

  // Reads the next record into `fields`; false at the end of the input. Blank
  // lines are skipped. Throws Error(WEIR_E_QUERY) for a quote never closed.
  bool next(std::vector<std::string>& fields);

  // The line on which the last record started (1-based), for messages.
  std::size_t line() const noexcept { return record_line_; }
  const std::string& name() const noexcept { return name_; }

 private:
  std::istream& in_;
  char delimiter_;
  std::string name_;
  std::size_t next_line_ = 1;
  std::size_t record_line_ = 0;
};

}  // namespace weir_csv
