// What weir knows about a column type: the name reported in "column_types"
// and how its text form decodes into a typed value. Built-in types come from
// a static table; other types (enums, domains, extensions) are looked up in
// pg_type once per connection and decode as text (arrays of them as arrays).
#pragma once

#include <libpq-fe.h>

#include <string>
#include <unordered_map>

namespace weir::postgres {

enum class ValueKind {
  kText,  // text, varchar, name, uuid, unknown types: a string as sent
  kBool,
  kInteger,      // int2/4/8, oid
  kFloat,        // float4/8; NaN and infinities as strings
  kNumeric,      // a string, so no precision is lost
  kBytea,        // bytes
  kJson,         // json, jsonb: embedded JSON
  kDate,         // ISO-8601 already (DateStyle=ISO)
  kTimestamp,    // "2024-01-02T03:04:05.123"
  kTimestampTz,  // "2024-01-02T03:04:05.123+00:00"
  kTimeTz,       // "03:04:05+02:00"
};

struct TypeInfo {
  std::string name;  // e.g. "int4", "timestamptz", "text[]", "mood"
  ValueKind kind = ValueKind::kText;
  bool is_array = false;  // then `kind` is the element's kind
};

// The built-in type for `oid`, or nullptr.
const TypeInfo* builtin_type(Oid oid);

// Per-connection cache of looked-up types; not thread-safe (one per connection).
class TypeCache {
 public:
  const TypeInfo* find(Oid oid) const;
  void add(Oid oid, TypeInfo info) { extra_[oid] = std::move(info); }

 private:
  std::unordered_map<Oid, TypeInfo> extra_;
};

// The query that describes unknown types: $1 is an oid[] literal; rows are
// (oid, name, is_array, element oid).
inline constexpr const char* kDescribeTypesQuery =
    "SELECT t.oid, CASE WHEN e.oid IS NOT NULL THEN e.typname || '[]' ELSE t.typname END, "
    "e.oid IS NOT NULL, coalesce(e.oid, 0) "
    "FROM pg_catalog.pg_type t LEFT JOIN pg_catalog.pg_type e "
    "ON t.typelem = e.oid AND t.typlen = -1 AND t.typcategory = 'A' "
    "WHERE t.oid = ANY($1::oid[])";

}  // namespace weir::postgres
