// The start banner's "try:" line: a first request that fits the backend of
// the first database that can serve, with the token header when tokens guard
// the API.
#include "http_client.hpp"
#include "temp_dir.hpp"
#include "weir_process.hpp"

#include <gtest/gtest.h>

namespace weir {
namespace {

using testing::WeirProcess;

// The banner is printed once the listener is up: wait for it in the log.
std::string banner_of(const std::string& databases, const std::string& extra = "") {
  testing::TempDir dir;
  const auto port = testing::free_local_port();
  WeirProcess weir(dir.path(), R"({"listen": "127.0.0.1:)" + std::to_string(port) + R"(", )" +
                                   extra + R"("plugin_dirs": [")" WEIR_TEST_PLUGIN_DIR R"("],
                                   "databases": )" +
                                   databases + "}");
  EXPECT_TRUE(WeirProcess::eventually([&] {
    return weir.stderr_text().find("try:") != std::string::npos;
  })) << weir.stderr_text();
  const auto log = weir.stderr_text();
  const auto start = log.find("try:");
  return start == std::string::npos ? log : log.substr(start, log.find('\n', start) - start);
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(StartBanner, SuggestsSqlForASqlDatabase) {
  const auto line = banner_of(R"({"main": {"backend": "sqlite"}})");
  EXPECT_TRUE(mentions(line, "/v1/databases/main/query")) << line;
  EXPECT_TRUE(mentions(line, R"(-d '{"query":"select 1 as x"}')")) << line;
  EXPECT_FALSE(mentions(line, "authorization")) << line;
}

TEST(StartBanner, SuggestsCypherForAGraphDatabaseAndNamesTheTokenHeader) {
#ifndef WEIR_TEST_HAVE_NEO4J
  GTEST_SKIP() << "the neo4j plugin is not built (WEIR_WITH_GRAPH=OFF)";
#endif
  // Nothing listens on port 1: the pool opens anyway and the banner needs no server.
  const auto line =
      banner_of(R"({"graph": {"backend": "neo4j", "optional": true,
                                  "connection": {"url": "bolt://127.0.0.1:1"}}})",
                R"("auth": {"tokens": [{"name": "app", "token": "0123456789abcdef0123",
                                  "databases": ["*"]}]}, )");
  EXPECT_TRUE(mentions(line, "/v1/databases/graph/query")) << line;
  EXPECT_TRUE(mentions(line, R"(-d '{"query":"RETURN 1 AS x"}')")) << line;
  EXPECT_TRUE(mentions(line, "-H 'authorization: Bearer <token>'")) << line;
}

}  // namespace
}  // namespace weir
