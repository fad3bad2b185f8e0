// Tools defined in the config (mcp.tools): typed parameters become the
// tool's inputSchema, arguments are checked before anything reaches the
// backend and bound as parameters, read-only tools run in a read-only
// transaction, annotations follow, and the config names every bad field.
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "mcp_client.hpp"

#include <gtest/gtest.h>

namespace weir {
namespace {

using boost::json::array;
using boost::json::object;
using boost::json::parse;
using testing::McpClient;

object config(object tools) {
  return {{"databases",
           {{"app", {{"backend", "sqlite"}, {"connection", {{"path", "app.db"}}}}},
            {"other", {{"backend", "sqlite"}, {"connection", {{"path", "other.db"}}}}}}},
          {"mcp", {{"tools", std::move(tools)}}},
          {"auth",
           {{"tokens",
             {{{"name", "other"}, {"token", "other-secret-0123456789"}, {"databases", {"other"}}},
              {{"name", "all"}, {"token", "all-secret-0123456789ab"}, {"databases", {"*"}}},
              {{"name", "looker"},
               {"token", "looker-secret-0123456789"},
               {"databases", {"*"}},
               {"read_only", true}}}}}}};
}

object fruit_tools() {
  return parse(R"J({
    "find_fruit": {
      "title": "Find fruit",
      "description": "Fruit whose name starts with a prefix, up to a price",
      "database": "app",
      "statement": "select name, price from fruit where name like ? || '%' and price <= ? order by name",
      "parameters": [
        {"name": "prefix", "type": "string", "description": "the name's start"},
        {"name": "max_price", "type": "number", "minimum": 0, "maximum": 100, "default": 10}
      ]
    },
    "of_kinds": {
      "description": "Arrays bind as arrays: for backends that take them (PostgreSQL's = ANY($1))",
      "database": "app",
      "statement": "select name from fruit where kind = any(?)",
      "parameters": [{"name": "kinds", "type": "array", "items": "string", "default": ["pome"]}]
    },
    "by_kind": {
      "description": "Fruit of one kind",
      "database": "app",
      "statement": "select name from fruit where kind = ? and price > ? order by name",
      "parameters": [
        {"name": "kind", "type": "string", "enum": ["pome", "berry"]},
        {"name": "above", "type": "integer", "default": 0}
      ]
    },
    "add_fruit": {
      "description": "Adds a fruit",
      "database": "app",
      "statement": "insert into fruit (name, price, kind) values (?, ?, ?)",
      "read_only": false,
      "parameters": [
        {"name": "name", "type": "string"},
        {"name": "price", "type": "number"},
        {"name": "kind", "type": "string"}
      ]
    },
    "sneaky": {
      "description": "Claims to read, but writes",
      "database": "app",
      "statement": "insert into fruit (name, price, kind) values ('plum', 1, 'drupe')"
    }
  })J")
      .as_object();
}

class McpConfigTools : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* sql :
         {"create table fruit (name text primary key, price real, kind text)",
          "insert into fruit values ('apple', 1, 'pome'), ('apricot', 4, 'drupe'), "
          "('blueberry', 12, 'berry'), ('avocado', 2, 'berry')"}) {
      const auto reply =
          testing::http_call(gateway.port(), boost::beast::http::verb::post,
                             "/v1/databases/app/query", serialize(object{{"query", sql}}),
                             {{"content-type", "application/json"},
                              {"authorization", "Bearer all-secret-0123456789ab"}});
      ASSERT_EQ(reply.status, 200u) << reply.body;
    }
    client.initialize();
  }

  testing::RunningGateway gateway{config(fruit_tools())};
  McpClient client{gateway.port(), "all-secret-0123456789ab"};
};

TEST_F(McpConfigTools, ParametersBecomeTheInputSchemaAndHintsFollowReadOnly) {
  const auto listed = client.call("tools/list");
  const auto& tools = listed.at("result").at("tools").as_array();
  std::map<std::string, object> by_name;
  for (const auto& t : tools) by_name[std::string(t.at("name").as_string())] = t.as_object();
  ASSERT_EQ(by_name.count("find_fruit"), 1u);
  const auto& find = by_name["find_fruit"];
  EXPECT_EQ(find.at("title"), "Find fruit");
  EXPECT_EQ(find.at("description"), "Fruit whose name starts with a prefix, up to a price");
  EXPECT_EQ(find.at("inputSchema"), parse(R"J({"type":"object","properties":{
      "prefix":{"type":"string","description":"the name's start"},
      "max_price":{"type":"number","minimum":0,"maximum":100,"default":10},
      "cursor":{"type":"string","description":"next_cursor of a truncated result: the same call again with it returns the next page (the statement runs again, read-only)"}},
      "required":["prefix"],"additionalProperties":false})J"));
  EXPECT_EQ(find.at("annotations"),
            parse(R"J({"title":"Find fruit","readOnlyHint":true,"destructiveHint":false,
                       "openWorldHint":false})J"));
  EXPECT_EQ(by_name["of_kinds"].at("inputSchema").at("properties").at("kinds"),
            parse(R"J({"type":"array","items":{"type":"string"},"default":["pome"]})J"));
  EXPECT_EQ(by_name["by_kind"].at("inputSchema").at("properties").at("kind"),
            parse(R"J({"type":"string","enum":["pome","berry"]})J"));
  EXPECT_EQ(by_name["add_fruit"].at("annotations").at("readOnlyHint"), false);
  EXPECT_EQ(by_name["add_fruit"].at("annotations").at("destructiveHint"), true);
}

TEST_F(McpConfigTools, ArgumentsAreBoundWithDefaults) {
  auto result = client.tool("find_fruit", {{"prefix", "a"}});
  ASSERT_EQ(result.at("isError"), false) << serialize(result);
  EXPECT_EQ(result.at("structuredContent").at("rows"),
            parse(R"J([["apple",1.0],["apricot",4.0],["avocado",2.0]])J"));  // max_price 10
  result = client.tool("find_fruit", {{"prefix", "a"}, {"max_price", 3}});
  EXPECT_EQ(result.at("structuredContent").at("rows"), parse(R"J([["apple",1.0],["avocado",2.0]])J"));
  // A value that looks like SQL is only a value.
  result = client.tool("find_fruit", {{"prefix", "' or 1=1 --"}});
  EXPECT_EQ(result.at("structuredContent").at("rows"), array{});
  result = client.tool("by_kind", {{"kind", "berry"}, {"above", 5}});
  EXPECT_EQ(result.at("structuredContent").at("rows"), parse(R"J([["blueberry"]])J"));
}

TEST_F(McpConfigTools, BadArgumentsNeverReachTheBackend) {
  testing::expect_argument_errors(
      client,
      {
          {"find_fruit", R"J({})J", "arguments.prefix is required"},
          {"find_fruit", R"J({"prefix":3})J", "arguments.prefix must be a string"},
          {"find_fruit", R"J({"prefix":"a","max_price":101})J",
           "arguments.max_price must be at most 100"},
          {"find_fruit", R"J({"prefix":"a","max_price":-1})J",
           "arguments.max_price must be at least 0"},
          {"of_kinds", R"J({"kinds":["pome",2]})J", "arguments.kinds must be an array of strings"},
          {"of_kinds", R"J({"kinds":"pome"})J", "arguments.kinds must be an array"},
          {"find_fruit", R"J({"prefix":"a","colour":"red"})J",
           "arguments.colour is not a parameter of this tool"},
          {"by_kind", R"J({"kind":"drupe"})J",
           "arguments.kind must be one of [\"pome\",\"berry\"]"},
          {"by_kind", R"J({"kind":"pome","above":1.5})J", "arguments.above must be an integer"},
      });
  // None of them was counted as a backend request.
  EXPECT_EQ(testing::http_call(gateway.port(), boost::beast::http::verb::get, "/metrics", {},
                               {{"authorization", "Bearer all-secret-0123456789ab"}})
                .body.find("operation=\"mcp_find_fruit\",code=\"invalid_arguments\""),
            std::string::npos);
}

TEST_F(McpConfigTools, ReadOnlyToolsRunInAReadOnlyTransaction) {
  const auto result = client.tool("sneaky");
  const auto error = McpClient::tool_error(result);
  EXPECT_EQ(error.at("code"), "permission_denied");
  EXPECT_EQ(error.at("message"), "the statement writes, but the request is declared read-only");
  auto added = client.tool("add_fruit", {{"name", "fig"}, {"price", 3}, {"kind", "syconium"}});
  ASSERT_EQ(added.at("isError"), false) << serialize(added);
  EXPECT_EQ(added.at("structuredContent").at("rows_affected"), 1);
  // A read-only token cannot write through a writing tool either.
  McpClient looker(gateway.port(), "looker-secret-0123456789");
  looker.initialize();
  added = looker.tool("add_fruit", {{"name", "kiwi"}, {"price", 3}, {"kind", "berry"}});
  EXPECT_EQ(McpClient::tool_error(added).at("code"), "permission_denied");
}

TEST_F(McpConfigTools, ATokenSeesOnlyTheToolsOfItsDatabases) {
  McpClient other(gateway.port(), "other-secret-0123456789");
  other.initialize();
  const auto listed = other.call("tools/list");
  for (const auto& t : listed.at("result").at("tools").as_array())
    EXPECT_NE(t.at("name"), "find_fruit");
  const auto answer =
      other.call("tools/call", {{"name", "find_fruit"}, {"arguments", {{"prefix", "a"}}}});
  EXPECT_EQ(answer.at("error").at("code"), -32602);
  EXPECT_EQ(answer.at("error").at("message"), "unknown tool \"find_fruit\"");
}

// A config tool's result is cut at 100 rows; its cursor argument pages it like query's, bound
// to the tool and its arguments.
TEST(McpConfigToolPaging, ACursorReturnsTheNextPage) {
  testing::RunningGateway gateway(config(parse(R"J({"count_to": {
      "description": "The numbers from 1",
      "database": "app",
      "statement": "with recursive n(x) as (select 1 union all select x + 1 from n where x < ?) select x from n",
      "parameters": [{"name": "n", "type": "integer"}]}})J")
                                             .as_object()));
  McpClient client(gateway.port(), "all-secret-0123456789ab");
  client.initialize();
  const auto first = client.tool("count_to", {{"n", 150}});
  const auto& head = first.at("structuredContent").as_object();
  EXPECT_EQ(head.at("rows").as_array().size(), 100u);
  EXPECT_EQ(head.at("truncated"), true);
  EXPECT_EQ(head.at("total_rows"), 150);
  const auto second = client.tool("count_to", {{"n", 150}, {"cursor", head.at("next_cursor")}});
  const auto& tail = second.at("structuredContent").as_object();
  EXPECT_EQ(tail.at("offset"), 100);
  EXPECT_EQ(tail.at("rows").as_array().size(), 50u);
  EXPECT_EQ(tail.at("rows").at(0), parse("[101]"));
  EXPECT_EQ(tail.count("next_cursor"), 0u);
  // Other arguments: another statement, so the cursor is refused.
  const auto refused = client.tool("count_to", {{"n", 149}, {"cursor", head.at("next_cursor")}});
  EXPECT_EQ(McpClient::tool_error(refused).at("message"),
            "arguments.cursor was made for another statement: page with the same database, query "
            "and params (or the same tool arguments) as the call it came from");
}

TEST(McpConfigToolsConfig, EveryBadFieldIsNamed) {
  const auto refused = [](const char* tools) {
    try {
      testing::RunningGateway gateway(config(parse(tools).as_object()));
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  const std::pair<const char*, const char*> cases[] = {
      {R"J({"t": {"database": "app", "statement": "select 1"}})J",
       "mcp.tools.t.description: is required (a non-empty string)"},
      {R"J({"t": {"description": "d", "database": "nope", "statement": "select 1"}})J",
       "mcp.tools.t.database: names \"nope\", which is not a configured database"},
      {R"J({"query": {"description": "d", "database": "app", "statement": "select 1"}})J",
       "mcp.tools.query: a tool name may use only letters, digits, '_' and '-' (at most 64) and "
       "may not be a prebuilt tool's (list_databases, describe_database, query, vector_search)"},
      {R"J({"t": {"description": "d", "database": "app", "statement": "select ?",
                  "parameters": [{"name": "x", "type": "float"}]}})J",
       "mcp.tools.t.parameters[0].type: must be one of string, integer, number, boolean, array; "
       "got \"float\""},
      {R"J({"t": {"description": "d", "database": "app", "statement": "select ?",
                  "parameters": [{"name": "x", "type": "integer", "minimum": 1, "default": 0}]}})J",
       "mcp.tools.t.parameters[0].default: must be at least 1"},
      {R"J({"t": {"description": "d", "database": "app", "statement": "select ?",
                  "parameters": [{"name": "x", "type": "string", "minimum": 1}]}})J",
       "mcp.tools.t.parameters[0].minimum: applies only to integer and number parameters"},
      {R"J({"t": {"description": "d", "database": "app", "statement": "select ?, ?",
                  "parameters": [{"name": "x", "type": "string"}, {"name": "x", "type": "string"}]}})J",
       "mcp.tools.t.parameters[1].name: \"x\" is used by another parameter"},
      {R"J({"t": {"description": "d", "database": "app", "statement": "select ?",
                  "parameters": [{"name": "cursor", "type": "string"}]}})J",
       "mcp.tools.t.parameters[0].name: \"cursor\" is the paging argument of every tool"},
      {R"J({"t": {"description": "d", "database": "app", "statement": "select 1", "sql": "x"}})J",
       "mcp.tools.t.sql: is not a known setting"},
  };
  for (const auto& [tools, message] : cases)
    EXPECT_NE(refused(tools).find(message), std::string::npos) << refused(tools);
}

// mcp.toolsets group tools; a token limited to toolsets is listed only their tools (of the
// databases it may use) and refused the others as unknown, prebuilt ones included.
TEST(McpToolsets, ATokenLimitedToToolsetsSeesAndCallsOnlyTheirTools) {
  auto c = config(fruit_tools());
  c["mcp"].as_object()["toolsets"] = {{"browse", {"list_databases", "find_fruit"}},
                                      {"schema", {"describe_database"}}};
  c["auth"].as_object()["tokens"].as_array().push_back(
      object{{"name", "browser"},
             {"token", "browser-secret-0123456789"},
             {"databases", {"*"}},
             {"toolsets", {"browse", "schema"}}});
  testing::RunningGateway gateway(c);
  const auto created = testing::http_call(
      gateway.port(), boost::beast::http::verb::post, "/v1/databases/app/query",
      R"J({"query": "create table fruit (name text, price real, kind text)"})J",
      {{"content-type", "application/json"}, {"authorization", "Bearer all-secret-0123456789ab"}});
  ASSERT_EQ(created.status, 200u) << created.body;
  McpClient browser(gateway.port(), "browser-secret-0123456789");
  browser.initialize();
  const auto listed = browser.call("tools/list");
  std::vector<std::string> names;
  for (const auto& t : listed.at("result").at("tools").as_array())
    names.emplace_back(t.at("name").as_string());
  EXPECT_EQ(names, (std::vector<std::string>{"list_databases", "describe_database", "find_fruit"}));
  EXPECT_EQ(browser.tool("find_fruit", {{"prefix", "a"}}).at("isError"), false);
  for (const char* outside : {"query", "add_fruit"}) {
    const auto answer = browser.call(
        "tools/call",
        {{"name", outside}, {"arguments", {{"database", "app"}, {"query", "select 1"}}}});
    EXPECT_EQ(answer.at("error").at("code"), -32602) << outside;
    EXPECT_EQ(answer.at("error").at("message"),
              boost::json::value("unknown tool \"" + std::string(outside) + "\""));
  }
  // A token without toolsets still sees every tool.
  McpClient all(gateway.port(), "all-secret-0123456789ab");
  all.initialize();
  EXPECT_EQ(all.call("tools/list").at("result").at("tools").as_array().size(), 8u);
}

TEST(McpToolsets, BadToolsetsAreNamed) {
  const auto refused = [](object toolsets, boost::json::value token_toolsets) {
    auto c = config(fruit_tools());
    c["mcp"].as_object()["toolsets"] = std::move(toolsets);
    c["auth"].as_object()["tokens"].as_array()[0].as_object()["toolsets"] =
        std::move(token_toolsets);
    try {
      testing::RunningGateway gateway(c);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(refused({{"browse", {"find_fruit", "drop_all"}}}, array{"browse"}),
            "config test config: mcp.toolsets.browse[1]: names \"drop_all\", which is not a "
            "tool: a prebuilt one (list_databases, describe_database, query, vector_search) or "
            "one of mcp.tools");
  EXPECT_EQ(refused({{"browse", array{}}}, array{"browse"}),
            "config test config: mcp.toolsets.browse: must be a non-empty array of tool names");
  EXPECT_EQ(refused({{"browse", {"query"}}}, array{"browse", "admin"}),
            "config test config: auth.tokens[0].toolsets: names \"admin\", which is not one "
            "of mcp.toolsets");
  EXPECT_EQ(refused({{"browse", {"query"}}}, "browse"),
            "config test config: auth.tokens[0].toolsets: must be a non-empty array of "
            "toolset names");
}

}  // namespace
}  // namespace weir
