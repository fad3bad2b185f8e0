// The weir_sqlite plugin: exports the SQLite driver through the C ABI.
#include "sqlite_driver.hpp"

WEIR_EXPORT_PLUGIN(weir::sqlite::SqliteDriver)
