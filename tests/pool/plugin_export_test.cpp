// The pool through the C ABI, as the host sees it: the trampolines in
// plugin_export.hpp turn Pool's exceptions into statuses and filled
// weir_error structs, and respect the caller's struct_size.
#include "pool_fixture.hpp"

#include <weir/sdk/plugin_export.hpp>
#include <weir/testing/value_builder.hpp>

#include <atomic>
#include <cstring>
#include <thread>

namespace weir::pool_test {
namespace {
Backend* export_backend = nullptr;
sdk::PoolConfig export_pool_config;  // what the driver's open() was given
int export_opens = 0;                // how often the driver's open() ran
}  // namespace

struct ExportTestDriver {
  static constexpr sdk::PluginInfo info{"pooltest", "1.0.0", "pool export test", WEIR_KIND_OTHER,
                                        0};
  // Its one connection setting: "name", a string.
  static void validate(const sdk::OpenContext& context) {
    context.connection.allow_only({"name"});
    context.connection.string("name", "");
  }
  static std::unique_ptr<sdk::ConnectionFactory> open(const sdk::OpenContext& context) {
    ++export_opens;
    export_pool_config = context.pool;
    return std::make_unique<ScriptedFactory>(*export_backend);
  }
};

// A driver written before validate() existed.
struct DriverWithoutValidate {
  static constexpr sdk::PluginInfo info{"novalidate", "1.0.0", "", WEIR_KIND_OTHER, 0};
  static std::unique_ptr<sdk::ConnectionFactory> open(const sdk::OpenContext&) {
    ++export_opens;
    return std::make_unique<ScriptedFactory>(*export_backend);
  }
};

}  // namespace weir::pool_test

WEIR_EXPORT_PLUGIN(weir::pool_test::ExportTestDriver)

namespace weir::pool_test {
namespace {

using ::testing::HasSubstr;

class PluginExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    export_backend = &backend;
    table.struct_size = sizeof table;
    ASSERT_EQ(weir_plugin_entry(WEIR_ABI_VERSION, nullptr, &table, nullptr), WEIR_OK);
  }
  void TearDown() override {
    if (pool != nullptr) table.pool_close(pool);
  }
  weir_status open(const std::string& config) {
    weir_pool_params params{sizeof(weir_pool_params), "main", config.data(), config.size(), "/tmp"};
    return table.pool_open(&params, &pool, &error);
  }
  static weir_error fresh_error() {
    weir_error e{};
    e.struct_size = sizeof e;
    return e;
  }

  Backend backend;
  weir_plugin table{};
  weir_pool* pool = nullptr;
  weir_error error = fresh_error();
};

TEST_F(PluginExportTest, OpenRefusesBadPoolSettingsNamingTheField) {
  EXPECT_EQ(open(R"({"pool": {"min_size": 5, "max_size": 2}})"), WEIR_E_INVALID_CONFIG);
  EXPECT_EQ(error.status, WEIR_E_INVALID_CONFIG);
  EXPECT_STREQ(error.message, "databases.main.pool.min_size: must not exceed max_size (2), got 5");
  EXPECT_EQ(pool, nullptr);
}

TEST_F(PluginExportTest, ValidateConfigRefusesWhatOpenRefusesWithoutOpening) {
  const auto validate = [&](const std::string& config) {
    weir_pool_params params{sizeof(weir_pool_params), "main", config.data(), config.size(), "/tmp"};
    error = fresh_error();
    return table.validate_config(&params, &error);
  };
  export_opens = 0;
  EXPECT_EQ(validate(R"({"pool": {"min_size": 5, "max_size": 2}})"), WEIR_E_INVALID_CONFIG);
  EXPECT_STREQ(error.message, "databases.main.pool.min_size: must not exceed max_size (2), got 5");
  EXPECT_EQ(validate(R"({"pool": {"max_sise": 2}})"), WEIR_E_INVALID_CONFIG);
  EXPECT_THAT(error.message, HasSubstr("; did you mean \"max_size\"?"));
  EXPECT_EQ(validate(R"({"connection": {"nmae": "x"}})"), WEIR_E_INVALID_CONFIG);
  EXPECT_STREQ(error.message,
               "databases.main.connection.nmae: is not a known setting (known: name); did you "
               "mean \"name\"?");
  EXPECT_EQ(validate(R"({"connection": {"name": "x"}, "pool": {"max_size": 3}})"), WEIR_OK);
  EXPECT_EQ(export_opens, 0) << "validating opened nothing";
  EXPECT_EQ(backend.live, 0);
}

TEST_F(PluginExportTest, ADriverWithoutValidateHasOnlyItsPoolSettingsChecked) {
  const auto validate = [&](const std::string& config) {
    weir_pool_params params{sizeof(weir_pool_params), "main", config.data(), config.size(), "/tmp"};
    error = fresh_error();
    return sdk::detail::Trampolines<DriverWithoutValidate>::validate_config(&params, &error);
  };
  EXPECT_EQ(validate(R"({"pool": {"max_size": 0}})"), WEIR_E_INVALID_CONFIG);
  EXPECT_STREQ(error.message,
               "databases.main.pool.max_size: must be an integer from 1 to 10000, got 0");
  EXPECT_EQ(validate(R"({"connection": {"anything": 1}})"), WEIR_E_NOT_IMPLEMENTED);
  EXPECT_STREQ(error.message,
               "this plugin checks its connection settings only when the pool opens");
}

TEST_F(PluginExportTest, AV1HostGetsAV1TableWithNothingWrittenPastIt) {
  weir_plugin old;
  std::memset(&old, 0xAB, sizeof old);
  old.struct_size = WEIR_PLUGIN_V1_SIZE;
  ASSERT_EQ(weir_plugin_entry(WEIR_ABI_VERSION_1, nullptr, &old, nullptr), WEIR_OK);
  EXPECT_EQ(old.abi_version, WEIR_ABI_VERSION_1);
  const auto* past = reinterpret_cast<const unsigned char*>(&old) + WEIR_PLUGIN_V1_SIZE;
  for (std::size_t i = 0; i < sizeof old - WEIR_PLUGIN_V1_SIZE; ++i) EXPECT_EQ(past[i], 0xAB) << i;

  EXPECT_EQ(table.abi_version, WEIR_ABI_VERSION_2) << "a v2 host gets version 2";
  EXPECT_NE(table.validate_config, nullptr);
}

TEST_F(PluginExportTest, OpenHandsTheDriverThePoolSettings) {
  ASSERT_EQ(open(R"({"pool": {"min_size": 0, "max_size": 7, "acquire_timeout_ms": 250}})"),
            WEIR_OK);
  EXPECT_EQ(export_pool_config.min_size, 0u);
  EXPECT_EQ(export_pool_config.max_size, 7u);
  EXPECT_EQ(export_pool_config.acquire_timeout, std::chrono::milliseconds(250));
}

TEST_F(PluginExportTest, ExhaustedCrossesAsAStatusWithHoldersInTheMessage) {
  ASSERT_EQ(open(R"({"pool": {"min_size": 0, "max_size": 1}})"), WEIR_OK);
  weir_acquire_options options{sizeof options, 0, "agent-7", "POST /v1/databases/main/query", 0};
  weir_conn* conn = nullptr;
  ASSERT_EQ(table.acquire(pool, &options, &conn, &error), WEIR_OK);

  weir_acquire_options quick{sizeof quick, 10, nullptr, nullptr, 0};
  weir_conn* none = nullptr;
  EXPECT_EQ(table.acquire(pool, &quick, &none, &error), WEIR_E_EXHAUSTED);
  EXPECT_EQ(error.retryable, 1);
  EXPECT_THAT(error.message, HasSubstr("pool main exhausted after 10 ms: 1/1 active, 0 waiting, "
                                       "max_overflow 0; holders: client \"agent-7\""));
  EXPECT_THAT(error.message, HasSubstr("at \"POST /v1/databases/main/query\""));
  table.release(pool, conn, WEIR_RELEASE_OK);
}

// begin, commit and rollback end by the request's deadline, which the host
// passes to acquire (deadline_ms, ABI v2): each gets the time left.
TEST_F(PluginExportTest, TransactionCallsGetTheTimeLeftBeforeTheRequestsDeadline) {
  using std::chrono::milliseconds;
  ASSERT_EQ(open(R"({"pool": {"min_size": 0}})"), WEIR_OK);
  weir_acquire_options options{sizeof options, 0, nullptr, nullptr, 5000};
  weir_conn* conn = nullptr;
  ASSERT_EQ(table.acquire(pool, &options, &conn, &error), WEIR_OK);
  ASSERT_EQ(table.begin(conn, nullptr, 0, &error), WEIR_OK);
  EXPECT_GT(backend.last_transaction_timeout.load(), milliseconds(4000));
  EXPECT_LE(backend.last_transaction_timeout.load(), milliseconds(5000));
  ASSERT_EQ(table.commit(conn, &error), WEIR_OK);
  EXPECT_GT(backend.last_transaction_timeout.load(), milliseconds(4000));
  ASSERT_EQ(table.begin(conn, nullptr, 0, &error), WEIR_OK);
  ASSERT_EQ(table.rollback(conn, &error), WEIR_OK);
  EXPECT_GT(backend.last_transaction_timeout.load(), milliseconds(4000));
  EXPECT_LE(backend.last_transaction_timeout.load(), milliseconds(5000));
  table.release(pool, conn, WEIR_RELEASE_OK);
}

// Once the deadline has passed, a rollback (after a statement timed out) still gets 1 ms.
TEST_F(PluginExportTest, APassedDeadlineLeavesTransactionCallsOneMillisecond) {
  ASSERT_EQ(open(R"({"pool": {"min_size": 0}})"), WEIR_OK);
  weir_acquire_options options{sizeof options, 0, nullptr, nullptr, 1};
  weir_conn* conn = nullptr;
  ASSERT_EQ(table.acquire(pool, &options, &conn, &error), WEIR_OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(table.begin(conn, nullptr, 0, &error), WEIR_OK);
  EXPECT_EQ(backend.last_transaction_timeout.load(), std::chrono::milliseconds(1));
  table.release(pool, conn, WEIR_RELEASE_OK);
}

// A v1 host's options end before deadline_ms, and 0 means none: the plugin
// bounds its waits itself (timeout 0), as it does rolling back on release.
TEST_F(PluginExportTest, WithoutADeadlineTransactionCallsGetNone) {
  ASSERT_EQ(open(R"({"pool": {"min_size": 0}})"), WEIR_OK);
  weir_acquire_options v1{WEIR_ACQUIRE_OPTIONS_V1_SIZE, 0, nullptr, nullptr, 5000};
  weir_conn* conn = nullptr;
  ASSERT_EQ(table.acquire(pool, &v1, &conn, &error), WEIR_OK);
  ASSERT_EQ(table.begin(conn, nullptr, 0, &error), WEIR_OK);
  EXPECT_EQ(backend.last_transaction_timeout.load(), std::chrono::milliseconds(0));
  table.release(pool, conn, WEIR_RELEASE_OK);

  weir_acquire_options none{sizeof none, 0, nullptr, nullptr, 0};
  ASSERT_EQ(table.acquire(pool, &none, &conn, &error), WEIR_OK);
  ASSERT_EQ(table.begin(conn, nullptr, 0, &error), WEIR_OK);
  EXPECT_EQ(backend.last_transaction_timeout.load(), std::chrono::milliseconds(0));
  table.release(pool, conn, WEIR_RELEASE_OK);

  // The pool rolling back a lease returned with a transaction open serves no request.
  weir_acquire_options with_deadline{sizeof with_deadline, 0, nullptr, nullptr, 5000};
  ASSERT_EQ(table.acquire(pool, &with_deadline, &conn, &error), WEIR_OK);
  ASSERT_EQ(table.begin(conn, nullptr, 0, &error), WEIR_OK);
  table.release(pool, conn, WEIR_RELEASE_OK);
  EXPECT_EQ(backend.last_transaction_timeout.load(), std::chrono::milliseconds(0));
}

TEST_F(PluginExportTest, ReleaseBrokenClosesTheConnection) {
  ASSERT_EQ(open(R"({"pool": {"min_size": 0}})"), WEIR_OK);
  weir_conn* conn = nullptr;
  ASSERT_EQ(table.acquire(pool, nullptr, &conn, &error), WEIR_OK);
  table.release(pool, conn, WEIR_RELEASE_BROKEN);
  EXPECT_EQ(backend.live, 0);
}

// An event loop leases only what is ready and returns only what needs no reset, never
// waiting or connecting; otherwise it is told so (WEIR_E_WOULD_BLOCK, 0) and nothing changed.
TEST_F(PluginExportTest, TheLoopsAcquireAndReleaseNeverWait) {
  ASSERT_EQ(open(R"({"pool": {"min_size": 0, "max_size": 2}})"), WEIR_OK);
  const auto pool_stats = [&] {
    weir_pool_stats s{};
    s.struct_size = sizeof s;
    table.pool_stats(pool, &s);
    return s;
  };
  weir_conn* conn = nullptr;
  EXPECT_EQ(table.acquire_ready(pool, nullptr, &conn, &error), WEIR_E_WOULD_BLOCK);
  EXPECT_EQ(error.status, WEIR_E_WOULD_BLOCK);
  EXPECT_EQ(backend.connects.load(), 0) << "acquire_ready connected";

  ASSERT_EQ(table.acquire(pool, nullptr, &conn, &error), WEIR_OK);  // connects
  table.release(pool, conn, WEIR_RELEASE_OK);
  ASSERT_EQ(table.acquire_ready(pool, nullptr, &conn, &error), WEIR_OK);  // the idle one
  EXPECT_EQ(pool_stats().active, 1u);
  weir_conn* second = nullptr;
  EXPECT_EQ(table.acquire_ready(pool, nullptr, &second, &error), WEIR_E_WOULD_BLOCK)
      << "room for a second connection, but making it waits";
  EXPECT_EQ(backend.connects.load(), 1);

  // A session with a transaction open needs a rollback on the server: not on the loop.
  ASSERT_EQ(table.begin(conn, nullptr, 0, &error), WEIR_OK);
  EXPECT_EQ(table.release_ready(pool, conn), 0);
  EXPECT_EQ(pool_stats().active, 1u) << "release_ready returned it anyway";
  table.release(pool, conn, WEIR_RELEASE_OK);  // rolls back
  EXPECT_EQ(pool_stats().idle, 1u);

  ASSERT_EQ(table.acquire_ready(pool, nullptr, &conn, &error), WEIR_OK);
  EXPECT_EQ(table.release_ready(pool, conn), 1);
  EXPECT_EQ(pool_stats().idle, 1u);
  EXPECT_EQ(pool_stats().active, 0u);
}

// acquire_queued through the C table: the first release hands the connection to the queued
// caller (deadline included), and a wait that outlives its timeout ends exhausted.
TEST_F(PluginExportTest, AQueuedAcquireIsGrantedTheReleasedConnectionThroughItsCompletion) {
  ASSERT_EQ(open(R"({"pool": {"min_size": 0, "max_size": 1}})"), WEIR_OK);
  // Written by the thread that ends the wait (the pool's own, at a timeout): `calls` last.
  struct Told {
    std::atomic<int> calls{0};
    weir_status status = -1;
    weir_conn* conn = nullptr;
    std::string message;
  } told;
  weir_acquire_completion done{
      sizeof done, &told, [](void* data, weir_status status, weir_conn* conn, const weir_error* e) {
        auto* t = static_cast<Told*>(data);
        t->status = status;
        t->conn = conn;
        if (e != nullptr) t->message = e->message;
        ++t->calls;
      }};
  weir_acquire_options options{sizeof options, 10000, "queued", "GET /q", 2000};
  EXPECT_EQ(table.acquire_queued(pool, &options, &done, &error), WEIR_E_WOULD_BLOCK)
      << "queued with room to open a connection";
  weir_conn* held = nullptr;
  ASSERT_EQ(table.acquire(pool, nullptr, &held, &error), WEIR_OK);
  ASSERT_EQ(table.acquire_queued(pool, &options, &done, &error), WEIR_OK);
  EXPECT_EQ(told.calls, 0);
  table.release(pool, held, WEIR_RELEASE_OK);
  ASSERT_EQ(told.calls, 1);
  ASSERT_EQ(told.status, WEIR_OK);
  ASSERT_EQ(told.conn, held) << "not the released connection";
  EXPECT_GT(sdk::detail::time_left(sdk::detail::lease_of(told.conn)).count(), 0)
      << "the request's deadline did not reach the lease";

  Told late;
  done.host_data = &late;
  options.timeout_ms = 20;
  ASSERT_EQ(table.acquire_queued(pool, &options, &done, &error), WEIR_OK);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (late.calls == 0 && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(late.status, WEIR_E_EXHAUSTED);
  EXPECT_THAT(late.message, HasSubstr("pool main exhausted after 20 ms"));
  table.release(pool, told.conn, WEIR_RELEASE_OK);
}

TEST_F(PluginExportTest, StatsAndHealthWriteNothingBeyondTheCallersStructSize) {
  ASSERT_EQ(open(R"({"pool": {"min_size": 0, "max_size": 7}})"), WEIR_OK);
  weir_pool_stats stats;
  std::memset(&stats, 0xAB, sizeof stats);
  stats.struct_size = offsetof(weir_pool_stats, total);  // knows only the sizes
  table.pool_stats(pool, &stats);
  EXPECT_EQ(stats.max_size, 7u);
  EXPECT_EQ(stats.total, 0xABABABABu);

  weir_health health;
  std::memset(&health, 0xAB, sizeof health);
  health.struct_size = sizeof health;
  table.pool_health(pool, &health);
  EXPECT_EQ(health.state, WEIR_HEALTHY);
  EXPECT_STREQ(health.reason, "");
}

TEST_F(PluginExportTest, DrainReportsForcedLeasesAndLaterAcquiresAreClosed) {
  ASSERT_EQ(open(R"({"pool": {"min_size": 0}})"), WEIR_OK);
  weir_conn* conn = nullptr;
  ASSERT_EQ(table.acquire(pool, nullptr, &conn, &error), WEIR_OK);
  std::uint32_t forced = 0;
  EXPECT_EQ(table.pool_drain(pool, 10, &forced), WEIR_OK);
  EXPECT_EQ(forced, 1u);
  weir_conn* none = nullptr;
  EXPECT_EQ(table.acquire(pool, nullptr, &none, &error), WEIR_E_CLOSED);
  EXPECT_STREQ(error.message, "pool main is closed (draining for shutdown)");
  table.release(pool, conn, WEIR_RELEASE_OK);
  EXPECT_EQ(backend.live, 0);
}

TEST_F(PluginExportTest, DescribeWritesThePoolObject) {
  ASSERT_EQ(open(R"({"pool": {"min_size": 0, "max_per_client": 4}})"), WEIR_OK);
  testing::ValueBuilder builder;
  EXPECT_EQ(table.pool_describe(pool, builder.writer()), WEIR_OK);
  EXPECT_EQ(builder.value().at("settings").at("max_per_client"), 4);
  builder.refuse_after(0);
  EXPECT_EQ(table.pool_describe(pool, builder.writer()), WEIR_E_ABORTED);
}

}  // namespace
}  // namespace weir::pool_test
