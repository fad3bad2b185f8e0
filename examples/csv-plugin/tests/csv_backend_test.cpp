// What a client sees from the CSV backend: typed rows, selection, and the
// error for each way a request, a file or the settings can be wrong.
#include <weir/testing/plugin_library.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace {

namespace fs = std::filesystem;
using boost::json::parse;
using weir::testing::CallOutcome;
using weir::testing::LeaseHandle;
using weir::testing::PoolHandle;

class CsvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = fs::temp_directory_path() /
                ("weir-csv-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(data_dir_);
    fs::create_directories(data_dir_ / "csv");
    write("people.csv",
          "name,age,score,member,note\n"
          "Ada,36,9.5,true,\n"
          "Bob,41,7,false,\"says \"\"hi\"\", twice\"\n"
          "Cy,36,1e3,true,plain\n");
  }
  void TearDown() override { fs::remove_all(data_dir_); }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(data_dir_ / "csv" / name, std::ios::binary) << text;
  }
  CallOutcome open(boost::json::object connection, PoolHandle& pool,
                   boost::json::object pool_settings = {}) {
    const boost::json::object config{{"backend", "csv"},
                                     {"connection", std::move(connection)},
                                     {"pool", std::move(pool_settings)}};
    return library_.open_pool("files", config, data_dir_, pool);
  }
  // Runs one request on a fresh pool over data_dir/csv.
  CallOutcome query(const std::string& request_json, std::uint32_t timeout_ms = 0) {
    PoolHandle pool;
    EXPECT_TRUE(open({}, pool).ok());
    LeaseHandle lease;
    EXPECT_TRUE(pool.acquire(lease).ok());
    return lease.execute(request_json, timeout_ms);
  }

  fs::path data_dir_;
  weir::testing::PluginLibrary library_{WEIR_CSV_PLUGIN};
};

TEST_F(CsvTest, RowsComeBackTyped) {
  const auto result = query(R"({"query": "people.csv"})");
  ASSERT_TRUE(result.ok()) << result.message();
  EXPECT_EQ(result.value, parse(R"({"columns": ["name", "age", "score", "member", "note"],
    "rows": [["Ada", 36, 9.5, true, null],
             ["Bob", 41, 7, false, "says \"hi\", twice"],
             ["Cy", 36, 1000.0, true, "plain"]]})"));
}

TEST_F(CsvTest, ColumnsWhereOffsetAndLimitSelect) {
  const auto result = query(R"({"query": "people.csv", "params": {
      "columns": ["note", "name"], "where": {"age": 36, "member": true}, "offset": 1, "limit": 5}})");
  ASSERT_TRUE(result.ok()) << result.message();
  EXPECT_EQ(result.value, parse(R"({"columns": ["note", "name"], "rows": [["plain", "Cy"]]})"));
  const auto limited =
      query(R"({"query": "people.csv", "params": {"columns": ["name"], "limit": 2}})");
  EXPECT_EQ(limited.value.at("rows"), parse(R"([["Ada"], ["Bob"]])"));
}

TEST_F(CsvTest, QuotedLineBreaksCrlfAndBlankLinesAreHandled) {
  write("notes.csv", "id,text\r\n1,\"two\nlines\"\r\n\r\n2,x\r\n\n");
  const auto result = query(R"({"query": "notes.csv"})");
  ASSERT_TRUE(result.ok()) << result.message();
  EXPECT_EQ(result.value.at("rows"), parse(R"([[1, "two\nlines"], [2, "x"]])"));
}

TEST_F(CsvTest, DelimiterSettingIsUsed) {
  write("semi.csv", "a;b\n1;x,y\n");
  PoolHandle pool;
  ASSERT_TRUE(open({{"delimiter", ";"}}, pool).ok());
  LeaseHandle lease;
  ASSERT_TRUE(pool.acquire(lease).ok());
  EXPECT_EQ(lease.execute(std::string_view(R"({"query": "semi.csv"})")).value.at("rows"),
            parse(R"([[1, "x,y"]])"));
}

TEST_F(CsvTest, MissingFileIsNotFound) {
  const auto result = query(R"({"query": "nobody.csv"})");
  EXPECT_EQ(result.status, WEIR_E_NOT_FOUND);
  EXPECT_EQ(result.message(), "no file nobody.csv in the CSV directory");
}

TEST_F(CsvTest, FileNamesOutsideTheDirectoryAreRefused) {
  for (const char* name : {"../people.csv", "sub/people.csv", ".hidden.csv", "people.txt"}) {
    const auto result = query(std::string(R"({"query": ")") + name + "\"}");
    EXPECT_EQ(result.status, WEIR_E_INVALID_REQUEST) << name;
    EXPECT_EQ(result.message(),
              std::string("query must be a .csv file name in the CSV directory (no "
                          "'/', no leading '.'), got \"") +
                  name + "\"");
  }
}

TEST_F(CsvTest, UnknownColumnIsAQueryErrorListingTheColumns) {
  const auto result = query(R"({"query": "people.csv", "params": {"where": {"nme": "Ada"}}})");
  EXPECT_EQ(result.status, WEIR_E_QUERY);
  EXPECT_EQ(result.message(),
            "people.csv has no column \"nme\" (columns: name, age, score, member, note)");
}

TEST_F(CsvTest, MalformedFilesAreQueryErrorsWithTheLine) {
  write("ragged.csv", "a,b\n1,2\n3\n");
  EXPECT_EQ(query(R"({"query": "ragged.csv"})").message(),
            "ragged.csv line 3: expected 2 fields, got 1");
  write("open.csv", "a\n\"never closed\n");
  const auto open_quote = query(R"({"query": "open.csv"})");
  EXPECT_EQ(open_quote.status, WEIR_E_QUERY);
  EXPECT_EQ(open_quote.message(), "open.csv line 2: a quoted field is never closed");
  write("empty.csv", "");
  EXPECT_EQ(query(R"({"query": "empty.csv"})").message(),
            "empty.csv is empty: its first line must name the columns");
}

TEST_F(CsvTest, BadRequestsSayWhatIsWrong) {
  EXPECT_EQ(query(R"({})").message(),
            "request needs \"query\": the name of a .csv file, e.g. \"people.csv\"");
  EXPECT_EQ(query(R"({"query": "people.csv", "params": {"top": 1}})").message(),
            "params member \"top\" is not known (known: columns, where, offset, limit)");
  EXPECT_EQ(query(R"({"query": "people.csv", "params": {"limit": -1}})").message(),
            "params.limit must be a non-negative integer, got -1");
  EXPECT_EQ(query(R"({"query": "people.csv", "params": {"where": {"age": [1]}}})").message(),
            "params.where.age must be a string, number, boolean or null");
  EXPECT_EQ(query(R"({"query": "people.csv", "params": [1]})").status, WEIR_E_INVALID_REQUEST);
}

TEST_F(CsvTest, MissingDirectoryIsUnavailableUntilItAppears) {
  PoolHandle pool;
  // min_size 0: this acquire makes the first connect attempt, not the pool's
  // refill; a short backoff, so the pool notices the directory quickly.
  ASSERT_TRUE(open({{"dir", "later"}}, pool,
                   {{"min_size", 0}, {"backoff_initial_ms", 10}, {"backoff_max_ms", 10}})
                  .ok());
  LeaseHandle lease;
  const auto refused = pool.acquire(lease);
  EXPECT_EQ(refused.status, WEIR_E_UNAVAILABLE);
  EXPECT_EQ(refused.error.retryable, 1);
  EXPECT_EQ(refused.message(), "pool files: cannot connect: CSV directory " +
                                   (data_dir_ / "later").string() + " does not exist");
  fs::create_directories(data_dir_ / "later");
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!pool.acquire(lease).ok() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(lease) << "the pool reconnected once the directory appeared";
}

TEST_F(CsvTest, BadSettingsAreRefusedByField) {
  PoolHandle pool;
  EXPECT_EQ(open({{"delimiter", "::"}}, pool).message(),
            "databases.files.connection.delimiter: must be one character other than a quote or a "
            "line break, got \"::\"");
  const auto escaping = open({{"dir", "../elsewhere"}}, pool);
  EXPECT_EQ(escaping.status, WEIR_E_INVALID_CONFIG);
  EXPECT_NE(escaping.message().find("databases.files.connection.dir: relative path"),
            std::string::npos);
}

class CsvLargeFileTest : public CsvTest {
 protected:
  void SetUp() override {
    CsvTest::SetUp();
    std::ofstream out(data_dir_ / "csv" / "big.csv");
    out << "n,text\n";
    for (int i = 0; i < 200000; ++i) out << i << ",row\n";
  }
};

TEST_F(CsvLargeFileTest, DeadlineStopsTheScan) {
  const auto result = query(R"({"query": "big.csv"})", 1);
  EXPECT_EQ(result.status, WEIR_E_TIMEOUT);
  EXPECT_EQ(result.message(), "the request ran past its deadline (1 ms)");
}

TEST_F(CsvLargeFileTest, CancelStopsTheScan) {
  PoolHandle pool;
  ASSERT_TRUE(open({}, pool).ok());
  LeaseHandle lease;
  ASSERT_TRUE(pool.acquire(lease).ok());
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    lease.cancel();
  });
  const auto result = lease.execute(std::string_view(R"({"query": "big.csv"})"));
  canceller.join();
  EXPECT_EQ(result.status, WEIR_E_CANCELLED);
  EXPECT_EQ(result.message(), "the request was cancelled");
}

// The host cancels when the client goes away, which may be just before
// execute starts: that execute stops, and the cancel is used up by it.
TEST_F(CsvLargeFileTest, ACancelJustBeforeExecuteStopsIt) {
  PoolHandle pool;
  ASSERT_TRUE(open({}, pool).ok());
  LeaseHandle lease;
  ASSERT_TRUE(pool.acquire(lease).ok());
  ASSERT_EQ(lease.cancel(), WEIR_OK);
  const auto stopped =
      lease.execute(std::string_view(R"({"query": "big.csv", "params": {"limit": 1}})"));
  EXPECT_EQ(stopped.status, WEIR_E_CANCELLED);
  EXPECT_EQ(stopped.message(), "the request was cancelled");
  EXPECT_TRUE(
      lease.execute(std::string_view(R"({"query": "big.csv", "params": {"limit": 1}})")).ok());
}

}  // namespace
