// The plugin conformance suite, instantiated for the PostgreSQL plugin
// against a throwaway cluster (started when the case is built, removed at exit).
#include "postgres_cluster.hpp"

#include <weir/testing/conformance.hpp>

namespace {

weir::testing::PostgresCluster& cluster() {
  static weir::testing::PostgresCluster pg;
  return pg;
}

weir::testing::ConformanceCase postgres_case() {
  weir::testing::ConformanceCase c;
  c.label = "Postgres";
  c.plugin = WEIR_POSTGRES_PLUGIN;
  c.expected_name = "postgres";
  c.database = {{"backend", "postgres"},
                {"connection", {{"url", cluster().socket_url()}}},
                {"pool", {{"max_size", 4}}}};
  // Every test opens a fresh pool on the same server: start from an empty table.
  c.setup_requests = {
      R"json({"query": "DROP TABLE IF EXISTS conformance_items"})json",
      R"json({"query": "CREATE TABLE conformance_items (id serial PRIMARY KEY, name text)"})json"};
  c.probe_request = R"json({"query": "SELECT $1::int4 + 1, 'two'", "params": [41]})json";
  c.probe_first_value = 42;
  c.failing_request = R"json({"query": "SELEC 1"})json";
  c.failing_status = WEIR_E_QUERY;
  c.write_request =
      R"json({"query": "INSERT INTO conformance_items (name) VALUES ($1)", "params": ["x"]})json";
  c.read_back_request = R"json({"query": "SELECT count(*) FROM conformance_items"})json";
  c.read_back_before = 0;
  c.read_back_after = 1;
  return c;
}

}  // namespace

WEIR_CONFORMANCE_SUITE(Postgres, postgres_case())
