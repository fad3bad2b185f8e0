// weir::testing conformance suite — the behaviour every weir plugin owes the
// host, checked through the C ABI alone (the plugin is loaded like the host
// loads it). A plugin's test instantiates it once:
//
//   #include <weir/testing/conformance.hpp>
//   weir::testing::ConformanceCase sqlite_case() { ... }
//   WEIR_CONFORMANCE_SUITE(Sqlite, sqlite_case());
//
// Include this header in exactly one source file of a test binary (it defines
// the tests) and link GoogleTest's gtest_main. Every test gets a fresh,
// empty workspace data directory, removed afterwards.
#pragma once

#include <weir/plugin.h>
#include <weir/testing/async_rules.hpp>
#include <weir/testing/plugin_library.hpp>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

namespace weir::testing {

// What the suite needs to know about one plugin.
struct ConformanceCase {
  std::string label;             // names the instantiation: [A-Za-z0-9_]+
  std::filesystem::path plugin;  // the plugin .so
  std::string expected_name;     // weir_plugin.name
  boost::json::object database;  // the database config: {"backend", "connection", "pool"}
  // Optional: fills the fresh data directory before the pool opens (fixture files).
  std::function<void(const std::filesystem::path& data_dir)> prepare_data_dir;
  std::vector<std::string> setup_requests;    // run in order on every fresh pool
  std::string probe_request;                  // answers a table...
  boost::json::value probe_first_value;       // ...whose rows[0][0] is this
  std::string failing_request;                // valid JSON the backend rejects...
  weir_status failing_status = WEIR_E_QUERY;  // ...with this status
  // Optional, for plugins that write: one write, and a request whose
  // rows[0][0] tells whether it happened.
  std::string write_request;
  std::string read_back_request;
  boost::json::value read_back_before;
  boost::json::value read_back_after;
};

inline void PrintTo(const ConformanceCase& c, std::ostream* out) {
  *out << c.label << " (" << c.plugin.string() << ")";
}

class PluginConformance : public ::testing::TestWithParam<ConformanceCase> {
 protected:
  static constexpr const char* kDatabase = "conformance";

  void SetUp() override {
    static std::atomic<unsigned> counter{0};
    data_dir_ =
        std::filesystem::temp_directory_path() /
        ("weir-conformance-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(data_dir_);
    std::filesystem::create_directories(data_dir_);
    if (param().prepare_data_dir) param().prepare_data_dir(data_dir_);
    library_ = std::make_unique<PluginLibrary>(param().plugin);
  }
  void TearDown() override {
    library_.reset();
    std::filesystem::remove_all(data_dir_);
  }

  const ConformanceCase& param() const { return GetParam(); }
  const weir_plugin& table() const { return library_->table(); }

  // Opens the case's pool and runs its setup requests.
  PoolHandle open_ready_pool(const boost::json::object& config) {
    PoolHandle pool;
    const auto opened = library_->open_pool(kDatabase, config, data_dir_, pool);
    EXPECT_TRUE(opened.ok()) << "pool_open: " << opened.message();
    if (!opened.ok()) return pool;
    LeaseHandle lease;
    const auto acquired = pool.acquire(lease);
    EXPECT_TRUE(acquired.ok()) << "acquire: " << acquired.message();
    for (const auto& request : param().setup_requests) {
      const auto done = lease.execute(request);
      EXPECT_TRUE(done.ok()) << "setup request " << request << ": " << done.message();
    }
    return pool;
  }
  PoolHandle open_ready_pool() { return open_ready_pool(param().database); }

  LeaseHandle acquire(const PoolHandle& pool) {
    LeaseHandle lease;
    const auto acquired = pool.acquire(lease);
    EXPECT_TRUE(acquired.ok()) << "acquire: " << acquired.message();
    return lease;
  }

  // rows[0][0] of a tabular result, or null when there is none.
  static boost::json::value first_value(const boost::json::value& result) {
    const auto* rows = result.is_object() ? result.as_object().if_contains("rows") : nullptr;
    if (rows == nullptr || !rows->is_array() || rows->as_array().empty()) return nullptr;
    const auto& row = rows->as_array().front();
    if (!row.is_array() || row.as_array().empty()) return nullptr;
    return row.as_array().front();
  }
  boost::json::value read_back(const LeaseHandle& lease) {
    const auto result = lease.execute(param().read_back_request);
    EXPECT_TRUE(result.ok()) << "read back: " << result.message();
    return first_value(result.value);
  }
  bool writes() const { return !param().write_request.empty(); }

  // A copy of the case's config with one member of one section replaced.
  boost::json::object config_with(const char* section, const char* key,
                                  boost::json::value value) const {
    boost::json::object config = param().database;
    auto& object = config[section];
    if (!object.is_object()) object = boost::json::object{};
    object.as_object()[key] = std::move(value);
    return config;
  }

  std::filesystem::path data_dir_;
  std::unique_ptr<PluginLibrary> library_;
};

// ---- entry and description ----

TEST_P(PluginConformance, EntryAnswersTheOfferedVersion) {
  weir_plugin plugin{};
  plugin.struct_size = sizeof(plugin);
  weir_error error = make_error();
  ASSERT_EQ(library_->entry()(WEIR_ABI_VERSION, library_->host(), &plugin, &error), WEIR_OK)
      << error.message;
  EXPECT_GE(plugin.abi_version, WEIR_ABI_VERSION_1);
  EXPECT_LE(plugin.abi_version, WEIR_ABI_VERSION);
}

TEST_P(PluginConformance, EntryAnswersNoNewerThanANewerOffer) {
  weir_plugin plugin{};
  plugin.struct_size = sizeof(plugin);
  weir_error error = make_error();
  const std::uint32_t offer = WEIR_ABI_VERSION + 7;
  ASSERT_EQ(library_->entry()(offer, library_->host(), &plugin, &error), WEIR_OK) << error.message;
  EXPECT_GE(plugin.abi_version, WEIR_ABI_VERSION_1);
  EXPECT_LE(plugin.abi_version, offer);
}

TEST_P(PluginConformance, EntryRefusesOfferZeroWithAbiError) {
  weir_plugin plugin{};
  plugin.struct_size = sizeof(plugin);
  weir_error error = make_error();
  EXPECT_EQ(library_->entry()(0, library_->host(), &plugin, &error), WEIR_E_ABI);
  EXPECT_EQ(error.status, WEIR_E_ABI);
  EXPECT_STRNE(error.message, "");
}

TEST_P(PluginConformance, EntryRefusesATooSmallTableWithoutWritingPastIt) {
  // A host older than the table layout: the plugin must not write beyond struct_size.
  constexpr std::size_t kDeclared = 8;
  alignas(weir_plugin) unsigned char buffer[sizeof(weir_plugin)];
  std::memset(buffer, 0xA5, sizeof(buffer));
  const std::uint32_t declared = kDeclared;
  std::memcpy(buffer, &declared, sizeof(declared));
  weir_error error = make_error();
  EXPECT_EQ(library_->entry()(WEIR_ABI_VERSION, library_->host(),
                              reinterpret_cast<weir_plugin*>(buffer), &error),
            WEIR_E_ABI);
  EXPECT_STRNE(error.message, "");
  for (std::size_t i = kDeclared; i < sizeof(buffer); ++i) {
    ASSERT_EQ(buffer[i], 0xA5) << "byte " << i << " beyond struct_size was written";
  }
}

TEST_P(PluginConformance, DescribesItselfAndFillsRequiredSlots) {
  EXPECT_STREQ(table().name, param().expected_name.c_str());
  EXPECT_TRUE(sdk::is_valid_plugin_name(table().name)) << table().name;
  ASSERT_NE(table().version, nullptr);
  EXPECT_STRNE(table().version, "");
  EXPECT_GE(table().kind, WEIR_KIND_SQL);
  EXPECT_LE(table().kind, WEIR_KIND_OTHER);
  EXPECT_EQ(table().reserved, 0u);
  EXPECT_EQ(table().capabilities & ~((WEIR_CAP_EXECUTE_ASYNC << 1) - 1), 0u)
      << "capability bits this ABI does not define";
  EXPECT_NE(table().pool_open, nullptr);
  EXPECT_NE(table().pool_close, nullptr);
  EXPECT_NE(table().acquire, nullptr);
  EXPECT_NE(table().release, nullptr);
  EXPECT_NE(table().execute, nullptr);
  if (table().capabilities & WEIR_CAP_TRANSACTIONS) {
    EXPECT_NE(table().begin, nullptr);
    EXPECT_NE(table().commit, nullptr);
    EXPECT_NE(table().rollback, nullptr);
  }
  if (table().capabilities & WEIR_CAP_CANCEL) {
    EXPECT_NE(table().cancel, nullptr);
  }
}

// ---- pool_open ----

TEST_P(PluginConformance, PoolOpenRefusesAnUnknownConnectionSettingByName) {
  PoolHandle pool;
  const auto opened = library_->open_pool(
      kDatabase, config_with("connection", "no_such_setting", 1), data_dir_, pool);
  EXPECT_EQ(opened.status, WEIR_E_INVALID_CONFIG);
  EXPECT_EQ(opened.error.status, WEIR_E_INVALID_CONFIG);
  EXPECT_NE(opened.message().find("databases.conformance.connection.no_such_setting"),
            std::string::npos)
      << opened.message();
}

TEST_P(PluginConformance, PoolOpenRefusesABadPoolSettingByName) {
  PoolHandle pool;
  const auto opened =
      library_->open_pool(kDatabase, config_with("pool", "max_size", 0), data_dir_, pool);
  EXPECT_EQ(opened.status, WEIR_E_INVALID_CONFIG);
  EXPECT_NE(opened.message().find("databases.conformance.pool.max_size"), std::string::npos)
      << opened.message();
}

// ---- execute ----

TEST_P(PluginConformance, ProbeRoundTripsThroughAcquireExecuteRelease) {
  auto pool = open_ready_pool();
  auto lease = acquire(pool);
  const auto result = lease.execute(param().probe_request);
  ASSERT_TRUE(result.ok()) << result.message();
  ASSERT_TRUE(result.value.is_object()) << result.value;
  EXPECT_TRUE(result.value.as_object().at("columns").is_array()) << result.value;
  EXPECT_TRUE(result.value.as_object().at("rows").is_array()) << result.value;
  EXPECT_EQ(first_value(result.value), param().probe_first_value) << result.value;
}

TEST_P(PluginConformance, RequestThatIsNotJsonIsAnInvalidRequest) {
  auto pool = open_ready_pool();
  auto lease = acquire(pool);
  const auto broken = lease.execute(std::string_view("{\"query\": "));
  EXPECT_EQ(broken.status, WEIR_E_INVALID_REQUEST);
  EXPECT_EQ(broken.error.status, WEIR_E_INVALID_REQUEST);
  EXPECT_STRNE(broken.error.message, "");
  const auto array = lease.execute(std::string_view("[1, 2]"));
  EXPECT_EQ(array.status, WEIR_E_INVALID_REQUEST);
  EXPECT_STRNE(array.error.message, "");
  // The connection survives a bad request.
  EXPECT_TRUE(lease.execute(param().probe_request).ok());
}

TEST_P(PluginConformance, BackendErrorFillsTheError) {
  auto pool = open_ready_pool();
  auto lease = acquire(pool);
  const auto failed = lease.execute(param().failing_request);
  EXPECT_EQ(failed.status, param().failing_status);
  EXPECT_EQ(failed.error.status, param().failing_status);
  EXPECT_STRNE(failed.error.message, "");
}

TEST_P(PluginConformance, WriterThatRefusesStopsTheResultWithAborted) {
  auto pool = open_ready_pool();
  auto lease = acquire(pool);
  for (const std::size_t budget : {0u, 1u, 4u}) {
    const auto stopped = lease.execute(param().probe_request, 0, 0, budget);
    EXPECT_EQ(stopped.status, WEIR_E_ABORTED) << "writer refusing after " << budget << " calls";
    EXPECT_EQ(stopped.error.status, WEIR_E_ABORTED);
  }
  const auto again = lease.execute(param().probe_request);
  EXPECT_TRUE(again.ok()) << again.message();
}

// A cancel with nothing running may stop the lease's next call (it is meant
// for the request on the lease); it never reaches the next lease.
TEST_P(PluginConformance, CancelWithNothingRunningDoesNotOutliveTheLease) {
  if (!(table().capabilities & WEIR_CAP_CANCEL)) GTEST_SKIP() << "no cancel capability";
  auto pool = open_ready_pool();
  {
    auto lease = acquire(pool);
    EXPECT_EQ(lease.cancel(), WEIR_OK);
  }
  auto next = acquire(pool);
  const auto result = next.execute(param().probe_request);
  EXPECT_TRUE(result.ok()) << result.message();
}

TEST_P(PluginConformance, ErrorsNeverWritePastTheCallersErrorStruct) {
  auto pool = open_ready_pool();
  auto lease = acquire(pool);
  // An older host's weir_error may be shorter (a v1 host's ends before
  // retryable_decided); a NULL one means "no detail wanted".
  weir_exec_options options{};
  options.struct_size = sizeof(options);
  const std::string& request = param().failing_request;
  for (const std::uint32_t declared : {std::uint32_t{8}, std::uint32_t{WEIR_ERROR_V1_SIZE}}) {
    alignas(weir_error) unsigned char buffer[sizeof(weir_error)];
    std::memset(buffer, 0xA5, sizeof(buffer));
    std::memcpy(buffer, &declared, sizeof(declared));
    ValueBuilder result;
    EXPECT_EQ(table().execute(lease.get(), request.data(), request.size(), &options,
                              result.writer(), reinterpret_cast<weir_error*>(buffer)),
              param().failing_status);
    for (std::size_t i = declared; i < sizeof(buffer); ++i) {
      ASSERT_EQ(buffer[i], 0xA5) << "byte " << i << " beyond struct_size " << declared
                                 << " was written";
    }
  }
  ValueBuilder ignored;
  EXPECT_EQ(table().execute(lease.get(), request.data(), request.size(), &options, ignored.writer(),
                            nullptr),
            param().failing_status);
}

TEST_P(PluginConformance, ConcurrentClientsEachGetTheirAnswer) {
  auto pool = open_ready_pool();
  constexpr int kClients = 4;
  constexpr int kRounds = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      for (int r = 0; r < kRounds; ++r) {
        LeaseHandle lease;
        const auto acquired = pool.acquire(lease);
        const auto result = acquired.ok() ? lease.execute(param().probe_request) : acquired;
        if (!result.ok() || first_value(result.value) != param().probe_first_value) ++failures;
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(failures.load(), 0);
}

// ---- pool statistics, health, drain ----

TEST_P(PluginConformance, StatsFollowLeases) {
  if (table().pool_stats == nullptr) GTEST_SKIP() << "no pool_stats";
  auto pool = open_ready_pool();
  auto first = acquire(pool);
  auto second = acquire(pool);
  auto stats = pool.stats();
  EXPECT_EQ(stats.active, 2u);
  EXPECT_GE(stats.total, 2u);
  EXPECT_EQ(stats.idle, stats.total - stats.active);
  EXPECT_GE(stats.max_size, stats.total);
  first.release();
  stats = pool.stats();
  EXPECT_EQ(stats.active, 1u);
  EXPECT_EQ(stats.idle, stats.total - stats.active);
  second.release();
  stats = pool.stats();
  EXPECT_EQ(stats.active, 0u);
  EXPECT_EQ(stats.idle, stats.total);
}

TEST_P(PluginConformance, FullPoolRefusesWithExhaustedAfterTheTimeout) {
  auto pool = open_ready_pool(config_with("pool", "max_size", 1));
  auto holder = acquire(pool);
  LeaseHandle second;
  const auto started = std::chrono::steady_clock::now();
  const auto refused = pool.acquire(second, 50);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(40));
  EXPECT_EQ(refused.status, WEIR_E_EXHAUSTED);
  EXPECT_EQ(refused.error.retryable, 1);
  EXPECT_STRNE(refused.error.message, "");
  holder.release();
  EXPECT_TRUE(pool.acquire(second, 1000).ok()) << "the returned lease is handed out again";
}

TEST_P(PluginConformance, LeaseReleasedBrokenIsClosedNotReused) {
  if (table().pool_stats == nullptr) GTEST_SKIP() << "no pool_stats";
  // min_size 0: no background refill races the count below.
  auto pool = open_ready_pool(config_with("pool", "min_size", 0));
  auto lease = acquire(pool);
  const auto before = pool.stats();
  lease.release(WEIR_RELEASE_BROKEN);
  const auto after = pool.stats();
  EXPECT_EQ(after.total, before.total - 1) << "the broken connection is closed";
  EXPECT_EQ(after.active, 0u);
  auto next = acquire(pool);
  const auto result = next.execute(param().probe_request);
  EXPECT_TRUE(result.ok()) << "a fresh connection replaces it: " << result.message();
}

TEST_P(PluginConformance, DescribeWritesAnObject) {
  if (table().pool_describe == nullptr) GTEST_SKIP() << "no pool_describe";
  auto pool = open_ready_pool();
  ValueBuilder described;
  EXPECT_EQ(table().pool_describe(pool.get(), described.writer()), WEIR_OK);
  EXPECT_TRUE(described.value().is_object()) << described.value();
}

TEST_P(PluginConformance, HealthyPoolAndConnectionCheck) {
  auto pool = open_ready_pool();
  if (table().pool_health != nullptr) {
    const auto health = pool.health();
    EXPECT_EQ(health.state, WEIR_HEALTHY) << health.reason;
    EXPECT_STREQ(health.reason, "");
  }
  if (table().check != nullptr) {
    auto lease = acquire(pool);
    const auto checked = lease.check();
    EXPECT_TRUE(checked.ok()) << checked.message();
    EXPECT_TRUE(checked.value.is_object()) << checked.value;
  }
}

TEST_P(PluginConformance, DrainWaitsForLeasesThenRefusesNewOnes) {
  if (table().pool_drain == nullptr) GTEST_SKIP() << "no pool_drain";
  auto pool = open_ready_pool();
  auto lease = acquire(pool);
  const auto started = std::chrono::steady_clock::now();
  std::thread returner([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    lease.release();
  });
  const auto forced = pool.drain(5000);
  returner.join();
  EXPECT_EQ(forced, 0u);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(40));
  LeaseHandle late;
  const auto refused = pool.acquire(late, 100);
  EXPECT_EQ(refused.status, WEIR_E_CLOSED);
  EXPECT_STRNE(refused.error.message, "");
}

// ---- writes and transactions ----

TEST_P(PluginConformance, WriteOutsideATransactionPersists) {
  if (!writes()) GTEST_SKIP() << "the case declares no write request";
  auto pool = open_ready_pool();
  auto writer = acquire(pool);
  EXPECT_EQ(read_back(writer), param().read_back_before);
  const auto written = writer.execute(param().write_request);
  ASSERT_TRUE(written.ok()) << written.message();
  writer.release();
  auto reader = acquire(pool);
  EXPECT_EQ(read_back(reader), param().read_back_after);
}

TEST_P(PluginConformance, RollbackDiscardsAndCommitPersists) {
  if (!(table().capabilities & WEIR_CAP_TRANSACTIONS)) GTEST_SKIP() << "no transactions capability";
  if (!writes()) GTEST_SKIP() << "the case declares no write request";
  auto pool = open_ready_pool();
  auto lease = acquire(pool);
  ASSERT_TRUE(lease.begin().ok());
  ASSERT_TRUE(lease.execute(param().write_request).ok());
  const auto rolled_back = lease.rollback();
  ASSERT_TRUE(rolled_back.ok()) << rolled_back.message();
  EXPECT_EQ(read_back(lease), param().read_back_before);

  ASSERT_TRUE(lease.begin().ok());
  ASSERT_TRUE(lease.execute(param().write_request).ok());
  const auto committed = lease.commit();
  ASSERT_TRUE(committed.ok()) << committed.message();
  lease.release();
  auto other = acquire(pool);
  EXPECT_EQ(read_back(other), param().read_back_after);
}

TEST_P(PluginConformance, ReleaseRollsBackAnOpenTransaction) {
  if (!(table().capabilities & WEIR_CAP_TRANSACTIONS)) GTEST_SKIP() << "no transactions capability";
  if (!writes()) GTEST_SKIP() << "the case declares no write request";
  auto pool = open_ready_pool();
  auto lease = acquire(pool);
  ASSERT_TRUE(lease.begin().ok());
  ASSERT_TRUE(lease.execute(param().write_request).ok());
  lease.release();  // never committed
  auto next = acquire(pool);
  EXPECT_EQ(read_back(next), param().read_back_before);
}

// Names an instantiation's tests after its case.
inline std::string conformance_label(const ::testing::TestParamInfo<ConformanceCase>& info) {
  return info.param.label;
}

// ---- execute_async and the ready calls (ABI v2) ----
//
// Run on TestLoop, the loop services written from plugin.h alone; a plugin
// without execute_async skips them.

class AsyncConformance : public PluginConformance {
 protected:
  void SetUp() override {
    PluginConformance::SetUp();
    if ((table().capabilities & WEIR_CAP_EXECUTE_ASYNC) == 0)
      GTEST_SKIP() << "no execute_async capability";
    ASSERT_NE(table().execute_async, nullptr) << "WEIR_CAP_EXECUTE_ASYNC without execute_async";
    ASSERT_NE(table().acquire_ready, nullptr);
    ASSERT_NE(table().release_ready, nullptr);
  }

  // The probe on `loop`, checked, until it ran there rather than being handed back
  // (at most three times: a plugin may first need the connection to have run it).
  void expect_probe_on(TestLoop& loop, const LeaseHandle& lease) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      const auto probe = lease.execute_async(loop, param().probe_request);
      expect_ended_by_the_rules(probe);
      ASSERT_TRUE(probe.ok()) << probe.message();
      EXPECT_EQ(first_value(probe.value), param().probe_first_value) << probe.value;
      if (!probe.handed_back) return;
    }
    ADD_FAILURE() << "the probe, the common case execute_async is for, was handed back three "
                     "times on one connection";
  }

  // Members, so that they outlive every pool of the test: a connection removes its
  // watch from the loop it last ran on when its pool closes it.
  TestLoop loop_;
  TestLoop other_loop_;
};

TEST_P(AsyncConformance, ProbeAnswersAsExecuteDoes) {
  auto pool = open_ready_pool();
  auto lease = acquire(pool);
  expect_probe_on(loop_, lease);
  const auto again = lease.execute_async(loop_, param().probe_request);
  expect_ended_by_the_rules(again);
  ASSERT_TRUE(again.ok()) << again.message();
  EXPECT_EQ(again.value, lease.execute(param().probe_request).value);
}

TEST_P(AsyncConformance, FailuresFillTheErrorAsExecuteDoes) {
  auto pool = open_ready_pool();
  auto lease = acquire(pool);
  const auto failed = lease.execute_async(loop_, param().failing_request);
  expect_ended_by_the_rules(failed);
  EXPECT_EQ(failed.status, param().failing_status);
  EXPECT_EQ(failed.error.status, param().failing_status);
  EXPECT_STRNE(failed.error.message, "");
  const auto broken = lease.execute_async(loop_, std::string_view("{\"query\": "));
  expect_ended_by_the_rules(broken);
  EXPECT_EQ(broken.status, WEIR_E_INVALID_REQUEST);
  EXPECT_STRNE(broken.error.message, "");
  // The connection survives both.
  expect_probe_on(loop_, lease);
}

// A connection serves the loop of whichever thread its request comes from
// (the host's I/O threads), and a request on a worker in between.
TEST_P(AsyncConformance, ALeaseMovesBetweenLoopsAndThreads) {
  auto pool = open_ready_pool();
  auto lease = acquire(pool);
  expect_probe_on(loop_, lease);
  std::thread([&] { expect_probe_on(other_loop_, lease); }).join();
  EXPECT_TRUE(lease.execute(param().probe_request).ok());
  expect_probe_on(loop_, lease);
  lease.release();  // its paused watch is removed from a thread running no loop
  auto next = acquire(pool);
  expect_probe_on(other_loop_, next);
}

TEST_P(AsyncConformance, AcquireReadyNeverWaits) {
  boost::json::object config = param().database;
  auto& limits = config["pool"];
  if (!limits.is_object()) limits = boost::json::object{};
  limits.as_object()["min_size"] = 0;
  limits.as_object()["max_size"] = 1;
  auto pool = open_ready_pool(config);
  LeaseHandle held;
  const auto ready = pool.acquire_ready(held);
  ASSERT_TRUE(ready.ok()) << "the idle connection was not ready: " << ready.message();
  LeaseHandle none;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(pool.acquire_ready(none).status, WEIR_E_WOULD_BLOCK);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(100))
      << "acquire_ready waited";
  EXPECT_FALSE(none);
  held.release();
  LeaseHandle again;
  EXPECT_TRUE(pool.acquire_ready(again).ok());
}

// acquire_queued (optional): while the pool's one connection is out, a caller queues
// without a thread, gets that connection once it is released, never from inside the call,
// and a wait that outlives its timeout ends with WEIR_E_EXHAUSTED.
TEST_P(AsyncConformance, AcquireQueuedWaitsItsTurnWithoutAThread) {
  if (table().acquire_queued == nullptr) GTEST_SKIP() << "no acquire_queued";
  boost::json::object config = param().database;
  auto& limits = config["pool"];
  if (!limits.is_object()) limits = boost::json::object{};
  limits.as_object()["min_size"] = 0;
  limits.as_object()["max_size"] = 1;
  limits.as_object()["max_overflow"] = 0;
  auto pool = open_ready_pool(config);
  LeaseHandle held = acquire(pool);
  auto queued = pool.acquire_queued(10000);
  ASSERT_TRUE(queued->call.ok()) << "with the one connection out: " << queued->call.message();
  EXPECT_FALSE(queued->granted_within(std::chrono::milliseconds(50))) << "granted before a release";
  held.release();
  ASSERT_TRUE(queued->granted_within(std::chrono::seconds(5))) << "the release reached nobody";
  EXPECT_FALSE(queued->called_inside());
  ASSERT_TRUE(queued->outcome().ok()) << queued->outcome().message();
  LeaseHandle granted = queued->take_lease();
  ASSERT_TRUE(granted);
  EXPECT_TRUE(granted.execute(param().probe_request).ok());

  auto late = pool.acquire_queued(100);
  ASSERT_TRUE(late->call.ok()) << late->call.message();
  ASSERT_TRUE(late->granted_within(std::chrono::seconds(5))) << "the wait was never timed";
  EXPECT_EQ(late->outcome().status, WEIR_E_EXHAUSTED) << late->outcome().message();
  EXPECT_EQ(late->calls(), 1);
}

// release_ready may decline any connection; one in a transaction it must decline,
// doing nothing: the lease is still in its transaction.
TEST_P(AsyncConformance, ReleaseReadyDeclinesAnOpenTransaction) {
  if (!(table().capabilities & WEIR_CAP_TRANSACTIONS)) GTEST_SKIP() << "no transactions capability";
  if (!writes()) GTEST_SKIP() << "the case declares no write request";
  auto pool = open_ready_pool();
  auto lease = acquire(pool);
  ASSERT_TRUE(lease.begin().ok());
  ASSERT_TRUE(lease.execute(param().write_request).ok());
  EXPECT_FALSE(lease.release_ready()) << "a connection in a transaction went back";
  ASSERT_TRUE(lease);
  EXPECT_EQ(read_back(lease), param().read_back_after);
  EXPECT_TRUE(lease.rollback().ok());
  lease.release();
  auto next = acquire(pool);
  EXPECT_EQ(read_back(next), param().read_back_before);
}

}  // namespace weir::testing

// Instantiates the suite for one plugin; `suite_label` prefixes its test names.
// Use at namespace scope, outside any namespace.
#define WEIR_CONFORMANCE_SUITE(suite_label, conformance_case)                                   \
  namespace weir::testing {                                                                     \
  INSTANTIATE_TEST_SUITE_P(suite_label, PluginConformance, ::testing::Values(conformance_case), \
                           conformance_label);                                                  \
  INSTANTIATE_TEST_SUITE_P(suite_label, AsyncConformance, ::testing::Values(conformance_case),  \
                           conformance_label);                                                  \
  }
