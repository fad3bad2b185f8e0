// A request whose connection breaks after it was sent, through a proxy that
// resets the connection as Chroma's answer comes back: Chroma applied it. A
// write is then not retryable (the plugin's verdict, which the host keeps: it
// does not run it again) and the client is told why; a read stays retryable.
// The same holds for a write whose deadline passed after it was sent.
#include "chroma_test_fixture.hpp"

#include <fault_proxy.hpp>

#include <gmock/gmock.h>

#include <chrono>

namespace weir::chroma::test {
namespace {

using ::testing::EndsWith;
using weir::testing::Fault;

class ChromaWriteVerdict : public ChromaTest {
 protected:
  // A connection through the proxy to the test's collection, whose id it
  // already knows: the request under test is the only one it sends.
  sdk::Connection& through_proxy() {
    name_ = make_collection_abc();
    factory_ = std::make_unique<ChromaFactory>(settings_for("http://" + proxy_.address()));
    connection_ = factory_->connect({});
    run(*connection_, count_request());
    return *connection_;
  }
  std::string count_request() const { return R"({"op":"count","collection":")" + name_ + "\"}"; }

  weir::testing::FaultProxy proxy_{server().port()};
  std::string name_;
  std::unique_ptr<ChromaFactory> factory_;
  std::unique_ptr<sdk::Connection> connection_;
};

TEST_F(ChromaWriteVerdict, AWriteCutAfterItWasSentIsNotRetryable) {
  auto& c = through_proxy();
  proxy_.set(Fault::reset_mid_response(0));
  const auto e = failure(
      c, R"({"op":"add","collection":")" + name_ + R"(","ids":["d"],"embeddings":[[1,1,0]]})");
  EXPECT_EQ(e.status(), WEIR_E_BROKEN) << e.message();
  EXPECT_FALSE(e.retryable());
  EXPECT_TRUE(e.retryable_decided());
  EXPECT_THAT(e.message(), EndsWith(" (it may have been applied before the connection broke)"));
  EXPECT_EQ(run(connection(), count_request()).at("count"), 4) << "Chroma applied the write";
}

TEST_F(ChromaWriteVerdict, AReadCutAfterItWasSentStaysRetryable) {
  auto& c = through_proxy();
  proxy_.set(Fault::reset_mid_response(0));
  const auto e = failure(c, R"({"op":"get","collection":")" + name_ + R"(","ids":["a"]})");
  EXPECT_EQ(e.status(), WEIR_E_BROKEN) << e.message();
  EXPECT_TRUE(e.retryable());
  EXPECT_FALSE(e.retryable_decided());
}

// Chroma paused with the write in its socket: past the deadline the plugin
// stops waiting, not knowing whether the server applies the write once it
// runs again.
TEST_F(ChromaWriteVerdict, AWriteThatTimedOutAfterItWasSentIsNotRetryable) {
  name_ = make_collection_abc();
  auto& c = connection();
  run(c, count_request());  // the collection's id is known: the add is the only request sent
  sdk::ExecOptions options;
  options.timeout = std::chrono::milliseconds(300);
  server().pause();
  const auto e = failure(
      c, R"({"op":"add","collection":")" + name_ + R"(","ids":["d"],"embeddings":[[1,1,0]]})",
      options);
  server().resume();
  EXPECT_EQ(e.status(), WEIR_E_TIMEOUT) << e.message();
  EXPECT_FALSE(e.retryable());
  EXPECT_TRUE(e.retryable_decided());
  EXPECT_THAT(e.message(), EndsWith(" (it may have been applied before the deadline passed)"));
}

// A read that timed out wrote nothing: retryable, the status's default.
TEST_F(ChromaWriteVerdict, AReadThatTimedOutStaysRetryable) {
  name_ = make_collection_abc();
  auto& c = connection();
  sdk::ExecOptions options;
  options.timeout = std::chrono::milliseconds(300);
  server().pause();
  const auto e = failure(c, R"({"op":"get","collection":")" + name_ + R"(","ids":["a"]})", options);
  server().resume();
  EXPECT_EQ(e.status(), WEIR_E_TIMEOUT) << e.message();
  EXPECT_TRUE(e.retryable());
  EXPECT_FALSE(e.retryable_decided());
}

}  // namespace
}  // namespace weir::chroma::test
