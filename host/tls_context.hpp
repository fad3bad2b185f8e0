// weir::load_tls_context — the HTTPS listener's certificate and key, read from
// PEM files and checked when the config is loaded, so a wrong file is a
// config error naming the field (tls.certificate / tls.private_key) rather
// than a failed handshake for the first client.
#pragma once

#include <filesystem>
#include <memory>

namespace boost::asio::ssl {
class context;
}

namespace weir {

// TLS 1.2 or later, the certificate chain from `certificate` (leaf first) and
// the unencrypted key from `private_key`. Throws ConfigError naming the field:
// file missing or unreadable, not PEM, or a key that does not match the certificate.
std::shared_ptr<boost::asio::ssl::context> load_tls_context(
    const std::filesystem::path& certificate, const std::filesystem::path& private_key);

}  // namespace weir
