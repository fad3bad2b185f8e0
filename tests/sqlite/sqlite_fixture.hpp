// Shared setup for the SQLite tests: the plugin loaded through the C ABI (so
// every assertion is about what the host would see), a fresh workspace data
// directory, and shorthands for pools, leases and queries.
#pragma once

#include <weir/testing/plugin_library.hpp>
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <string>
#include <string_view>

namespace weir::sqlite_test {

using weir::testing::CallOutcome;
using weir::testing::LeaseHandle;
using weir::testing::PoolHandle;

class SqliteTest : public ::testing::Test {
 protected:
  static constexpr const char* kDatabase = "main";

  static boost::json::object config(boost::json::object connection, boost::json::object pool = {}) {
    return {
        {"backend", "sqlite"}, {"connection", std::move(connection)}, {"pool", std::move(pool)}};
  }

  // Opens a pool that must open.
  PoolHandle open(boost::json::object connection = {{"path", "test.db"}},
                  boost::json::object pool = {}) {
    PoolHandle handle;
    const auto opened = library_.open_pool(
        kDatabase, config(std::move(connection), std::move(pool)), data_dir_.path(), handle);
    EXPECT_TRUE(opened.ok()) << opened.message();
    return handle;
  }
  // Opens a pool that must fail; returns what the host would see.
  CallOutcome open_failure(boost::json::object connection) {
    PoolHandle handle;
    auto opened =
        library_.open_pool(kDatabase, config(std::move(connection)), data_dir_.path(), handle);
    EXPECT_FALSE(opened.ok()) << "pool_open unexpectedly succeeded";
    return opened;
  }
  static LeaseHandle lease(const PoolHandle& pool) {
    LeaseHandle handle;
    const auto acquired = pool.acquire(handle);
    EXPECT_TRUE(acquired.ok()) << acquired.message();
    return handle;
  }

  static std::string request(std::string_view sql, const boost::json::value& params = nullptr) {
    boost::json::object request{{"query", sql}};
    if (!params.is_null()) request["params"] = params;
    return boost::json::serialize(request);
  }
  static CallOutcome run(const LeaseHandle& lease, std::string_view sql,
                         const boost::json::value& params = nullptr, std::uint32_t timeout_ms = 0,
                         std::uint32_t flags = 0) {
    return lease.execute(request(sql, params), timeout_ms, flags);
  }
  // Runs a statement that must succeed and returns its rows.
  static boost::json::array rows(const LeaseHandle& lease, std::string_view sql,
                                 const boost::json::value& params = nullptr) {
    const auto result = run(lease, sql, params);
    EXPECT_TRUE(result.ok()) << sql << ": " << result.message();
    if (!result.ok()) return {};
    return result.value.at("rows").as_array();
  }

  weir::testing::TempDir data_dir_;
  weir::testing::PluginLibrary library_{WEIR_SQLITE_PLUGIN};
};

}  // namespace weir::sqlite_test
