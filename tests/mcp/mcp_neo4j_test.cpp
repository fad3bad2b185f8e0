// The MCP tools on Neo4j, against the scripted Bolt test server
// (scripts/neo4j_graph.json): describe_database reads labels, relationship
// types and property keys with Neo4j's db.* procedures, and query runs
// Cypher with named parameters. The script accepts BEGIN only in read access
// mode ({"mode": "r"}), so every transaction the tools open is read-only by
// the engine; any other BEGIN would be a failure the server records.
#include "gateway_fixture.hpp"
#include "mcp_client.hpp"
#include "scripted_bolt_server.hpp"

#include <gtest/gtest.h>

namespace weir {
namespace {

using boost::json::object;
using boost::json::parse;
using testing::McpClient;

class McpNeo4j : public ::testing::Test {
 protected:
  void TearDown() override {
    bolt.stop();
    EXPECT_EQ(bolt.failures(), std::vector<std::string>{});
  }

  neo4j::testing::ScriptedBoltServer bolt{WEIR_MCP_SCRIPTS_DIR "/neo4j_graph.json"};
  testing::RunningGateway gateway{
      object{{"databases",
              {{"graph",
                {{"backend", "neo4j"},
                 {"connection",
                  {{"url", "bolt://" + bolt.address()}, {"user", "neo4j"}, {"password", "secret"}}},
                 {"pool", {{"min_size", 0}}}}}}}}};
  McpClient client{gateway.port()};
};

TEST_F(McpNeo4j, DescribeDatabaseListsLabelsRelationshipTypesAndPropertyKeys) {
  client.initialize();
  const auto result = client.tool("describe_database", {{"database", "graph"}});
  ASSERT_EQ(result.at("isError"), false) << serialize(result);
  EXPECT_EQ(result.at("structuredContent"),
            parse(R"({"labels":["City","Person"],"relationship_types":["KNOWS","LIVES_IN"],
                      "property_keys":["born","name","since"],"database":"graph",
                      "backend":"neo4j"})"));
}

TEST_F(McpNeo4j, QueryRunsCypherInReadAccessMode) {
  client.initialize();
  auto result = client.tool("query", {{"database", "graph"},
                                      {"query",
                                       "MATCH (p:Person) WHERE p.born < $year "
                                       "RETURN p.name AS name ORDER BY name"},
                                      {"params", {{"year", 1900}}},
                                      {"max_rows", 1}});
  ASSERT_EQ(result.at("isError"), false) << serialize(result);
  const auto& rows = result.at("structuredContent").as_object();
  EXPECT_EQ(rows.at("columns"), parse(R"(["name"])"));
  EXPECT_EQ(rows.at("rows"), parse(R"([["Ada"]])"));
  EXPECT_EQ(rows.at("truncated"), true);

  // What Neo4j answers a write in a read access mode transaction.
  result =
      client.tool("query", {{"database", "graph"}, {"query", "CREATE (:Person {name: 'Eve'})"}});
  const auto error = McpClient::tool_error(result);
  EXPECT_EQ(error.at("code"), "query_error") << serialize(error);
  EXPECT_EQ(error.at("message"),
            "Writing in read access mode not allowed. Attempted write to database 'neo4j'");
  EXPECT_EQ(error.at("backend_code"), "Neo.ClientError.Statement.AccessMode");
}

}  // namespace
}  // namespace weir
