// The built weir_chroma.so through the C ABI, as the host drives it: entry,
// pool_open from config JSON, acquire, execute, check, and errors filled into
// weir_error with the server's kind in `code`.
#include "chroma_test_fixture.hpp"

#include <dlfcn.h>

namespace weir::chroma::test {
namespace {

class PluginAbiTest : public ChromaTest {
 protected:
  void SetUp() override {
    ChromaTest::SetUp();
    library_ = dlopen(WEIR_CHROMA_PLUGIN, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(library_, nullptr) << dlerror();
    auto entry = reinterpret_cast<weir_plugin_entry_fn>(dlsym(library_, WEIR_ENTRY_SYMBOL));
    ASSERT_NE(entry, nullptr);
    host_.struct_size = sizeof host_;
    host_.abi_version = WEIR_ABI_VERSION;
    host_.host_version = "test";
    plugin_.struct_size = sizeof plugin_;
    ASSERT_EQ(entry(WEIR_ABI_VERSION, &host_, &plugin_, new_error()), WEIR_OK);
  }
  void TearDown() override {
    if (library_ != nullptr) dlclose(library_);
  }

  weir_error* new_error() {
    error_ = weir_error{};
    error_.struct_size = sizeof error_;
    return &error_;
  }
  weir_status open(const std::string& config, weir_pool** pool) {
    weir_pool_params params{sizeof(weir_pool_params), "vec", config.data(), config.size(), "/tmp"};
    return plugin_.pool_open(&params, pool, new_error());
  }
  weir_status execute(weir_conn* conn, const std::string& request, boost::json::value* out) {
    weir::testing::ValueBuilder builder;
    weir_exec_options options{sizeof(weir_exec_options), 0, 0};
    const auto status = plugin_.execute(conn, request.data(), request.size(), &options,
                                        builder.writer(), new_error());
    *out = builder.value();
    return status;
  }

  void* library_ = nullptr;
  weir_host host_{};
  weir_plugin plugin_{};
  weir_error error_{};
};

TEST_F(PluginAbiTest, DescribesItselfAsTheVectorBackend) {
  EXPECT_STREQ(plugin_.name, "chroma");
  EXPECT_EQ(plugin_.kind, WEIR_KIND_VECTOR);
  EXPECT_EQ(plugin_.abi_version, WEIR_ABI_VERSION_2);
  // So the gateway cancels a request whose client went away.
  EXPECT_NE(plugin_.capabilities & WEIR_CAP_CANCEL, 0u);
}

TEST_F(PluginAbiTest, RequestsRoundTripThroughTheCAbi) {
  weir_pool* pool = nullptr;
  ASSERT_EQ(open(R"({"backend":"chroma","connection":{"url":")" + server().url() +
                     R"("},"pool":{"max_size":2}})",
                 &pool),
            WEIR_OK)
      << error_.message;
  weir_acquire_options acquire{sizeof(weir_acquire_options), 2000, "test", "abi", 0};
  weir_conn* conn = nullptr;
  ASSERT_EQ(plugin_.acquire(pool, &acquire, &conn, new_error()), WEIR_OK) << error_.message;

  boost::json::value result;
  ASSERT_EQ(execute(conn, R"({"op":"create_collection","name":"abi"})", &result), WEIR_OK)
      << error_.message;
  ASSERT_EQ(
      execute(conn, R"({"op":"add","collection":"abi","ids":["a"],"embeddings":[[1,2]]})", &result),
      WEIR_OK);
  ASSERT_EQ(
      execute(conn, R"({"op":"query","collection":"abi","query_embeddings":[[1,2]],"n_results":1})",
              &result),
      WEIR_OK);
  EXPECT_EQ(result.at("ids"), boost::json::parse(R"([["a"]])"));

  EXPECT_EQ(execute(conn, R"({"op":"count","collection":"nosuch"})", &result), WEIR_E_NOT_FOUND);
  EXPECT_EQ(error_.status, WEIR_E_NOT_FOUND);
  EXPECT_STREQ(error_.code, "NotFoundError");
  EXPECT_STREQ(error_.message, "Collection [nosuch] does not exists");
  EXPECT_EQ(error_.retryable, 0);

  weir::testing::ValueBuilder detail;
  ASSERT_EQ(plugin_.check(conn, 1000, detail.writer(), new_error()), WEIR_OK) << error_.message;
  EXPECT_EQ(detail.value().at("server_version"), "1.0.0");

  plugin_.release(pool, conn, WEIR_RELEASE_OK);
  plugin_.pool_close(pool);
}

TEST_F(PluginAbiTest, BadConnectionSettingFailsPoolOpenNamingTheField) {
  weir_pool* pool = nullptr;
  EXPECT_EQ(open(R"({"backend":"chroma","connection":{"url":"ftp://x"}})", &pool),
            WEIR_E_INVALID_CONFIG);
  EXPECT_STREQ(
      error_.message,
      "databases.vec.connection.url: must start with http:// or https://, got \"ftp://x\"");
}

TEST_F(PluginAbiTest, StoppedServerMakesAcquireUnavailable) {
  weir_pool* pool = nullptr;
  server().stop();
  ASSERT_EQ(open(R"({"backend":"chroma","connection":{"url":")" + server().url() + R"("}})", &pool),
            WEIR_OK)
      << "a backend that is down must not fail pool_open: " << error_.message;
  weir_acquire_options acquire{sizeof(weir_acquire_options), 500, nullptr, nullptr, 0};
  weir_conn* conn = nullptr;
  EXPECT_EQ(plugin_.acquire(pool, &acquire, &conn, new_error()), WEIR_E_UNAVAILABLE);
  EXPECT_EQ(error_.retryable, 1);
  EXPECT_NE(std::string(error_.message).find(server().url()), std::string::npos) << error_.message;
  plugin_.pool_close(pool);
}

}  // namespace
}  // namespace weir::chroma::test
