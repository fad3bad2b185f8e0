// A request stays inside its own database: no ATTACH of other files, no
// VACUUM INTO a file elsewhere, while plain VACUUM keeps working.
#include "sqlite_fixture.hpp"

#include <filesystem>

namespace weir::sqlite_test {
namespace {

namespace fs = std::filesystem;

class SqliteWorkspaceGuardTest : public SqliteTest {
 protected:
  void SetUp() override {
    pool_ = open();
    conn_ = lease(pool_);
    ASSERT_TRUE(run(conn_, "CREATE TABLE t (x)").ok());
  }
  void expect_refused(const CallOutcome& outcome) {
    EXPECT_EQ(outcome.status, WEIR_E_PERMISSION);
    EXPECT_EQ(outcome.code(), "SQLITE_AUTH");
    EXPECT_EQ(outcome.message(),
              "ATTACH and VACUUM INTO are refused: a request may only use its own database");
  }
  PoolHandle pool_;
  LeaseHandle conn_;
};

TEST_F(SqliteWorkspaceGuardTest, AttachingAnotherFileIsRefused) {
  weir::testing::TempDir elsewhere;
  const auto target = (elsewhere.path() / "other.db").string();
  expect_refused(run(conn_, "ATTACH '" + target + "' AS other"));
  expect_refused(run(conn_, "ATTACH ? AS other", boost::json::array{target}));
  EXPECT_FALSE(fs::exists(target));
}

TEST_F(SqliteWorkspaceGuardTest, VacuumIntoAnotherFileIsRefused) {
  weir::testing::TempDir elsewhere;
  const auto target = (elsewhere.path() / "copy.db").string();
  expect_refused(run(conn_, "VACUUM INTO '" + target + "'"));
  EXPECT_FALSE(fs::exists(target));
}

TEST_F(SqliteWorkspaceGuardTest, PlainVacuumAndMemoryAttachStillWork) {
  EXPECT_TRUE(run(conn_, "VACUUM").ok());
  EXPECT_TRUE(run(conn_, "ATTACH ':memory:' AS scratch").ok());
}

}  // namespace
}  // namespace weir::sqlite_test
