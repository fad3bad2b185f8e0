// The "tls" section: certificate and key are loaded when the config is, and
// every way they can be wrong is a config error naming the field.
#include "config.hpp"
#include "config_error.hpp"
#include "temp_dir.hpp"
#include "test_certificate.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace weir {
namespace {

class TlsConfig : public ::testing::Test {
 protected:
  void SetUp() override { cert_ = testing::make_test_certificate(dir_.path()); }

  Config parse(const std::string& certificate, const std::string& private_key) {
    const std::string text = R"({"tls": {"certificate": ")" + certificate +
                             R"(", "private_key": ")" + private_key +
                             R"("}, "databases": {"a": {"backend": "sqlite"}}})";
    return parse_config(text, "test.json", dir_.path(), dir_.path());
  }
  std::string error_of(const std::string& certificate, const std::string& private_key) {
    try {
      parse(certificate, private_key);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  }
  std::string path(const std::string& name) const { return (dir_.path() / name).string(); }

  testing::TempDir dir_;
  testing::TestCertificate cert_;
};

TEST_F(TlsConfig, PathsResolveAgainstTheConfigFile) {
  const Config c = parse("localhost.crt", "localhost.key");
  ASSERT_TRUE(c.tls.has_value());
  EXPECT_EQ(c.tls->certificate, cert_.certificate);
  EXPECT_EQ(c.tls->private_key, cert_.private_key);
  EXPECT_NE(c.tls->context, nullptr);
}

TEST_F(TlsConfig, WithoutTheSectionTheListenerIsPlain) {
  const Config c =
      parse_config(R"({"databases": {"a": {"backend": "sqlite"}}})", "t", "/base", "/base");
  EXPECT_FALSE(c.tls.has_value());
}

// The listener keeps the context it started with, so a reload must say so.
TEST_F(TlsConfig, ReloadKeepsTheRunningCertificate) {
  testing::make_test_certificate(dir_.path(), "other");
  const Config running = parse("localhost.crt", "localhost.key");
  Config same = parse("localhost.crt", "localhost.key");
  EXPECT_TRUE(keep_restart_only_settings(running, same).empty());
  Config other = parse("other.crt", "other.key");
  EXPECT_EQ(keep_restart_only_settings(running, other), std::vector<std::string>{"tls"});
  EXPECT_EQ(other.tls->certificate, running.tls->certificate);
  EXPECT_EQ(other.tls->context, running.tls->context);
  Config plain =
      parse_config(R"({"databases": {"a": {"backend": "sqlite"}}})", "t", dir_.path(), dir_.path());
  EXPECT_EQ(keep_restart_only_settings(running, plain), std::vector<std::string>{"tls"});
  EXPECT_TRUE(plain.tls.has_value());
}

TEST_F(TlsConfig, MissingFileNamesTheFieldAndTheReason) {
  EXPECT_EQ(error_of("nope.crt", "localhost.key"),
            "config test.json: tls.certificate: cannot read " + path("nope.crt") +
                ": No such file or directory");
  EXPECT_EQ(error_of("localhost.crt", "nope.key"),
            "config test.json: tls.private_key: cannot read " + path("nope.key") +
                ": No such file or directory");
}

TEST_F(TlsConfig, DirectoryIsNotAFile) {
  std::filesystem::create_directory(dir_.path() / "certs");
  EXPECT_EQ(
      error_of("certs", "localhost.key"),
      "config test.json: tls.certificate: " + path("certs") + " is a directory, not a PEM file");
}

TEST_F(TlsConfig, FileWithoutACertificateIsRefused) {
  std::ofstream(dir_.path() / "junk.crt") << "not a certificate\n";
  const auto e = error_of("junk.crt", "localhost.key");
  EXPECT_NE(e.find("tls.certificate: " + path("junk.crt") + " holds no valid PEM certificate"),
            std::string::npos)
      << e;
  // The classic mix-up: the two files swapped.
  const auto swapped = error_of("localhost.key", "localhost.crt");
  EXPECT_NE(
      swapped.find("tls.certificate: " + path("localhost.key") + " holds no valid PEM certificate"),
      std::string::npos)
      << swapped;
}

TEST_F(TlsConfig, FileWithoutAKeyIsRefused) {
  const auto e = error_of("localhost.crt", "localhost.crt");
  EXPECT_NE(e.find("tls.private_key: " + path("localhost.crt") +
                   " holds no valid unencrypted PEM private key"),
            std::string::npos)
      << e;
}

// An encrypted key would make OpenSSL ask for a passphrase on the terminal;
// the gateway must fail instead of hanging at start.
TEST_F(TlsConfig, EncryptedKeyIsRefusedWithoutPrompting) {
  std::unique_ptr<FILE, int (*)(FILE*)> in(std::fopen(cert_.private_key.c_str(), "r"),
                                           &std::fclose);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_PrivateKey(in.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  ASSERT_NE(key, nullptr);
  std::unique_ptr<FILE, int (*)(FILE*)> out(std::fopen(path("encrypted.key").c_str(), "w"),
                                            &std::fclose);
  char passphrase[] = "passphrase";
  ASSERT_EQ(
      PEM_write_PrivateKey(out.get(), key.get(), EVP_aes_256_cbc(),
                           reinterpret_cast<unsigned char*>(passphrase), 10, nullptr, nullptr),
      1);
  out.reset();
  const auto e = error_of("localhost.crt", "encrypted.key");
  EXPECT_NE(e.find("tls.private_key: " + path("encrypted.key") +
                   " holds no valid unencrypted PEM private key"),
            std::string::npos)
      << e;
}

TEST_F(TlsConfig, KeyOfAnotherCertificateIsRefused) {
  testing::make_test_certificate(dir_.path(), "other");
  const auto e = error_of("localhost.crt", "other.key");
  EXPECT_NE(
      e.find("tls.private_key: " + path("other.key") +
             " does not match the certificate in tls.certificate (" + path("localhost.crt") + ")"),
      std::string::npos)
      << e;
}

TEST_F(TlsConfig, BothFilesAreRequiredAndUnknownKeysRefused) {
  const auto missing = [&](const std::string& tls) {
    try {
      parse_config(R"({"tls": )" + tls + R"(, "databases": {"a": {"backend": "sqlite"}}})", "t",
                   dir_.path(), dir_.path());
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(missing(R"({"certificate": "localhost.crt"})").find("tls.private_key: is required"),
            std::string::npos);
  EXPECT_NE(missing(R"({"private_key": "localhost.key"})").find("tls.certificate: is required"),
            std::string::npos);
  EXPECT_NE(missing(R"({"certificate": "localhost.crt", "private_key": "localhost.key",
                        "client_ca": "ca.crt"})")
                .find("tls.client_ca: is not a known setting"),
            std::string::npos);
  EXPECT_NE(missing("true").find("tls: must be an object"), std::string::npos);
}

}  // namespace
}  // namespace weir
