// Every failure reaches the caller as a weir status with the SQLSTATE, the
// server's message, and its detail and hint; credentials never leak.
#include "pg_test_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

namespace weir::postgres::test {
namespace {

namespace json = boost::json;

class PostgresErrors : public ::testing::Test {
 protected:
  void SetUp() override { conn_ = connect(cluster()); }
  std::unique_ptr<weir::sdk::Connection> conn_;
};

TEST_F(PostgresErrors, SyntaxErrorIsAQueryErrorWithPosition) {
  const auto e = run_error(*conn_, "SELEC 1");
  EXPECT_EQ(e.status(), WEIR_E_QUERY);
  EXPECT_FALSE(e.retryable());
  EXPECT_EQ(e.code(), "42601");
  EXPECT_EQ(e.message(), "syntax error at or near \"SELEC\"");
  EXPECT_EQ(e.detail(), "position: 1");
}

TEST_F(PostgresErrors, UndefinedTableAndDataErrorsAreQueryErrors) {
  auto e = run_error(*conn_, "SELECT * FROM no_such_table");
  EXPECT_EQ(e.status(), WEIR_E_QUERY);
  EXPECT_EQ(e.code(), "42P01");
  EXPECT_EQ(e.message(), "relation \"no_such_table\" does not exist");
  e = run_error(*conn_, "SELECT 1 / $1::int4", json::array{0});
  EXPECT_EQ(e.status(), WEIR_E_QUERY);
  EXPECT_EQ(e.code(), "22012");
  EXPECT_EQ(e.message(), "division by zero");
}

TEST_F(PostgresErrors, ConstraintViolationIsAConflictWithDetailAndConstraint) {
  run(*conn_, "CREATE TEMP TABLE accounts (id int PRIMARY KEY)");
  run(*conn_, "INSERT INTO accounts VALUES (1)");
  const auto e = run_error(*conn_, "INSERT INTO accounts VALUES (1)");
  EXPECT_EQ(e.status(), WEIR_E_CONFLICT);
  EXPECT_EQ(e.code(), "23505");
  EXPECT_EQ(e.message(), "duplicate key value violates unique constraint \"accounts_pkey\"");
  EXPECT_EQ(e.detail(), "detail: Key (id)=(1) already exists.; constraint: accounts_pkey");
}

TEST_F(PostgresErrors, DetailAndHintAreReported) {
  const auto e = run_error(*conn_,
                           "DO $$ BEGIN RAISE EXCEPTION 'quota exceeded' USING ERRCODE = '22023', "
                           "DETAIL = 'used 11 of 10', HINT = 'delete something first'; END $$");
  EXPECT_EQ(e.status(), WEIR_E_QUERY);
  EXPECT_EQ(e.code(), "22023");
  EXPECT_EQ(e.message(), "quota exceeded");
  EXPECT_EQ(e.detail(), "detail: used 11 of 10; hint: delete something first");
}

TEST_F(PostgresErrors, MissingPrivilegeIsPermission) {
  cluster().psql(
      "DROP TABLE IF EXISTS secrets; DROP ROLE IF EXISTS weir_nobody; "
      "CREATE ROLE weir_nobody LOGIN; CREATE TABLE secrets (x int)");
  auto nobody = connect(cluster(), {{"user", "weir_nobody"}});
  const auto e = run_error(*nobody, "SELECT * FROM secrets");
  EXPECT_EQ(e.status(), WEIR_E_PERMISSION);
  EXPECT_EQ(e.code(), "42501");
  EXPECT_EQ(e.message(), "permission denied for table secrets");
}

TEST_F(PostgresErrors, CopyToOrFromTheClientIsRefusedAndTheConnectionStaysInSync) {
  run(*conn_, "CREATE TEMP TABLE c (x int)");
  for (const char* copy :
       {"COPY (SELECT generate_series(1, 1000)) TO STDOUT", "COPY c FROM STDIN"}) {
    const auto e = run_error(*conn_, copy);
    EXPECT_EQ(e.status(), WEIR_E_INVALID_REQUEST) << copy;
    EXPECT_EQ(e.message(),
              "COPY to or from the client is not supported through weir; use INSERT with "
              "parameters or COPY to a server-side file");
    EXPECT_EQ(scalar(*conn_, "SELECT 7"), json::value(7)) << "out of sync after " << copy;
  }
  EXPECT_EQ(scalar(*conn_, "SELECT count(*) FROM c"), json::value(0));
}

TEST_F(PostgresErrors, TerminatedSessionIsBrokenAndRetryable) {
  const auto pid = scalar(*conn_, "SELECT pg_backend_pid()").as_int64();
  // Waits (up to 5 s) until the session is gone, so the connection is closed before it is used.
  cluster().psql("SELECT pg_terminate_backend(" + std::to_string(pid) + ", 5000)");
  const auto e = run_error(*conn_, "SELECT 1");
  EXPECT_EQ(e.status(), WEIR_E_BROKEN);
  EXPECT_TRUE(e.retryable());
  // Found before the statement was sent, so it may run again, a write too;
  // the server said why before closing.
  EXPECT_TRUE(e.retryable_decided());
  EXPECT_EQ(e.message(),
            "the connection to PostgreSQL was closed while idle; the statement was not sent: "
            "FATAL: terminating connection due to administrator command")
      << e.message();
  EXPECT_FALSE(conn_->ping());
}

TEST(PostgresConnect, WrongPasswordIsUnauthenticatedAndNeverEchoed) {
  ::setenv("WEIR_TEST_BAD_PW", "wrong-Secret-4711", 1);
  const auto settings =
      settings_for({{"url", cluster().url()}, {"password_env", "WEIR_TEST_BAD_PW"}});
  const auto e = error_of([&] { PgConnectionFactory(settings).connect({}); });
  EXPECT_EQ(e.status(), WEIR_E_UNAUTHENTICATED);
  EXPECT_FALSE(e.retryable());
  EXPECT_NE(e.message().find("password authentication failed for user \"postgres\""),
            std::string::npos)
      << e.message();
  EXPECT_NE(e.message().find("host=127.0.0.1 port=" + std::to_string(cluster().port())),
            std::string::npos);
  EXPECT_EQ(e.message().find("wrong-Secret-4711"), std::string::npos);
  EXPECT_EQ(e.detail().find("wrong-Secret-4711"), std::string::npos);
}

TEST(PostgresConnect, RightPasswordFromEnvironmentConnectsOverTcp) {
  ::setenv("WEIR_TEST_GOOD_PW", cluster().superuser_password().c_str(), 1);
  auto conn = PgConnectionFactory(
                  settings_for({{"url", cluster().url()}, {"password_env", "WEIR_TEST_GOOD_PW"}}))
                  .connect({});
  EXPECT_EQ(scalar(*conn, "SELECT current_user"), json::value("postgres"));
}

TEST(PostgresConnect, NoPasswordConfiguredSaysWhatToSet) {
  ::unsetenv("PGPASSWORD");
  const auto e = error_of([&] {
    PgConnectionFactory(settings_for({{"url", cluster().url()}})).connect({});
  });
  EXPECT_EQ(e.status(), WEIR_E_UNAUTHENTICATED);
  EXPECT_NE(e.message().find(
                "asks for a password and none is configured (set password_env or password_file)"),
            std::string::npos)
      << e.message();
}

TEST(PostgresConnect, NothingListeningIsUnavailableAndRetryable) {
  const int port = PostgresCluster::free_port();
  const auto e = error_of([&] {
    PgConnectionFactory(settings_for({{"host", "127.0.0.1"}, {"port", port}, {"user", "postgres"}}))
        .connect({});
  });
  EXPECT_EQ(e.status(), WEIR_E_UNAVAILABLE);
  EXPECT_TRUE(e.retryable());
  EXPECT_NE(e.message().find("cannot connect to PostgreSQL at host=127.0.0.1 port=" +
                             std::to_string(port)),
            std::string::npos)
      << e.message();
  EXPECT_NE(e.message().find("Connection refused"), std::string::npos) << e.message();
}

TEST(PostgresConnect, ServerThatNeverAnswersTimesOutAsUnavailable) {
  // A listener that accepts and then says nothing: the connect deadline is ours.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
  const auto start = std::chrono::steady_clock::now();
  const auto e = error_of([&] {
    PgConnectionFactory(settings_for({{"host", "127.0.0.1"},
                                      {"port", port},
                                      {"user", "postgres"},
                                      {"sslmode", "disable"},
                                      {"connect_timeout_ms", 300}}))
        .connect({});
  });
  const auto took = std::chrono::steady_clock::now() - start;
  ::close(fd);
  EXPECT_EQ(e.status(), WEIR_E_UNAVAILABLE);
  EXPECT_TRUE(e.retryable());
  EXPECT_EQ(e.message(), "cannot connect to PostgreSQL at host=127.0.0.1 port=" +
                             std::to_string(port) + " user=postgres: no answer within 300 ms");
  EXPECT_GE(took, std::chrono::milliseconds(300));
  EXPECT_LT(took, std::chrono::milliseconds(800));
}

TEST(PostgresConnect, MissingDatabaseIsNotFound) {
  const auto e = error_of([&] { connect(cluster(), {{"dbname", "no_such_db"}}); });
  EXPECT_EQ(e.status(), WEIR_E_NOT_FOUND);
  EXPECT_NE(e.message().find("database \"no_such_db\" does not exist"), std::string::npos)
      << e.message();
}

}  // namespace
}  // namespace weir::postgres::test
