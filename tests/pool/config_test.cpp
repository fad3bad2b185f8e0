// Pool settings: defaults, ranges and relations, with messages naming the setting.
#include "pool_fixture.hpp"

#include <boost/json.hpp>

namespace weir::pool_test {
namespace {

using ::testing::HasSubstr;

sdk::Error config_error(const char* json) {
  const auto object = boost::json::parse(json).as_object();
  return error_from([&] { PoolConfig::from(sdk::ConfigReader(object, "databases.main.pool")); });
}

TEST(PoolConfigTest, AnEmptyObjectGivesTheDocumentedDefaults) {
  const boost::json::object empty;
  const auto c = PoolConfig::from(sdk::ConfigReader(empty, "databases.main.pool"));
  EXPECT_EQ(c.min_size, 1u);
  EXPECT_EQ(c.max_size, 10u);
  EXPECT_EQ(c.max_overflow, 0u);
  EXPECT_EQ(c.acquire_timeout, 5000ms);
  EXPECT_EQ(c.validation_interval, 1000ms);
  EXPECT_EQ(c.max_lifetime, 3600000ms);
  EXPECT_EQ(c.lifetime_jitter_percent, 10u);
  EXPECT_EQ(c.max_idle, 60000ms);
  EXPECT_EQ(c.max_uses, 50000u);
  EXPECT_EQ(c.leak_timeout, 30000ms);
  EXPECT_EQ(c.backoff_initial, 1000ms);
  EXPECT_EQ(c.backoff_max, 16000ms);
  EXPECT_EQ(c.backoff_jitter_percent, 20u);
  EXPECT_EQ(c.maintenance_interval, 1000ms);
  EXPECT_EQ(c.max_per_client, 0u);
}

TEST(PoolConfigTest, ReadsEverySetting) {
  const auto object = boost::json::parse(R"({"min_size": 2, "max_size": 3, "max_overflow": 4,
      "acquire_timeout_ms": 5, "validation_interval_ms": 6, "max_lifetime_ms": 7000,
      "lifetime_jitter_percent": 8, "max_idle_ms": 9000, "max_uses": 10, "leak_timeout_ms": 11,
      "backoff_initial_ms": 12, "backoff_max_ms": 13, "backoff_jitter_percent": 14,
      "maintenance_interval_ms": 15, "max_per_client": 16})")
                          .as_object();
  const auto c = PoolConfig::from(sdk::ConfigReader(object, "p"));
  EXPECT_EQ(c.min_size, 2u);
  EXPECT_EQ(c.max_size, 3u);
  EXPECT_EQ(c.max_overflow, 4u);
  EXPECT_EQ(c.acquire_timeout, 5ms);
  EXPECT_EQ(c.validation_interval, 6ms);
  EXPECT_EQ(c.max_lifetime, 7000ms);
  EXPECT_EQ(c.lifetime_jitter_percent, 8u);
  EXPECT_EQ(c.max_idle, 9000ms);
  EXPECT_EQ(c.max_uses, 10u);
  EXPECT_EQ(c.leak_timeout, 11ms);
  EXPECT_EQ(c.backoff_initial, 12ms);
  EXPECT_EQ(c.backoff_max, 13ms);
  EXPECT_EQ(c.backoff_jitter_percent, 14u);
  EXPECT_EQ(c.maintenance_interval, 15ms);
  EXPECT_EQ(c.max_per_client, 16u);
}

TEST(PoolConfigTest, MinAboveMaxNamesBothSettings) {
  const auto e = config_error(R"({"min_size": 5, "max_size": 3})");
  EXPECT_EQ(e.status(), WEIR_E_INVALID_CONFIG);
  EXPECT_EQ(e.message(), "databases.main.pool.min_size: must not exceed max_size (3), got 5");
}

TEST(PoolConfigTest, TimeoutsMustBePositive) {
  EXPECT_EQ(config_error(R"({"acquire_timeout_ms": 0})").message(),
            "databases.main.pool.acquire_timeout_ms: must be an integer from 1 to 86400000, got 0");
  EXPECT_EQ(
      config_error(R"({"backoff_initial_ms": -5})").message(),
      "databases.main.pool.backoff_initial_ms: must be an integer from 1 to 86400000, got -5");
}

TEST(PoolConfigTest, BackoffCapBelowTheFirstDelayIsRefused) {
  EXPECT_EQ(config_error(R"({"backoff_initial_ms": 2000, "backoff_max_ms": 1000})").message(),
            "databases.main.pool.backoff_max_ms: must be at least backoff_initial_ms (2000), got "
            "1000");
}

TEST(PoolConfigTest, UnknownAndMistypedSettingsAreRefused) {
  EXPECT_THAT(config_error(R"({"max_szie": 3})").message(),
              HasSubstr("databases.main.pool.max_szie: is not a known setting (known: min_size, "
                        "max_size, max_overflow,"));
  EXPECT_EQ(config_error(R"({"max_size": "ten"})").message(),
            "databases.main.pool.max_size: must be an integer from 1 to 10000, got \"ten\"");
}

TEST(PoolConfigTest, ThePoolValidatesAConfigBuiltInCode) {
  PoolConfig c;
  c.max_size = 2;
  c.min_size = 3;
  Backend backend;
  const auto e = error_from([&] { Pool(c, std::make_unique<ScriptedFactory>(backend), "orders"); });
  EXPECT_EQ(e.status(), WEIR_E_INVALID_CONFIG);
  EXPECT_EQ(e.message(), "databases.orders.pool.min_size: must not exceed max_size (2), got 3");

  c = PoolConfig{};
  c.max_idle = 10ms;
  EXPECT_EQ(error_from([&] { c.validate("p"); }).message(),
            "p.max_idle_ms: must be an integer from 1000 to 2592000000, got 10");
}

}  // namespace
}  // namespace weir::pool_test
