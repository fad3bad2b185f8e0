// Writes a PostgreSQL result as weir's tabular shape:
//   {"columns": [...], "column_types": [...], "rows": [[...], ...], "rows_affected": n}
#pragma once

#include "type_catalog.hpp"

#include <weir/sdk/value_writer.hpp>

#include <libpq-fe.h>

#include <vector>

namespace weir::postgres {

// `types[i]` describes column i (see PgConnection::column_types).
void write_result(const PGresult* result, const std::vector<const TypeInfo*>& types,
                  weir::sdk::ValueWriter& out);

}  // namespace weir::postgres
