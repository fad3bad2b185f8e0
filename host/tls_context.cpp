#include "tls_context.hpp"

#include "config_error.hpp"

#include <boost/asio/ssl/context.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace weir {

namespace fs = std::filesystem;
namespace ssl = boost::asio::ssl;

namespace {

// The file's text; a missing or unreadable file is reported with the OS's reason.
std::string read_pem(const fs::path& path, const std::string& field) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw ConfigError(field + ": " + path.string() + " is a directory, not a PEM file");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(field + ": cannot read " + path.string() + ": " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// OpenSSL's reason for the last failure ("no start line", ...), clearing its error queue.
std::string openssl_reason() {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : "unknown OpenSSL error";
}

}  // namespace

std::shared_ptr<ssl::context> load_tls_context(const fs::path& certificate,
                                               const fs::path& private_key) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  context->set_options(ssl::context::default_workarounds | ssl::context::single_dh_use);

  const std::string cert_pem = read_pem(certificate, "tls.certificate");
  boost::system::error_code ec;
  context->use_certificate_chain(boost::asio::buffer(cert_pem), ec);
  if (ec) {
    throw ConfigError(
        "tls.certificate: " + certificate.string() +
        " holds no valid PEM certificate (expected \"-----BEGIN CERTIFICATE-----\"): " +
        openssl_reason());
  }

  // Parsed here rather than through the context so that an encrypted key fails
  // instead of prompting for a passphrase on the terminal, and so that a key
  // that is not PEM and a key of another certificate get their own messages.
  const std::string key_pem = read_pem(private_key, "tls.private_key");
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())), &BIO_free);
  const auto no_passphrase = [](char*, int, int, void*) { return -1; };
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr), &EVP_PKEY_free);
  if (key == nullptr) {
    throw ConfigError("tls.private_key: " + private_key.string() +
                      " holds no valid unencrypted PEM private key (expected \"-----BEGIN PRIVATE "
                      "KEY-----\"): " +
                      openssl_reason());
  }
  if (SSL_CTX_use_PrivateKey(native, key.get()) != 1 || SSL_CTX_check_private_key(native) != 1) {
    throw ConfigError("tls.private_key: " + private_key.string() +
                      " does not match the certificate in tls.certificate (" +
                      certificate.string() + "): " + openssl_reason());
  }
  return context;
}

}  // namespace weir
