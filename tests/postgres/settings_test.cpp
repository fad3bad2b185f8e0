// Connection settings: what is accepted, what is refused, and that refusals
// name the field and never show a secret.
#include "pg_test_support.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace weir::postgres::test {
namespace {

std::string value_of(const Settings& s, const std::string& key) {
  for (const auto& [k, v] : s.libpq) {
    if (k == key) return v;
  }
  return "<absent>";
}

weir::sdk::Error config_error(const boost::json::object& config) {
  return error_of([&] { settings_for(config); });
}

TEST(PostgresSettings, MultiHostUrlAndTargetSessionAttrsPassThroughToLibpq) {
  const auto s = settings_for(
      {{"url", "postgresql://app@db1:5432,db2:5433/shop?target_session_attrs=read-write"}});
  EXPECT_EQ(value_of(s, "host"), "db1,db2");
  EXPECT_EQ(value_of(s, "port"), "5432,5433");
  EXPECT_EQ(value_of(s, "dbname"), "shop");
  EXPECT_EQ(value_of(s, "target_session_attrs"), "read-write");
  EXPECT_EQ(s.target(), "host=db1,db2 port=5432,5433 dbname=shop user=app");
}

TEST(PostgresSettings, FieldsOverrideTheUrlAndTlsSettingsPassThrough) {
  const auto s = settings_for({{"url", "postgresql://app@db1/shop"},
                               {"dbname", "other"},
                               {"port", 6543},
                               {"sslmode", "verify-full"},
                               {"sslrootcert", "/etc/ssl/ca.pem"}});
  EXPECT_EQ(value_of(s, "dbname"), "other");
  EXPECT_EQ(value_of(s, "port"), "6543");
  EXPECT_EQ(value_of(s, "sslmode"), "verify-full");
  EXPECT_EQ(value_of(s, "sslrootcert"), "/etc/ssl/ca.pem");
  // Every connection decodes dates and intervals the same way, and speaks UTF-8.
  EXPECT_EQ(value_of(s, "options"), "-c DateStyle=ISO,YMD -c IntervalStyle=iso_8601");
  EXPECT_EQ(value_of(s, "client_encoding"), "UTF8");
}

TEST(PostgresSettings, UnknownFieldIsRefusedWithItsPath) {
  const auto e = config_error({{"hots", "db1"}});
  EXPECT_EQ(e.status(), WEIR_E_INVALID_CONFIG);
  EXPECT_NE(e.message().find("databases.main.connection.hots: is not a known setting"),
            std::string::npos)
      << e.message();
}

TEST(PostgresSettings, PasswordInConfigOrUrlIsRefusedWithoutEchoingIt) {
  for (const auto& config : {boost::json::object{{"password", "hunter2-secret"}},
                             boost::json::object{{"url", "postgresql://app:hunter2-secret@db/x"}},
                             boost::json::object{{"url", "host=db password=hunter2-secret"}}}) {
    const auto e = config_error(config);
    EXPECT_EQ(e.status(), WEIR_E_INVALID_CONFIG);
    EXPECT_NE(e.message().find("password_env"), std::string::npos) << e.message();
    EXPECT_EQ(e.message().find("hunter2"), std::string::npos) << e.message();
  }
}

TEST(PostgresSettings, PasswordFromEnvironmentMustBeSet) {
  ::unsetenv("WEIR_TEST_UNSET_PW");
  const auto e = config_error({{"password_env", "WEIR_TEST_UNSET_PW"}});
  EXPECT_EQ(e.status(), WEIR_E_INVALID_CONFIG);
  EXPECT_EQ(e.message(),
            "databases.main.connection.password_env: environment variable WEIR_TEST_UNSET_PW is "
            "not set or empty");
  ::setenv("WEIR_TEST_SET_PW", "s3cret", 1);
  EXPECT_EQ(settings_for({{"password_env", "WEIR_TEST_SET_PW"}}).password.read(), "s3cret");
}

TEST(PostgresSettings, PasswordFileIsReadAtEachConnectSoRotationIsPickedUp) {
  const auto path =
      std::filesystem::temp_directory_path() / ("weir-pw-" + std::to_string(::getpid()));
  std::ofstream(path) << "first\n";
  const auto s = settings_for({{"password_file", path.string()}});
  EXPECT_EQ(s.password.read(), "first");  // the newline is not part of it
  std::ofstream(path) << "second\n";
  EXPECT_EQ(s.password.read(), "second");
  std::filesystem::remove(path);
  const auto e = error_of([&] { s.password.read(); });
  EXPECT_EQ(e.message(), "databases.main.connection.password_file: cannot read " + path.string());
}

TEST(PostgresSettings, RelativePasswordFileMayNotEscapeTheWorkspace) {
  const auto e = config_error({{"password_file", "../../etc/pw"}});
  EXPECT_EQ(e.status(), WEIR_E_INVALID_CONFIG);
  EXPECT_NE(e.message().find("escapes the workspace data directory"), std::string::npos)
      << e.message();
}

TEST(PostgresSettings, EnumeratedValuesListWhatIsValid) {
  auto e = config_error({{"sslmode", "strict"}});
  EXPECT_EQ(e.message(),
            "databases.main.connection.sslmode: must be one of disable, allow, prefer, "
            "require, verify-ca, verify-full, got \"strict\"");
  e = config_error({{"target_session_attrs", "replica"}});
  EXPECT_NE(e.message().find("target_session_attrs: must be one of any, read-write"),
            std::string::npos);
  e = config_error({{"url", "postgresql://db/x?sslmode=bogus"}});
  EXPECT_EQ(e.message(),
            "databases.main.connection.url: sslmode must be one of disable, allow, prefer, "
            "require, verify-ca, verify-full, got \"bogus\"");
  e = config_error({{"port", "5432,abc"}});
  EXPECT_EQ(e.message(),
            "databases.main.connection.port: must be a port number (1-65535) or a comma "
            "list of them, got \"5432,abc\"");
  EXPECT_EQ(config_error({{"port", 70000}}).message(),
            "databases.main.connection.port: must be an integer from 1 to 65535, got 70000");
  e = config_error({{"reset", "sometimes"}});
  EXPECT_NE(e.message().find("reset: must be \"auto\""), std::string::npos);
  e = config_error({{"url", "postgresql://db/x?bogus=1"}});
  EXPECT_NE(e.message().find("databases.main.connection.url: is not a libpq connection URL"),
            std::string::npos)
      << e.message();
}

}  // namespace
}  // namespace weir::postgres::test
