// Collection operations round-trip against the real server and agree with
// what it answers directly.
#include "chroma_test_fixture.hpp"

namespace weir::chroma::test {
namespace {

using CollectionsTest = ChromaTest;

TEST_F(CollectionsTest, CreateListCountGetDeleteRoundTrip) {
  auto& c = connection();
  const auto before = run(c, R"({"op":"count_collections"})").at("count").as_int64();
  const auto created =
      run(c, R"({"op":"create_collection","name":"docs","metadata":{"owner":"gw","version":2}})");
  EXPECT_EQ(created.at("name"), "docs");
  EXPECT_EQ(created.at("metadata"), boost::json::parse(R"({"owner":"gw","version":2})"));
  run(c, R"({"op":"create_collection","name":"notes"})");

  const auto listed = run(c, R"({"op":"list_collections"})");
  const auto direct_list =
      direct().get("/api/v2/tenants/default_tenant/databases/default_database/collections");
  EXPECT_EQ(listed.at("collections"), boost::json::parse(direct_list.body));
  EXPECT_EQ(listed.at("collections").as_array().size(), before + 2);
  EXPECT_EQ(run(c, R"({"op":"count_collections"})").at("count"), before + 2);

  const auto fetched = run(c, R"({"op":"get_collection","name":"docs"})");
  EXPECT_EQ(fetched.at("id"), created.at("id"));

  EXPECT_EQ(run(c, R"({"op":"delete_collection","name":"notes"})"),
            boost::json::parse(R"({"deleted":"notes"})"));
  EXPECT_EQ(run(c, R"({"op":"count_collections"})").at("count"), before + 1);
  run(c, R"({"op":"delete_collection","name":"docs"})");
}

TEST_F(CollectionsTest, ListPagesWithLimitAndOffset) {
  auto& c = connection();
  for (const char* name : {"page1", "page2", "page3"}) {
    run(c, std::string(R"({"op":"create_collection","name":")") + name + "\"}");
  }
  const auto all = run(c, R"({"op":"list_collections"})").at("collections").as_array();
  const auto page =
      run(c, R"({"op":"list_collections","limit":1,"offset":1})").at("collections").as_array();
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0], all[1]);
}

TEST_F(CollectionsTest, SpaceSetsTheDistanceFunction) {
  auto& c = connection();
  const auto created = run(c, R"({"op":"create_collection","name":"cos","space":"cosine"})");
  EXPECT_EQ(created.at("configuration_json").at("hnsw").at("space"), "cosine");
  run(c, R"({"op":"add","collection":"cos","ids":["x","y","z"],"embeddings":[[2,0],[1,1],[0,3]]})");
  const auto hits = run(
      c,
      R"({"op":"query","collection":"cos","query_embeddings":[[1,0]],"n_results":3,"include":["distances"]})");
  const auto& d = hits.at("distances").at(0).as_array();
  EXPECT_NEAR(d[0].to_number<double>(), 0.0, 1e-6);
  EXPECT_NEAR(d[1].to_number<double>(), 0.29289323, 1e-6);  // 1 - cos(45 degrees)
  EXPECT_NEAR(d[2].to_number<double>(), 1.0, 1e-6);
}

TEST_F(CollectionsTest, GetOrCreateReturnsTheExistingCollectionUnchanged) {
  auto& c = connection();
  const auto first = run(c, R"({"op":"create_collection","name":"goc","metadata":{"v":1}})");
  const auto again =
      run(c, R"({"op":"create_collection","name":"goc","metadata":{"v":2},"get_or_create":true})");
  EXPECT_EQ(again.at("id"), first.at("id"));
  EXPECT_EQ(again.at("metadata"), boost::json::parse(R"({"v":1})"));
}

TEST_F(CollectionsTest, CreatingAnExistingCollectionIsAConflict) {
  auto& c = connection();
  run(c, R"({"op":"create_collection","name":"dup"})");
  const auto e = failure(c, R"({"op":"create_collection","name":"dup"})");
  EXPECT_EQ(e.status(), WEIR_E_CONFLICT);
  EXPECT_EQ(e.code(), "ChromaError");
  EXPECT_EQ(e.message(), "Collection [dup] already exists");
  EXPECT_FALSE(e.retryable());
}

TEST_F(CollectionsTest, InvalidNameCarriesTheServerMessage) {
  const auto e = failure(connection(), R"({"op":"create_collection","name":"sp"})");
  EXPECT_EQ(e.status(), WEIR_E_QUERY);
  EXPECT_EQ(e.code(), "InvalidArgumentError");
  EXPECT_EQ(
      e.message(),
      "Validation error: name: Expected a name containing 3-512 characters from [a-zA-Z0-9._-], "
      "starting and ending with a character in [a-zA-Z0-9]. Got: sp");
}

TEST_F(CollectionsTest, UnknownCollectionIsNotFound) {
  auto& c = connection();
  for (const char* request :
       {R"({"op":"get_collection","name":"nosuch"})",
        R"({"op":"delete_collection","name":"nosuch"})", R"({"op":"count","collection":"nosuch"})",
        R"({"op":"get","collection":"nosuch"})"}) {
    const auto e = failure(c, request);
    EXPECT_EQ(e.status(), WEIR_E_NOT_FOUND) << request;
    EXPECT_EQ(e.code(), "NotFoundError") << request;
    EXPECT_EQ(e.message(), "Collection [nosuch] does not exists") << request;
  }
}

TEST_F(CollectionsTest, NameWithSlashStaysOneUrlSegment) {
  // Percent-encoding keeps "a/b" from addressing another path; the server then calls the name
  // invalid.
  const auto e = failure(connection(), R"({"op":"get_collection","name":"x/../../heartbeat"})");
  EXPECT_EQ(e.status(), WEIR_E_NOT_FOUND);
  EXPECT_EQ(e.message(), "Collection [x/../../heartbeat] does not exists");
}

TEST_F(CollectionsTest, UnknownSpaceIsRefusedBeforeSending) {
  const auto e = failure(connection(), R"({"op":"create_collection","name":"dot","space":"dot"})");
  EXPECT_EQ(e.status(), WEIR_E_INVALID_REQUEST);
  EXPECT_EQ(e.message(), R"(create_collection: "space" must be one of l2, cosine, ip; got "dot")");
}

TEST_F(CollectionsTest, SpaceContradictingConfigurationIsRefused) {
  const auto e = failure(
      connection(),
      R"({"op":"create_collection","name":"both","space":"ip","configuration":{"hnsw":{"space":"l2"}}})");
  EXPECT_EQ(e.status(), WEIR_E_INVALID_REQUEST);
  EXPECT_EQ(
      e.message(),
      R"(create_collection: "space" contradicts configuration.hnsw.space; give the space once)");
}

TEST_F(CollectionsTest, DatabasesAreScopedAndCreatedOnDemand) {
  // Without create_database, a missing database is named at connect time.
  try {
    factory({{"tenant", "acme"}, {"database", "team1"}})->connect({});
    ADD_FAILURE() << "connected to a database that does not exist";
  } catch (const sdk::Error& e) {
    EXPECT_EQ(e.status(), WEIR_E_NOT_FOUND);
    EXPECT_NE(
        e.message().find(
            "tenant \"acme\", database \"team1\"; create it or set connection.create_database"),
        std::string::npos)
        << e.message();
  }
  auto team =
      factory({{"tenant", "acme"}, {"database", "team1"}, {"create_database", true}})->connect({});
  run(*team, R"({"op":"create_collection","name":"private"})");
  EXPECT_EQ(run(*team, R"({"op":"count_collections"})").at("count"), 1);
  EXPECT_EQ(failure(connection(), R"({"op":"count","collection":"private"})").status(),
            WEIR_E_NOT_FOUND);
}

}  // namespace
}  // namespace weir::chroma::test
