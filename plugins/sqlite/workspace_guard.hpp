// Keeps a request inside its own database: ATTACH and VACUUM INTO could
// otherwise read or write any file the gateway can reach, outside the
// workspace the configuration confines it to.
#pragma once

#include <sqlite3.h>

namespace weir::sqlite {

// What a client is told when the guard refuses a statement (SQLITE_AUTH).
inline constexpr const char* kOutsideDatabaseRefused =
    "ATTACH and VACUUM INTO are refused: a request may only use its own database";

// Installs the guard as the handle's authorizer. Plain VACUUM (which attaches
// a temporary database) and ATTACH ':memory:' stay allowed.
void install_workspace_guard(sqlite3* db);

}  // namespace weir::sqlite
