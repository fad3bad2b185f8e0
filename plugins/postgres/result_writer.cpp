#include "result_writer.hpp"

#include "value_decoder.hpp"

#include <charconv>
#include <cstring>

namespace weir::postgres {

void ResultWriter::header(const PGresult* shape, const std::vector<const TypeInfo*>& types) {
  types_ = types;
  const int columns = PQnfields(shape);
  out_.begin_object();
  out_.key("columns");
  out_.begin_array();
  for (int c = 0; c < columns; ++c) out_.string(PQfname(shape, c));
  out_.end_array();
  out_.key("column_types");
  out_.begin_array();
  for (int c = 0; c < columns; ++c) out_.string(types_[c]->name);
  out_.end_array();
  out_.key("rows");
  out_.begin_array();
}

void ResultWriter::row(const PGresult* result, int r) {
  const int columns = static_cast<int>(types_.size());
  out_.begin_array();
  for (int c = 0; c < columns; ++c) {
    if (PQgetisnull(result, r, c)) {
      out_.null();
      continue;
    }
    const std::string_view text(PQgetvalue(result, r, c),
                                static_cast<std::size_t>(PQgetlength(result, r, c)));
    if (types_[c]->is_array) {
      write_array(text, types_[c]->kind, out_);
    } else {
      write_scalar(text, types_[c]->kind, out_);
    }
  }
  out_.end_array();
}

void ResultWriter::trailer(const PGresult* final_result) {
  out_.end_array();
  // PQcmdTuples is empty for commands that affect no rows (DDL, SET, ...).
  const char* affected = PQcmdTuples(const_cast<PGresult*>(final_result));
  std::int64_t n = 0;
  std::from_chars(affected, affected + std::strlen(affected), n);
  out_.member("rows_affected", n);
  out_.end_object();
}

void write_result(const PGresult* result, const std::vector<const TypeInfo*>& types,
                  weir::sdk::ValueWriter& out) {
  ResultWriter writer(out);
  writer.header(result, types);
  for (int r = 0; r < PQntuples(result); ++r) writer.row(result, r);
  writer.trailer(result);
}

}  // namespace weir::postgres
