// plugin.h's status table ("[502 connection_broken, retry]" beside each
// WEIR_E_*) is what plugin authors read; the host's mapping is what clients
// get. They must be the same table.
#include "api_error.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace weir {
namespace {

TEST(StatusTable, PluginHeaderAgreesWithTheHost) {
  std::ifstream header(WEIR_PLUGIN_HEADER);
  ASSERT_TRUE(header) << WEIR_PLUGIN_HEADER;
  const std::regex row(R"(#define (WEIR_E_\w+) +(\d+) +/\*.*\[(\d{3}) (\w+)(, retry)?\] \*/)");
  int rows = 0;
  for (std::string line; std::getline(header, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, row)) continue;
    ++rows;
    weir_error error{};
    error.struct_size = sizeof error;
    const auto status = static_cast<weir_status>(std::stoi(m[2]));
    const auto api = api_error_from_plugin(status, error);
    EXPECT_EQ(api.http_status(), static_cast<unsigned>(std::stoi(m[3]))) << m[1];
    EXPECT_EQ(api.code(), m[4].str()) << m[1];
    EXPECT_EQ(api.retryable(), m[5].matched) << m[1];
  }
  // Every status but WEIR_OK and WEIR_E_ABI (never an answer) has its row.
  EXPECT_EQ(rows, WEIR_E_CLOSED - 1);
}

}  // namespace
}  // namespace weir
