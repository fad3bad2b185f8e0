// The HTTP API as a client sees it: a whole gateway in-process, the real
// SQLite plugin loaded from the build tree, requests over real sockets.
#include "config_check.hpp"
#include "config_error.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <sys/resource.h>

#include <chrono>
#include <fstream>
#include <vector>

namespace weir {
namespace {

using testing::http_call;
using testing::http_get;
using testing::http_post;
namespace http = boost::beast::http;

boost::json::object sqlite_config(boost::json::object extra = {}) {
  boost::json::object config{
      {"databases",
       boost::json::object{{"main", boost::json::object{{"backend", "sqlite"},
                                                        {"connection", {{"path", "main.db"}}}}}}}};
  for (auto& m : extra) config[m.key()] = m.value();
  return config;
}

// A number literal the host refuses before any backend sees it, and where it is.
struct RefusedNumber {
  const char* operation;
  const char* body;
  const char* field;
  const char* literal;
};

class HttpApi : public ::testing::Test {
 protected:
  testing::RunningGateway gw{sqlite_config({{"limits", {{"max_body_bytes", 4096}}}})};
  std::string url(const std::string& op) { return "/v1/databases/main/" + op; }

  // What the client sees for each: 400 invalid_request naming the field, "the <what> <literal>
  // is outside <range>; send it as a string".
  void expect_refused(const std::vector<RefusedNumber>& cases, const std::string& what,
                      const std::string& range) {
    for (const auto& c : cases) {
      const auto r = http_post(gw.port(), url(c.operation), c.body);
      EXPECT_EQ(r.status, 400u) << r.body;
      EXPECT_EQ(r.error_code(), "invalid_request") << r.body;
      EXPECT_EQ(r.json().at("error").at("message").as_string(),
                std::string(c.field) + ": the " + what + " " + c.literal + " is outside " + range +
                    "; send it as a string");
      EXPECT_EQ(r.json().at("error").at("field").as_string(), c.field);
    }
  }
};

TEST_F(HttpApi, QueryReturnsColumnsAndRows) {
  const auto r = http_post(gw.port(), url("query"), R"J({"query":"select 1 as x"})J");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  const auto body = r.json().as_object();
  EXPECT_EQ(boost::json::serialize(body.at("columns")), R"J(["x"])J");
  EXPECT_EQ(boost::json::serialize(body.at("column_types")), R"J(["integer"])J");
  EXPECT_EQ(boost::json::serialize(body.at("rows")), R"J([[1]])J");
}

TEST_F(HttpApi, PoolFiguresPrintAsPlainNumbers) {
  ASSERT_EQ(http_post(gw.port(), url("query"), R"J({"query":"select 1"})J").status, 200u);
  for (const char* path : {"/v1/databases/main", "/v1/databases"}) {
    const auto body = http_get(gw.port(), path).body;
    // Boost.JSON alone would write 0E0 and 5.8E-1.
    EXPECT_EQ(body.find("E0"), std::string::npos) << body;
    EXPECT_EQ(body.find("E-"), std::string::npos) << body;
    EXPECT_NE(body.find("\"wait_max_us\":"), std::string::npos) << body;
  }
}

TEST_F(HttpApi, ParametersAreBoundNotSpliced) {
  ASSERT_EQ(http_post(gw.port(), url("query"),
                      R"J({"query":"create table t(id integer primary key, name text)"})J")
                .status,
            200u);
  const std::string evil = "x'); drop table t; --";
  auto r = http_post(
      gw.port(), url("query"),
      boost::json::serialize(boost::json::object{{"query", "insert into t(name) values (?)"},
                                                 {"params", boost::json::array{evil.c_str()}}}));
  ASSERT_EQ(r.status, 200u) << r.body;
  r = http_post(gw.port(), url("query"),
                R"J({"query":"select name from t where id = :id","params":{"id":1}})J");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().at("rows").at(0).at(0).as_string(), evil);
}

TEST_F(HttpApi, TransactionCommitsAllStatements) {
  http_post(gw.port(), url("query"), R"J({"query":"create table t(v integer)"})J");
  const auto r = http_post(
      gw.port(), url("transaction"),
      R"J({"statements":[{"query":"insert into t values (1)"},{"query":"insert into t values (2)"},
                               {"query":"select count(*) as n from t"}]})J");
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto body = r.json();
  const auto& results = body.at("results").as_array();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[2].at("rows").at(0).at(0).as_int64(), 2);
}

TEST_F(HttpApi, TransactionRollsBackOnTheFirstErrorAndNamesTheStatement) {
  http_post(gw.port(), url("query"), R"J({"query":"create table t(v integer unique)"})J");
  const auto r = http_post(
      gw.port(), url("transaction"),
      R"J({"statements":[{"query":"insert into t values (1)"},{"query":"insert into t values (1)"}]})J");
  EXPECT_EQ(r.status, 409u) << r.body;
  const auto body = r.json();
  const auto& error = body.at("error").as_object();
  EXPECT_EQ(error.at("code").as_string(), "conflict");
  EXPECT_EQ(error.at("statement").as_int64(), 1);
  EXPECT_EQ(error.at("rolled_back").as_bool(), true);
  EXPECT_EQ(error.at("retryable").as_bool(), false);
  const auto count = http_post(gw.port(), url("query"), R"J({"query":"select count(*) from t"})J");
  EXPECT_EQ(count.json().at("rows").at(0).at(0).as_int64(), 0)
      << "the first insert must have been rolled back";
}

TEST_F(HttpApi, SqlErrorIs400WithTheBackendMessage) {
  const auto r = http_post(gw.port(), url("query"), R"J({"query":"select * from missing_table"})J");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.error_code(), "query_error");
  EXPECT_NE(r.body.find("no such table: missing_table"), std::string::npos) << r.body;
}

TEST_F(HttpApi, BadJsonIs400) {
  const auto r = http_post(gw.port(), url("query"), "{\"query\": ");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.error_code(), "invalid_json");
  EXPECT_EQ(http_post(gw.port(), url("query"), "[1]").error_code(), "invalid_request");
  EXPECT_EQ(http_post(gw.port(), url("transaction"), R"J({"statements":[]})J").error_code(),
            "invalid_request");
}

TEST_F(HttpApi, UnknownDatabaseIs404ListingTheKnownOnes) {
  const auto r = http_post(gw.port(), "/v1/databases/nope/query", R"J({"query":"select 1"})J");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.error_code(), "database_not_found");
  EXPECT_EQ(boost::json::serialize(r.json().at("error").at("databases")), R"J(["main"])J");
}

// Error bodies echo what the client sent; bytes that are not UTF-8 become
// U+FFFD so that the body stays JSON (Boost.JSON's parser checks UTF-8).
TEST_F(HttpApi, InvalidUtf8FromTheClientStillGivesAJsonErrorBody) {
  const auto message = [](const testing::HttpReply& r) {
    return std::string(r.json().at("error").at("message").as_string());
  };
  const auto named = http_post(gw.port(), "/v1/databases/%FF%FE/query", R"({"query":"select 1"})");
  EXPECT_EQ(named.status, 404u);
  ASSERT_EQ(named.error_code(), "database_not_found") << named.body;
  EXPECT_EQ(message(named), "no database named \"\uFFFD\uFFFD\" is configured");
  // Raw bytes in the path, and a valid character cut short by one: "é" is C3 A9.
  const auto raw = http_get(gw.port(), "/v1/nowhere\xC3\xA9\xC3");
  EXPECT_EQ(raw.status, 404u);
  ASSERT_EQ(raw.error_code(), "not_found") << raw.body;
  EXPECT_EQ(message(raw), "no such endpoint: /v1/nowhere\u00E9\uFFFD (see docs/http-api.yaml)");
}

TEST_F(HttpApi, UnknownEndpointIs404) {
  EXPECT_EQ(http_get(gw.port(), "/v2/whatever").status, 404u);
  EXPECT_EQ(http_get(gw.port(), "/v2/whatever").error_code(), "not_found");
}

TEST_F(HttpApi, WrongMethodIs405) {
  const auto r = http_get(gw.port(), url("query"));
  EXPECT_EQ(r.status, 405u);
  EXPECT_EQ(r.error_code(), "method_not_allowed");
  EXPECT_EQ(http_post(gw.port(), "/health", "{}").status, 405u);
}

TEST_F(HttpApi, OversizedBodyIs413) {
  const std::string big = R"J({"query":"select 1","pad":")J" + std::string(8192, 'x') + "\"}";
  const auto r = http_post(gw.port(), url("query"), big);
  EXPECT_EQ(r.status, 413u);
  EXPECT_EQ(r.error_code(), "payload_too_large");
  EXPECT_NE(r.body.find("limits.max_body_bytes (4096 bytes)"), std::string::npos) << r.body;
}

TEST_F(HttpApi, NonJsonContentTypeIs415) {
  const auto r = http_call(gw.port(), http::verb::post, url("query"), "select 1",
                           {{"content-type", "text/plain"}});
  EXPECT_EQ(r.status, 415u);
  EXPECT_EQ(r.error_code(), "unsupported_media_type");
}

TEST_F(HttpApi, BadTimeoutHeaderIs400) {
  const auto r = http_call(gw.port(), http::verb::post, url("query"), R"J({"query":"select 1"})J",
                           {{"content-type", "application/json"}, {"x-weir-timeout-ms", "soon"}});
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.error_code(), "invalid_header");
}

TEST_F(HttpApi, ReadOnlyRequestCannotWrite) {
  http_post(gw.port(), url("query"), R"J({"query":"create table t(v integer)"})J");
  const auto r = http_post(gw.port(), url("query"),
                           R"J({"query":"insert into t values (1)","read_only":true})J");
  EXPECT_EQ(r.status, 403u) << r.body;
  EXPECT_EQ(r.error_code(), "permission_denied");
  EXPECT_EQ(http_post(gw.port(), url("query"), R"J({"query":"select 1","read_only":"yes"})J")
                .error_code(),
            "invalid_request");
}

TEST_F(HttpApi, HealthListsDatabases) {
  const auto r = http_get(gw.port(), "/health");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().at("status").as_string(), "healthy");
  EXPECT_EQ(r.json().at("databases").at("main").at("state").as_string(), "healthy");
  EXPECT_EQ(http_get(gw.port(), "/health/live").status, 200u);
  EXPECT_EQ(http_get(gw.port(), "/health/ready").json().at("status").as_string(), "ready");
}

TEST_F(HttpApi, DatabasesListingShowsPoolAndBackend) {
  http_post(gw.port(), url("query"), R"J({"query":"select 1"})J");
  const auto r = http_get(gw.port(), "/v1/databases");
  ASSERT_EQ(r.status, 200u);
  const auto body = r.json();
  const auto& db = body.at("databases").at(0).as_object();
  EXPECT_EQ(db.at("name").as_string(), "main");
  EXPECT_EQ(db.at("backend").as_string(), "sqlite");
  EXPECT_EQ(db.at("state").as_string(), "healthy");
  EXPECT_EQ(db.at("pool").at("max_size").to_number<std::int64_t>(), 10);
  EXPECT_GE(db.at("pool").at("total").to_number<std::int64_t>(), 1);
  EXPECT_EQ(http_get(gw.port(), "/v1/databases/main").json().at("name").as_string(), "main");
}

TEST_F(HttpApi, PluginsListingNamesTheSqlitePlugin) {
  const auto r = http_get(gw.port(), "/v1/plugins");
  ASSERT_EQ(r.status, 200u);
  bool found = false;
  const auto body = r.json();
  for (const auto& p : body.at("loaded").as_array()) {
    if (p.at("name").as_string() == "sqlite") {
      found = true;
      EXPECT_EQ(p.at("kind").as_string(), "sql");
      EXPECT_EQ(p.at("abi_version").as_int64(), 2);
    }
  }
  EXPECT_TRUE(found) << r.body;
}

TEST_F(HttpApi, KeepAliveServesManyRequestsOnOneConnection) {
  boost::asio::io_context io;
  boost::beast::tcp_stream stream(io);
  stream.connect(
      boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), gw.port()));
  for (int i = 0; i < 5; ++i) {
    http::request<http::string_body> req{http::verb::post, url("query"), 11};
    req.set(http::field::host, "x");
    req.set(http::field::content_type, "application/json");
    req.body() = "{\"query\":\"select " + std::to_string(i) + " as n\"}";
    req.prepare_payload();
    http::write(stream, req);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    ASSERT_EQ(res.result_int(), 200u);
    EXPECT_EQ(boost::json::parse(res.body()).at("rows").at(0).at(0).as_int64(), i);
  }
}

// The size of a value is known before it is encoded: a blob whose base64 is
// past limits.max_result_bytes (64 MiB) gets its 413 without being encoded
// and copied (before: three more copies of its base64, 240 MB here). It stays
// under the SQLite plugin's own max_value_bytes (64 MiB), which refuses larger ones.
TEST_F(HttpApi, BlobPastTheResultLimitGets413WithoutBeingEncoded) {
  const auto peak_kb = [] {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return static_cast<long>(usage.ru_maxrss);
  };
  const long before_kb = peak_kb();
  const auto start = std::chrono::steady_clock::now();
  const auto r =
      http_post(gw.port(), url("query"), R"J({"query":"select zeroblob(60000000) as b"})J");
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status, 413u) << r.body;
  EXPECT_EQ(r.body,
            R"J({"error":{"code":"result_too_large","message":"the host stopped the result )J"
            R"J((too large or client gone)","retryable":false,"database":"main"}})J");
  // SQLite itself materialises the 60 MB blob; the host must add no copy of its size.
  // (ThreadSanitizer's shadow memory grows with every byte touched: RSS says nothing there.)
#ifndef __SANITIZE_THREAD__
  EXPECT_LT(peak_kb() - before_kb, 120 * 1024)
      << "peak RSS grew by " << (peak_kb() - before_kb) << " KB";
#endif
  EXPECT_LT(took, std::chrono::seconds(15));
}

// Boost.JSON reads an integer beyond 64 bits as a double: each such literal is
// refused alike, naming where it is, before any backend sees it.
TEST_F(HttpApi, IntegersBeyond64BitsAreRefusedNamingTheParameter) {
  expect_refused({{"query", R"J({"query":"select ?, ?, ?","params":[1, 2, 18446744073709551616]})J",
                   "params[2]", "18446744073709551616"},
                  {"query", R"J({"query":"select ?","params":[9223372036854775808]})J", "params[0]",
                   "9223372036854775808"},
                  {"query", R"J({"query":"select :id","params":{"id":-9223372036854775809}})J",
                   "params.id", "-9223372036854775809"},
                  {"transaction",
                   R"J({"statements":[{"query":"select 1"},
                          {"query":"select ?, ?","params":[1e3, 123456789012345678901234567890]}]})J",
                   "statements[1].params[1]", "123456789012345678901234567890"}},
                 "integer",
                 "the signed 64-bit range (-9223372036854775808 to 9223372036854775807)");
  const auto r = http_post(
      gw.port(), url("query"),
      R"J({"query":"select ?, ?, ?, ?, ?","params":[1.5, 1e3, -9223372036854775808, 9223372036854775807, 1e19]})J");
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto row = r.json().at("rows").at(0).as_array();
  EXPECT_EQ(row.at(0).as_double(), 1.5) << "genuine doubles still work";
  EXPECT_EQ(row.at(1).as_double(), 1000.0);
  EXPECT_EQ(row.at(2).as_int64(), INT64_MIN) << "the int64 range itself still works";
  EXPECT_EQ(row.at(3).as_int64(), INT64_MAX);
  EXPECT_EQ(row.at(4).as_double(), 1e19) << "a double beyond the int64 range is not an integer";
}

// Found by fuzz_request_body: a literal beyond a double's range (1E2222) parsed as infinity, which
// Boost.JSON writes as `Infinity`, so the plugin received a request that is not JSON and answered
// "request is not valid JSON: syntax error". Refused like an out-of-range integer instead.
TEST_F(HttpApi, NumbersBeyondADoubleAreRefusedNamingTheParameter) {
  expect_refused(
      {{"query", R"J({"query":"select ?","params":[1E2222]})J", "params[0]", "1E2222"},
       {"query", R"J({"query":"select :x","params":{"x":-1.5e309}})J", "params.x", "-1.5e309"},
       {"transaction",
        R"J({"statements":[{"query":"select 1"},{"query":"select ?","params":[{"a":[1e400]}]}]})J",
        "statements[1].params[0].a[0]", "1e400"}},
      "number", "the range of a 64-bit double (about -1.8e308 to 1.8e308)");
  const auto r = http_post(gw.port(), url("query"),
                           R"J({"query":"select ?","params":[1.7976931348623157e308]})J");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().at("rows").at(0).at(0).as_double(), 1.7976931348623157e308)
      << "the largest double still works";
}

TEST(HttpApiStartup, OptionalDatabaseWithMissingPluginIsListedUnavailable) {
  testing::RunningGateway gw(
      boost::json::object{{"databases",
                           {{"main", {{"backend", "sqlite"}}},
                            {"vectors", {{"backend", "no_such_backend"}, {"optional", true}}}}}});
  const auto r = http_post(gw.port(), "/v1/databases/vectors/query", R"J({"query":"x"})J");
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(r.error_code(), "database_unavailable");
  EXPECT_EQ(r.headers.at("retry-after"), "5");
  EXPECT_NE(r.body.find("backend plugin \\\"no_such_backend\\\" is not installed"),
            std::string::npos)
      << r.body;
  const auto health = http_get(gw.port(), "/health");
  EXPECT_EQ(health.status, 200u);
  EXPECT_EQ(health.json().at("status").as_string(), "degraded");
  EXPECT_EQ(health.json().at("databases").at("vectors").at("state").as_string(), "unavailable");
  const auto ready = http_get(gw.port(), "/health/ready");
  EXPECT_EQ(ready.status, 200u) << "optional databases do not block readiness";
  EXPECT_EQ(ready.json().at("status").as_string(), "ready");
  const auto ready_body = ready.json();
  const auto& down = ready_body.at("optional_down").at(0);
  EXPECT_EQ(down.at("database").as_string(), "vectors");
  EXPECT_EQ(down.at("state").as_string(), "unavailable");
  EXPECT_NE(
      down.at("reason").as_string().find("backend plugin \"no_such_backend\" is not installed"),
      std::string::npos)
      << ready.body;
  EXPECT_EQ(http_post(gw.port(), "/v1/databases/main/query", R"J({"query":"select 1"})J").status,
            200u);
}

TEST(HttpApiStartup, RequiredDatabaseWithMissingPluginFailsTheStart) {
  try {
    testing::RunningGateway gw(
        boost::json::object{{"databases", {{"main", {{"backend", "no_such_backend"}}}}}});
    FAIL() << "the gateway started without a required plugin";
  } catch (const StartupError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "database \"main\": backend plugin \"no_such_backend\" is not installed"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("mark the database \"optional\": true"),
              std::string::npos);
  }
}

TEST(HttpApiStartup, PluginRefusingItsSettingsFailsTheStartNamingTheField) {
  try {
    testing::RunningGateway gw(boost::json::object{
        {"databases", {{"main", {{"backend", "sqlite"}, {"pool", {{"max_size", 0}}}}}}}});
    FAIL() << "the gateway started with an invalid pool size";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("databases.main.pool.max_size: must be an integer from 1"),
              std::string::npos)
        << e.what();
  }
}

TEST(HttpApiStartup, RelativePathEscapingTheWorkspaceIsRefused) {
  try {
    testing::RunningGateway gw(boost::json::object{
        {"databases",
         {{"main", {{"backend", "sqlite"}, {"connection", {{"path", "../../etc/evil.db"}}}}}}}});
    FAIL() << "the gateway accepted a path outside the workspace";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("escapes the workspace data directory"), std::string::npos)
        << e.what();
  }
}

TEST(HttpApiStartup, DataLivesUnderTheProjectsWeirDirectory) {
  testing::TempDir project;
  std::filesystem::create_directories(project.path() / ".git");
  {
    testing::RunningGateway gw(
        boost::json::object{
            {"databases",
             {{"default",
               {{"backend", "sqlite"}, {"connection", {{"path", "databases/default.db"}}}}}}},
            {"workspace", boost::json::object{}}},
        project.path());
    ASSERT_EQ(
        http_post(gw.port(), "/v1/databases/default/query", R"J({"query":"create table t(x)"})J")
            .status,
        200u);
  }
  EXPECT_TRUE(std::filesystem::exists(project.path() / ".weir" / "databases" / "default.db"));
}

}  // namespace
}  // namespace weir

namespace weir {
namespace {

// A client that starts a request and stalls is told why and disconnected.
TEST(HttpApiLimits, SlowClientGets408AfterTheReadTimeout) {
  testing::RunningGateway gw(boost::json::object{
      {"limits", {{"read_timeout_ms", 200}}}, {"databases", {{"main", {{"backend", "sqlite"}}}}}});
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), gw.port()});
  boost::asio::write(
      socket,
      boost::asio::buffer(std::string("POST /v1/databases/main/query HTTP/1.1\r\nHost: x\r\n")));
  const auto t0 = std::chrono::steady_clock::now();
  std::string reply;
  boost::system::error_code ec;
  char chunk[4096];
  while (!ec) {
    const auto n = socket.read_some(boost::asio::buffer(chunk), ec);
    reply.append(chunk, n);
  }
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(reply.rfind("HTTP/1.1 408", 0), 0u) << reply;
  EXPECT_NE(reply.find("\"code\":\"request_timeout\""), std::string::npos) << reply;
  EXPECT_NE(reply.find("limits.read_timeout_ms (200 ms)"), std::string::npos) << reply;
  EXPECT_GE(waited, std::chrono::milliseconds(150));
  EXPECT_LT(waited, std::chrono::seconds(5));
}

// An idle keep-alive connection past the timeout is closed without a response.
TEST(HttpApiLimits, IdleKeepAliveConnectionIsClosedQuietly) {
  testing::RunningGateway gw(boost::json::object{
      {"limits", {{"read_timeout_ms", 200}}}, {"databases", {{"main", {{"backend", "sqlite"}}}}}});
  boost::asio::io_context io;
  boost::beast::tcp_stream stream(io);
  stream.connect(
      boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), gw.port()));
  http::request<http::string_body> req{http::verb::get, "/health/live", 11};
  req.set(http::field::host, "x");
  http::write(stream, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  ASSERT_EQ(res.result_int(), 200u);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  char byte;
  boost::system::error_code ec;
  const auto n = stream.socket().read_some(boost::asio::buffer(&byte, 1), ec);
  EXPECT_EQ(n, 0u) << "the server sent something to an idle connection";
  EXPECT_EQ(ec, boost::asio::error::eof);
}

}  // namespace
}  // namespace weir
