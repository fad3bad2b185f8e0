// A PostgreSQL server that comes back is served within 2 s of accepting
// connections, however long it was away (outage_load.hpp says what is
// checked). Default pool settings; the server is stopped with pg_ctl -m fast.
// The figures go to docs/backends/postgres.md.
#include "gateway_fixture.hpp"
#include "outage_load.hpp"
#include "postgres_cluster.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace weir {
namespace {

using std::chrono::seconds;

void expect_recovery_after(seconds outage, std::uint32_t min_backoff_ms) {
  testing::PostgresCluster pg;
  ::setenv("WEIR_RECOVERY_TEST_PW", pg.superuser_password().c_str(), 1);
  testing::RunningGateway gw(boost::json::object{{"databases",
                                                  {{"pg",
                                                    {{"backend", "postgres"},
                                                     {"connection",
                                                      {{"url", pg.url()},
                                                       {"password_env", "WEIR_RECOVERY_TEST_PW"},
                                                       {"connect_timeout_ms", 1000}}}}}}},
                                                 {"limits", {{"request_timeout_ms", 2000}}}});
  testing::expect_recovery_after(
      gw.port(), "pg", R"J({"query":"select 1"})J", outage, min_backoff_ms,
      [&] { pg.stop("fast"); }, [&] { pg.start(); });
}

// The background delay is 1 s, then 2 s (both shortened by up to 20 % jitter).
TEST(PostgresRecovery, ServedWithinTwoSecondsAfterAThreeSecondOutage) {
  expect_recovery_after(seconds(3), 800);
}

// Long enough for the background delay to reach its 16 s cap (after 1+2+4+8 s).
TEST(PostgresRecovery, ServedWithinTwoSecondsAfterATwentySecondOutage) {
  expect_recovery_after(seconds(20), 12800);
}

}  // namespace
}  // namespace weir
