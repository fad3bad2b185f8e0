// The "connection" settings: defaults, and the exact message for each mistake.
#include "chroma_settings.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace weir::chroma {
namespace {

ChromaSettings read(const std::string& json) {
  const auto object = boost::json::parse(json).as_object();
  return ChromaSettings::from(sdk::ConfigReader(object, "databases.vec.connection"));
}

std::string config_error(const std::string& json) {
  try {
    read(json);
  } catch (const sdk::Error& e) {
    EXPECT_EQ(e.status(), WEIR_E_INVALID_CONFIG);
    return e.message();
  }
  ADD_FAILURE() << "accepted " << json;
  return "";
}

TEST(ChromaSettings, DefaultsMatchTheOfficialClients) {
  const auto s = read("{}");
  EXPECT_EQ(s.url, "http://localhost:8000");
  EXPECT_EQ(s.tenant, "default_tenant");
  EXPECT_EQ(s.database, "default_database");
  EXPECT_FALSE(s.create_database);
  EXPECT_TRUE(s.auth_header.empty());
  EXPECT_EQ(s.request_timeout.count(), 30000);
  EXPECT_FALSE(s.max_batch_size.has_value());
  EXPECT_EQ(s.max_response_bytes, 64 << 20);
}

TEST(ChromaSettings, ATinyResponseCapIsRefused) {
  EXPECT_EQ(config_error(R"({"max_response_bytes":100})"),
            "databases.vec.connection.max_response_bytes: must be an integer from 1024 to "
            "17179869184, got 100");
}

TEST(ChromaSettings, TrailingSlashesAreDropped) {
  EXPECT_EQ(read(R"({"url":"http://127.0.0.1:9/"})").url, "http://127.0.0.1:9");
}

TEST(ChromaSettings, UrlWithoutSchemeIsRefused) {
  EXPECT_EQ(
      config_error(R"({"url":"127.0.0.1:8000"})"),
      "databases.vec.connection.url: must start with http:// or https://, got \"127.0.0.1:8000\"");
}

TEST(ChromaSettings, MisspeltSettingIsRefusedWithTheKnownOnes) {
  const auto message = config_error(R"({"tenat":"acme"})");
  EXPECT_EQ(message.rfind(
                "databases.vec.connection.tenat: is not a known setting (known: url, tenant,", 0),
            0)
      << message;
}

TEST(ChromaSettings, EmptyDatabaseIsRefused) {
  EXPECT_EQ(config_error(R"({"database":""})"),
            "databases.vec.connection.database: must not be empty");
}

TEST(ChromaSettings, TimeoutOutOfRangeIsRefused) {
  EXPECT_EQ(
      config_error(R"({"request_timeout_ms":0})"),
      "databases.vec.connection.request_timeout_ms: must be an integer from 1 to 86400000, got 0");
}

TEST(ChromaSettings, AuthTokenComesFromTheEnvironment) {
  setenv("WEIR_TEST_CHROMA_TOKEN", "s3cret", 1);
  const auto s = read(R"({"auth_token_env":"WEIR_TEST_CHROMA_TOKEN"})");
  EXPECT_EQ(s.auth_header, "x-chroma-token");
  EXPECT_EQ(s.auth_token, "s3cret");
  const auto bearer =
      read(R"({"auth_header":"Authorization","auth_token_env":"WEIR_TEST_CHROMA_TOKEN"})");
  EXPECT_EQ(bearer.auth_header, "Authorization");
  unsetenv("WEIR_TEST_CHROMA_TOKEN");
}

TEST(ChromaSettings, UnsetTokenVariableIsNamedWithoutAValue) {
  unsetenv("WEIR_TEST_CHROMA_MISSING");
  EXPECT_EQ(config_error(R"({"auth_token_env":"WEIR_TEST_CHROMA_MISSING"})"),
            "databases.vec.connection.auth_token_env: names the environment variable "
            "WEIR_TEST_CHROMA_MISSING, which is not set");
}

TEST(ChromaSettings, AuthHeaderWithoutTokenVariableIsRefused) {
  EXPECT_EQ(config_error(R"({"auth_header":"Authorization"})"),
            "databases.vec.connection.auth_token_env: is required when auth_header is set (the "
            "environment variable holding the token)");
}

}  // namespace
}  // namespace weir::chroma
