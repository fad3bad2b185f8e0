// Which PRAGMAs a client may run through the gateway, and which of them a
// read-only request may run: the one list to review when SQLite adds
// pragmas. docs/backends/sqlite.md shows it as a table.
//
// Pooled connections outlive requests, so a pragma that changes the session
// would change it for the next client too, and some pragmas change the whole
// process (temp_store_directory) or can brick the file (writable_schema).
// Everything not listed is refused.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace weir::sqlite {

// Whose statement is being checked: a request that may write, or one that
// only reads (WEIR_EXEC_READ_ONLY, a read-only transaction or database).
enum class Caller { kReader, kWriter };

// Why `caller` may not run PRAGMA `name` — with an argument (`PRAGMA x = v`,
// `PRAGMA x(v)`) or without one — or nullopt when it may.
std::optional<std::string> pragma_refusal(std::string_view name, bool with_argument, Caller caller);

}  // namespace weir::sqlite
