// `weir check-config` runs the validation `weir serve` runs, plugins' settings
// included, through the real binary: for every config serve refuses,
// check-config refuses with the same message naming the field, and neither
// ever prints a password.
#include "temp_dir.hpp"
#include "weir_process.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace weir {
namespace {

using testing::WeirProcess;

constexpr const char* kPassword = "s3cret-pw";

struct Run {
  int status = -1;
  std::string out;
  std::string err;
  // The line weir ends with on a refusal: "weir: ...".
  std::string refusal() const {
    const auto at = err.rfind("\nweir: ");
    const auto start =
        at == std::string::npos ? (err.rfind("weir: ", 0) == 0 ? 0 : err.size()) : at + 1;
    return err.substr(start, err.find('\n', start) - start);
  }
};

Run run(const std::filesystem::path& dir, const std::string& config, const std::string& command) {
  WeirProcess weir(dir, config, command);
  Run r;
  r.status = weir.wait_for(std::chrono::seconds(20)).value_or(-1);
  r.out = weir.stdout_text();
  r.err = weir.stderr_text();
  return r;
}

std::string config_of(const std::string& databases) {
  return R"({"listen": "127.0.0.1:)" + std::to_string(testing::free_local_port()) +
         R"(", "plugin_dirs": [")" WEIR_TEST_PLUGIN_DIR R"(", ")" WEIR_TEST_V1_PLUGIN_DIR
         R"("], "databases": {)" +
         databases + "}}";
}

struct Refused {
  const char* name;
  const char* database;
  const char* message;
};

class BothRefuse : public ::testing::TestWithParam<Refused> {};

TEST_P(BothRefuse, WithTheSameMessageNamingTheField) {
  testing::TempDir dir;
  const auto config = config_of(std::string(R"("main": )") + GetParam().database);
  const auto checked = run(dir.path(), config, "check-config");
  const auto served = run(dir.path(), config, "serve");

  EXPECT_EQ(checked.status, 78) << checked.out << checked.err;
  EXPECT_EQ(served.status, 78) << served.err;
  const std::string expected =
      "weir: config " + (dir.path() / "weir.json").string() + ": " + GetParam().message;
  EXPECT_EQ(checked.refusal().rfind(expected, 0), 0u) << checked.refusal();
  EXPECT_EQ(checked.refusal(), served.refusal());
  EXPECT_EQ(checked.out.find("is valid"), std::string::npos) << checked.out;
  for (const auto* text : {&checked.out, &checked.err, &served.out, &served.err})
    EXPECT_EQ(text->find(kPassword), std::string::npos) << *text;
}

INSTANTIATE_TEST_SUITE_P(
    CheckConfig, BothRefuse,
    ::testing::Values(
        Refused{"SqlitePathOutsideTheWorkspace",
                R"({"backend": "sqlite", "connection": {"path": "../../etc/passwd"}})",
                "databases.main.connection.path: relative path \"../../etc/passwd\" escapes the "
                "workspace data directory "},
        Refused{"PasswordInAPostgresUrl",
                R"({"backend": "postgres",
                    "connection": {"url": "postgresql://weir:s3cret-pw@127.0.0.1:9/app"}})",
                "databases.main.connection.url: must not contain a password; put it in an "
                "environment variable (password_env) or a file (password_file)"},
        Refused{"PoolMaxSizeZero", R"({"backend": "sqlite", "pool": {"max_size": 0}})",
                "databases.main.pool.max_size: must be an integer from 1 to 10000, got 0"},
        // 1e999 parses as infinity: it must not reach the plugin as `Infinity`.
        Refused{"PoolSettingBeyondADouble",
                R"({"backend": "sqlite", "pool": {"acquire_timeout_ms": 1e999}})",
                "databases.main.pool.acquire_timeout_ms: the number 1e999 is outside the range of "
                "a 64-bit double (about -1.8e308 to 1.8e308)"},
        Refused{"ConnectionSettingBeyondADouble",
                R"({"backend": "postgres", "connection": {"host": "127.0.0.1",
                    "connect_timeout_ms": -1E400}})",
                "databases.main.connection.connect_timeout_ms: the number -1E400 is outside the "
                "range of a 64-bit double (about -1.8e308 to 1.8e308)"},
        Refused{"MisspelledPoolSetting", R"({"backend": "sqlite", "pool": {"max_sise": 4}})",
                "databases.main.pool.max_sise: is not a known setting (known: min_size, max_size, "
                "max_overflow, acquire_timeout_ms, validation_interval_ms, max_lifetime_ms, "
                "lifetime_jitter_percent, max_idle_ms, max_uses, leak_timeout_ms, "
                "backoff_initial_ms, backoff_max_ms, backoff_jitter_percent, "
                "maintenance_interval_ms, max_per_client); did you mean \"max_size\"?"},
        Refused{"MisspelledConnectionSetting",
                R"({"backend": "sqlite", "connection": {"paht": "main.db"}})",
                "databases.main.connection.paht: is not a known setting (known: path, "
                "busy_timeout_ms, read_only, create, synchronous, max_value_bytes, "
                "statement_cache_size); did you mean \"path\"?"},
        Refused{"ReplicasOnABackendWithoutThem",
                R"({"backend": "sqlite", "replicas": [{"connection": {"path": "r.db"}}]})",
                "databases.main.replicas: backend \"sqlite\" does not support read replicas"},
        Refused{
            "BadReplicaSettings",
            R"({"backend": "postgres", "connection": {"host": "127.0.0.1", "port": 9},
                    "replicas": [{"connection": {"host": "127.0.0.1", "sslmode": "sometimes"}}]})",
            "databases.main.replicas[0].connection.sslmode: must be one of disable, allow, prefer, "
            "require, verify-ca, verify-full, got \"sometimes\""}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(CheckConfig, AValidConfigIsPrintedMaskedWithNotesOnWhatWasNotChecked) {
  testing::TempDir dir;
  ::setenv("WEIR_CHECK_CONFIG_PW", kPassword, 1);
  const auto checked = run(dir.path(), config_of(R"("main": {"backend": "postgres", "connection": {
                        "url": "postgresql://weir@127.0.0.1:9/app",
                        "password_env": "WEIR_CHECK_CONFIG_PW"}},
                      "old": {"backend": "frozen_v1"},
                      "later": {"backend": "nosuch", "optional": true, "connection": {
                        "url": "postgresql://weir:${env:WEIR_CHECK_CONFIG_PW}@db/app"}})"),
                           "check-config");
  EXPECT_EQ(checked.status, 0) << checked.out << checked.err;
  EXPECT_NE(checked.out.find("config " + (dir.path() / "weir.json").string() + " is valid"),
            std::string::npos)
      << checked.out;
  EXPECT_NE(checked.out.find("\"url\":\"postgresql://weir:***@db/app\""), std::string::npos)
      << checked.out;
  EXPECT_NE(checked.out.find("note: databases.old: the frozen_v1 plugin (ABI version 1) did not "
                             "check its settings; they are checked only when its pool opens"),
            std::string::npos)
      << checked.out;
  EXPECT_NE(checked.out.find("note: databases.later: backend plugin \"nosuch\" is not installed"),
            std::string::npos)
      << checked.out;
  EXPECT_EQ(checked.out.find("databases.main"), std::string::npos)
      << "the postgres plugin checked main's settings\n"
      << checked.out;
  EXPECT_EQ(checked.out.find(kPassword), std::string::npos) << checked.out;
  EXPECT_EQ(checked.err.find(kPassword), std::string::npos) << checked.err;
}

TEST(CheckConfig, ARequiredDatabaseWithoutItsPluginIsRefusedAsServeRefusesIt) {
  testing::TempDir dir;
  const auto config = config_of(R"("main": {"backend": "nosuch"})");
  const auto checked = run(dir.path(), config, "check-config");
  const auto served = run(dir.path(), config, "serve");
  EXPECT_EQ(checked.status, 69) << checked.err;
  EXPECT_EQ(served.status, 69) << served.err;
  EXPECT_EQ(
      checked.refusal().rfind(
          "weir: cannot start: database \"main\": backend plugin \"nosuch\" is not installed", 0),
      0u)
      << checked.refusal();
  EXPECT_EQ(checked.refusal(), served.refusal());
}

}  // namespace
}  // namespace weir
