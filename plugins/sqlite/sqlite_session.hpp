// The session state every connection starts with and is put back into when
// it returns to the pool after a client may have changed it (the model of
// PostgreSQL's DISCARD ALL): the library's safety switches, the busy timeout,
// the value size limit and the configured pragmas.
#pragma once

#include "sqlite_settings.hpp"

#include <sqlite3.h>

namespace weir::sqlite {

// Applies the session state to `db`. Returns false when SQLite refused a
// step; the reason is then `db`'s last error.
bool configure_session(sqlite3* db, const SqliteSettings& settings);

// Whether a client left objects on the connection that a reset cannot simply
// undo: temporary tables, views or triggers, or an attached database.
bool holds_client_objects(sqlite3* db);

}  // namespace weir::sqlite
