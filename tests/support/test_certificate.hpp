// A self-signed TLS certificate made at test time (never committed, never
// expired): an EC P-256 key and a certificate for "localhost" and 127.0.0.1,
// written as PEM files. Tests give the certificate to a server and the same
// file to the client as its only trusted authority.
#pragma once

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace weir::testing {

struct TestCertificate {
  std::filesystem::path certificate;  // PEM, also the trust anchor for clients
  std::filesystem::path private_key;  // PEM, unencrypted
};

namespace detail {

inline void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test certificate: ") + what + " failed");
}

inline void write_pem(const std::filesystem::path& file, auto&& write) {
  std::unique_ptr<FILE, int (*)(FILE*)> out(std::fopen(file.c_str(), "w"), &std::fclose);
  require(out != nullptr, "opening the output file");
  require(write(out.get()) == 1, "writing PEM");
}

}  // namespace detail

// Writes `<dir>/<name>.crt` and `<dir>/<name>.key`.
inline TestCertificate make_test_certificate(const std::filesystem::path& dir,
                                             const std::string& name = "localhost") {
  using detail::require;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  require(key != nullptr, "generating the key");

  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  require(cert != nullptr, "allocating the certificate");
  X509_set_version(cert.get(), 2);  // v3, for subjectAltName
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24L * 3600);
  require(X509_set_pubkey(cert.get(), key.get()) == 1, "setting the public key");
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), subject);  // self-signed

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
                                   std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    require(ext != nullptr, "building an extension");
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  require(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "signing");

  TestCertificate out{dir / (name + ".crt"), dir / (name + ".key")};
  detail::write_pem(out.certificate, [&](FILE* f) { return PEM_write_X509(f, cert.get()); });
  detail::write_pem(out.private_key, [&](FILE* f) {
    return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  return out;
}

}  // namespace weir::testing
