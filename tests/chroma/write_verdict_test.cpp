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
using ::testing::HasSubstr;
using weir::testing::Fault;

class ChromaWriteVerdict : public ChromaTest {
 protected:
  // A new connection through the proxy to the test's collection, whose id it
  // already knows: the request under test is the only one it sends.
  sdk::Connection& through_proxy() {
    if (name_.empty()) name_ = make_collection_abc();
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

// libcurl sends a request again by itself, on a fresh connection, when the
// reused one it went out on closed with no byte of the answer back: it takes
// that for a server that closed the connection while idle. Chroma applied the
// write and answered; only the proxy's reset stopped the answer. A new
// connection over which anything was sent is a resend reaching Chroma.
TEST_F(ChromaWriteVerdict, AWriteIsNeverSentAgainOnAFreshConnection) {
  for (const std::string write :
       {R"("op":"add","ids":["d"],"embeddings":[[1,1,0]])",
        R"("op":"upsert","ids":["a"],"embeddings":[[1,1,1]])", R"("op":"delete","ids":["b"])"}) {
    auto& c = through_proxy();
    const int connections = proxy_.sending();
    proxy_.set(Fault::reset_mid_response(0));
    const auto e = failure(c, R"({"collection":")" + name_ + R"(",)" + write + "}");
    proxy_.clear();
    EXPECT_EQ(proxy_.sending(), connections) << write << " was sent again";
    EXPECT_EQ(e.status(), WEIR_E_BROKEN) << e.message();
    EXPECT_FALSE(e.retryable()) << write;
    EXPECT_THAT(e.message(), HasSubstr(" with no answer; it was not sent again (it may have been "
                                       "applied before the connection broke)"));
  }
}

// A connection the server closed while idle is found closed before the
// write goes out: libcurl opens a new one and the write is sent once, as usual.
TEST_F(ChromaWriteVerdict, AWriteOnAConnectionClosedWhileIdleIsSentOnceOnANewOne) {
  auto& c = through_proxy();
  const int connections = proxy_.sending();
  proxy_.close_open_connections();
  run(c, R"({"op":"add","collection":")" + name_ + R"(","ids":["d"],"embeddings":[[1,1,0]]})");
  EXPECT_EQ(proxy_.sending(), connections + 1);
  EXPECT_EQ(run(connection(), count_request()).at("count"), 4);
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
