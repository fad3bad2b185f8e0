#include "tls_context.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace weir::neo4j {
namespace {

namespace ssl = boost::asio::ssl;

// The file is opened here first so that "missing" and "not readable" are
// told apart from "not PEM", which is all OpenSSL would report.
void check_readable(const TlsPolicy& p) {
  std::FILE* f = std::fopen(p.trusted_certificates->c_str(), "r");
  if (f == nullptr) {
    throw sdk::Error(WEIR_E_INVALID_CONFIG, p.trusted_certificates_field + ": cannot read " +
                                                p.trusted_certificates->string() + ": " +
                                                std::strerror(errno));
  }
  std::fclose(f);
}

}  // namespace

TlsContext::TlsContext(TlsPolicy policy)
    : policy_(std::move(policy)),
      context_(std::make_unique<ssl::context>(ssl::context::tls_client)) {
  // What the official drivers and Neo4j 5 accept; older versions are broken.
  SSL_CTX_set_min_proto_version(context_->native_handle(), TLS1_2_VERSION);
  if (!policy_.verify) {
    context_->set_verify_mode(ssl::verify_none);
    return;
  }
  context_->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (policy_.trusted_certificates) {
    check_readable(policy_);
    context_->load_verify_file(policy_.trusted_certificates->string(), ec);
    if (ec) {
      throw sdk::Error(WEIR_E_INVALID_CONFIG, policy_.trusted_certificates_field + ": " +
                                                  policy_.trusted_certificates->string() +
                                                  " holds no PEM certificate (" + ec.message() +
                                                  ")");
    }
  } else {
    context_->set_default_verify_paths(ec);
    if (ec) {
      throw sdk::Error(WEIR_E_INVALID_CONFIG,
                       "the system's trusted certificates cannot be loaded (" + ec.message() +
                           "); set " + policy_.trusted_certificates_field + " to a PEM CA file");
    }
  }
}

TlsContext::~TlsContext() = default;

std::string TlsContext::plain_scheme() const {
  return policy_.scheme == "wss" ? "ws" : policy_.scheme.substr(0, policy_.scheme.find('+'));
}

void TlsContext::prepare(ssl_st* ssl, const std::string& host) const {
  boost::system::error_code not_an_ip;
  boost::asio::ip::make_address(host, not_an_ip);
  bool ok = true;
  // SNI carries host names only (RFC 6066), never IP addresses.
  if (not_an_ip) ok = SSL_set_tlsext_host_name(ssl, host.c_str()) == 1;
  if (policy_.verify) {
    // OpenSSL then fails the chain check itself when the certificate names
    // neither (X509_V_ERR_HOSTNAME_MISMATCH / _IP_ADDRESS_MISMATCH).
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    ok = ok && (not_an_ip ? X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size())
                          : X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())) == 1;
  }
  if (!ok) throw sdk::Error(WEIR_E_INTERNAL, "cannot set up TLS for neo4j host " + host);
}

sdk::Error TlsContext::handshake_error(ssl_st* ssl, boost::system::error_code ec,
                                       const std::string& host, std::uint16_t port) const {
  const std::string where = host + ":" + std::to_string(port);
  const std::string prefix = "TLS handshake with neo4j at " + where;
  if (ec == boost::beast::error::timeout)
    return sdk::Error(WEIR_E_UNAVAILABLE, prefix + " timed out", true);

  // Retrying cannot help with a certificate: only the config or the server's
  // certificate can change the outcome.
  const long verified = SSL_get_verify_result(ssl);
  if (policy_.verify && verified != X509_V_OK) {
    const std::string reason = X509_verify_cert_error_string(verified);
    const std::string or_accept_any =
        policy_.scheme == "wss"
            ? ""
            : ", or use " + plain_scheme() + "+ssc:// to accept any certificate";
    if (verified == X509_V_ERR_HOSTNAME_MISMATCH || verified == X509_V_ERR_IP_ADDRESS_MISMATCH) {
      return sdk::Error(WEIR_E_UNAVAILABLE, "the TLS certificate of neo4j at " + where +
                                                " is not valid for " + host + " (" + reason +
                                                "): put a name the certificate lists in the url" +
                                                or_accept_any);
    }
    const std::string fix =
        policy_.trusted_certificates
            ? "it is not signed by a certificate in " + policy_.trusted_certificates_field + " (" +
                  policy_.trusted_certificates->string() + ")"
            : "the system trust store does not vouch for it; set " +
                  policy_.trusted_certificates_field + " to a PEM file with the CA that signed it";
    return sdk::Error(WEIR_E_UNAVAILABLE, "the TLS certificate of neo4j at " + where +
                                              " is not trusted (" + reason + "): " + fix +
                                              or_accept_any);
  }

  const std::string not_tls =
      ": is TLS enabled on the server? Without TLS use " + plain_scheme() + "://";
  if (ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated) {
    // Also what a restarting server looks like, so the pool may try again.
    return sdk::Error(WEIR_E_UNAVAILABLE,
                      prefix + " failed: the server closed the connection" + not_tls, true);
  }
  if (ec.category() == boost::asio::error::get_ssl_category()) {
    // The server answered with something that is not TLS ("wrong version
    // number"), or a TLS it cannot agree on.
    return sdk::Error(WEIR_E_UNAVAILABLE, prefix + " failed (" + ec.message() + ")" + not_tls);
  }
  return sdk::Error(WEIR_E_UNAVAILABLE, prefix + " failed: " + ec.message(), true);
}

}  // namespace weir::neo4j
