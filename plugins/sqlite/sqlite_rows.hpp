// Streams a prepared statement's result to the host as the tabular shape
// {"columns": [...], "column_types": [...], "rows": [[...]], "rows_affected": n
//  [, "last_insert_id": n]} with SQLite's own types: integer, real, text,
// blob (bytes), null.
#pragma once

#include <weir/sdk/value_writer.hpp>

#include <sqlite3.h>

namespace weir::sqlite {

// Steps `statement` to completion. Throws the SQLite error of a failed step,
// or Error(WEIR_E_ABORTED) when the host stops the result.
void write_result(sqlite3* db, sqlite3_stmt* statement, weir::sdk::ValueWriter& out);

}  // namespace weir::sqlite
