// Errors the server reports come back with its own kind and message and the
// right status; stale collection UUIDs are followed, not reported.
#include "chroma_test_fixture.hpp"

namespace weir::chroma::test {
namespace {

using ServerErrorsTest = ChromaTest;

TEST_F(ServerErrorsTest, WrongDimensionCarriesTheServerMessage) {
  const auto name = make_collection_abc();
  const auto e = failure(connection(), R"({"op":"add","collection":")" + name +
                                           R"(","ids":["d"],"embeddings":[[1,2]]})");
  EXPECT_EQ(e.status(), WEIR_E_QUERY);
  EXPECT_EQ(e.code(), "InvalidArgumentError");
  EXPECT_EQ(e.message(), "Collection expecting embedding with dimension of 3, got 2");
  EXPECT_FALSE(e.retryable());
  EXPECT_NE(e.detail().find("/add -> HTTP 400"), std::string::npos) << e.detail();
  const auto q = failure(
      connection(), R"({"op":"query","collection":")" + name + R"(","query_embeddings":[[1]]})");
  EXPECT_EQ(q.status(), WEIR_E_QUERY);
  EXPECT_EQ(q.message(), "Collection expecting embedding with dimension of 3, got 1");
}

TEST_F(ServerErrorsTest, InvalidWhereOperatorCarriesTheServerMessage) {
  const auto name = make_collection_abc();
  const auto e = failure(
      connection(), R"({"op":"get","collection":")" + name + R"(","where":{"n":{"$gt":"x"}}})");
  EXPECT_EQ(e.status(), WEIR_E_QUERY);
  EXPECT_EQ(e.code(), "InvalidArgumentError");
  EXPECT_NE(e.message().find("Invalid where clause"), std::string::npos) << e.message();
}

TEST_F(ServerErrorsTest, SchemaMismatchCarriesTheServerMessage) {
  const auto name = make_collection_abc();
  const auto metadata =
      failure(connection(), R"({"op":"create_collection","name":"m422","metadata":{"a":[1]}})");
  EXPECT_EQ(metadata.status(), WEIR_E_QUERY);
  EXPECT_EQ(metadata.code(), "ChromaError");
  EXPECT_NE(metadata.message().find(
                "metadata.a: data did not match any variant of untagged enum MetadataValue"),
            std::string::npos)
      << metadata.message();
}

TEST_F(ServerErrorsTest, RecreatedCollectionIsFollowedByName) {
  const auto name = make_collection_abc();
  auto& c = connection();
  EXPECT_EQ(run(c, R"({"op":"count","collection":")" + name + "\"}").at("count"),
            3);  // caches the UUID
  // Someone else drops and recreates it behind the gateway's back.
  const std::string base = "/api/v2/tenants/default_tenant/databases/default_database/collections";
  ASSERT_EQ(direct().post(base, R"({"name":")" + name + R"("})").status, 409);
  run(*factory()->connect({}), R"({"op":"delete_collection","name":")" + name + "\"}");
  ASSERT_EQ(direct().post(base, R"({"name":")" + name + R"("})").status, 200);
  EXPECT_EQ(run(c, R"({"op":"count","collection":")" + name + "\"}").at("count"), 0);
  run(c, R"({"op":"add","collection":")" + name + R"(","ids":["z"],"embeddings":[[1]]})");
  EXPECT_EQ(run(c, R"({"op":"count","collection":")" + name + "\"}").at("count"), 1);
}

TEST_F(ServerErrorsTest, CollectionDeletedElsewhereIsNotFound) {
  const auto name = make_collection_abc();
  auto& c = connection();
  run(c, R"({"op":"count","collection":")" + name + "\"}");  // caches the UUID
  run(*factory()->connect({}), R"({"op":"delete_collection","name":")" + name + "\"}");
  const auto e =
      failure(c, R"({"op":"query","collection":")" + name + R"(","query_embeddings":[[1,0,0]]})");
  EXPECT_EQ(e.status(), WEIR_E_NOT_FOUND);
  EXPECT_EQ(e.code(), "NotFoundError");
  EXPECT_EQ(e.message(), "Collection [" + name + "] does not exists");
}

}  // namespace
}  // namespace weir::chroma::test
