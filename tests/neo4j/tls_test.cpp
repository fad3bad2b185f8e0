// The plugin's client over TLS (bolt+s, bolt+ssc, wss) against TLS-only
// scripted servers with a certificate made for this run, and every way TLS
// can go wrong as the client sees it: an untrusted certificate, a name the
// certificate lacks, TLS against plain text either way round, a handshake
// that never ends, and a CA file that cannot be used (a config error).
#include "neo4j_connection.hpp"
#include "scripted_bolt_server.hpp"
#include "scripted_requests.hpp"
#include "temp_dir.hpp"

#include <weir/sdk/config_reader.hpp>

#include <gtest/gtest.h>
#include <boost/asio.hpp>
#include <boost/json.hpp>

#include <fstream>

namespace weir::neo4j {
namespace {

using testing::expect_values_result;
using testing::kValuesRequest;
using testing::play_transaction_script;
using testing::run;
using testing::ScriptedBoltServer;
using testing::ServerOptions;

std::string script(const char* name) { return std::string(WEIR_BOLT_SCRIPTS_DIR) + "/" + name; }

constexpr const char* kField = "databases.g.connection";

class Tls : public ::testing::Test {
 protected:
  weir::testing::TempDir dir;  // the workspace data directory, too
  weir::testing::TestCertificate cert = weir::testing::make_test_certificate(dir.path());

  ServerOptions tls_only(std::string bind_address = "127.0.0.1") const {
    return {cert, std::move(bind_address)};
  }

  // `extra` is merged into the connection settings; relative paths in it
  // resolve under dir.
  std::shared_ptr<const ConnectionSettings> settings(const std::string& url,
                                                     boost::json::object extra = {}) const {
    boost::json::object o{{"url", url},
                          {"user", "neo4j"},
                          {"password", "secret"},
                          {"database", "movies"},
                          {"connect_timeout_ms", 2000}};
    for (const auto& member : extra) o[member.key()] = member.value();
    return std::make_shared<const ConnectionSettings>(
        ConnectionSettings::from(sdk::ConfigReader(o, kField), dir.path()));
  }

  static std::unique_ptr<sdk::Connection> connect(
      const std::shared_ptr<const ConnectionSettings>& s) {
    DirectConnectionFactory factory(s, s->host, s->port, std::make_shared<BookmarkStore>());
    return factory.connect({});
  }

  static sdk::Error connect_error(const std::shared_ptr<const ConnectionSettings>& s) {
    try {
      connect(s);
    } catch (const sdk::Error& e) {
      return e;
    }
    ADD_FAILURE() << "connected to " << s->scheme << "://" << s->host << ":" << s->port;
    return sdk::Error(WEIR_E_UNKNOWN, "no error");
  }

  sdk::Error config_error(boost::json::object o) const {
    try {
      ConnectionSettings::from(sdk::ConfigReader(o, kField), dir.path());
    } catch (const sdk::Error& e) {
      return e;
    }
    ADD_FAILURE() << "accepted " << boost::json::serialize(o);
    return sdk::Error(WEIR_E_UNKNOWN, "no error");
  }
};

void expect_script_played(ScriptedBoltServer& server) {
  server.stop();
  EXPECT_EQ(server.failures(), std::vector<std::string>{});
}

TEST_F(Tls, BoltPlusSVerifiesTheHostNameAgainstTheTrustedCertificates) {
  ScriptedBoltServer server(script("values.json"), {}, tls_only());
  // A host name (SNI and DNS name check) and a relative CA path (workspace).
  expect_values_result(run(*connect(settings("bolt+s://localhost:" + std::to_string(server.port()),
                                             {{"trusted_certificates", "localhost.crt"}})),
                           kValuesRequest));
  expect_script_played(server);
}

TEST_F(Tls, BoltPlusSVerifiesAnIpAddressAndRunsATransaction) {
  ScriptedBoltServer server(script("transaction.json"), {}, tls_only());
  play_transaction_script(*connect(settings(
      "bolt+s://" + server.address(), {{"trusted_certificates", cert.certificate.string()}})));
  expect_script_played(server);
}

TEST_F(Tls, BoltPlusSscAcceptsASelfSignedCertificateWithoutTrustingIt) {
  ScriptedBoltServer server(script("values.json"), {}, tls_only());
  expect_values_result(run(*connect(settings("bolt+ssc://" + server.address())), kValuesRequest));
  expect_script_played(server);
}

TEST_F(Tls, WssVerifiesLikeBoltPlusS) {
  ScriptedBoltServer server(script("values.json"), {}, tls_only());
  expect_values_result(run(
      *connect(settings("wss://" + server.address(), {{"trusted_certificates", "localhost.crt"}})),
      kValuesRequest));
  expect_script_played(server);
}

TEST_F(Tls, AnUntrustedCertificateIsRefusedNamingTheSettingThatFixesIt) {
  ScriptedBoltServer server(script("values.json"), {}, tls_only());
  const std::string prefix = "the TLS certificate of neo4j at " + server.address() +
                             " is not trusted (self-signed certificate): ";

  auto e = connect_error(settings("bolt+s://" + server.address()));
  EXPECT_EQ(e.status(), WEIR_E_UNAVAILABLE);
  EXPECT_FALSE(e.retryable());  // only the config or the certificate can change
  EXPECT_EQ(e.message(), prefix + "the system trust store does not vouch for it; set " + kField +
                             ".trusted_certificates to a PEM file with the CA that signed it, or "
                             "use bolt+ssc:// to accept any certificate");

  const auto other = weir::testing::make_test_certificate(dir.path(), "other");
  e = connect_error(settings("wss://" + server.address(), {{"trusted_certificates", "other.crt"}}));
  EXPECT_EQ(e.status(), WEIR_E_UNAVAILABLE);
  EXPECT_EQ(e.message(), prefix + "it is not signed by a certificate in " + kField +
                             ".trusted_certificates (" + other.certificate.string() + ")");
  server.stop();
  EXPECT_EQ(server.received(), std::vector<std::string>{});  // no Bolt message got through
}

TEST_F(Tls, ANameTheCertificateLacksIsRefusedUnlessAnyCertificateIsAccepted) {
  // The certificate names localhost and 127.0.0.1, not 127.0.0.2.
  ScriptedBoltServer server(script("values.json"), {}, tls_only("127.0.0.2"));
  const auto e = connect_error(
      settings("bolt+s://" + server.address(), {{"trusted_certificates", "localhost.crt"}}));
  EXPECT_EQ(e.status(), WEIR_E_UNAVAILABLE);
  EXPECT_FALSE(e.retryable());
  EXPECT_EQ(e.message(), "the TLS certificate of neo4j at " + server.address() +
                             " is not valid for 127.0.0.2 (IP address mismatch): put a name the "
                             "certificate lists in the url, or use bolt+ssc:// to accept any "
                             "certificate");
  expect_values_result(run(*connect(settings("bolt+ssc://" + server.address())), kValuesRequest));
  server.stop();
  // The refused connection ended in the server's TLS handshake, the second played the script.
  ASSERT_EQ(server.failures().size(), 1u);
  EXPECT_EQ(server.connections(), 2);
}

TEST_F(Tls, ATlsClientIsToldWhenTheServerDoesNotSpeakTls) {
  ScriptedBoltServer server(script("values.json"));
  const auto e = connect_error(
      settings("bolt+s://" + server.address(), {{"trusted_certificates", "localhost.crt"}}));
  EXPECT_EQ(e.status(), WEIR_E_UNAVAILABLE);
  EXPECT_EQ(e.message(), "TLS handshake with neo4j at " + server.address() +
                             " failed: the server closed the connection: is TLS enabled on the "
                             "server? Without TLS use bolt://");
  server.stop();
  EXPECT_EQ(server.failures(),
            std::vector<std::string>{"session 0: the client did not start with the Bolt magic"});
}

TEST_F(Tls, PlainTextClientsAreToldWhenTheServerRequiresTls) {
  ScriptedBoltServer server(script("values.json"), {}, tls_only());
  auto e = connect_error(settings("bolt://" + server.address()));
  EXPECT_EQ(e.status(), WEIR_E_UNAVAILABLE);
  EXPECT_TRUE(e.retryable());
  EXPECT_EQ(e.message(),
            "Bolt handshake failed: reading from neo4j: End of file (a server that requires TLS "
            "closes plain-text connections: use bolt+s://, neo4j+s:// or their +ssc forms)");

  e = connect_error(settings("ws://" + server.address()));
  EXPECT_EQ(e.status(), WEIR_E_UNAVAILABLE);
  EXPECT_EQ(e.message(), "WebSocket upgrade to neo4j at " + server.address() +
                             " failed: end of stream (a server that requires TLS closes "
                             "plain-text connections: use wss://)");
  server.stop();
  EXPECT_EQ(server.received(), std::vector<std::string>{});
}

TEST_F(Tls, TheConnectTimeoutCoversTheTlsHandshake) {
  // Listening but never accepting: TCP connects (the kernel's backlog), and
  // the TLS handshake then waits for a ServerHello that never comes.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = std::to_string(silent.local_endpoint().port());
  const auto started = std::chrono::steady_clock::now();
  const auto e =
      connect_error(settings("bolt+ssc://127.0.0.1:" + port, {{"connect_timeout_ms", 300}}));
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(e.status(), WEIR_E_UNAVAILABLE);
  EXPECT_TRUE(e.retryable());
  EXPECT_EQ(e.message(), "TLS handshake with neo4j at 127.0.0.1:" + port + " timed out");
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::seconds(2));
}

TEST_F(Tls, AnUnusableCaFileIsAConfigErrorNamingTheField) {
  const std::string field = std::string(kField) + ".trusted_certificates: ";
  auto e = config_error({{"url", "bolt+s://h"}, {"trusted_certificates", "missing.pem"}});
  EXPECT_EQ(e.status(), WEIR_E_INVALID_CONFIG);
  EXPECT_EQ(e.message(), field + "cannot read " + (dir.path() / "missing.pem").string() +
                             ": No such file or directory");

  std::ofstream(dir.path() / "notes.txt") << "not a certificate\n";
  e = config_error({{"url", "neo4j+s://h"}, {"trusted_certificates", "notes.txt"}});
  EXPECT_EQ(e.status(), WEIR_E_INVALID_CONFIG);
  EXPECT_EQ(e.message().rfind(
                field + (dir.path() / "notes.txt").string() + " holds no PEM certificate (", 0),
            0u)
      << e.message();

  e = config_error({{"url", "bolt+s://h"}, {"trusted_certificates", "../outside.pem"}});
  EXPECT_EQ(e.status(), WEIR_E_INVALID_CONFIG);
  EXPECT_NE(e.message().find("escapes the workspace data directory"), std::string::npos)
      << e.message();

  e = config_error({{"url", "bolt://h"}, {"trusted_certificates", "localhost.crt"}});
  EXPECT_EQ(e.message(), field +
                             "only applies to urls that verify the server's certificate (bolt+s, "
                             "neo4j+s, wss); bolt:// does not use TLS");
  e = config_error({{"url", "bolt+ssc://h"}, {"trusted_certificates", "localhost.crt"}});
  EXPECT_EQ(e.message(), field +
                             "only applies to urls that verify the server's certificate (bolt+s, "
                             "neo4j+s, wss); bolt+ssc:// accepts any certificate");
}

}  // namespace
}  // namespace weir::neo4j
