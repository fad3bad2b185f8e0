// What a client sees from the C example: settings and requests refused with
// the field named, backend errors mapped to their statuses, transactions
// isolated per connection, and a store that lives in its file.
#include <weir/testing/plugin_library.hpp>

#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
using boost::json::parse;
using weir::testing::CallOutcome;
using weir::testing::LeaseHandle;
using weir::testing::PoolHandle;

class KvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = fs::temp_directory_path() /
                ("weir-kv-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(data_dir_);
    fs::create_directories(data_dir_);
  }
  void TearDown() override { fs::remove_all(data_dir_); }

  CallOutcome open(boost::json::object connection, PoolHandle& pool) {
    const boost::json::object config{{"backend", "kv"}, {"connection", std::move(connection)}};
    return library_.open_pool("store", config, data_dir_, pool);
  }
  LeaseHandle lease_on(PoolHandle& pool) {
    LeaseHandle lease;
    const auto acquired = pool.acquire(lease);
    EXPECT_TRUE(acquired.ok()) << acquired.message();
    return lease;
  }
  std::string file_text() const {
    std::ifstream in(data_dir_ / "kv.tsv");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  fs::path data_dir_;
  weir::testing::PluginLibrary library_{WEIR_KV_PLUGIN};
};

TEST_F(KvTest, SettingsAreRefusedNamingTheField) {
  const std::vector<std::pair<boost::json::object, std::string>> cases{
      {{{"flie", "x"}},
       "databases.store.connection.flie: is not a known setting (known: file, max_value_bytes, "
       "read_only)"},
      {{{"max_value_bytes", 0}},
       "databases.store.connection.max_value_bytes: must be an integer from 1 to 16777216, got 0"},
      {{{"read_only", "yes"}},
       "databases.store.connection.read_only: must be true or false, got \"yes\""},
      {{{"file", "../outside.tsv"}},
       "databases.store.connection.file: relative path \"../outside.tsv\" escapes the workspace "
       "data directory"}};
  for (const auto& [connection, message] : cases) {
    PoolHandle pool;
    const auto opened = open(connection, pool);
    EXPECT_EQ(opened.status, WEIR_E_INVALID_CONFIG) << message;
    EXPECT_EQ(opened.message().rfind(message, 0), 0u) << opened.message();
  }
}

TEST_F(KvTest, MalformedRequestsAreRefusedNamingTheField) {
  PoolHandle pool;
  ASSERT_TRUE(open({}, pool).ok());
  auto lease = lease_on(pool);
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"({"query": "get", "params": ["k"], "limit": 1})",
       "request.limit: is not a known setting (known: query, params)"},
      {R"({"params": ["k"]})", "request.query: is required (a non-empty string)"},
      {R"({"query": "get", "params": "k"})", "request.params: must be an array, got \"k\""},
      {R"({"query": "put", "params": ["k"]})", "request.params: must hold 2 value(s) for \"put\""},
      {R"({"query": "put", "params": ["k", 3]})", "request.params[1]: must be a string, got 3"},
      {R"({"query": "put", "params": ["k", "a\tb"]})",
       "request.params: must not contain tabs or line breaks"},
      {R"({"query": "put", "params": ["k\u0000", "v"]})",
       "request.params[0]: must not contain a NUL character (\\u0000)"}};
  for (const auto& [request, message] : cases) {
    const auto result = lease.execute(request);
    EXPECT_EQ(result.status, WEIR_E_INVALID_REQUEST) << request;
    EXPECT_EQ(result.message(), message) << request;
  }
}

TEST_F(KvTest, BackendErrorsMapToTheStatusAClientActsOn) {
  PoolHandle pool;
  ASSERT_TRUE(open({{"max_value_bytes", 4}}, pool).ok());
  auto lease = lease_on(pool);
  ASSERT_TRUE(lease.execute(R"({"query": "put", "params": ["k", "v"]})").ok());
  const auto expect = [&](const char* request, weir_status status, const std::string& message,
                          std::uint32_t flags = 0) {
    const auto result = lease.execute(request, 0, flags);
    EXPECT_EQ(result.status, status) << request;
    EXPECT_EQ(result.message(), message) << request;
  };
  expect(R"({"query": "insert", "params": ["k", "w"]})", WEIR_E_CONFLICT,
         "key \"k\" already exists");
  expect(R"({"query": "delete", "params": ["gone"]})", WEIR_E_NOT_FOUND, "no key \"gone\"");
  expect(R"({"query": "drop", "params": []})", WEIR_E_QUERY,
         "unknown command \"drop\" (commands: get, scan, put, insert, delete)");
  expect(R"({"query": "put", "params": ["k", "12345"]})", WEIR_E_INVALID_REQUEST,
         "request.params: holds a value longer than max_value_bytes");
  expect(R"({"query": "put", "params": ["k", "w"]})", WEIR_E_PERMISSION,
         "\"put\" writes, and this request is read-only", WEIR_EXEC_READ_ONLY);
}

TEST_F(KvTest, AReadOnlyDatabaseRefusesWrites) {
  PoolHandle pool;
  ASSERT_TRUE(open({{"read_only", true}}, pool).ok());
  const auto result = lease_on(pool).execute(R"({"query": "delete", "params": ["k"]})");
  EXPECT_EQ(result.status, WEIR_E_PERMISSION);
  EXPECT_EQ(result.message(), "\"delete\" writes, and this database is read-only");
}

// The host cancels when the client goes away, which may be just before
// execute starts: that execute stops, and the cancel is used up by it.
TEST_F(KvTest, ACancelJustBeforeExecuteStopsIt) {
  PoolHandle pool;
  ASSERT_TRUE(open({}, pool).ok());
  auto lease = lease_on(pool);
  ASSERT_EQ(lease.cancel(), WEIR_OK);
  const auto stopped = lease.execute(R"({"query": "put", "params": ["k", "v"]})");
  EXPECT_EQ(stopped.status, WEIR_E_CANCELLED);
  EXPECT_EQ(stopped.message(), "the request was cancelled");
  EXPECT_TRUE(lease.execute(R"({"query": "put", "params": ["k", "v"]})").ok());
  EXPECT_EQ(file_text(), "k\tv\n") << "the cancelled put wrote nothing";
}

TEST_F(KvTest, CommittedWritesLiveInTheFileAndSurviveANewPool) {
  {
    PoolHandle pool;
    ASSERT_TRUE(open({}, pool).ok());
    auto lease = lease_on(pool);
    for (const char* request : {R"({"query": "put", "params": ["a", "1"]})",
                                R"({"query": "insert", "params": ["b", "2"]})",
                                R"({"query": "delete", "params": ["a"]})"}) {
      const auto result = lease.execute(request);
      ASSERT_TRUE(result.ok()) << request << ": " << result.message();
      EXPECT_EQ(result.value, parse(R"({"columns": [], "rows": [], "rows_affected": 1})"));
    }
  }
  EXPECT_EQ(file_text(), "b\t2\n");
  PoolHandle pool;
  ASSERT_TRUE(open({}, pool).ok());
  const auto result = lease_on(pool).execute(R"({"query": "get", "params": ["b"]})");
  EXPECT_EQ(result.value, parse(R"({"columns": ["value"], "rows": [["2"]]})"));
}

TEST_F(KvTest, ATransactionSeesItsOwnWritesAndOthersDoNot) {
  PoolHandle pool;
  ASSERT_TRUE(open({}, pool).ok());
  auto writer = lease_on(pool);
  for (const char* request :
       {R"({"query": "put", "params": ["ab", "1"]})", R"({"query": "put", "params": ["ac", "2"]})",
        R"({"query": "put", "params": ["b", "3"]})"}) {
    ASSERT_TRUE(writer.execute(request).ok()) << request;
  }
  ASSERT_TRUE(writer.begin().ok());
  ASSERT_TRUE(writer.execute(R"({"query": "delete", "params": ["ac"]})").ok());
  ASSERT_TRUE(writer.execute(R"({"query": "put", "params": ["ad", "4"]})").ok());
  const std::string scan = R"({"query": "scan", "params": ["a"]})";
  EXPECT_EQ(writer.execute(scan).value, parse(R"({"columns": ["key"], "rows": [["ab"], ["ad"]]})"));
  EXPECT_EQ(lease_on(pool).execute(scan).value,
            parse(R"({"columns": ["key"], "rows": [["ab"], ["ac"]]})"));
  EXPECT_EQ(writer.begin().status, WEIR_E_INVALID_REQUEST) << "a transaction is already open";
}

TEST_F(KvTest, TransactionOptionsAreHonouredOrRefusedByName) {
  PoolHandle pool;
  ASSERT_TRUE(open({}, pool).ok());
  auto lease = lease_on(pool);
  const auto unknown = lease.begin(R"({"isolation": "serializable"})");
  EXPECT_EQ(unknown.status, WEIR_E_INVALID_REQUEST);
  EXPECT_EQ(unknown.message(), "options.isolation: is not a known setting (known: read_only)");
  ASSERT_TRUE(lease.begin(R"({"read_only": true})").ok());
  const auto write = lease.execute(R"({"query": "put", "params": ["k", "v"]})");
  EXPECT_EQ(write.status, WEIR_E_PERMISSION);
  EXPECT_EQ(write.message(), "\"put\" writes, and this request is read-only");
  ASSERT_TRUE(lease.rollback().ok());
  ASSERT_TRUE(lease.begin(R"({"read_only": false})").ok());
  EXPECT_TRUE(lease.execute(R"({"query": "put", "params": ["k", "v"]})").ok())
      << "the next transaction writes again";
}

TEST_F(KvTest, AMissingDirectoryIsABackendThatIsDownNotABadSetting) {
  PoolHandle pool;
  ASSERT_TRUE(open({{"file", "missing/store.tsv"}}, pool).ok());
  LeaseHandle lease;
  const auto refused = pool.acquire(lease, 200);
  EXPECT_EQ(refused.status, WEIR_E_UNAVAILABLE);
  EXPECT_EQ(refused.error.retryable, 1);
  EXPECT_NE(refused.message().find("cannot open " + (data_dir_ / "missing/store.tsv").string() +
                                   ": No such file or directory"),
            std::string::npos)
      << refused.message();
}

TEST_F(KvTest, ValidateConfigRefusesWhatPoolOpenRefusesAndCreatesNothing) {
  const auto validate = [&](const boost::json::object& connection) {
    const std::string json =
        boost::json::serialize(boost::json::object{{"backend", "kv"}, {"connection", connection}});
    const std::string dir = data_dir_.string();
    weir_pool_params params{};
    params.struct_size = sizeof(params);
    params.database = "store";
    params.config_json = json.data();
    params.config_length = json.size();
    params.data_dir = dir.c_str();
    CallOutcome outcome;
    outcome.status = library_.table().validate_config(&params, &outcome.error);
    return outcome;
  };
  const auto refused = validate({{"max_value_bytes", 0}});
  EXPECT_EQ(refused.status, WEIR_E_INVALID_CONFIG);
  EXPECT_EQ(refused.message(),
            "databases.store.connection.max_value_bytes: must be an integer from 1 to 16777216, "
            "got 0");
  const auto valid = validate({{"file", "sub/store.tsv"}, {"read_only", true}});
  EXPECT_TRUE(valid.ok()) << valid.message();
  EXPECT_TRUE(fs::is_empty(data_dir_)) << "validating opens no store file";
}

}  // namespace
