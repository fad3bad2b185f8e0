// The status and code a client gets for each family of SQLite result codes,
// including the ones no test can provoke on demand (I/O errors, corruption).
#include "sqlite_result_codes.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace weir::sqlite {
namespace {

struct Mapping {
  int code;
  weir_status status;
  bool retryable;
  const char* name;
};

TEST(SqliteResultCodes, EachFamilyMapsToTheStatusAClientCanActOn) {
  const Mapping mappings[] = {
      {SQLITE_ERROR, WEIR_E_QUERY, false, "SQLITE_ERROR"},
      {SQLITE_RANGE, WEIR_E_QUERY, false, "SQLITE_RANGE"},
      {SQLITE_CONSTRAINT_CHECK, WEIR_E_CONFLICT, false, "SQLITE_CONSTRAINT_CHECK"},
      {SQLITE_BUSY_SNAPSHOT, WEIR_E_UNAVAILABLE, true, "SQLITE_BUSY_SNAPSHOT"},
      {SQLITE_LOCKED_SHAREDCACHE, WEIR_E_UNAVAILABLE, true, "SQLITE_LOCKED_SHAREDCACHE"},
      {SQLITE_FULL, WEIR_E_UNAVAILABLE, true, "SQLITE_FULL"},
      {SQLITE_CANTOPEN_ISDIR, WEIR_E_UNAVAILABLE, false, "SQLITE_CANTOPEN_ISDIR"},
      {SQLITE_READONLY_DBMOVED, WEIR_E_PERMISSION, false, "SQLITE_READONLY_DBMOVED"},
      {SQLITE_AUTH, WEIR_E_PERMISSION, false, "SQLITE_AUTH"},
      {SQLITE_INTERRUPT, WEIR_E_CANCELLED, false, "SQLITE_INTERRUPT"},
      {SQLITE_IOERR_SHORT_READ, WEIR_E_BROKEN, false, "SQLITE_IOERR_SHORT_READ"},
      {SQLITE_CORRUPT_INDEX, WEIR_E_BROKEN, false, "SQLITE_CORRUPT_INDEX"},
      {SQLITE_NOTADB, WEIR_E_BROKEN, false, "SQLITE_NOTADB"},
      {SQLITE_NOMEM, WEIR_E_INTERNAL, true, "SQLITE_NOMEM"},
      {SQLITE_MISUSE, WEIR_E_INTERNAL, false, "SQLITE_MISUSE"},
  };
  for (const auto& m : mappings) {
    const auto error = sqlite_error(m.code, "message", "detail");
    EXPECT_EQ(error.status(), m.status) << m.name;
    EXPECT_EQ(error.retryable(), m.retryable) << m.name;
    EXPECT_EQ(error.code(), m.name);
    EXPECT_EQ(error.message(), "message");
    EXPECT_EQ(error.detail(), "detail");
  }
}

// A broken connection is retryable by default (plugin.h); a damaged file is not, and the
// plugin says so as its verdict. An I/O error keeps the default: it may pass.
TEST(SqliteResultCodes, ADamagedFileIsFinalAnIoErrorKeepsTheDefault) {
  for (const int code : {SQLITE_CORRUPT, SQLITE_CORRUPT_INDEX, SQLITE_NOTADB}) {
    const auto error = sqlite_error(code, "m");
    EXPECT_TRUE(error.retryable_decided()) << error.code();
    EXPECT_FALSE(error.retryable()) << error.code();
  }
  EXPECT_FALSE(sqlite_error(SQLITE_IOERR_SHORT_READ, "m").retryable_decided());
  EXPECT_FALSE(sqlite_error(SQLITE_BUSY, "m").retryable_decided());
}

TEST(SqliteResultCodes, UnknownExtendedCodeIsNamedByItsFamily) {
  const int future_busy_code = SQLITE_BUSY | (60 << 8);
  EXPECT_EQ(result_code_name(future_busy_code), "SQLITE_BUSY");
  EXPECT_EQ(sqlite_error(future_busy_code, "m").status(), WEIR_E_UNAVAILABLE);
  EXPECT_EQ(result_code_name(250), "SQLITE_UNKNOWN");
}

}  // namespace
}  // namespace weir::sqlite
