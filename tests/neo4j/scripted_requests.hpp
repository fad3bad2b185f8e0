// The shared scripts' requests and what they must yield (values.json,
// transaction.json), so the plugin's client is held to the same bytes over
// every transport: TCP, WebSocket, and both inside TLS.
#pragma once

#include <weir/sdk/connection.hpp>
#include <weir/testing/value_builder.hpp>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <chrono>

namespace weir::neo4j::testing {

inline boost::json::value run(sdk::Connection& c, const boost::json::object& request,
                              bool read_only = false) {
  weir::testing::ValueBuilder builder;
  sdk::ValueWriter writer(builder.writer());
  c.execute(request, {std::chrono::milliseconds(0), read_only}, writer);
  return builder.value();
}

// values.json: every Bolt value type in one row.
inline constexpr const char* kValuesRow =
    R"([null, true, -16, 9007199254740993, 1.5, "grüße", {"$base64": "AAEC/w=="},
  [1, "two", [3.0]], {"k": "v", "nested": {"n": 1}},
  {"$node": {"id": 1, "element_id": "4:db:1", "labels": ["Person"], "properties": {"name": "Ada", "born": 1815}}},
  {"$relationship": {"id": 9, "element_id": "5:db:9", "type": "KNOWS", "start": 1, "start_element_id": "4:db:1",
                     "end": 2, "end_element_id": "4:db:2", "properties": {"since": 1833}}},
  {"$path": {"nodes": [
      {"$node": {"id": 1, "element_id": "4:db:1", "labels": ["Person"], "properties": {}}},
      {"$node": {"id": 2, "element_id": "4:db:2", "labels": ["Person"], "properties": {}}},
      {"$node": {"id": 3, "element_id": "4:db:3", "labels": ["City"], "properties": {}}}],
    "relationships": [
      {"$relationship": {"id": 9, "element_id": "5:db:9", "type": "KNOWS", "start": 1, "start_element_id": "4:db:1",
                         "end": 2, "end_element_id": "4:db:2", "properties": {}}},
      {"$relationship": {"id": 10, "element_id": "5:db:10", "type": "LIVES_IN", "start": 3, "start_element_id": "4:db:3",
                         "end": 2, "end_element_id": "4:db:2", "properties": {}}}]}},
  {"$date": "2024-01-31"}, {"$time": "10:15:30.000000001+01:00"}, {"$localtime": "23:59:59"},
  {"$datetime": "2024-01-31T10:15:30+01:00"}, {"$datetime": "2024-07-01T10:00:00+02:00[Europe/Paris]"},
  {"$localdatetime": "1969-12-31T23:59:59.5"}, {"$duration": "P1M2DT3.000000004S"},
  {"$point": {"srid": 4326, "x": 1.5, "y": -2.25}}, {"$point": {"srid": 9157, "x": 1.0, "y": 2.0, "z": 3.0}}])";

inline const boost::json::object kValuesRequest{
    {"query", "RETURN $n AS n, $day AS day"},
    {"params", boost::json::parse(R"({"n": 42, "day": {"$date": "2024-01-31"}})")},
};

inline void expect_values_result(const boost::json::value& result) {
  const auto& o = result.as_object();
  EXPECT_EQ(o.at("columns").as_array().size(), 21u);
  EXPECT_EQ(o.at("columns").as_array()[9], "node");
  ASSERT_EQ(o.at("rows").as_array().size(), 1u);
  EXPECT_EQ(o.at("rows").as_array()[0], boost::json::parse(kValuesRow));
  EXPECT_EQ(o.at("bookmark"), "FB:values-1");
  EXPECT_EQ(o.at("summary"), boost::json::parse(R"({"type": "r", "db": "movies", "t_last": 2})"));
}

// transaction.json: BEGIN with a bookmark, one write, COMMIT.
inline void play_transaction_script(sdk::Connection& connection) {
  connection.begin(boost::json::object{{"bookmarks", boost::json::array{"FB:before"}}}, {});
  EXPECT_TRUE(connection.in_transaction());
  const auto result =
      run(connection, {{"query", "CREATE (p:Person {name: $name}) RETURN p.name AS name"},
                       {"params", {{"name", "Grace"}}}});
  EXPECT_EQ(result.at("rows"), boost::json::parse(R"([["Grace"]])"));
  EXPECT_FALSE(
      result.as_object().contains("bookmark"));  // the transaction's bookmark comes at commit
  connection.commit({});
  EXPECT_FALSE(connection.in_transaction());
  connection.reset();  // idle after commit: no RESET goes out (the script has none required)
}

}  // namespace weir::neo4j::testing
