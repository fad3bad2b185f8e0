#include "type_catalog.hpp"

#include <unordered_map>

namespace weir::postgres {
namespace {

struct Builtin {
  Oid oid;
  Oid array_oid;
  const char* name;
  ValueKind kind;
};

// OIDs are fixed for built-in types (src/include/catalog/pg_type.dat).
constexpr Builtin kBuiltins[] = {
    {16, 1000, "bool", ValueKind::kBool},
    {17, 1001, "bytea", ValueKind::kBytea},
    {18, 1002, "char", ValueKind::kText},
    {19, 1003, "name", ValueKind::kText},
    {20, 1016, "int8", ValueKind::kInteger},
    {21, 1005, "int2", ValueKind::kInteger},
    {23, 1007, "int4", ValueKind::kInteger},
    {25, 1009, "text", ValueKind::kText},
    {26, 1028, "oid", ValueKind::kInteger},
    {114, 199, "json", ValueKind::kJson},
    {700, 1021, "float4", ValueKind::kFloat},
    {701, 1022, "float8", ValueKind::kFloat},
    {1042, 1014, "bpchar", ValueKind::kText},
    {1043, 1015, "varchar", ValueKind::kText},
    {1082, 1182, "date", ValueKind::kDate},
    {1083, 1183, "time", ValueKind::kText},
    {1114, 1115, "timestamp", ValueKind::kTimestamp},
    {1184, 1185, "timestamptz", ValueKind::kTimestampTz},
    {1186, 1187, "interval", ValueKind::kText},
    {1266, 1270, "timetz", ValueKind::kTimeTz},
    {1700, 1231, "numeric", ValueKind::kNumeric},
    {2950, 2951, "uuid", ValueKind::kText},
    {3802, 3807, "jsonb", ValueKind::kJson},
    {705, 0, "unknown", ValueKind::kText},
    {2278, 0, "void", ValueKind::kText},
};

const std::unordered_map<Oid, TypeInfo>& table() {
  static const auto types = [] {
    std::unordered_map<Oid, TypeInfo> m;
    for (const auto& b : kBuiltins) {
      m[b.oid] = TypeInfo{b.name, b.kind, false};
      if (b.array_oid != 0) m[b.array_oid] = TypeInfo{std::string(b.name) + "[]", b.kind, true};
    }
    return m;
  }();
  return types;
}

}  // namespace

const TypeInfo* builtin_type(Oid oid) {
  const auto& t = table();
  const auto it = t.find(oid);
  return it == t.end() ? nullptr : &it->second;
}

const TypeInfo* TypeCache::find(Oid oid) const {
  if (const auto* b = builtin_type(oid)) return b;
  const auto it = extra_.find(oid);
  return it == extra_.end() ? nullptr : &it->second;
}

}  // namespace weir::postgres
