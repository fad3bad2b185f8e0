// The plugin conformance suite, instantiated for the SQLite plugin.
#include <weir/testing/conformance.hpp>

namespace {

weir::testing::ConformanceCase sqlite_case() {
  weir::testing::ConformanceCase c;
  c.label = "Sqlite";
  c.plugin = WEIR_SQLITE_PLUGIN;
  c.expected_name = "sqlite";
  c.database = {{"backend", "sqlite"}, {"connection", {{"path", "conformance.db"}}}};
  c.setup_requests = {
      R"json({"query": "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)"})json"};
  c.probe_request = R"json({"query": "SELECT ?1 + 1, 'two'", "params": [41]})json";
  c.probe_first_value = 42;
  c.failing_request = R"json({"query": "SELEC 1"})json";
  c.failing_status = WEIR_E_QUERY;
  c.write_request =
      R"json({"query": "INSERT INTO items (name) VALUES (:name)", "params": {"name": "x"}})json";
  c.read_back_request = R"json({"query": "SELECT count(*) FROM items"})json";
  c.read_back_before = 0;
  c.read_back_after = 1;
  return c;
}

}  // namespace

WEIR_CONFORMANCE_SUITE(Sqlite, sqlite_case())
