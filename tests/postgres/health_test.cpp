// Health and replicas: ping, what the backend reports, a real streaming
// standby (in recovery, refuses writes), and libpq's multi-host selection.
#include "pg_test_support.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

namespace weir::postgres::test {
namespace {

namespace json = boost::json;

json::object describe(weir::sdk::Connection& c) {
  weir::testing::ValueBuilder builder;
  weir::sdk::ValueWriter writer(builder.writer());
  c.describe_backend(writer);
  return builder.value().as_object();
}

PostgresCluster& replica() {
  static PostgresCluster standby = PostgresCluster::replica_of(cluster());
  return standby;
}

TEST(PostgresHealth, PingAndBackendDescriptionOnThePrimary) {
  auto conn = connect(cluster());
  EXPECT_TRUE(conn->ping());
  const auto d = describe(*conn);
  EXPECT_EQ(d.at("server_version").as_string().subview().substr(0, 3), "15.");
  EXPECT_GE(d.at("server_version_num").as_int64(), 150000);
  EXPECT_EQ(d.at("in_recovery"), json::value(false));
  EXPECT_EQ(d.at("port"), json::value(std::to_string(cluster().port())));
  EXPECT_EQ(d.at("backend_pid"), scalar(*conn, "SELECT pg_backend_pid()"));
}

TEST(PostgresHealth, StreamingReplicaIsInRecoveryServesReadsAndRefusesWrites) {
  cluster().psql(
      "DROP TABLE IF EXISTS replicated; CREATE TABLE replicated (x int); "
      "INSERT INTO replicated VALUES (42)");
  auto conn = connect(replica());
  EXPECT_EQ(describe(*conn).at("in_recovery"), json::value(true));
  // Replication is asynchronous: wait (briefly) for the row to arrive.
  json::value seen;
  for (int i = 0; i < 100 && seen != json::value(1); ++i) {
    seen = scalar(*conn, "SELECT count(*) FROM pg_catalog.pg_class WHERE relname = 'replicated'");
    if (seen != json::value(1)) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (int i = 0; i < 100 && scalar(*conn, "SELECT count(*) FROM replicated") != json::value(1);
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  weir::sdk::ExecOptions read_only;
  read_only.read_only = true;
  EXPECT_EQ(run(*conn, request("SELECT x FROM replicated"), read_only).at("rows"),
            json::parse("[[42]]"));
  const auto e = run_error(*conn, "INSERT INTO replicated VALUES (1)");
  EXPECT_EQ(e.status(), WEIR_E_PERMISSION);
  EXPECT_EQ(e.code(), "25006");
  EXPECT_EQ(e.message(), "cannot execute INSERT in a read-only transaction");
}

// One URL naming both servers: libpq picks by role, and moves on when a host is down.
TEST(PostgresHealth, MultiHostUrlPicksTheServerByTargetSessionAttrs) {
  const auto hosts = "postgresql:///postgres?host=" + replica().socket_dir() + "," +
                     cluster().socket_dir() + "&port=" + std::to_string(replica().port()) + "," +
                     std::to_string(cluster().port()) + "&user=postgres";
  auto primary =
      PgConnectionFactory(settings_for({{"url", hosts}, {"target_session_attrs", "read-write"}}))
          .connect({});
  EXPECT_EQ(describe(*primary).at("in_recovery"), json::value(false));
  auto standby =
      PgConnectionFactory(settings_for({{"url", hosts}, {"target_session_attrs", "standby"}}))
          .connect({});
  EXPECT_EQ(describe(*standby).at("in_recovery"), json::value(true));
  const auto down = "postgresql:///postgres?host=127.0.0.1," + cluster().socket_dir() +
                    "&port=" + std::to_string(PostgresCluster::free_port()) + "," +
                    std::to_string(cluster().port()) + "&user=postgres";
  auto fallback = PgConnectionFactory(settings_for({{"url", down}})).connect({});
  EXPECT_EQ(describe(*fallback).at("port"), json::value(std::to_string(cluster().port())));
}

// A failover moves the name the pool connects to; new connections must follow
// without a restart. DNS cannot be changed in a test, so a unix-socket path
// stands in for the name: the same factory, the path re-pointed from the
// primary's socket to the standby's, and the next connection lands there.
TEST(PostgresHealth, NewConnectionsFollowATargetThatMoved) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("weir-moving-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const int port = cluster().port();
  const fs::path name = dir / (".s.PGSQL." + std::to_string(port));
  const auto point_at = [&](const PostgresCluster& server) {
    fs::remove(name);
    fs::create_symlink(
        fs::path(server.socket_dir()) / (".s.PGSQL." + std::to_string(server.port())), name);
  };
  PgConnectionFactory factory(
      settings_for({{"host", dir.string()}, {"port", port}, {"user", "postgres"}}));
  point_at(cluster());
  EXPECT_EQ(describe(*factory.connect({})).at("in_recovery"), json::value(false));
  point_at(replica());
  EXPECT_EQ(describe(*factory.connect({})).at("in_recovery"), json::value(true));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace weir::postgres::test
