// Binds a request's JSON "params" array to libpq's parameter arrays. Values
// are always sent out of line ($1..$n), never spliced into the query text.
//
//   null                 -> SQL NULL
//   true / false         -> 'true' / 'false'
//   numbers              -> their decimal text (doubles in shortest round-trip form)
//   "text"               -> the text as is
//   [1, "a", null, [..]] -> a PostgreSQL array literal, for = ANY($1) and array columns
//   {"$base64": "..."}   -> bytea, sent in binary (the same form results use for bytes)
//   any other object     -> its JSON text, for json / jsonb parameters
// Types are left for the server to infer from the statement.
#pragma once

#include <boost/json/value.hpp>

#include <libpq-fe.h>

#include <string>
#include <vector>

namespace weir::postgres {

class Parameters {
 public:
  Parameters() = default;
  // Throws Error(INVALID_REQUEST) naming the offending parameter ($n).
  explicit Parameters(const boost::json::value* params);
  Parameters(const Parameters&) = delete;
  Parameters& operator=(const Parameters&) = delete;

  int count() const noexcept { return static_cast<int>(values_.size()); }
  const char* const* values() const noexcept { return values_.data(); }
  const int* lengths() const noexcept { return lengths_.data(); }
  const int* formats() const noexcept { return formats_.data(); }
  const Oid* types() const noexcept { return types_.data(); }

 private:
  void add_null();
  void add_text(std::string text);
  void add_bytes(std::string bytes);

  std::vector<std::string> storage_;  // owns the bytes `values_` points into
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  std::vector<Oid> types_;
};

}  // namespace weir::postgres
