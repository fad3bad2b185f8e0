// The path matcher behind the endpoint table: decoding and pattern matching.
#include "route.hpp"

#include <gtest/gtest.h>

namespace weir {
namespace {

using Segments = PathSegments;

TEST(Route, SplitsDecodesAndIgnoresTheQueryAndEmptySegments) {
  EXPECT_EQ(split_path("/v1//databases/a%2Fb/query?x=%ZZ"),
            (Segments{"v1", "databases", "a/b", "query"}));
  EXPECT_EQ(split_path("/"), Segments{});
  EXPECT_EQ(split_path("/a%41%42c/%2f%2F/d"), (Segments{"aABc", "//", "d"}));
}

TEST(Route, RefusesARelativeTargetAndMalformedEscapes) {
  EXPECT_EQ(split_path("v1/databases"), std::nullopt);
  EXPECT_EQ(split_path(""), std::nullopt);
  EXPECT_EQ(split_path("/v1/%4"), std::nullopt);
  EXPECT_EQ(split_path("/v1/%G1"), std::nullopt);
  EXPECT_EQ(split_path("/v1/%4/x"), std::nullopt);
  EXPECT_EQ(split_path("/v1/a%"), std::nullopt);
}

TEST(Route, APatternMatchesExactlyItsSegmentsAndCapturesTheDatabase) {
  std::string database = "stale";
  EXPECT_TRUE(path_matches("/v1/databases/{database}/query",
                           Segments{"v1", "databases", "main", "query"}, database));
  EXPECT_EQ(database, "main");
  EXPECT_FALSE(path_matches("/v1/databases/{database}",
                            Segments{"v1", "databases", "main", "query"}, database));
  EXPECT_FALSE(path_matches("/v1/databases/{database}/query", Segments{"v1", "databases", "main"},
                            database));
  EXPECT_FALSE(path_matches("/v1/databases/{database}/batch",
                            Segments{"v1", "databases", "main", "query"}, database));
  EXPECT_FALSE(path_matches("/health", Segments{"health", "live"}, database));
  EXPECT_TRUE(path_matches("/health/live", Segments{"health", "live"}, database));
  EXPECT_EQ(database, "") << "a pattern without {database} leaves none behind";
}

TEST(Route, AnotherParameterMatchesAnySegmentButNotAMissingOne) {
  std::string database;
  EXPECT_TRUE(path_matches("/v1/databases/{database}/transactions/{transaction}/query",
                           Segments{"v1", "databases", "main", "transactions", "ab12", "query"},
                           database));
  EXPECT_EQ(database, "main");
  EXPECT_FALSE(path_matches("/v1/databases/{database}/transactions/{transaction}/query",
                            Segments{"v1", "databases", "main", "transactions", "query"},
                            database));
}

}  // namespace
}  // namespace weir
