// The plugin's Bolt client against the same scripts the neo4j-driver check
// plays, so both clients are held to the same bytes; plus the failure paths
// a caller sees (status, Neo4j code, message) and reuse after RESET.
#include "neo4j_connection.hpp"
#include "scripted_bolt_server.hpp"
#include "scripted_requests.hpp"

#include <weir/sdk/config_reader.hpp>
#include <weir/testing/value_builder.hpp>

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace weir::neo4j {
namespace {

using testing::expect_values_result;
using testing::kValuesRequest;
using testing::play_transaction_script;
using testing::run;
using testing::ScriptedBoltServer;

std::string script(const char* name) { return std::string(WEIR_BOLT_SCRIPTS_DIR) + "/" + name; }

struct Client {
  std::shared_ptr<const ConnectionSettings> settings;
  DirectConnectionFactory factory;

  explicit Client(const ScriptedBoltServer& server, const char* scheme = "bolt",
                  const char* database = nullptr)
      : settings(make_settings(server, scheme, database)),
        factory(settings, settings->host, settings->port, std::make_shared<BookmarkStore>()) {}

  static std::shared_ptr<const ConnectionSettings> make_settings(const ScriptedBoltServer& server,
                                                                 const char* scheme,
                                                                 const char* database) {
    boost::json::object o{{"url", std::string(scheme) + "://" + server.address()},
                          {"user", "neo4j"},
                          {"password", "secret"},
                          {"connect_timeout_ms", 2000}};
    if (database != nullptr) o["database"] = database;
    return std::make_shared<const ConnectionSettings>(
        ConnectionSettings::from(sdk::ConfigReader(o, "databases.g.connection"), "."));
  }
};

void expect_script_played(ScriptedBoltServer& server) {
  server.stop();
  EXPECT_EQ(server.failures(), std::vector<std::string>{});
}

TEST(BoltClient, DecodesEveryValueTypeLikeTheOfficialDriver) {
  ScriptedBoltServer server(script("values.json"));
  {
    Client client(server, "bolt", "movies");
    auto connection = client.factory.connect({});
    expect_values_result(run(*connection, kValuesRequest));
    weir::testing::ValueBuilder detail;
    sdk::ValueWriter writer(detail.writer());
    connection->describe_backend(writer);
    EXPECT_EQ(detail.value().at("server_version"), "Neo4j/5.20.0");
    EXPECT_EQ(detail.value().at("protocol"), "bolt/5.4");
  }
  expect_script_played(server);
}

// Bolt 5 carries a zoned DateTime as UTC seconds, 4.4 as wall-clock seconds:
// the script's values go out in the negotiated version's form, and the
// client's parameter arrives as the server decodes it. Either way one reading.
TEST(BoltClient, AZonedDateTimeReadsTheSameOnEveryBoltVersion) {
  for (const char* version : {"4.4", "5.4"}) {
    ScriptedBoltServer server(script("zoned_datetime.json"), {{"BOLT", version}});
    {
      Client client(server);
      auto connection = client.factory.connect({});
      const auto result = run(*connection, {{"query", "RETURN $t AS t"},
                                            {"params", boost::json::parse(R"({"t": {"$datetime":
                                         "2024-07-01T10:00:00+02:00[Europe/Paris]"}})")}});
      EXPECT_EQ(result.at("rows"), boost::json::parse(R"([[
        {"$datetime": "2024-07-01T10:00:00.789+02:00[Europe/Paris]"},
        {"$datetime": "2024-07-01T10:00:00+02:00[Europe/Paris]"},
        {"$datetime": "2024-07-01T10:00:00+02:00[Europe/Paris]"}]])"))
          << version;
    }
    expect_script_played(server);
  }
}

TEST(BoltClient, SpeaksBoltOverWebSocketOnTheSamePort) {
  ScriptedBoltServer server(script("values.json"));
  {
    Client client(server, "ws", "movies");
    auto connection = client.factory.connect({});
    expect_values_result(run(*connection, kValuesRequest));
  }
  expect_script_played(server);
}

TEST(BoltClient, TransactionCommitsAndKeepsTheBookmark) {
  ScriptedBoltServer server(script("transaction.json"));
  {
    Client client(server);
    auto connection = client.factory.connect({});
    play_transaction_script(*connection);
  }
  expect_script_played(server);
}

TEST(BoltClient, FailureReachesTheCallerAndTheConnectionIsReusedAfterReset) {
  ScriptedBoltServer server(script("failure_reset.json"));
  {
    Client client(server);
    auto connection = client.factory.connect({});
    try {
      run(*connection, {{"query", "RETRUN 1"}});
      FAIL() << "the syntax error was not reported";
    } catch (const sdk::Error& e) {
      EXPECT_EQ(e.status(), WEIR_E_QUERY);
      EXPECT_EQ(e.code(), "Neo.ClientError.Statement.SyntaxError");
      EXPECT_EQ(e.message(), "Invalid input 'RETRUN': expected a clause (line 1, column 1)");
      EXPECT_FALSE(e.retryable());
    }
    EXPECT_EQ(run(*connection, {{"query", "RETURN 1 AS one"}}).at("rows"),
              boost::json::parse("[[1]]"));
  }
  expect_script_played(server);
}

TEST(BoltClient, AResultTheHostStopsInATransactionIsDiscardedAndTheTransactionGoesOn) {
  ScriptedBoltServer server(script("transaction_abandoned_result.json"));
  {
    boost::json::object o{{"url", "bolt://" + server.address()}, {"fetch_size", 2}};
    auto settings = std::make_shared<const ConnectionSettings>(
        ConnectionSettings::from(sdk::ConfigReader(o, "c"), "."));
    DirectConnectionFactory factory(settings, settings->host, settings->port,
                                    std::make_shared<BookmarkStore>());
    auto connection = factory.connect({});
    connection->begin({}, {});
    weir::testing::ValueBuilder refusing;
    refusing.refuse_after(6);  // {, columns, [, "i", ], rows: the rows array is refused
    sdk::ValueWriter writer(refusing.writer());
    try {
      connection->execute({{"query", "UNWIND range(1, 5) AS i RETURN i"}}, {}, writer);
      FAIL() << "the writer's refusal was not reported";
    } catch (const sdk::Error& e) {
      EXPECT_EQ(e.status(), WEIR_E_ABORTED);
    }
    EXPECT_TRUE(connection->in_transaction());
    EXPECT_EQ(run(*connection, {{"query", "RETURN 1 AS one"}}).at("rows"),
              boost::json::parse("[[1]]"));
    connection->commit({});  // DISCARD, not RESET: the transaction survived
  }
  expect_script_played(server);
}

// The error of a request that must fail.
sdk::Error failure_of(sdk::Connection& connection, const boost::json::object& request,
                      bool read_only) {
  try {
    run(connection, request, read_only);
  } catch (const sdk::Error& e) {
    return e;
  }
  ADD_FAILURE() << "the closed socket was not reported";
  return sdk::Error(WEIR_OK, "");
}

constexpr const char* kMayHaveBeenApplied =
    " (it may have been applied before the connection broke)";

// A read-only request may run again on a fresh connection: the host does so.
TEST(BoltClient, ASocketClosedMidStreamIsBrokenAndNotReused) {
  ScriptedBoltServer server(script("broken_mid_stream.json"));
  {
    Client client(server);
    auto connection = client.factory.connect({});
    const auto e = failure_of(*connection, {{"query", "UNWIND range(1, 3) AS i RETURN i"}}, true);
    EXPECT_EQ(e.status(), WEIR_E_BROKEN);
    EXPECT_TRUE(e.retryable());
    EXPECT_NE(e.message().find("reading from neo4j"), std::string::npos) << e.message();
    EXPECT_FALSE(connection->ping());
    EXPECT_THROW(connection->reset(), sdk::Error);
  }
  expect_script_played(server);
}

// A query not declared read-only commits itself once sent: the server may
// have applied it, so it is not retryable (the plugin's verdict, which the
// host keeps: it does not run it again) and the client is told why.
TEST(BoltClient, AWriteCutAfterItWasSentIsNotRetryable) {
  ScriptedBoltServer server(script("broken_mid_stream.json"));
  {
    Client client(server);
    auto connection = client.factory.connect({});
    const auto e = failure_of(*connection, {{"query", "UNWIND range(1, 3) AS i RETURN i"}}, false);
    EXPECT_EQ(e.status(), WEIR_E_BROKEN);
    EXPECT_FALSE(e.retryable());
    EXPECT_TRUE(e.retryable_decided());
    EXPECT_EQ(e.message(), "reading from neo4j: End of file" + std::string(kMayHaveBeenApplied));
  }
  expect_script_played(server);
}

// COMMIT sent and then the connection lost: the transaction may have committed.
TEST(BoltClient, ACommitCutAfterItWasSentIsNotRetryable) {
  ScriptedBoltServer server(script("broken_at_commit.json"));
  {
    Client client(server);
    auto connection = client.factory.connect({});
    connection->begin({}, {});
    run(*connection, {{"query", "CREATE (p:Person {name: 'Ada'})"}});
    try {
      connection->commit({});
      ADD_FAILURE() << "the closed socket was not reported";
    } catch (const sdk::Error& e) {
      EXPECT_EQ(e.status(), WEIR_E_BROKEN);
      EXPECT_FALSE(e.retryable());
      EXPECT_TRUE(e.retryable_decided());
      EXPECT_EQ(e.message(), "reading from neo4j: End of file" + std::string(kMayHaveBeenApplied));
    }
  }
  expect_script_played(server);
}

// A server that goes silent once a request was sent: past the deadline the
// plugin stops waiting, but Bolt has no way to make the server stop the
// query, so it may still be applied.
constexpr std::chrono::milliseconds kDeadline{300};
constexpr const char* kTimedOut = "reading from neo4j: timed out";
constexpr const char* kMayHaveBeenAppliedInTime =
    " (it may have been applied before the deadline passed)";

sdk::Error timeout_of(sdk::Connection& connection, bool read_only) {
  weir::testing::ValueBuilder builder;
  sdk::ValueWriter writer(builder.writer());
  try {
    connection.execute({{"query", "CREATE (p:Person {name: 'Ada'})"}}, {kDeadline, read_only},
                       writer);
  } catch (const sdk::Error& e) {
    return e;
  }
  ADD_FAILURE() << "the silent server was not reported";
  return sdk::Error(WEIR_OK, "");
}

TEST(BoltClient, AWriteThatTimedOutAfterItWasSentIsNotRetryable) {
  ScriptedBoltServer server(script("silent_after_run.json"));
  {
    Client client(server);
    auto connection = client.factory.connect({});
    const auto e = timeout_of(*connection, false);
    EXPECT_EQ(e.status(), WEIR_E_TIMEOUT);
    EXPECT_FALSE(e.retryable());
    EXPECT_TRUE(e.retryable_decided());
    EXPECT_EQ(e.message(), kTimedOut + std::string(kMayHaveBeenAppliedInTime));
    EXPECT_FALSE(connection->ping());
  }
  expect_script_played(server);
}

// The same silence after a read-only request: nothing was written, so the
// client may retry it (the status's default, TIMEOUT being retryable).
TEST(BoltClient, AReadThatTimedOutStaysRetryable) {
  ScriptedBoltServer server(script("silent_after_run.json"));
  {
    Client client(server);
    auto connection = client.factory.connect({});
    const auto e = timeout_of(*connection, true);
    EXPECT_EQ(e.status(), WEIR_E_TIMEOUT);
    EXPECT_TRUE(e.retryable());
    EXPECT_FALSE(e.retryable_decided());
    EXPECT_EQ(e.message(), kTimedOut);
  }
  expect_script_played(server);
}

TEST(BoltClient, ACommitThatTimedOutAfterItWasSentIsNotRetryable) {
  ScriptedBoltServer server(script("silent_at_commit.json"));
  {
    Client client(server);
    auto connection = client.factory.connect({});
    connection->begin({}, {});
    run(*connection, {{"query", "CREATE (p:Person {name: 'Ada'})"}});
    try {
      connection->commit(kDeadline);
      ADD_FAILURE() << "the silent server was not reported";
    } catch (const sdk::Error& e) {
      EXPECT_EQ(e.status(), WEIR_E_TIMEOUT);
      EXPECT_FALSE(e.retryable());
      EXPECT_TRUE(e.retryable_decided());
      EXPECT_EQ(e.message(), kTimedOut + std::string(kMayHaveBeenAppliedInTime));
    }
  }
  expect_script_played(server);
}

TEST(BoltClient, UnreachableServerIsUnavailableAndRetryable) {
  std::uint16_t port;
  {
    ScriptedBoltServer server(script("values.json"));
    port = server.port();
  }
  boost::json::object o{{"url", "bolt://127.0.0.1:" + std::to_string(port)},
                        {"connect_timeout_ms", 1000}};
  auto settings = std::make_shared<const ConnectionSettings>(
      ConnectionSettings::from(sdk::ConfigReader(o, "c"), "."));
  DirectConnectionFactory factory(settings, settings->host, settings->port,
                                  std::make_shared<BookmarkStore>());
  try {
    factory.connect({});
    FAIL() << "connected to a closed port";
  } catch (const sdk::Error& e) {
    EXPECT_EQ(e.status(), WEIR_E_UNAVAILABLE);
    EXPECT_TRUE(e.retryable());
    EXPECT_NE(e.message().find("cannot connect to neo4j at 127.0.0.1:" + std::to_string(port)),
              std::string::npos)
        << e.message();
  }
}

TEST(BoltClient, BadParametersAreRefusedBeforeAnythingIsSent) {
  ScriptedBoltServer server(script("failure_reset.json"));
  {
    Client client(server);
    auto connection = client.factory.connect({});
    try {
      run(*connection, {{"query", "RETURN $d"},
                        {"params", boost::json::parse(R"({"d": {"$date": "2023-02-30"}})")}});
      FAIL();
    } catch (const sdk::Error& e) {
      EXPECT_EQ(e.status(), WEIR_E_INVALID_REQUEST);
      EXPECT_EQ(e.message(), "params.d.$date: $date must be YYYY-MM-DD");
    }
    try {
      run(*connection, {{"query", "RETURN 1"}, {"limit", 5}});
      FAIL();
    } catch (const sdk::Error& e) {
      EXPECT_EQ(e.status(), WEIR_E_INVALID_REQUEST);
      EXPECT_NE(e.message().find("unknown member \"limit\""), std::string::npos) << e.message();
    }
  }
  server.stop();
  // Nothing but the handshake reached the server, so the script is left unplayed there.
  ASSERT_EQ(server.failures().size(), 1u);
  EXPECT_NE(server.failures()[0].find("expected RUN, got GOODBYE"), std::string::npos)
      << server.failures()[0];
}

TEST(ConnectionSettings, MaxMessageBytesIs64MiBUnlessSetWithinItsRange) {
  const auto settings = [](boost::json::object o) {
    return ConnectionSettings::from(sdk::ConfigReader(o, "databases.graph.connection"), ".");
  };
  EXPECT_EQ(settings({{"url", "bolt://h"}}).max_message_bytes, std::int64_t{64} << 20);
  EXPECT_EQ(settings({{"url", "bolt://h"}, {"max_message_bytes", 1024}}).max_message_bytes, 1024);
  try {
    settings({{"url", "bolt://h"}, {"max_message_bytes", 1023}});
    ADD_FAILURE() << "a cap under 1 KiB was taken";
  } catch (const sdk::Error& e) {
    EXPECT_EQ(e.message(),
              "databases.graph.connection.max_message_bytes: must be an integer from 1024 to "
              "17179869184, got 1023");
  }
}

TEST(ConnectionSettings, RefusesTyposAndUnknownSchemesNamingTheField) {
  auto error_of = [](boost::json::object o) {
    try {
      ConnectionSettings::from(sdk::ConfigReader(o, "databases.graph.connection"), ".");
    } catch (const sdk::Error& e) {
      EXPECT_EQ(e.status(), WEIR_E_INVALID_CONFIG);
      return e.message();
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of({{"url", "bolt://h"}, {"pasword", "x"}})
                .find("databases.graph.connection.pasword: is not a known setting"),
            std::string::npos);
  EXPECT_NE(error_of({{"url", "http://h"}})
                .find("databases.graph.connection.url: scheme must be bolt, bolt+s, bolt+ssc, "
                      "neo4j, neo4j+s, neo4j+ssc, ws or wss, got http"),
            std::string::npos);
  EXPECT_NE(error_of({{"url", "bolt://h:99999"}}).find("port must be 1 to 65535"),
            std::string::npos);
  EXPECT_NE(error_of({{"url", "bolt://h"}, {"user", "u"}})
                .find("databases.graph.connection.password: is required"),
            std::string::npos);
  EXPECT_NE(
      error_of({{"url", "bolt://h"}, {"user", "u"}, {"password_env", "WEIR_SURELY_UNSET_VAR"}})
          .find("environment variable WEIR_SURELY_UNSET_VAR is not set"),
      std::string::npos);
}

}  // namespace
}  // namespace weir::neo4j
