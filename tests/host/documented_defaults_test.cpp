// The defaults the docs state are the defaults the code applies: the
// "default" column of docs/configuration.md and docs/pool.md against a config
// that sets nothing but one database, read through the real config reader.
#include "config.hpp"

#include <weir/sdk/config_reader.hpp>
#include <weir/sdk/pool_config.hpp>

#include <boost/json/object.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <type_traits>

namespace weir {
namespace {

// key -> default, from every table row that starts "| `key` | default |" (a
// default in backticks without them).
std::map<std::string, std::string> documented_defaults(const std::string& doc) {
  std::ifstream in(std::string(WEIR_SOURCE_DIR) + "/docs/" + doc);
  EXPECT_TRUE(in) << "cannot read docs/" << doc;
  static const std::regex row(R"(^\| `([a-z_.]+)` \| `?([^|`]*?)`? \|)");
  std::map<std::string, std::string> defaults;
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_search(line, m, row)) defaults[m[1]] = m[2];
  }
  return defaults;
}

template <class T>
std::string text(T value) {
  if constexpr (std::is_same_v<T, std::chrono::milliseconds>) {
    return std::to_string(value.count());
  } else {
    return std::to_string(value);
  }
}

TEST(DocumentedDefaults, GatewaySettingsAreTheOnesAnEmptyConfigGets) {
  const Config c =
      parse_config(R"({"databases": {"a": {"backend": "sqlite"}}})", "test.json", "/base", "/base");
  const std::map<std::string, std::string> applied = {
      {"listen", "\"" + c.listen_address + ":" + text(c.listen_port) + "\""},
      {"io_threads", text(c.io_threads)},
      {"worker_threads", text(c.worker_threads)},
      {"worker_threads_min", text(c.worker_threads_min)},
      {"worker_blocked_ms", text(c.worker_blocked)},
      {"limits.max_body_bytes", text(c.limits.max_body_bytes)},
      {"limits.max_result_bytes", text(c.limits.max_result_bytes)},
      {"limits.request_timeout_ms", text(c.limits.request_timeout)},
      {"limits.read_timeout_ms", text(c.limits.read_timeout)},
      {"limits.max_queue", text(c.limits.max_queue)},
      {"limits.queue_timeout_ms", text(c.limits.queue_timeout)},
      {"limits.transaction_idle_ms", text(c.limits.transaction_idle)},
      {"limits.max_transactions_per_client", text(c.limits.max_transactions_per_client)},
      {"limits.max_batch_statements", text(c.limits.max_batch_statements)},
      {"drain_timeout_ms", text(c.drain_timeout)},
      {"retry_interval_ms", text(c.retry_interval)},
  };
  const auto documented = documented_defaults("configuration.md");
  for (const auto& [key, value] : applied) {
    ASSERT_TRUE(documented.contains(key)) << key << " is not in docs/configuration.md";
    EXPECT_EQ(documented.at(key), value) << key;
  }
}

TEST(DocumentedDefaults, PoolSettingsAreTheOnesAnEmptyPoolObjectGets) {
  const boost::json::object empty;
  auto pool = sdk::PoolConfig::from(sdk::ConfigReader(empty, "pool"));
  const auto documented = documented_defaults("pool.md");
  sdk::PoolConfig::visit(
      pool, [&](std::string_view key, const auto& field, std::int64_t, std::int64_t) {
        const std::string name(key);
        ASSERT_TRUE(documented.contains(name)) << name << " is not in docs/pool.md";
        EXPECT_EQ(documented.at(name), text(field)) << name;
      });
}

}  // namespace
}  // namespace weir
