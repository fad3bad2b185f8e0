// A Chroma server that comes back is served within 2 s of accepting
// connections, however long it was away (outage_load.hpp says what is
// checked). Default pool settings; the server is killed (SIGKILL).
// The figures go to docs/backends/chroma.md.
#include "chroma_server.hpp"
#include "gateway_fixture.hpp"
#include "outage_load.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace weir {
namespace {

using std::chrono::seconds;

void expect_recovery_after(seconds outage, std::uint32_t min_backoff_ms) {
  testing::ChromaServer chroma;
  testing::RunningGateway gw(boost::json::object{
      {"databases",
       {{"vectors", {{"backend", "chroma"}, {"connection", {{"url", chroma.url()}}}}}}},
      {"limits", {{"request_timeout_ms", 2000}}}});
  testing::expect_recovery_after(
      gw.port(), "vectors", R"J({"op":"count_collections"})J", outage, min_backoff_ms,
      [&] { chroma.kill(); }, [&] { chroma.start(); });
}

// The background delay is 1 s, then 2 s (both shortened by up to 20 % jitter).
TEST(ChromaRecovery, ServedWithinTwoSecondsAfterAThreeSecondOutage) {
  expect_recovery_after(seconds(3), 800);
}

// Long enough for the background delay to reach its 16 s cap (after 1+2+4+8 s).
TEST(ChromaRecovery, ServedWithinTwoSecondsAfterATwentySecondOutage) {
  expect_recovery_after(seconds(20), 12800);
}

}  // namespace
}  // namespace weir
