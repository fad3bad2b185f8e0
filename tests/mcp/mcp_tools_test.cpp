// The prebuilt tools through /mcp against a real gateway on SQLite files:
// what each returns, read-only enforced by the engine, writable databases,
// per-token scope, argument errors as tool errors, and metrics per tool.
#include "gateway_fixture.hpp"
#include "mcp_client.hpp"

#include <gtest/gtest.h>

namespace weir {
namespace {

using boost::json::array;
using boost::json::object;
using boost::json::parse;
using testing::McpClient;

constexpr const char* kReaderSecret = "reader-secret-0123456789";
constexpr const char* kWriterSecret = "writer-secret-0123456789";
constexpr const char* kLookerSecret = "looker-secret-0123456789";

object sqlite(const char* file) {
  return {{"backend", "sqlite"}, {"connection", {{"path", file}}}};
}

object config() {
  return {{"databases", {{"app", sqlite("app.db")}, {"notes", sqlite("notes.db")}}},
          {"mcp", {{"writable", {"notes"}}}}};
}

object tokens_config() {
  auto c = config();
  c["auth"] = {{"tokens",
                {{{"name", "reader"}, {"token", kReaderSecret}, {"databases", {"app"}}},
                 {{"name", "writer"}, {"token", kWriterSecret}, {"databases", {"*"}}},
                 {{"name", "looker"},
                  {"token", kLookerSecret},
                  {"databases", {"notes"}},
                  {"read_only", true}}}}};
  return c;
}

// Runs SQL through the REST API, as the application beside the agent would.
void rest(std::uint16_t port, const std::string& database, const std::string& sql,
          const std::string& token = {}) {
  std::map<std::string, std::string> headers{{"content-type", "application/json"}};
  if (!token.empty()) headers["authorization"] = "Bearer " + token;
  const auto reply = testing::http_call(port, boost::beast::http::verb::post,
                                        "/v1/databases/" + database + "/query",
                                        serialize(object{{"query", sql}}), headers);
  ASSERT_EQ(reply.status, 200u) << sql << ": " << reply.body;
}

class McpTools : public ::testing::Test {
 protected:
  void SetUp() override {
    rest(gateway.port(), "app",
         "create table fruit (id integer primary key, name text not null unique, "
         "price real default 1.5)");
    rest(gateway.port(), "app", "create index fruit_price on fruit (price, name)");
    rest(gateway.port(), "app", "create view cheap as select name from fruit where price < 2");
    rest(gateway.port(), "app", "insert into fruit (name, price) values ('apple', 1), ('pear', 3)");
    client.initialize();
  }

  testing::RunningGateway gateway{config()};
  McpClient client{gateway.port()};
};

TEST_F(McpTools, ListShowsEachToolWithItsSchema) {
  const auto tools = client.call("tools/list").at("result").at("tools").as_array();
  ASSERT_EQ(tools.size(), 3u);  // no vector database: no vector_search
  EXPECT_EQ(tools[0].at("name"), "list_databases");
  EXPECT_EQ(tools[1].at("name"), "describe_database");
  EXPECT_EQ(tools[1].at("inputSchema"),
            parse(R"({"type":"object","properties":{"database":{"type":"string",
              "enum":["app","notes"],"description":"the database to describe"}},
              "required":["database"],"additionalProperties":false})"));
  const auto& query = tools[2].as_object();
  EXPECT_EQ(query.at("name"), "query");
  EXPECT_EQ(query.at("inputSchema").at("required"), parse(R"(["database","query"])"));
  EXPECT_EQ(query.at("inputSchema").at("properties").at("max_rows"),
            parse(R"({"type":"integer","minimum":1,"maximum":10000,"default":100,
              "description":"rows returned at most; more set truncated: true"})"));
  // "notes" is writable for MCP: the tool says it may destroy.
  EXPECT_EQ(query.at("annotations").at("readOnlyHint"), false);
  EXPECT_EQ(query.at("annotations").at("destructiveHint"), true);
}

TEST_F(McpTools, ListDatabases) {
  const auto result = client.tool("list_databases");
  EXPECT_EQ(result.at("isError"), false);
  EXPECT_EQ(result.at("structuredContent"), parse(R"({"databases":[
      {"name":"app","backend":"sqlite","kind":"sql","state":"healthy","writable":false},
      {"name":"notes","backend":"sqlite","kind":"sql","state":"healthy","writable":true}]})"));
  // The text is the same JSON, for clients that read only text.
  EXPECT_EQ(parse(result.at("content").at(0).at("text").as_string()),
            result.at("structuredContent"));
}

TEST_F(McpTools, DescribeSqliteTablesColumnsAndIndexes) {
  const auto result = client.tool("describe_database", {{"database", "app"}});
  ASSERT_EQ(result.at("isError"), false) << serialize(result);
  EXPECT_EQ(result.at("structuredContent"), parse(R"({"tables":[
      {"name":"cheap","type":"view","columns":[
        {"name":"name","type":"TEXT","not_null":false,"default":null,"primary_key":false}],
       "indexes":[]},
      {"name":"fruit","type":"table","columns":[
        {"name":"id","type":"INTEGER","not_null":false,"default":null,"primary_key":true},
        {"name":"name","type":"TEXT","not_null":true,"default":null,"primary_key":false},
        {"name":"price","type":"REAL","not_null":false,"default":"1.5","primary_key":false}],
       "indexes":[
        {"name":"fruit_price","unique":false,"columns":["price","name"]},
        {"name":"sqlite_autoindex_fruit_1","unique":true,"columns":["name"]}]}],
      "database":"app","backend":"sqlite"})"));
}

TEST_F(McpTools, QueryReturnsRowsWithBoundParameters) {
  const auto result =
      client.tool("query", {{"database", "app"},
                            {"query", "select name, price from fruit where name = ?"},
                            {"params", {"apple' or '1'='1"}}});
  EXPECT_EQ(result.at("structuredContent").at("rows"), array{});  // bound, never spliced
  const auto apple =
      client.tool("query", {{"database", "app"},
                            {"query", "select name, price from fruit where name = ?"},
                            {"params", {"apple"}}});
  EXPECT_EQ(apple.at("structuredContent").at("columns"), parse(R"(["name","price"])"));
  // price is REAL: it stays a double (1.0) through the tool's JSON.
  EXPECT_EQ(apple.at("structuredContent").at("rows"), parse(R"([["apple",1.0]])"));
}

TEST_F(McpTools, QueryCutsRowsAtMaxRowsAndSaysSo) {
  const auto result =
      client.tool("query", {{"database", "app"},
                            {"query",
                             "with recursive n(x) as (select 1 union all select x + 1 from n "
                             "where x < 250) select x from n"}});
  const auto& rows = result.at("structuredContent").as_object();
  EXPECT_EQ(rows.at("rows").as_array().size(), 100u);  // the default
  EXPECT_EQ(rows.at("truncated"), true);
  EXPECT_EQ(rows.at("total_rows"), 250);
  const auto two = client.tool(
      "query",
      {{"database", "app"}, {"query", "select name from fruit order by name"}, {"max_rows", 2}});
  EXPECT_EQ(two.at("structuredContent").as_object().count("truncated"), 0u);
}

// A truncated result gives the cursor of the next page; the same call with it returns the rows
// after, until a page without one. Pages stop at max_rows or, first, at kPageBytes of rows.
TEST_F(McpTools, TruncatedResultsPageWithACursor) {
  const char* numbers =
      "with recursive n(x) as (select 1 union all select x + 1 from n where x < 5) select x, ? "
      "from n";
  const object call{{"database", "app"}, {"query", numbers}, {"params", {"p"}}, {"max_rows", 2}};
  std::vector<std::int64_t> seen;
  std::vector<std::string> cursors;
  auto args = call;
  for (int page = 0; page < 5; ++page) {
    const auto result = client.tool("query", args);
    ASSERT_EQ(result.at("isError"), false) << serialize(result);
    const auto& rows = result.at("structuredContent").as_object();
    for (const auto& row : rows.at("rows").as_array()) seen.push_back(row.at(0).as_int64());
    if (page > 0) {
      EXPECT_EQ(rows.at("offset"), 2 * page);
    }
    if (!rows.contains("next_cursor")) {
      EXPECT_EQ(rows.count("truncated"), 0u);
      break;
    }
    EXPECT_EQ(rows.at("truncated"), true);
    EXPECT_EQ(rows.at("total_rows"), 5);
    cursors.emplace_back(rows.at("next_cursor").as_string());
    args["cursor"] = rows.at("next_cursor");
  }
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
  ASSERT_EQ(cursors.size(), 2u);

  // A cursor pages only the statement it came from: other params, text or database are refused.
  auto other = call;
  other["params"] = {"q"};
  other["cursor"] = cursors[0];
  auto error = McpClient::tool_error(client.tool("query", other));
  EXPECT_EQ(error.at("code"), "invalid_arguments");
  EXPECT_EQ(error.at("message"),
            "arguments.cursor was made for another statement: page with the same database, query "
            "and params (or the same tool arguments) as the call it came from");
  for (const char* forged : {"2", "0.", "x.abc", "-1.abc"}) {
    other = call;
    other["cursor"] = forged;
    error = McpClient::tool_error(client.tool("query", other));
    EXPECT_EQ(error.at("message"),
              "arguments.cursor is not a cursor weir made: pass next_cursor as it came")
        << forged;
  }

  // Rows of 40 KB: two would pass the page's 64 KiB, so each page holds one.
  const auto big = client.tool("query", {{"database", "app"},
                                         {"query",
                                          "select x, printf('%.40000c', 'a') from (select 1 as x "
                                          "union all select 2 union all select 3)"}});
  const auto& page = big.at("structuredContent").as_object();
  EXPECT_EQ(page.at("rows").as_array().size(), 1u);
  EXPECT_EQ(page.at("truncated"), true);
  EXPECT_EQ(page.at("total_rows"), 3);
  EXPECT_TRUE(page.at("next_cursor").as_string().starts_with("1."));
}

// Paging runs the statement again, read-only: a cursor never repeats a write.
TEST_F(McpTools, ANextPageIsReadOnlyEvenOnAWritableDatabase) {
  ASSERT_EQ(
      client.tool("query", {{"database", "notes"}, {"query", "create table t (x)"}}).at("isError"),
      false);
  const object insert{{"database", "notes"},
                      {"query", "insert into t values (1), (2), (3) returning x"},
                      {"max_rows", 1}};
  const auto first = client.tool("query", insert);
  ASSERT_EQ(first.at("isError"), false) << serialize(first);
  auto next = insert;
  next["cursor"] = first.at("structuredContent").at("next_cursor");
  const auto error = McpClient::tool_error(client.tool("query", next));
  EXPECT_EQ(error.at("code"), "permission_denied");
  EXPECT_EQ(client.tool("query", {{"database", "notes"}, {"query", "select count(*) from t"}})
                .at("structuredContent")
                .at("rows"),
            parse("[[3]]"));
}

TEST_F(McpTools, AWriteOnAReadOnlyDatabaseIsRefusedByTheEngine) {
  // Text parsing would miss a write behind a CTE; the engine does not.
  for (const char* sql :
       {"insert into fruit (name) values ('plum')",
        "with x as (select 1) insert into fruit (name) select 'plum' from x", "drop table fruit"}) {
    const auto result = client.tool("query", {{"database", "app"}, {"query", sql}});
    EXPECT_EQ(result.at("isError"), true) << sql;
    EXPECT_EQ(result.count("structuredContent"), 0u);
    const auto error = McpClient::tool_error(result);
    EXPECT_EQ(error.at("code"), "permission_denied") << sql;
    EXPECT_EQ(error.at("message"), "the statement writes, but the request is declared read-only");
    EXPECT_EQ(error.at("rolled_back"), true);
  }
  const auto count =
      client.tool("query", {{"database", "app"}, {"query", "select count(*) from fruit"}});
  EXPECT_EQ(count.at("structuredContent").at("rows"), parse("[[2]]"));
}

TEST_F(McpTools, AWritableDatabaseTakesWrites) {
  auto result =
      client.tool("query", {{"database", "notes"}, {"query", "create table note (body text)"}});
  ASSERT_EQ(result.at("isError"), false) << serialize(result);
  result = client.tool(
      "query",
      {{"database", "notes"}, {"query", "insert into note values (?)"}, {"params", {"hello"}}});
  EXPECT_EQ(result.at("structuredContent").at("rows_affected"), 1);
  result = client.tool("query", {{"database", "notes"}, {"query", "select body from note"}});
  EXPECT_EQ(result.at("structuredContent").at("rows"), parse(R"([["hello"]])"));
}

TEST_F(McpTools, ArgumentErrorsAreToolErrorsNamingTheArgument) {
  testing::expect_argument_errors(
      client,
      {
          {"query", R"({"database":"app"})", "arguments.query is required"},
          {"query", R"({"database":"app","query":""})",
           "arguments.query must be a non-empty string"},
          {"query", R"({"database":"app","query":"select 1","max_rows":0})",
           "arguments.max_rows must be an integer from 1 to 10000, got 0"},
          {"query", R"({"database":"app","query":"select 1","max_rows":"5"})",
           "arguments.max_rows must be an integer from 1 to 10000"},
          {"query", R"({"database":"app","query":"select 1","params":"x"})",
           "arguments.params must be an array (positional parameters) or an object (named "
           "parameters)"},
          {"query", R"({"database":"app","query":"select 1","limit":5})",
           "arguments.limit is not an argument of this tool (it takes database, query, params, "
           "max_rows, cursor)"},
          {"query", R"({"query":"select 1"})", "arguments.database is required"},
          {"query", R"({"database":"nope","query":"select 1"})",
           "arguments.database names \"nope\", which is not a database you may use (see "
           "list_databases)"},
          {"describe_database", R"({})", "arguments.database is required"},
          {"list_databases", R"({"x":1})",
           "arguments.x is not an argument of this tool (it takes )"},
      });
}

TEST_F(McpTools, BackendErrorsAreToolErrorsWithWeirsCode) {
  const auto result =
      client.tool("query", {{"database", "app"}, {"query", "select * from nosuch"}});
  EXPECT_EQ(result.at("isError"), true);
  const auto error = McpClient::tool_error(result);
  EXPECT_EQ(error.at("code"), "query_error");
  EXPECT_EQ(error.at("message"), "no such table: nosuch");
  EXPECT_EQ(error.at("database"), "app");
}

TEST_F(McpTools, EachToolCallIsCountedInMetrics) {
  client.tool("query", {{"database", "app"}, {"query", "select 1"}});
  client.tool("query", {{"database", "app"}, {"query", "select * from nosuch"}});
  client.tool("describe_database", {{"database", "app"}});
  const auto metrics = testing::http_get(gateway.port(), "/metrics").body;
  for (const char* line :
       {R"(weir_requests_total{database="app",operation="mcp_query",code="ok"} 1)",
        R"(weir_requests_total{database="app",operation="mcp_query",code="query_error"} 1)",
        R"(weir_requests_total{database="app",operation="mcp_describe_database",code="ok"} 1)"}) {
    EXPECT_NE(metrics.find(line), std::string::npos) << line;
  }
}

TEST(McpToolsWithTokens, ATokenSeesAndUsesOnlyItsDatabases) {
  testing::RunningGateway gateway(tokens_config());
  // No token: refused like every other endpoint.
  McpClient anonymous(gateway.port());
  const auto refused = anonymous.initialize();
  EXPECT_EQ(refused.status, 401u);
  EXPECT_EQ(refused.error_code(), "unauthorized");

  McpClient reader(gateway.port(), kReaderSecret);
  ASSERT_EQ(reader.initialize().status, 200u);
  const auto tools = reader.call("tools/list").at("result").at("tools").as_array();
  EXPECT_EQ(tools[1].at("inputSchema").at("properties").at("database").at("enum"),
            parse(R"(["app"])"));
  EXPECT_EQ(reader.tool("list_databases").at("structuredContent").at("databases").as_array().size(),
            1u);
  const auto other = reader.tool("query", {{"database", "notes"}, {"query", "select 1"}});
  EXPECT_EQ(McpClient::tool_error(other).at("message"),
            "arguments.database names \"notes\", which is not a database you may use (see "
            "list_databases)");
  // A session belongs to the token that opened it.
  McpClient writer(gateway.port(), kWriterSecret);
  writer.set_session(reader.session());
  EXPECT_EQ(writer.post(writer.request("tools/list", {})).status, 404u);
}

TEST(McpToolsWithTokens, AReadOnlyTokenCannotWriteAWritableDatabase) {
  testing::RunningGateway gateway(tokens_config());
  McpClient looker(gateway.port(), kLookerSecret);
  ASSERT_EQ(looker.initialize().status, 200u);
  const auto tools = looker.call("tools/list").at("result").at("tools").as_array();
  EXPECT_EQ(tools[2].at("annotations").at("readOnlyHint"), true);
  const auto result =
      looker.tool("query", {{"database", "notes"}, {"query", "create table t (x)"}});
  EXPECT_EQ(McpClient::tool_error(result).at("code"), "permission_denied");
  McpClient writer(gateway.port(), kWriterSecret);
  writer.initialize();
  EXPECT_EQ(
      writer.tool("query", {{"database", "notes"}, {"query", "create table t (x)"}}).at("isError"),
      false);
}

TEST(McpConfig, FieldsAreCheckedWithTheirPath) {
  const auto refused = [](object mcp) {
    auto c = config();
    c["mcp"] = std::move(mcp);
    try {
      testing::RunningGateway gateway(c);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(refused({{"writable", {"app", "nope"}}}),
            "config test config: mcp.writable[1]: names \"nope\", which is not a configured "
            "database");
  EXPECT_EQ(refused({{"writable", "app"}}),
            "config test config: mcp.writable: must be an array of database names");
  EXPECT_EQ(refused({{"allowed_origins", {"https://ok.example", "https://x.example/path"}}}),
            "config test config: mcp.allowed_origins[1]: must be an origin: scheme://host[:port], "
            "e.g. \"https://app.example.com\", got \"https://x.example/path\"");
  EXPECT_NE(refused({{"allowed_origin", array{}}})
                .find("config test config: mcp.allowed_origin: is not a known setting"),
            std::string::npos);
}

}  // namespace
}  // namespace weir
