// The plugin conformance suite for weir_neo4j.so, loaded as the host loads
// it, against the scripted Bolt server playing scripts/conformance.json (a
// rules script, so the pool may open connections in any order), once over
// bolt:// and once over neo4j://. The server
// lives for the whole binary; an environment checks at the end that it saw
// nothing its rules could not answer.
#include "scripted_bolt_server.hpp"

#include <weir/testing/conformance.hpp>

namespace {

using weir::neo4j::testing::ScriptedBoltServer;

ScriptedBoltServer& server() {
  static ScriptedBoltServer instance(WEIR_BOLT_SCRIPTS_DIR "/conformance.json");
  return instance;
}

// scheme "bolt": one server; "neo4j": the same server as a one-member
// cluster (it answers ROUTE naming itself for every role), so every request
// also passes through the routing layer.
weir::testing::ConformanceCase neo4j_case(const std::string& scheme) {
  weir::testing::ConformanceCase c;
  c.label = scheme == "bolt" ? "Neo4jBolt" : "Neo4jRouting";
  c.plugin = WEIR_NEO4J_PLUGIN;
  c.expected_name = "neo4j";
  c.database = {{"backend", "neo4j"},
                {"connection",
                 {{"url", scheme + "://" + server().address()},
                  {"user", "neo4j"},
                  {"password", "secret"},
                  {"connect_timeout_ms", 2000}}},
                {"pool", {{"max_size", 4}}}};
  c.setup_requests = {R"json({"query": "MATCH (i:Item) DETACH DELETE i"})json"};
  c.probe_request =
      R"json({"query": "RETURN $n + 1 AS answer, 'two' AS two", "params": {"n": 41}})json";
  c.probe_first_value = 42;
  c.failing_request = R"json({"query": "RETRUN 1"})json";
  c.failing_status = WEIR_E_QUERY;
  c.write_request = R"json({"query": "CREATE (:Item {name: $name})", "params": {"name": "x"}})json";
  c.read_back_request = R"json({"query": "MATCH (i:Item) RETURN count(i) AS n"})json";
  c.read_back_before = 0;
  c.read_back_after = 1;
  return c;
}

class ServerPlayedItsRules : public ::testing::Environment {
 public:
  void TearDown() override {
    server().stop();
    EXPECT_EQ(server().failures(), std::vector<std::string>{});
  }
};

const auto* const kServerCheck = ::testing::AddGlobalTestEnvironment(new ServerPlayedItsRules);

// Beyond the suite: what the host reads from the table to route requests.
TEST(Neo4jPlugin, DeclaresGraphKindAndReadReplicaRouting) {
  weir::testing::PluginLibrary library(WEIR_NEO4J_PLUGIN);
  EXPECT_EQ(library.table().kind, WEIR_KIND_GRAPH);
  for (const auto cap : {WEIR_CAP_TRANSACTIONS, WEIR_CAP_NAMED_PARAMETERS, WEIR_CAP_STREAMING,
                         WEIR_CAP_READ_REPLICAS}) {
    EXPECT_NE(library.table().capabilities & cap, 0u) << "capability bit " << cap;
  }
}

}  // namespace

WEIR_CONFORMANCE_SUITE(Neo4j, neo4j_case("bolt"))
WEIR_CONFORMANCE_SUITE(Neo4jCluster, neo4j_case("neo4j"))
