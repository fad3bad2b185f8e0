// The weir conformance suite, run on the C plugin through the C ABI.
#include <weir/testing/conformance.hpp>

namespace {

weir::testing::ConformanceCase kv_case() {
  weir::testing::ConformanceCase c;
  c.label = "Kv";
  c.plugin = WEIR_KV_PLUGIN;
  c.expected_name = "kv";
  c.database = {{"backend", "kv"}, {"connection", {{"file", "store.tsv"}}}};
  c.setup_requests = {R"({"query": "put", "params": ["greeting", "hello"]})"};
  c.probe_request = R"({"query": "get", "params": ["greeting"]})";
  c.probe_first_value = "hello";
  c.failing_request = R"({"query": "delete", "params": ["no such key"]})";
  c.failing_status = WEIR_E_NOT_FOUND;
  c.write_request = R"({"query": "put", "params": ["color", "blue"]})";
  c.read_back_request = R"({"query": "get", "params": ["color"]})";
  c.read_back_before = nullptr;  // no row yet
  c.read_back_after = "blue";
  return c;
}

}  // namespace

WEIR_CONFORMANCE_SUITE(Kv, kv_case())
