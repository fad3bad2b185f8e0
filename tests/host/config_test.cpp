// Config validation: every mistake names the field and says what is valid.
#include "config.hpp"
#include "config_error.hpp"

#include <boost/json.hpp>

#include <gtest/gtest.h>

#include <cstdlib>

namespace weir {
namespace {

Config parse(const std::string& text) { return parse_config(text, "test.json", "/base", "/base"); }

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Config, BuiltInDefaultServesOneSqliteDatabase) {
  const Config c = parse(default_config_text());
  EXPECT_EQ(c.listen_address, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 7300);
  ASSERT_EQ(c.databases.size(), 1u);
  EXPECT_EQ(c.databases[0].name, "default");
  EXPECT_EQ(c.databases[0].backend, "sqlite");
  EXPECT_FALSE(c.databases[0].optional);
}

TEST(Config, InvalidJsonIsReportedWithTheFile) {
  EXPECT_NE(error_of("{").find("config test.json: not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("[]").find("must be a JSON object"), std::string::npos);
}

TEST(Config, MissingDatabasesIsRefused) {
  EXPECT_NE(error_of("{}").find("databases: must be an object with at least one database"),
            std::string::npos);
}

TEST(Config, UnknownTopLevelKeyIsRefusedWithTheKnownOnes) {
  const auto e = error_of(R"({"listne": "x", "databases": {"a": {"backend": "sqlite"}}})");
  EXPECT_NE(e.find("listne: is not a known setting (known: listen,"), std::string::npos) << e;
  EXPECT_NE(e.find("tls); did you mean \"listen\"?"), std::string::npos) << e;
  const auto far = error_of(R"({"colour": "x", "databases": {"a": {"backend": "sqlite"}}})");
  EXPECT_EQ(far.find("did you mean"), std::string::npos) << "no suggestion when nothing is close";
}

TEST(Config, BadListenSaysWhatIsValid) {
  const auto e = error_of(R"({"listen": "7300", "databases": {"a": {"backend": "sqlite"}}})");
  EXPECT_NE(e.find("listen: must be \"host:port\""), std::string::npos) << e;
  EXPECT_NE(error_of(R"({"listen": "127.0.0.1:99999", "databases": {"a": {"backend": "s"}}})")
                .find("listen"),
            std::string::npos);
}

TEST(Config, IPv6ListenAddressInBrackets) {
  const Config c = parse(R"({"listen": "[::1]:8080", "databases": {"a": {"backend": "sqlite"}}})");
  EXPECT_EQ(c.listen_address, "::1");
  EXPECT_EQ(c.listen_port, 8080);
}

TEST(Config, DatabaseNeedsABackend) {
  const auto e = error_of(R"({"databases": {"main": {"optional": true}}})");
  EXPECT_NE(e.find("databases.main.backend: is required"), std::string::npos) << e;
}

TEST(Config, DatabaseNamesMustBeUrlSafe) {
  const auto e = error_of(R"({"databases": {"my db": {"backend": "sqlite"}}})");
  EXPECT_NE(e.find("databases.my db: database names may use only letters, digits"),
            std::string::npos)
      << e;
}

TEST(Config, DatabaseUnknownKeyAndWrongTypes) {
  EXPECT_NE(error_of(R"({"databases": {"a": {"backend": "sqlite", "pools": {}}}})")
                .find("databases.a.pools: is not a known setting"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"databases": {"a": {"backend": "sqlite", "optional": "yes"}}})")
                .find("databases.a.optional: must be true or false, got \"yes\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"databases": {"a": {"backend": "sqlite", "pool": 3}}})")
                .find("databases.a.pool: must be an object, got 3"),
            std::string::npos);
}

TEST(Config, ADatabasesMaxRowsIsItsOwnAndNamesTheRange) {
  EXPECT_EQ(
      error_of(R"({"databases": {"a": {"backend": "sqlite", "max_rows": 0}}})"),
      "config test.json: databases.a.max_rows: must be an integer from 1 to 1000000000, got 0");
  EXPECT_EQ(error_of(R"({"databases": {"a": {"backend": "sqlite", "max_rows": "all"}}})"),
            "config test.json: databases.a.max_rows: must be an integer from 1 to 1000000000, got "
            "\"all\"");
  const auto config = parse(R"({"databases": {"a": {"backend": "sqlite", "max_rows": 500}}})");
  EXPECT_EQ(config.databases.at(0).max_rows, 500u);
  EXPECT_FALSE(config.databases.at(0).settings.contains("max_rows"));  // not the plugin's
  EXPECT_EQ(parse(R"({"databases": {"a": {"backend": "sqlite"}}})").databases.at(0).max_rows, 0u);
}

TEST(Config, NumericLimitsNameTheRange) {
  const auto e = error_of(R"({"worker_threads": 0, "databases": {"a": {"backend": "sqlite"}}})");
  EXPECT_NE(e.find("worker_threads: must be an integer from 1 to 1024, got 0"), std::string::npos)
      << e;
  const auto l = error_of(
      R"({"limits": {"max_body_bytes": "big"}, "databases": {"a": {"backend": "sqlite"}}})");
  EXPECT_NE(l.find("limits.max_body_bytes: must be an integer"), std::string::npos) << l;
  const auto idle = error_of(
      R"({"limits": {"transaction_idle_ms": 0}, "databases": {"a": {"backend": "sqlite"}}})");
  EXPECT_NE(idle.find("limits.transaction_idle_ms: must be an integer from 1 to 3600000, got 0"),
            std::string::npos)
      << idle;
  const auto held = error_of(
      R"({"limits": {"max_transactions_per_client": 0}, "databases": {"a": {"backend": "sqlite"}}})");
  EXPECT_NE(
      held.find("limits.max_transactions_per_client: must be an integer from 1 to 100000, got 0"),
      std::string::npos)
      << held;
  const auto batch = error_of(
      R"({"limits": {"max_batch_statements": 0}, "databases": {"a": {"backend": "sqlite"}}})");
  EXPECT_NE(batch.find("limits.max_batch_statements: must be an integer from 1 to 1000000, got 0"),
            std::string::npos)
      << batch;
}

TEST(Config, LogLevelAndFormatAreChecked) {
  EXPECT_NE(error_of(R"({"log": {"level": "loud"}, "databases": {"a": {"backend": "s"}}})")
                .find("log.level: must be one of debug, info, warn, error"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"log": {"format": "xml"}, "databases": {"a": {"backend": "s"}}})")
                .find("log.format: must be \"text\" or \"json\""),
            std::string::npos);
}

TEST(Config, LogFileLivesInTheDataDirectory) {
  const Config c =
      parse(R"({"log": {"file": "logs/weir.log"}, "databases": {"a": {"backend": "s"}}})");
  EXPECT_EQ(c.log_file, c.workspace.data_dir / "logs/weir.log");
  EXPECT_EQ(parse(R"({"log": {"file": "/var/log/weir.log"}, "databases": {"a": {"backend": "s"}}})")
                .log_file,
            "/var/log/weir.log");
  EXPECT_TRUE(parse(R"({"databases": {"a": {"backend": "s"}}})").log_file.empty())
      << "stderr unless configured";
  const auto escape =
      error_of(R"({"log": {"file": "../weir.log"}, "databases": {"a": {"backend": "s"}}})");
  EXPECT_NE(
      escape.find("log.file: relative path \"../weir.log\" escapes the workspace data directory"),
      std::string::npos)
      << escape;
  EXPECT_NE(error_of(R"({"log": {"file": ""}, "databases": {"a": {"backend": "s"}}})")
                .find("log.file: must be a file path"),
            std::string::npos);
}

TEST(Config, ReloadKeepsTheRunningLogFile) {
  const Config running =
      parse(R"({"log": {"file": "weir.log"}, "databases": {"a": {"backend": "s"}}})");
  Config next = parse(R"({"log": {"file": "other.log"}, "databases": {"a": {"backend": "s"}}})");
  EXPECT_EQ(keep_restart_only_settings(running, next), std::vector<std::string>{"log.file"});
  EXPECT_EQ(next.log_file, running.log_file);
}

TEST(Config, EnvironmentReferencesAreResolvedForThePluginOnly) {
  ::setenv("WEIR_TEST_SECRET", "s3cret", 1);
  const Config c = parse(R"({"databases": {"pg": {"backend": "postgres",
      "connection": {"password": "${env:WEIR_TEST_SECRET}", "url": "postgres://u:${env:WEIR_TEST_SECRET}@h/db"}}}})");
  const auto& settings = c.databases[0].settings.at("connection").as_object();
  EXPECT_EQ(settings.at("password").as_string(), "s3cret");
  EXPECT_EQ(settings.at("url").as_string(), "postgres://u:s3cret@h/db");
  const auto& masked = c.databases[0].masked.at("connection").as_object();
  EXPECT_EQ(masked.at("password").as_string(), "***");
  EXPECT_EQ(masked.at("url").as_string(), "postgres://u:***@h/db");
}

TEST(Config, MissingEnvironmentVariableNamesFieldAndVariable) {
  ::unsetenv("WEIR_TEST_MISSING");
  const auto e = error_of(R"({"databases": {"pg": {"backend": "postgres",
      "connection": {"password": "${env:WEIR_TEST_MISSING}"}}}})");
  EXPECT_NE(
      e.find("databases.pg.connection.password: environment variable WEIR_TEST_MISSING is not set"),
      std::string::npos)
      << e;
}

TEST(Config, SecretsAreMaskedAtAnyDepth) {
  const auto masked = mask_secrets(boost::json::parse(
      R"({"a": {"api_key": "k", "Token": "t", "list": [{"client_secret": "x"}], "user": "bob"}})"));
  EXPECT_EQ(
      boost::json::serialize(masked),
      R"({"a":{"api_key":"***","Token":"***","list":[{"client_secret":"***"}],"user":"bob"}})");
}

TEST(Config, PasswordsInConnectionStringsAreMasked) {
  const auto masked = [](const char* url) {
    return std::string(mask_secrets(boost::json::value(url)).as_string());
  };
  EXPECT_EQ(masked("postgresql://weir:s3cret@db:5432/app"), "postgresql://weir:***@db:5432/app");
  EXPECT_EQ(masked("postgresql://weir:p@ss@db/app"), "postgresql://weir:***@db/app");
  EXPECT_EQ(masked("postgresql://weir@db/app?sslmode=require&password=s3cret&x=1"),
            "postgresql://weir@db/app?sslmode=require&password=***&x=1");
  EXPECT_EQ(masked("host=db user=weir password=s3cret dbname=app"),
            "host=db user=weir password=*** dbname=app");
  EXPECT_EQ(masked("postgresql://db:5432/app"), "postgresql://db:5432/app");
}

TEST(Config, PluginDirsResolveAgainstTheConfigFile) {
  const Config c =
      parse(R"({"plugin_dirs": ["plugins", "/abs"], "databases": {"a": {"backend": "s"}}})");
  ASSERT_EQ(c.plugin_dirs.size(), 2u);
  EXPECT_EQ(c.plugin_dirs[0], "/base/plugins");
  EXPECT_EQ(c.plugin_dirs[1], "/abs");
  EXPECT_NE(error_of(R"({"plugin_dirs": "x", "databases": {"a": {"backend": "s"}}})")
                .find("plugin_dirs: must be an array"),
            std::string::npos);
}

TEST(Config, MissingFileIsAClearError) {
  try {
    load_config(std::filesystem::path("/nonexistent/weir.json"), "/");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/weir.json: cannot be read"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace weir
