// The TLS side of a +s / +ssc / wss url: which certificates are trusted,
// how each connection checks the server's name, and what a failed handshake
// tells the client. Built once when the pool opens (so an unusable CA file
// is a config error, not an outage) and shared by every connection of the
// database, a cluster's member pools included.
//
// Thread-safety: const after construction; OpenSSL allows connections to be
// made from one context on many threads at once.
#pragma once

#include <boost/system/error_code.hpp>

#include <weir/sdk/error.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace boost::asio::ssl {
class context;
}
struct ssl_st;  // OpenSSL's SSL

namespace weir::neo4j {

struct TlsPolicy {
  std::string scheme;  // the url's scheme, for messages: "bolt+s", "neo4j+ssc", "wss"
  // +s and wss: check the certificate chain and the host name, as the
  // official drivers do; +ssc: encrypt, but accept any certificate.
  bool verify = true;
  // The trust anchors when verifying (a PEM bundle); the system store if unset.
  std::optional<std::filesystem::path> trusted_certificates;
  std::string trusted_certificates_field;  // its config path, for messages
};

class TlsContext {
 public:
  // Throws Error(WEIR_E_INVALID_CONFIG) naming the field when the CA file
  // cannot be read or holds no PEM certificate.
  explicit TlsContext(TlsPolicy policy);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  boost::asio::ssl::context& native() const noexcept { return *context_; }

  // Before the handshake of one connection to `host`: SNI for a name, and,
  // when verifying, the name or IP address the certificate must carry.
  void prepare(ssl_st* ssl, const std::string& host) const;

  // The error a client sees for a failed handshake with host:port: a timeout,
  // an untrusted certificate (naming the setting that fixes it), a name the
  // certificate does not carry, or a server that does not speak TLS.
  sdk::Error handshake_error(ssl_st* ssl, boost::system::error_code ec, const std::string& host,
                             std::uint16_t port) const;

 private:
  std::string plain_scheme() const;  // the url without TLS: bolt, neo4j, ws

  TlsPolicy policy_;
  std::unique_ptr<boost::asio::ssl::context> context_;
};

}  // namespace weir::neo4j
