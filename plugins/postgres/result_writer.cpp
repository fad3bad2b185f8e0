#include "result_writer.hpp"

#include "value_decoder.hpp"

#include <charconv>
#include <cstring>

namespace weir::postgres {

void write_result(const PGresult* result, const std::vector<const TypeInfo*>& types,
                  weir::sdk::ValueWriter& out) {
  const int columns = PQnfields(result);
  const int rows = PQntuples(result);
  out.begin_object();
  out.key("columns");
  out.begin_array();
  for (int c = 0; c < columns; ++c) out.string(PQfname(result, c));
  out.end_array();
  out.key("column_types");
  out.begin_array();
  for (int c = 0; c < columns; ++c) out.string(types[c]->name);
  out.end_array();
  out.key("rows");
  out.begin_array();
  for (int r = 0; r < rows; ++r) {
    out.begin_array();
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(result, r, c)) {
        out.null();
        continue;
      }
      const std::string_view text(PQgetvalue(result, r, c),
                                  static_cast<std::size_t>(PQgetlength(result, r, c)));
      if (types[c]->is_array) {
        write_array(text, types[c]->kind, out);
      } else {
        write_scalar(text, types[c]->kind, out);
      }
    }
    out.end_array();
  }
  out.end_array();
  // PQcmdTuples is empty for commands that affect no rows (DDL, SET, ...).
  const char* affected = PQcmdTuples(const_cast<PGresult*>(result));
  std::int64_t n = 0;
  std::from_chars(affected, affected + std::strlen(affected), n);
  out.member("rows_affected", n);
  out.end_object();
}

}  // namespace weir::postgres
