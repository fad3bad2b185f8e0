// What one SQLite request can do to the gateway and to the clients after it,
// seen over HTTP with a read-only token and an admin token: no route to
// fts3_tokenizer()'s crash, no pragma that changes the session or the process
// for everyone, and a pooled connection back in its configured state after
// every lease.
#include "gateway_fixture.hpp"
#include "http_client.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace weir {
namespace {

namespace http = boost::beast::http;

constexpr const char* kAdmin = "admin-token-0123456789";
constexpr const char* kReader = "reader-token-0123456789";

// One connection, so every request after the first reuses what the one
// before it left behind; an admin token and a read-only one.
boost::json::object one_connection_gateway() {
  return boost::json::parse(R"J({
    "databases": {"main": {"backend": "sqlite", "connection": {"path": "main.db"},
                           "pool": {"min_size": 1, "max_size": 1, "max_overflow": 0}}},
    "auth": {"tokens": [
      {"name": "admin", "token": "admin-token-0123456789", "databases": ["*"]},
      {"name": "reader", "token": "reader-token-0123456789", "databases": ["main"],
       "read_only": true}]}
  })J")
      .as_object();
}

class SqliteHardening : public ::testing::Test {
 protected:
  testing::HttpReply post(const std::string& operation, const boost::json::object& body,
                          const std::string& token) {
    return testing::http_call(
        gw.port(), http::verb::post, "/v1/databases/main/" + operation,
        boost::json::serialize(body),
        {{"content-type", "application/json"}, {"authorization", "Bearer " + token}});
  }
  testing::HttpReply query(const std::string& sql, const std::string& token,
                           boost::json::array params = {}) {
    boost::json::object body{{"query", sql}};
    if (!params.empty()) body["params"] = std::move(params);
    return post("query", body, token);
  }
  boost::json::value rows(const std::string& sql, const std::string& token) {
    const auto reply = query(sql, token);
    EXPECT_EQ(reply.status, 200u) << sql << ": " << reply.body;
    return reply.status == 200u ? reply.json().at("rows") : boost::json::value();
  }
  static void expect_refused(const testing::HttpReply& reply, const std::string& message) {
    EXPECT_EQ(reply.status, 403u) << reply.body;
    EXPECT_EQ(reply.error_code(), "permission_denied");
    if (reply.status != 403u) return;
    const auto error = reply.json().at("error");
    EXPECT_EQ(error.at("message").as_string(), message);
    EXPECT_EQ(error.at("backend_code").as_string(), "SQLITE_AUTH");
  }

  testing::RunningGateway gw{one_connection_gateway()};
};

TEST_F(SqliteHardening, Fts3TokenizerCannotLeakAnAddressOrCrashTheGateway) {
  const std::string refused =
      "fts3_tokenizer() is refused: it would give a request access to the SQLite library's "
      "memory or code";
  for (const char* token : {kReader, kAdmin}) {
    SCOPED_TRACE(token);
    expect_refused(query("select hex(fts3_tokenizer('simple'))", token), refused);
    expect_refused(query("select fts3_tokenizer('simple', x'4141414141414141')", token), refused);
    expect_refused(query("select fts3_tokenizer(?, ?)", token,
                         {"simple", boost::json::object{{"$base64", "QUFBQUFBQUE="}}}),
                   refused);
  }
  // The MATCH that would have followed a forged tokenizer runs normally.
  ASSERT_EQ(query("create virtual table docs using fts3(body)", kAdmin).status, 200u);
  ASSERT_EQ(query("insert into docs values ('hello world')", kAdmin).status, 200u);
  EXPECT_EQ(rows("select count(*) from docs where docs match 'hello'", kReader),
            boost::json::parse("[[1]]"));
}

TEST_F(SqliteHardening, PoisoningPragmasAre403NamingThePragma) {
  const std::string not_settable = " may be read but not set through the gateway";
  const std::string not_allowed =
      " is not allowed through the gateway (docs/backends/sqlite.md lists the allowed pragmas)";
  const std::vector<std::pair<std::string, std::string>> refused{
      {"pragma foreign_keys=off", "PRAGMA foreign_keys" + not_settable},
      {"pragma query_only=1", "PRAGMA query_only" + not_settable},
      {"pragma temp_store_directory='/tmp'", "PRAGMA temp_store_directory" + not_allowed},
      {"pragma writable_schema=1", "PRAGMA writable_schema" + not_allowed},
      {"pragma synchronous=off", "PRAGMA synchronous" + not_settable},
      {"pragma busy_timeout=1", "PRAGMA busy_timeout" + not_settable},
  };
  for (const char* token : {kReader, kAdmin}) {
    for (const auto& [sql, message] : refused) {
      SCOPED_TRACE(sql);
      expect_refused(query(sql, token), message);
    }
  }
  // The next admin still gets foreign keys enforced and may still write.
  ASSERT_EQ(query("create table parent (id integer primary key)", kAdmin).status, 200u);
  ASSERT_EQ(query("create table child (parent_id integer references parent(id))", kAdmin).status,
            200u);
  const auto orphan = query("insert into child values (42)", kAdmin);
  EXPECT_EQ(orphan.status, 409u) << orphan.body;
  EXPECT_EQ(orphan.json().at("error").at("message").as_string(), "FOREIGN KEY constraint failed");
  EXPECT_EQ(query("insert into parent values (1)", kAdmin).status, 200u);
}

TEST_F(SqliteHardening, AReaderCannotMakeTheGatewayAllocateAGigabyte) {
  const auto reply = query("select length(randomblob(1000000000))", kReader);
  EXPECT_EQ(reply.status, 400u) << reply.body;
  EXPECT_EQ(reply.error_code(), "query_error");
  EXPECT_EQ(reply.json().at("error").at("message").as_string(),
            "a string, blob or row grew larger than max_value_bytes (67108864)");
  EXPECT_EQ(reply.json().at("error").at("backend_code").as_string(), "SQLITE_TOOBIG");
}

TEST_F(SqliteHardening, AReaderStillReadsTheSchemaThroughPragmas) {
  ASSERT_EQ(query("create table t (id integer primary key, name text)", kAdmin).status, 200u);
  const auto columns = rows("pragma table_info(t)", kReader);
  ASSERT_TRUE(columns.is_array());
  ASSERT_EQ(columns.as_array().size(), 2u);
  EXPECT_EQ(columns.at(1).at(1).as_string(), "name");
  EXPECT_EQ(rows("pragma foreign_keys", kReader), boost::json::parse("[[1]]"));
  expect_refused(query("pragma user_version=3", kReader),
                 "PRAGMA user_version with an argument changes the database or the session, "
                 "which a read-only request may not do");
}

TEST_F(SqliteHardening, TheNextClientSeesTheConfiguredSessionWhateverTheWriterSet) {
  const auto writer = post("transaction",
                           boost::json::object{{"statements",
                                                boost::json::array{
                                                    {{"query", "pragma recursive_triggers=1"}},
                                                    {{"query", "pragma recursive_triggers"}},
                                                }}},
                           kAdmin);
  ASSERT_EQ(writer.status, 200u) << writer.body;
  EXPECT_EQ(writer.json().at("results").at(1).at("rows"), boost::json::parse("[[1]]"))
      << "the writer's own transaction sees its setting";
  EXPECT_EQ(rows("pragma recursive_triggers", kReader), boost::json::parse("[[0]]"));
  EXPECT_EQ(rows("pragma recursive_triggers", kAdmin), boost::json::parse("[[0]]"));
}

}  // namespace
}  // namespace weir
