// Record operations round-trip, and read results are exactly what the server
// answers to the same request sent directly.
#include "chroma_test_fixture.hpp"

namespace weir::chroma::test {
namespace {

using RecordsTest = ChromaTest;

std::string id_of(sdk::Connection& c, const std::string& name) {
  return std::string(
      run(c, R"({"op":"get_collection","name":")" + name + "\"}").at("id").as_string());
}

TEST_F(RecordsTest, GetAgreesWithTheServer) {
  const auto name = make_collection_abc();
  const std::string body =
      R"({"ids":["c","a","zz"],"include":["documents","metadatas","embeddings"]})";
  const auto through_weir =
      run(connection(), R"({"op":"get","collection":")" + name + R"(",)" + body.substr(1));
  const auto direct_answer = direct().post(records_path(id_of(connection(), name)) + "/get", body);
  EXPECT_EQ(through_weir, boost::json::parse(direct_answer.body));
  EXPECT_EQ(through_weir.at("ids"),
            boost::json::parse(R"(["a","c"])"));  // storage order, missing ids absent
  EXPECT_EQ(through_weir.at("documents"), boost::json::parse(R"(["apple pie","cherry tart"])"));
}

TEST_F(RecordsTest, QueryAgreesWithTheServer) {
  const auto name = make_collection_abc();
  const std::string body =
      R"({"query_embeddings":[[1,0,0.1],[0,1,0.1]],"n_results":2,"include":["distances","documents","metadatas"]})";
  const auto through_weir =
      run(connection(), R"({"op":"query","collection":")" + name + R"(",)" + body.substr(1));
  const auto direct_answer =
      direct().post(records_path(id_of(connection(), name)) + "/query", body);
  EXPECT_EQ(through_weir, boost::json::parse(direct_answer.body));
  EXPECT_EQ(through_weir.at("ids"), boost::json::parse(R"([["a","c"],["b","c"]])"));
  EXPECT_NEAR(through_weir.at("distances").at(1).at(0).to_number<double>(), 0.01,
              1e-6);  // squared l2
}

TEST_F(RecordsTest, QueryFiltersByWhereAndWhereDocument) {
  const auto name = make_collection_abc();
  const auto fruit =
      run(connection(),
          R"({"op":"query","collection":")" + name +
              R"(","query_embeddings":[[0,0,1]],"n_results":5,"where":{"kind":"fruit"}})");
  // a and b are equally far from the query, so their order is the server's choice.
  const auto& hits = fruit.at("ids").at(0).as_array();
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_TRUE((hits[0] == "a" && hits[1] == "b") || (hits[0] == "b" && hits[1] == "a")) << hits;
  const auto tart = run(
      connection(), R"({"op":"query","collection":")" + name +
                        R"(","query_embeddings":[[1,0,0]],"where_document":{"$contains":"tart"}})");
  EXPECT_EQ(tart.at("ids"), boost::json::parse(R"([["c"]])"));
}

TEST_F(RecordsTest, GetFiltersAndPages) {
  const auto name = make_collection_abc();
  auto& c = connection();
  const auto big = run(
      c, R"({"op":"get","collection":")" + name + R"(","where":{"n":{"$gte":2}},"include":[]})");
  EXPECT_EQ(big.at("ids"), boost::json::parse(R"(["b","c"])"));
  const auto page = run(c, R"({"op":"get","collection":")" + name +
                               R"(","limit":1,"offset":1,"include":["documents"]})");
  EXPECT_EQ(page.at("ids"), boost::json::parse(R"(["b"])"));
  EXPECT_EQ(page.at("documents"), boost::json::parse(R"(["banana split"])"));
  const auto regex =
      run(c, R"({"op":"get","collection":")" + name + R"(","where_document":{"$regex":"^c.*t$"}})");
  EXPECT_EQ(regex.at("ids"), boost::json::parse(R"(["c"])"));
}

TEST_F(RecordsTest, AddReportsRecordsAndBatchesAndCountMatches) {
  auto& c = connection();
  run(c, R"({"op":"create_collection","name":"counted"})");
  const auto added =
      run(c, R"({"op":"add","collection":"counted","ids":["1","2"],"embeddings":[[1],[2]]})");
  EXPECT_EQ(added, boost::json::parse(R"({"records":2,"batches":1})"));
  EXPECT_EQ(run(c, R"({"op":"count","collection":"counted"})"),
            boost::json::parse(R"({"count":2})"));
}

TEST_F(RecordsTest, UpsertInsertsNewIdsAndMergesMetadata) {
  const auto name = make_collection_abc();
  auto& c = connection();
  run(c, R"({"op":"upsert","collection":")" + name +
             R"(","ids":["a","d"],"embeddings":[[1,1,0],[0,1,1]],
        "metadatas":[{"kind":"fruit2"},{"kind":"new"}]})");
  const auto got =
      run(c, R"({"op":"get","collection":")" + name +
                 R"(","ids":["a","d"],"include":["metadatas","embeddings","documents"]})");
  EXPECT_EQ(got.at("ids"), boost::json::parse(R"(["a","d"])"));
  EXPECT_EQ(got.at("metadatas").at(0), boost::json::parse(R"({"kind":"fruit2","n":1})"));
  EXPECT_EQ(got.at("embeddings").at(0), boost::json::parse("[1.0,1.0,0.0]"));
  EXPECT_EQ(got.at("documents").at(0), "apple pie");  // kept: upsert gave no document
  EXPECT_EQ(run(c, R"({"op":"count","collection":")" + name + "\"}").at("count"), 4);
}

TEST_F(RecordsTest, UpdateMergesMetadataAndNullRemovesAKey) {
  const auto name = make_collection_abc();
  auto& c = connection();
  const auto updated = run(
      c, R"({"op":"update","collection":")" + name +
             R"(","ids":["b"],"metadatas":[{"n":null,"extra":"x"}],"documents":["banana bread"]})");
  EXPECT_EQ(updated, boost::json::parse(R"({"records":1,"batches":1})"));
  const auto got = run(c, R"({"op":"get","collection":")" + name + R"(","ids":["b"]})");
  EXPECT_EQ(got.at("metadatas").at(0), boost::json::parse(R"({"kind":"fruit","extra":"x"})"));
  EXPECT_EQ(got.at("documents").at(0), "banana bread");
}

TEST_F(RecordsTest, DeleteByIdsAndByWhere) {
  const auto name = make_collection_abc();
  auto& c = connection();
  EXPECT_EQ(run(c, R"({"op":"delete","collection":")" + name + R"(","ids":["a"]})"),
            boost::json::object{});
  run(c, R"({"op":"delete","collection":")" + name + R"(","where":{"kind":"berry"}})");
  EXPECT_EQ(run(c, R"({"op":"get","collection":")" + name + R"("})").at("ids"),
            boost::json::parse(R"(["b"])"));
}

TEST_F(RecordsTest, LargeAddIsSplitAtTheServersMaxBatchSize) {
  auto& c = connection();
  run(c, R"({"op":"create_collection","name":"large"})");
  constexpr int kRecords = 6000;  // the server's max_batch_size is 5461
  boost::json::object request{{"op", "add"}, {"collection", "large"}};
  boost::json::array ids, embeddings;
  for (int i = 0; i < kRecords; ++i) {
    ids.emplace_back("r" + std::to_string(i));
    embeddings.emplace_back(boost::json::array{i, -i});
  }
  request["ids"] = std::move(ids);
  request["embeddings"] = std::move(embeddings);
  EXPECT_EQ(run(c, boost::json::serialize(request)),
            boost::json::parse(R"({"records":6000,"batches":2})"));
  EXPECT_EQ(run(c, R"({"op":"count","collection":"large"})").at("count"), kRecords);
  const auto last =
      run(c, R"({"op":"get","collection":"large","ids":["r5999"],"include":["embeddings"]})");
  EXPECT_EQ(last.at("embeddings"), boost::json::parse("[[5999.0,-5999.0]]"));
}

TEST_F(RecordsTest, ConfiguredBatchSizeCapsEachRequest) {
  auto capped = factory({{"max_batch_size", 2}})->connect({});
  run(*capped, R"({"op":"create_collection","name":"capped"})");
  const auto added = run(*capped, R"({"op":"add","collection":"capped","ids":["1","2","3","4","5"],
      "embeddings":[[1],[2],[3],[4],[5]],"documents":["a","b","c","d","e"]})");
  EXPECT_EQ(added, boost::json::parse(R"({"records":5,"batches":3})"));
  const auto got = run(*capped, R"({"op":"get","collection":"capped","include":["documents"]})");
  EXPECT_EQ(got.at("documents"), boost::json::parse(R"(["a","b","c","d","e"])"));
}

TEST_F(RecordsTest, Utf8RoundTrips) {
  auto& c = connection();
  run(c, R"({"op":"create_collection","name":"utf8"})");
  run(c,
      R"({"op":"add","collection":"utf8","ids":["uni-é"],"embeddings":[[1]],"documents":["héllo 世界"]})");
  const auto got = run(c, R"({"op":"get","collection":"utf8","ids":["uni-é"]})");
  EXPECT_EQ(got.at("documents").at(0), "héllo 世界");
}

}  // namespace
}  // namespace weir::chroma::test
