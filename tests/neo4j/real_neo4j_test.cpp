// Against a real Neo4j, when one is named: NEO4J_URL (any scheme the plugin
// takes, TLS ones too), NEO4J_USER, NEO4J_PASSWORD and, for a +s url whose
// CA is not in the system store, NEO4J_TRUSTED_CERTIFICATES (a PEM file).
// Without NEO4J_URL every test skips and says what to set. Nothing is left
// behind: writes happen in rolled-back transactions or are deleted again.
#include "routed_connection.hpp"

#include <weir/sdk/config_reader.hpp>
#include <weir/testing/value_builder.hpp>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <cstdlib>

namespace weir::neo4j {
namespace {

class RealNeo4j : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("NEO4J_URL");
    if (url == nullptr || *url == '\0') {
      GTEST_SKIP() << "no real Neo4j: set NEO4J_URL (e.g. bolt://localhost:7687), NEO4J_USER and "
                      "NEO4J_PASSWORD to run this test";
    }
    boost::json::object o{{"url", url}, {"connect_timeout_ms", 10000}};
    if (const char* user = std::getenv("NEO4J_USER")) o["user"] = user;
    if (const char* password = std::getenv("NEO4J_PASSWORD")) o["password"] = password;
    if (const char* ca = std::getenv("NEO4J_TRUSTED_CERTIFICATES")) o["trusted_certificates"] = ca;
    settings_ = std::make_shared<const ConnectionSettings>(
        ConnectionSettings::from(sdk::ConfigReader(o, "NEO4J_URL"), "."));
    auto bookmarks = std::make_shared<BookmarkStore>();
    if (settings_->routing) {
      factory_ = std::make_unique<RoutingConnectionFactory>(
          std::make_shared<Cluster>(settings_, bookmarks, sdk::PoolConfig{}));
    } else {
      factory_ = std::make_unique<DirectConnectionFactory>(settings_, settings_->host,
                                                           settings_->port, bookmarks);
    }
    connection_ = factory_->connect({});
  }

  boost::json::value run(const boost::json::object& request, bool read_only = false) {
    weir::testing::ValueBuilder builder;
    sdk::ValueWriter writer(builder.writer());
    connection_->execute(request, {std::chrono::milliseconds(10000), read_only}, writer);
    return builder.value();
  }
  boost::json::value first_row(const char* query, boost::json::object params = {}) {
    return run({{"query", query}, {"params", std::move(params)}}).at("rows").at(0);
  }

  std::shared_ptr<const ConnectionSettings> settings_;
  std::unique_ptr<sdk::ConnectionFactory> factory_;
  std::unique_ptr<sdk::Connection> connection_;
};

TEST_F(RealNeo4j, ReturnsEveryValueType) {
  const auto row = first_row(
      "RETURN null, true, -16, 9007199254740993, 1.5, 'grüße', $bytes, [1, 'two', [3.0]], "
      "{k: 'v'}, date('2024-01-31'), time('10:15:30.000000001+01:00'), localtime('23:59:59'), "
      "datetime('2024-01-31T10:15:30+01:00'), localdatetime('1969-12-31T23:59:59.5'), "
      "duration('P1M2DT3.000000004S'), point({srid: 4326, x: 1.5, y: -2.25}), "
      "point({srid: 9157, x: 1.0, y: 2.0, z: 3.0}), $day",
      {{"bytes", {{"$base64", "AAEC/w=="}}}, {"day", {{"$date", "2024-02-29"}}}});
  EXPECT_EQ(row, boost::json::parse(R"([null, true, -16, 9007199254740993, 1.5, "grüße",
    {"$base64": "AAEC/w=="}, [1, "two", [3.0]], {"k": "v"}, {"$date": "2024-01-31"},
    {"$time": "10:15:30.000000001+01:00"}, {"$localtime": "23:59:59"},
    {"$datetime": "2024-01-31T10:15:30+01:00"}, {"$localdatetime": "1969-12-31T23:59:59.5"},
    {"$duration": "P1M2DT3.000000004S"}, {"$point": {"srid": 4326, "x": 1.5, "y": -2.25}},
    {"$point": {"srid": 9157, "x": 1.0, "y": 2.0, "z": 3.0}}, {"$date": "2024-02-29"}])"));

  // One reading whatever the Bolt version, and the same text back as a parameter.
  const auto zoned = first_row(
      "RETURN datetime('2024-07-01T10:00:00[Europe/Paris]'), $t, "
      "$t = datetime('2024-07-01T10:00:00[Europe/Paris]')",
      {{"t", {{"$datetime", "2024-07-01T10:00:00+02:00[Europe/Paris]"}}}});
  EXPECT_EQ(zoned, boost::json::parse(R"([{"$datetime": "2024-07-01T10:00:00+02:00[Europe/Paris]"},
    {"$datetime": "2024-07-01T10:00:00+02:00[Europe/Paris]"}, true])"));

  // Graph values, in a transaction that is rolled back.
  connection_->begin({}, {});
  const auto graph = run({{"query",
                           "CREATE p = (a:WeirTest {name: 'Ada'})-[r:KNOWS {since: 1833}]->"
                           "(b:WeirTest {name: 'Charles'}) RETURN a, r, p"}})
                         .at("rows")
                         .at(0);
  connection_->rollback({});
  EXPECT_EQ(graph.at(0).at("$node").at("labels"), boost::json::parse(R"(["WeirTest"])"));
  EXPECT_EQ(graph.at(0).at("$node").at("properties"), boost::json::parse(R"({"name": "Ada"})"));
  EXPECT_EQ(graph.at(1).at("$relationship").at("type"), "KNOWS");
  EXPECT_EQ(graph.at(1).at("$relationship").at("start"), graph.at(0).at("$node").at("id"));
  EXPECT_EQ(graph.at(2).at("$path").at("nodes").as_array().size(), 2u);
  EXPECT_EQ(graph.at(2).at("$path").at("relationships").at(0), graph.at(1));
}

TEST_F(RealNeo4j, TransactionsRollBackAndCommit) {
  const boost::json::object count{{"query", "MATCH (n:WeirTxTest) RETURN count(n) AS n"}};
  const boost::json::object create{{"query", "CREATE (:WeirTxTest)"}};
  run({{"query", "MATCH (n:WeirTxTest) DELETE n"}});
  connection_->begin({}, {});
  run(create);
  EXPECT_EQ(run(count).at("rows"), boost::json::parse("[[1]]"));  // seen inside
  connection_->rollback({});
  EXPECT_EQ(run(count, true).at("rows"), boost::json::parse("[[0]]"));

  connection_->begin({{"metadata", {{"app", "weir-test"}}}}, {});
  run(create);
  connection_->commit({});
  // The commit's bookmark goes with the read, so even a lagging reader sees it.
  EXPECT_EQ(run(count, true).at("rows"), boost::json::parse("[[1]]"));
  run({{"query", "MATCH (n:WeirTxTest) DELETE n"}});
}

TEST_F(RealNeo4j, AFailureReachesTheCallerAndTheConnectionIsReused) {
  try {
    run({{"query", "RETRUN 1"}});
    FAIL() << "the syntax error was not reported";
  } catch (const sdk::Error& e) {
    EXPECT_EQ(e.status(), WEIR_E_QUERY);
    EXPECT_EQ(e.code(), "Neo.ClientError.Statement.SyntaxError");
    EXPECT_NE(e.message().find("RETRUN"), std::string::npos) << e.message();
  }
  try {
    connection_->begin({}, {});
    run({{"query", "RETURN 1 / 0"}});
    FAIL() << "the arithmetic error was not reported";
  } catch (const sdk::Error& e) {
    EXPECT_EQ(e.status(), WEIR_E_QUERY);
    EXPECT_EQ(e.code(), "Neo.ClientError.Statement.ArithmeticError");
  }
  EXPECT_FALSE(connection_->in_transaction());  // the failure ended it
  EXPECT_EQ(first_row("RETURN 1 AS one"), boost::json::parse("[1]"));
}

}  // namespace
}  // namespace weir::neo4j
