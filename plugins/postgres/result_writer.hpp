// Writes a PostgreSQL result as weir's tabular shape:
//   {"columns": [...], "column_types": [...], "rows": [[...], ...], "rows_affected": n}
// in one go (write_result) or in pieces as rows arrive one at a time
// (ResultWriter, for a streamed result in libpq's single-row mode).
#pragma once

#include "type_catalog.hpp"

#include <weir/sdk/value_writer.hpp>

#include <libpq-fe.h>

#include <vector>

namespace weir::postgres {

class ResultWriter {
 public:
  explicit ResultWriter(weir::sdk::ValueWriter& out) : out_(out) {}

  // The columns of `shape` (any result of the statement, rows or not), up to the rows' array.
  // `types[i]` describes column i (see PgConnection::column_types).
  void header(const PGresult* shape, const std::vector<const TypeInfo*>& types);
  // Row `r` of `result`, after header().
  void row(const PGresult* result, int r);
  // Closes the rows and adds what the statement's final result says.
  void trailer(const PGresult* final_result);

 private:
  weir::sdk::ValueWriter& out_;
  std::vector<const TypeInfo*> types_;
};

// A whole result at once.
void write_result(const PGresult* result, const std::vector<const TypeInfo*>& types,
                  weir::sdk::ValueWriter& out);

}  // namespace weir::postgres
