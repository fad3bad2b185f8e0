// The weir conformance suite, run on this plugin through the C ABI.
#include <weir/testing/conformance.hpp>

#include <fstream>

namespace {

weir::testing::ConformanceCase csv_case() {
  weir::testing::ConformanceCase c;
  c.label = "Csv";
  c.plugin = WEIR_CSV_PLUGIN;
  c.expected_name = "csv";
  c.database = {{"backend", "csv"}, {"connection", {{"dir", "tables"}}}};
  c.prepare_data_dir = [](const std::filesystem::path& data_dir) {
    std::filesystem::create_directories(data_dir / "tables");
    std::ofstream(data_dir / "tables" / "people.csv") << "name,age\nAda,36\nBob,41\n";
  };
  c.probe_request = R"json({"query": "people.csv", "params": {"where": {"age": 41}}})json";
  c.probe_first_value = "Bob";
  c.failing_request = R"json({"query": "missing.csv"})json";
  c.failing_status = WEIR_E_NOT_FOUND;
  return c;  // read-only: no write request
}

}  // namespace

WEIR_CONFORMANCE_SUITE(Csv, csv_case())
