// Shared fixture of the chroma tests: one real Chroma server per test suite,
// connections made through the plugin's own factory, and helpers that run a
// request and return either its result or the exact error a caller sees.
#pragma once

#include "chroma_factory.hpp"

#include <chroma_direct_client.hpp>
#include <chroma_server.hpp>
#include <weir/testing/value_builder.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

namespace weir::chroma::test {

inline ChromaSettings settings_for(const std::string& url, boost::json::object extra = {}) {
  extra["url"] = url;
  return ChromaSettings::from(sdk::ConfigReader(extra, "databases.vec.connection"));
}

// Runs one request; throws sdk::Error on failure.
inline boost::json::value run(sdk::Connection& c, const std::string& json,
                              sdk::ExecOptions options = {}) {
  weir::testing::ValueBuilder builder;
  sdk::ValueWriter writer(builder.writer());
  c.execute(boost::json::parse(json).as_object(), options, writer);
  return builder.value();
}

// Runs one request that must fail and returns the error.
inline sdk::Error failure(sdk::Connection& c, const std::string& json,
                          sdk::ExecOptions options = {}) {
  try {
    const auto result = run(c, json, options);
    ADD_FAILURE() << "expected an error from " << json << ", got " << result;
  } catch (const sdk::Error& e) {
    return e;
  }
  return sdk::Error(WEIR_OK, "");
}

class ChromaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      server_ = std::make_unique<weir::testing::ChromaServer>();
    } catch (const std::exception& e) {
      startup_error_ = e.what();
    }
  }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    if (!server_) GTEST_FAIL() << startup_error_;
    if (!server_->running()) server_->start();  // an earlier test may have stopped it
  }

  static weir::testing::ChromaServer& server() { return *server_; }

  static std::unique_ptr<ChromaFactory> factory(boost::json::object extra = {}) {
    return std::make_unique<ChromaFactory>(settings_for(server_->url(), std::move(extra)));
  }
  // A connection from a factory kept alive by the fixture.
  sdk::Connection& connection() {
    if (!connection_) {
      factory_ = factory();
      connection_ = factory_->connect({});
    }
    return *connection_;
  }
  weir::testing::ChromaDirectClient& direct() {
    if (!direct_) direct_ = std::make_unique<weir::testing::ChromaDirectClient>(server_->url());
    return *direct_;
  }
  // A collection name unique to the running test.
  static std::string collection_name() {
    return std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  // Creates the test's collection with three 3-d records a, b, c; returns its name.
  std::string make_collection_abc() {
    const std::string name = collection_name();
    run(connection(), R"({"op":"create_collection","name":")" + name + R"("})");
    run(connection(), R"({"op":"add","collection":")" + name + R"(","ids":["a","b","c"],
        "embeddings":[[1,0,0],[0,1,0],[0,0,1]],"documents":["apple pie","banana split","cherry tart"],
        "metadatas":[{"kind":"fruit","n":1},{"kind":"fruit","n":2},{"kind":"berry","n":3}]})");
    return name;
  }
  static std::string records_path(const std::string& collection_id) {
    return "/api/v2/tenants/default_tenant/databases/default_database/collections/" + collection_id;
  }

  inline static std::unique_ptr<weir::testing::ChromaServer> server_;
  inline static std::string startup_error_;

 private:
  std::unique_ptr<ChromaFactory> factory_;
  std::unique_ptr<sdk::Connection> connection_;
  std::unique_ptr<weir::testing::ChromaDirectClient> direct_;
};

}  // namespace weir::chroma::test
