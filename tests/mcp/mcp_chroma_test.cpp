// The MCP tools on the real Chroma server (npm): vector_search returns the
// nearest records with their distances, documents and metadata, filtered by
// `where`; describe_database lists collections with counts and metadata; a
// vector database gets no `query` tool.
#include "chroma_server.hpp"
#include "gateway_fixture.hpp"
#include "mcp_client.hpp"

#include <gtest/gtest.h>

namespace weir {
namespace {

using boost::json::object;
using boost::json::parse;
using testing::McpClient;

TEST(McpChroma, VectorSearchAndDescribe) {
  testing::ChromaServer chroma;
  testing::RunningGateway gateway(
      object{{"databases",
              {{"vectors", {{"backend", "chroma"}, {"connection", {{"url", chroma.url()}}}}}}}});
  for (const char* request :
       {R"J({"op":"create_collection","name":"fruit","space":"l2","metadata":{"owner":"gw"}})J",
        R"J({"op":"add","collection":"fruit","ids":["a","b","c"],
             "embeddings":[[1,0],[0,1],[0.9,0.1]],
             "documents":["apple","banana","cherry"],
             "metadatas":[{"kind":"pome"},{"kind":"berry"},{"kind":"drupe"}]})J"}) {
    const auto reply = testing::http_post(gateway.port(), "/v1/databases/vectors/query", request);
    ASSERT_EQ(reply.status, 200u) << reply.body;
  }
  McpClient client(gateway.port());
  client.initialize();

  const auto listed = client.call("tools/list");
  std::vector<std::string> tools;
  for (const auto& t : listed.at("result").at("tools").as_array())
    tools.emplace_back(t.at("name").as_string());
  EXPECT_EQ(tools,
            (std::vector<std::string>{"list_databases", "describe_database", "vector_search"}));

  auto result = client.tool(
      "vector_search",
      {{"database", "vectors"}, {"collection", "fruit"}, {"embedding", {1, 0}}, {"n_results", 2}});
  ASSERT_EQ(result.at("isError"), false) << serialize(result);
  const auto& matches = result.at("structuredContent").at("matches").as_array();
  ASSERT_EQ(matches.size(), 2u);
  EXPECT_EQ(matches[0].at("id"), "a");
  EXPECT_EQ(matches[0].at("distance").to_number<double>(), 0.0);
  EXPECT_EQ(matches[0].at("document"), "apple");
  EXPECT_EQ(matches[0].at("metadata"), parse(R"J({"kind":"pome"})J"));
  EXPECT_EQ(matches[1].at("id"), "c");
  EXPECT_NEAR(matches[1].at("distance").to_number<double>(), 0.02, 1e-6);  // squared l2

  result = client.tool("vector_search", {{"database", "vectors"},
                                         {"collection", "fruit"},
                                         {"embedding", {1, 0}},
                                         {"where", {{"kind", "berry"}}}});
  EXPECT_EQ(result.at("structuredContent").at("matches").at(0).at("id"), "b");
  EXPECT_EQ(result.at("structuredContent").at("matches").as_array().size(), 1u);

  result = client.tool("vector_search",
                       {{"database", "vectors"}, {"collection", "fruit"}, {"embedding", {1, "x"}}});
  EXPECT_EQ(McpClient::tool_error(result).at("message"),
            "arguments.embedding must be a non-empty array of numbers");
  result = client.tool("vector_search",
                       {{"database", "vectors"}, {"collection", "nosuch"}, {"embedding", {1, 0}}});
  EXPECT_EQ(McpClient::tool_error(result).at("code"), "not_found");

  result = client.tool("describe_database", {{"database", "vectors"}});
  ASSERT_EQ(result.at("isError"), false) << serialize(result);
  EXPECT_EQ(result.at("structuredContent"),
            parse(R"J({"collections":[{"name":"fruit","count":3,"metadata":{"owner":"gw"},
                       "dimension":2}],"database":"vectors","backend":"chroma"})J"));
}

}  // namespace
}  // namespace weir
