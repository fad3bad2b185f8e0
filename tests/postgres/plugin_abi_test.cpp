// The built weir_postgres.so through the C ABI only, as the host uses it:
// entry, pool_open from JSON config, acquire, execute, errors in weir_error.
#include "pg_test_support.hpp"

#include <dlfcn.h>

namespace weir::postgres::test {
namespace {

namespace json = boost::json;

class PostgresPluginAbi : public ::testing::Test {
 protected:
  void SetUp() override {
    library_ = ::dlopen(WEIR_POSTGRES_PLUGIN, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(library_, nullptr) << ::dlerror();
    auto entry = reinterpret_cast<weir_plugin_entry_fn>(::dlsym(library_, WEIR_ENTRY_SYMBOL));
    ASSERT_NE(entry, nullptr);
    host_.struct_size = sizeof host_;
    host_.abi_version = WEIR_ABI_VERSION;
    host_.host_version = "test";
    plugin_.struct_size = sizeof plugin_;
    ASSERT_EQ(entry(WEIR_ABI_VERSION, &host_, &plugin_, fresh_error()), WEIR_OK);
  }
  void TearDown() override {
    if (library_ != nullptr) ::dlclose(library_);
  }
  weir_error* fresh_error() {
    error_ = weir_error{};
    error_.struct_size = sizeof error_;
    return &error_;
  }
  weir_status open(const json::object& config, weir_pool** pool) {
    const auto text = json::serialize(config);
    weir_pool_params params{sizeof(weir_pool_params), "main", text.c_str(), text.size(), "/tmp"};
    return plugin_.pool_open(&params, pool, fresh_error());
  }
  weir_status execute(weir_conn* conn, const std::string& request,
                      weir::testing::ValueBuilder& out) {
    weir_exec_options options{sizeof(weir_exec_options), 5000, 0};
    return plugin_.execute(conn, request.c_str(), request.size(), &options, out.writer(),
                           fresh_error());
  }

  void* library_ = nullptr;
  weir_host host_{};
  weir_plugin plugin_{};
  weir_error error_{};
};

TEST_F(PostgresPluginAbi, DescribesItself) {
  EXPECT_STREQ(plugin_.name, "postgres");
  EXPECT_EQ(plugin_.kind, WEIR_KIND_SQL);
  EXPECT_EQ(plugin_.capabilities, WEIR_CAP_TRANSACTIONS | WEIR_CAP_PARAMETERS | WEIR_CAP_CANCEL |
                                      WEIR_CAP_READ_REPLICAS | WEIR_CAP_PARAMETER_SETS |
                                      WEIR_CAP_EXECUTE_ASYNC);
  EXPECT_NE(plugin_.execute_async, nullptr);
  EXPECT_NE(plugin_.acquire_ready, nullptr);
  EXPECT_NE(plugin_.release_ready, nullptr);
  EXPECT_NE(plugin_.acquire_queued, nullptr);
}

TEST_F(PostgresPluginAbi, QueryAndErrorThroughTheCAbi) {
  weir_pool* pool = nullptr;
  ASSERT_EQ(open({{"backend", "postgres"},
                  {"connection", socket_config(cluster())},
                  {"pool", {{"max_size", 2}, {"min_size", 0}}}},
                 &pool),
            WEIR_OK)
      << error_.message;
  weir_conn* conn = nullptr;
  weir_acquire_options acquire{sizeof(weir_acquire_options), 2000, "test", "abi", 0};
  ASSERT_EQ(plugin_.acquire(pool, &acquire, &conn, fresh_error()), WEIR_OK) << error_.message;

  weir::testing::ValueBuilder ok;
  ASSERT_EQ(execute(conn, R"({"query": "SELECT $1::int4 * 2 AS doubled", "params": [21]})", ok),
            WEIR_OK)
      << error_.message;
  EXPECT_EQ(ok.value(), json::parse(R"({"columns": ["doubled"], "column_types": ["int4"],
                                        "rows": [[42]], "rows_affected": 1})"));

  weir::testing::ValueBuilder failed;
  EXPECT_EQ(
      execute(
          conn,
          R"({"query": "DO $$ BEGIN RAISE EXCEPTION 'nope' USING ERRCODE = '23514', HINT = 'fix it'; END $$"})",
          failed),
      WEIR_E_CONFLICT);
  EXPECT_EQ(error_.status, WEIR_E_CONFLICT);
  EXPECT_EQ(error_.retryable, 0);
  EXPECT_STREQ(error_.code, "23514");
  EXPECT_STREQ(error_.message, "nope");
  EXPECT_STREQ(error_.detail, "hint: fix it");

  weir::testing::ValueBuilder health;
  EXPECT_EQ(plugin_.check(conn, 1000, health.writer(), fresh_error()), WEIR_OK);
  EXPECT_EQ(health.value().at("in_recovery"), json::value(false));

  plugin_.release(pool, conn, WEIR_RELEASE_OK);
  plugin_.pool_close(pool);
}

TEST_F(PostgresPluginAbi, BadConnectionConfigNamesTheField) {
  weir_pool* pool = nullptr;
  EXPECT_EQ(
      open({{"backend", "postgres"}, {"connection", {{"url", "x"}, {"sslmod", "require"}}}}, &pool),
      WEIR_E_INVALID_CONFIG);
  EXPECT_EQ(std::string(error_.message)
                .rfind("databases.main.connection.sslmod: is not a known setting", 0),
            0u)
      << error_.message;
}

}  // namespace
}  // namespace weir::postgres::test
