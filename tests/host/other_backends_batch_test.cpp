// Batches on the backends without parameter sets (docs/http-api.yaml, POST
// .../batch): their requests run as statements of a batch, each with its own
// answer (the real Chroma server), and a batch with "param_sets" is refused by
// name before any of it runs (Chroma, and Neo4j with no server behind it).
#include "chroma_server.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace weir {
namespace {

using testing::http_post;

boost::json::object database(const std::string& backend, const std::string& url) {
  return {{"databases", {{"db", {{"backend", backend}, {"connection", {{"url", url}}}}}}}};
}

void expect_parameter_sets_refused(std::uint16_t port, const std::string& backend,
                                   const std::string& statement) {
  const auto r = http_post(port, "/v1/databases/db/batch",
                           R"J({"statements": [)J" + statement + R"J(, {"query": "RETURN $x",
                               "param_sets": [{"x": 1}, {"x": 2}]}]})J");
  EXPECT_EQ(r.status, 501u) << r.body;
  EXPECT_EQ(r.error_code(), "not_implemented") << r.body;
  EXPECT_EQ(r.json().at("error").at("message"),
            ("the " + backend +
             " backend does not run a statement with \"param_sets\"; send one statement per "
             "parameter set instead")
                .c_str());
}

TEST(OtherBackendsBatch, ChromaRunsEachRequestAndRefusesParameterSets) {
  testing::ChromaServer chroma;
  testing::RunningGateway gw(database("chroma", chroma.url()));
  const std::string create = R"J({"op": "create_collection", "name": "docs"})J";
  const auto r = http_post(gw.port(), "/v1/databases/db/batch",
                           R"J({"statements": [)J" + create +
                               R"J(,
      {"op": "add", "collection": "docs", "ids": ["a"], "embeddings": [[1, 0]]},
      {"op": "add", "collection": "nowhere", "ids": ["b"], "embeddings": [[0, 1]]},
      {"op": "count", "collection": "docs"}]})J");
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto results = r.json().at("results").as_array();
  ASSERT_EQ(results.size(), 4u) << r.body;
  EXPECT_EQ(results.at(1).at("records"), 1) << r.body;
  EXPECT_EQ(results.at(2).at("error").at("code"), "not_found") << r.body;
  EXPECT_EQ(results.at(3), boost::json::parse(R"({"count": 1})")) << r.body;

  expect_parameter_sets_refused(gw.port(), "chroma", R"J({"op": "count", "collection": "docs"})J");
  const auto count =
      http_post(gw.port(), "/v1/databases/db/query", R"J({"op": "count", "collection": "docs"})J");
  EXPECT_EQ(count.json().at("count"), 1) << "nothing of the refused batch ran";
}

TEST(OtherBackendsBatch, Neo4jRefusesParameterSetsByName) {
#ifndef WEIR_TEST_HAVE_NEO4J
  GTEST_SKIP() << "the neo4j plugin is not built (WEIR_WITH_GRAPH=OFF)";
#endif
  // Nothing listens on port 1: the refusal comes before any connection is asked for.
  testing::RunningGateway gw(database("neo4j", "bolt://127.0.0.1:1"));
  expect_parameter_sets_refused(gw.port(), "neo4j", R"J({"query": "RETURN 1"})J");
}

}  // namespace
}  // namespace weir
