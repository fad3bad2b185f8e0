// The built weir_chroma.so on an event loop (execute_async, ABI v2), as the
// gateway's I/O threads drive it, against a real Chroma server: reads run on
// the loop and answer as execute does, writes are handed back before anything
// is sent, and deadlines, cancels and an absent server end a request there.
#include "chroma_test_fixture.hpp"

#include <gmock/gmock.h>
#include <fault_proxy.hpp>
#include <weir/testing/async_rules.hpp>
#include <weir/testing/plugin_library.hpp>

#include <chrono>
#include <thread>
#include <vector>

namespace weir::chroma::test {
namespace {

using namespace std::chrono_literals;
using weir::testing::expect_ran_on_the_loop;
using weir::testing::LeaseHandle;
using weir::testing::PluginLibrary;
using weir::testing::PoolHandle;
using weir::testing::TestLoop;

class LoopTest : public ChromaTest {
 protected:
  static void SetUpTestSuite() {
    ChromaTest::SetUpTestSuite();
    library_ = std::make_unique<PluginLibrary>(WEIR_CHROMA_PLUGIN);
  }
  static void TearDownTestSuite() {
    library_.reset();
    ChromaTest::TearDownTestSuite();
  }
  void TearDown() override {
    lease_.release();
    pool_.close();
  }

  // A pool on `url` (the server unless a proxy is given) and a lease from it.
  LeaseHandle& lease(const std::string& url = server().url(), boost::json::object connection = {}) {
    connection["url"] = url;
    const boost::json::object config{{"backend", "chroma"},
                                     {"connection", connection},
                                     {"pool", {{"min_size", 0}, {"max_size", 2}}}};
    const auto opened = library_->open_pool("vec", config, "/tmp", pool_);
    EXPECT_TRUE(opened.ok()) << opened.message();
    const auto acquired = pool_.acquire(lease_, 5000);
    EXPECT_TRUE(acquired.ok()) << acquired.message();
    return lease_;
  }

  // Runs `request` on the loop and through execute; both must answer alike. A request
  // refused for its shape is refused before it starts (complete never comes).
  void expect_same_answer(LeaseHandle& lease, const std::string& request, bool starts = true) {
    const auto on_loop = lease.execute_async(loop_, request);
    if (starts) {
      expect_ran_on_the_loop(on_loop);
    } else {
      EXPECT_FALSE(on_loop.started);
      EXPECT_EQ(on_loop.completions, 0);
    }
    const auto on_worker = lease.execute(request);
    EXPECT_EQ(on_loop.status, on_worker.status) << request << ": " << on_loop.message();
    EXPECT_EQ(on_loop.message(), on_worker.message());
    EXPECT_EQ(on_loop.code(), on_worker.code());
    EXPECT_EQ(on_loop.error.retryable, on_worker.error.retryable);
    EXPECT_EQ(on_loop.value, on_worker.value) << request;
  }

  // {"op": op, "collection": collection, ...rest}
  static std::string on(const std::string& op, const std::string& collection,
                        const std::string& rest = "") {
    return R"({"op":")" + op + R"(","collection":")" + collection + "\"" + rest + "}";
  }

  inline static std::unique_ptr<PluginLibrary> library_;
  // Static: they outlive every pool, whose connections stop watching them when closed.
  inline static TestLoop loop_;
  inline static TestLoop other_loop_;
  PoolHandle pool_;
  LeaseHandle lease_;
};

TEST_F(LoopTest, TheLibraryOffersReadsOnTheLoop) {
  EXPECT_NE(library_->table().capabilities & WEIR_CAP_EXECUTE_ASYNC, 0u);
  EXPECT_NE(library_->table().execute_async, nullptr);
}

TEST_F(LoopTest, EveryReadAnswersOnTheLoopAsExecuteDoes) {
  const std::string name = make_collection_abc();
  auto& l = lease();
  for (const std::string& request : std::vector<std::string>{
           R"({"op":"count_collections"})",
           R"({"op":"list_collections","limit":1000})",
           R"({"op":"get_collection","name":")" + name + "\"}",
           on("count", name),
           on("get", name, R"(,"ids":["a","c"],"include":["documents"])"),
           on("query", name, R"(,"query_embeddings":[[1,0,0]],"n_results":2)"),
       }) {
    expect_same_answer(l, request);
  }
  const auto count = l.execute_async(loop_, on("count", name));
  EXPECT_EQ(count.value, boost::json::parse(R"({"count":3})"));
}

TEST_F(LoopTest, FailuresOnTheLoopAreExecutesFailures) {
  const std::string name = make_collection_abc();
  auto& l = lease();
  // The server's own refusal, a refusal of the request's shape, an unknown collection.
  expect_same_answer(l, on("query", name, R"(,"query_embeddings":[[1,0]],"n_results":1)"));
  expect_same_answer(l, on("get", name, R"(,"include":["colour"])"), false);
  expect_same_answer(l, R"({"op":"count","collection":"NoSuchCollection"})");
  expect_same_answer(l, R"({"op":"get_collection","name":"NoSuchCollection"})");
  // The connection goes on serving.
  const auto count = l.execute_async(loop_, on("count", name));
  expect_ran_on_the_loop(count);
  EXPECT_EQ(count.value, boost::json::parse(R"({"count":3})"));
}

TEST_F(LoopTest, EveryWriteRunsOnTheLoop) {
  const std::string name = collection_name();
  auto& l = lease();
  const auto on_loop = [&](const std::string& request) {
    const auto o = l.execute_async(loop_, request);
    expect_ran_on_the_loop(o);
    EXPECT_TRUE(o.ok()) << request << ": " << o.message();
    return o.value;
  };
  const auto created = on_loop(R"({"op":"create_collection","name":")" + name + R"("})");
  EXPECT_EQ(created.at("name"), name.c_str());
  EXPECT_EQ(on_loop(on("add", name, R"(,"ids":["a","b"],"embeddings":[[1,0,0],[0,1,0]])")),
            boost::json::parse(R"({"records":2,"batches":1})"));
  on_loop(on("upsert", name, R"(,"ids":["c"],"embeddings":[[0,0,1]])"));
  on_loop(on("update", name, R"(,"ids":["a"],"documents":["apple"])"));
  EXPECT_EQ(on_loop(on("delete", name, R"(,"ids":["b"])")), boost::json::object{});
  const auto left = l.execute(on("get", name, R"(,"include":["documents"])"));
  EXPECT_EQ(left.value.at("ids"), boost::json::parse(R"(["a","c"])")) << left.value;
  EXPECT_EQ(left.value.at("documents"), boost::json::parse(R"(["apple",null])")) << left.value;
  EXPECT_EQ(on_loop(R"({"op":"delete_collection","name":")" + name + R"("})"),
            boost::json::parse(R"({"deleted":")" + name + R"("})"));
  EXPECT_EQ(l.execute(on("count", name)).status, WEIR_E_NOT_FOUND);
}

// The plugin holds an answer whole before it writes it, so it stops taking one past the
// cap: on the loop as on a worker, and the connection serves the next request.
TEST_F(LoopTest, AnAnswerPastMaxResponseBytesIsRefusedAsItArrives) {
  const std::string name = make_collection_abc();
  auto& l = lease(server().url(), {{"max_response_bytes", 1024}});
  boost::json::array ids, embeddings, documents;
  for (int i = 0; i < 20; ++i) {
    ids.emplace_back("long" + std::to_string(i));
    embeddings.push_back({i, 1, 0});
    documents.emplace_back(std::string(80, 'x'));
  }
  ASSERT_TRUE(l.execute(boost::json::value{{"op", "add"},
                                           {"collection", name},
                                           {"ids", ids},
                                           {"embeddings", embeddings},
                                           {"documents", documents}})
                  .ok());
  const auto all = on("get", name, R"(,"include":["documents"])");
  expect_same_answer(l, all);
  const auto refused = l.execute_async(loop_, all);
  EXPECT_EQ(refused.status, WEIR_E_INVALID_REQUEST);
  EXPECT_THAT(refused.message(),
              ::testing::MatchesRegex("Chroma's answer to POST /api/v2/.*/get is larger than "
                                      "max_response_bytes \\(1024 bytes\\): ask for fewer "
                                      "records \\(a limit, fewer n_results or include fields\\) "
                                      "or raise the setting"));
  const auto count = l.execute_async(loop_, on("count", name));
  expect_ran_on_the_loop(count);
  EXPECT_EQ(count.value, boost::json::parse(R"({"count":23})"));
}

// Its batches go one after another, each failure saying how far it got: on a worker.
TEST_F(LoopTest, AWriteOfSeveralBatchesIsHandedBackBeforeAnythingIsSent) {
  const std::string name = make_collection_abc();
  auto& l = lease(server().url(), {{"max_batch_size", 2}});
  const auto added = l.execute_async(
      loop_, on("add", name, R"(,"ids":["d","e","f"],"embeddings":[[1,1,0],[0,1,1],[1,0,1]])"));
  EXPECT_TRUE(added.handed_back);
  ASSERT_TRUE(added.ok()) << added.message();
  EXPECT_EQ(added.value, boost::json::parse(R"({"records":3,"batches":2})"));
  // Written once, by execute.
  EXPECT_EQ(l.execute(on("count", name)).value, boost::json::parse(R"({"count":6})"));
}

// Chroma applied the write; only the proxy's reset stopped the answer.
TEST_F(LoopTest, AWriteCutAfterItWasSentIsNotRetryableNorSentAgain) {
  const std::string name = make_collection_abc();
  weir::testing::FaultProxy proxy(server().port());
  auto& l = lease("http://" + proxy.address());
  ASSERT_TRUE(l.execute_async(loop_, on("count", name)).ok());  // the id is cached
  const int connections = proxy.sending();
  proxy.set(weir::testing::Fault::reset_mid_response(0));
  const auto cut =
      l.execute_async(loop_, on("add", name, R"(,"ids":["d"],"embeddings":[[1,1,0]])"));
  proxy.clear();
  expect_ran_on_the_loop(cut);
  EXPECT_EQ(cut.status, WEIR_E_BROKEN) << cut.message();
  EXPECT_EQ(cut.error.retryable, 0);
  EXPECT_THAT(cut.message(),
              ::testing::HasSubstr(" with no answer; it was not sent again (it may have been "
                                   "applied before the connection broke)"));
  EXPECT_EQ(proxy.sending(), connections) << "the write was sent again";
  EXPECT_EQ(run(connection(), on("count", name)).at("count"), 4) << "Chroma applied the write";
}

TEST_F(LoopTest, ACollectionRecreatedUnderTheCacheIsFoundAgain) {
  const std::string name = make_collection_abc();
  auto& l = lease();
  const std::string count = on("count", name);
  ASSERT_EQ(l.execute_async(loop_, count).value, boost::json::parse(R"({"count":3})"));
  // Dropped and made again behind the plugin's back: the cached id is stale.
  run(connection(), R"({"op":"delete_collection","name":")" + name + "\"}");
  run(connection(), R"({"op":"create_collection","name":")" + name + "\"}");
  const auto again = l.execute_async(loop_, count);
  expect_ran_on_the_loop(again);
  EXPECT_EQ(again.value, boost::json::parse(R"({"count":0})")) << again.message();
}

// One kept connection serves the loops of two threads and a worker in turn:
// nothing is connected again.
TEST_F(LoopTest, OneConnectionServesLoopsAndWorkersInTurn) {
  weir::testing::FaultProxy proxy(server().port());
  auto& l = lease("http://" + proxy.address());
  const std::string request = R"({"op":"count_collections"})";
  for (int round = 0; round < 3; ++round) {
    expect_ran_on_the_loop(l.execute_async(loop_, request));
    std::thread([&] { expect_ran_on_the_loop(l.execute_async(other_loop_, request)); }).join();
    EXPECT_TRUE(l.execute(request).ok());
  }
  EXPECT_EQ(proxy.accepted(), 1);
}

TEST_F(LoopTest, ASilentServerEndsTheRequestAtItsDeadline) {
  weir::testing::FaultProxy proxy(server().port());
  auto& l = lease("http://" + proxy.address());
  proxy.set(weir::testing::Fault::black_hole());
  const auto started = std::chrono::steady_clock::now();
  const auto silent = l.execute_async(loop_, R"({"op":"count_collections"})", 300);
  const auto took = std::chrono::steady_clock::now() - started;
  expect_ran_on_the_loop(silent);
  EXPECT_EQ(silent.status, WEIR_E_TIMEOUT) << silent.message();
  EXPECT_EQ(silent.error.retryable, 1);
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 2s);
}

TEST_F(LoopTest, ACancelFromAnotherThreadEndsTheRequestOnTheLoop) {
  weir::testing::FaultProxy proxy(server().port());
  auto& l = lease("http://" + proxy.address());
  proxy.set(weir::testing::Fault::black_hole());
  std::thread canceller([&] {
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(l.cancel(), WEIR_OK);
  });
  const auto started = std::chrono::steady_clock::now();
  const auto cancelled = l.execute_async(loop_, R"({"op":"count_collections"})", 20000);
  const auto took = std::chrono::steady_clock::now() - started;
  canceller.join();
  expect_ran_on_the_loop(cancelled);
  EXPECT_EQ(cancelled.status, WEIR_E_CANCELLED) << cancelled.message();
  EXPECT_LT(took, 2s);
  // The cancel was used up: the connection serves the next request.
  proxy.clear();
  const auto next = l.execute_async(loop_, R"({"op":"count_collections"})", 5000);
  expect_ran_on_the_loop(next);
  EXPECT_TRUE(next.ok()) << next.message();
}

TEST_F(LoopTest, AServerGoneGivesTheConnectionUpForAFreshLease) {
  auto& l = lease();
  ASSERT_TRUE(l.execute_async(loop_, R"({"op":"count_collections"})").ok());
  server().stop();
  const auto gone = l.execute_async(loop_, R"({"op":"count_collections"})", 5000);
  server().start();
  expect_ran_on_the_loop(gone);
  // Nothing was sent: the host runs it again on a fresh lease, and the pool backs off.
  EXPECT_EQ(gone.status, WEIR_E_BROKEN) << gone.message();
  EXPECT_EQ(gone.error.retryable, 1);
  EXPECT_THAT(gone.message(), ::testing::HasSubstr("cannot reach Chroma at"));
}

}  // namespace
}  // namespace weir::chroma::test
