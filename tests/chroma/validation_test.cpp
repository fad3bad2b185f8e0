// Requests refused before anything is sent, with the exact message a caller
// sees. Each refused write is also checked to have stored nothing.
#include "chroma_test_fixture.hpp"

namespace weir::chroma::test {
namespace {

class ValidationTest : public ChromaTest {
 protected:
  void expect_invalid(const std::string& request, const std::string& message) {
    const auto e = failure(connection(), request);
    EXPECT_EQ(e.status(), WEIR_E_INVALID_REQUEST) << request;
    EXPECT_EQ(e.message(), message) << request;
    EXPECT_FALSE(e.retryable());
  }
};

TEST_F(ValidationTest, MissingAndUnknownOpsListTheKnownOnes) {
  expect_invalid(
      R"({"query":"SELECT 1"})",
      "a chroma request needs \"op\" (one of list_collections, count_collections, "
      "create_collection, "
      "get_collection, delete_collection, add, upsert, update, get, query, delete, count); see "
      "docs/backends/chroma.md");
  expect_invalid(
      R"({"op":"drop"})",
      "unknown op \"drop\" (known: list_collections, count_collections, create_collection, "
      "get_collection, delete_collection, add, upsert, update, get, query, delete, count)");
}

TEST_F(ValidationTest, DuplicateIdsAreRefusedAndNothingIsStored) {
  const auto name = make_collection_abc();
  expect_invalid(R"({"op":"add","collection":")" + name +
                     R"(","ids":["e","f","e","f"],"embeddings":[[1,0,0],[1,0,0],[1,0,0],[1,0,0]]})",
                 R"(add: "ids" must be unique, but has duplicates of e, f)");
  EXPECT_EQ(run(connection(), R"({"op":"count","collection":")" + name + "\"}").at("count"), 3);
}

TEST_F(ValidationTest, ColumnLengthsMustMatchTheIds) {
  expect_invalid(R"({"op":"add","collection":"x","ids":["a","b"],"embeddings":[[1]]})",
                 R"(add: "embeddings" has 1 entries but "ids" has 2; give one per id)");
  expect_invalid(
      R"({"op":"upsert","collection":"x","ids":["a"],"embeddings":[[1]],"documents":["a","b"]})",
      R"(upsert: "documents" has 2 entries but "ids" has 1; give one per id)");
}

TEST_F(ValidationTest, EmbeddingsMustBeConsistentFiniteFloat32) {
  expect_invalid(R"({"op":"add","collection":"x","ids":["a","b"],"embeddings":[[1,2],[1]]})",
                 R"(add: "embeddings[1]" has dimension 1, but embeddings[0] has 2)");
  expect_invalid(R"({"op":"add","collection":"x","ids":["a"],"embeddings":[[]]})",
                 R"(add: "embeddings[0]" must be a non-empty array of numbers)");
  expect_invalid(
      R"({"op":"add","collection":"x","ids":["a"],"embeddings":[[1,1e39]]})",
      R"(add: "embeddings[0][1]" is outside the float32 range Chroma stores (|x| <= 3.4e38))");
  expect_invalid(R"({"op":"query","collection":"x","query_embeddings":[[1,"2"]]})",
                 R"(query: "query_embeddings[0][1]" must be a number)");
  expect_invalid(R"({"op":"add","collection":"x","ids":["a"]})",
                 R"(add: "embeddings" is required (an array))");
}

TEST_F(ValidationTest, IdsMustBeNonEmptyStrings) {
  expect_invalid(R"({"op":"add","collection":"x","ids":[],"embeddings":[]})",
                 R"(add: "ids" must be a non-empty array of strings)");
  expect_invalid(R"({"op":"add","collection":"x","ids":["a",""],"embeddings":[[1],[2]]})",
                 R"(add: "ids[1]" must be a non-empty string)");
}

TEST_F(ValidationTest, MetadataValuesAndReservedKeys) {
  expect_invalid(
      R"({"op":"add","collection":"x","ids":["a"],"embeddings":[[1]],"metadatas":[{"chroma:document":"x"}]})",
      R"(add: "metadatas[0]" uses the key "chroma:document"; keys starting with "chroma:" are reserved by Chroma)");
  expect_invalid(
      R"({"op":"add","collection":"x","ids":["a"],"embeddings":[[1]],"metadatas":[{"tags":["a"]}]})",
      R"(add: "metadatas[0].tags" must be a string, number or boolean)");
  expect_invalid(
      R"({"op":"add","collection":"x","ids":["a"],"embeddings":[[1]],"metadatas":[{"gone":null}]})",
      R"(add: "metadatas[0].gone" must be a string, number or boolean)");
}

TEST_F(ValidationTest, FiltersNeedExactlyOneKey) {
  expect_invalid(
      R"({"op":"get","collection":"x","where":{"kind":"fruit","n":1}})",
      R"(get: "where" must have exactly one key; combine conditions with {"$and": [...]})");
  expect_invalid(
      R"({"op":"delete","collection":"x","where_document":{}})",
      R"(delete: "where_document" must have exactly one key; combine conditions with {"$and": [...]})");
}

TEST_F(ValidationTest, DeleteWithoutASelectorIsRefused) {
  expect_invalid(
      R"({"op":"delete","collection":"x"})",
      R"(delete: "ids" or "where" or "where_document" is required (Chroma deletes nothing without one))");
}

TEST_F(ValidationTest, QueryLimitsAndInclude) {
  expect_invalid(R"({"op":"query","collection":"x","query_embeddings":[[1]],"n_results":0})",
                 R"(query: "n_results" must be an integer of at least 1, got 0)");
  expect_invalid(R"({"op":"query","collection":"x","query_embeddings":[]})",
                 R"(query: "query_embeddings" must hold at least one embedding)");
  expect_invalid(R"({"op":"get","collection":"x","include":["distances"]})",
                 R"(get: "include[0]" must be one of documents, metadatas, embeddings, uris)");
}

TEST_F(ValidationTest, MisspeltFieldIsRefusedNotIgnored) {
  expect_invalid(
      R"({"op":"delete","collection":"x","wher":{"kind":"fruit"}})",
      R"(delete: "wher" is not a field of this operation (fields: collection, ids, where, where_document))");
  expect_invalid(R"({"op":"count"})", R"(count: "collection" is required (a non-empty string))");
}

TEST_F(ValidationTest, ReadOnlyRequestsMayNotWrite) {
  sdk::ExecOptions read_only;
  read_only.read_only = true;
  const auto e = failure(connection(), R"({"op":"delete_collection","name":"x"})", read_only);
  EXPECT_EQ(e.status(), WEIR_E_PERMISSION);
  EXPECT_EQ(e.message(), "delete_collection writes, but the request was declared read-only");
  EXPECT_EQ(run(connection(), R"({"op":"count_collections"})", read_only).at("count").is_int64(),
            true);
}

}  // namespace
}  // namespace weir::chroma::test
