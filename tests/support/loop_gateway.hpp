// weir::testing::LoopGateway — the weir binary with one I/O thread (one event
// loop) and two worker threads, serving a database whose plugin runs its
// queries on the loop and a SQLite database ("lite"), which runs on the
// workers: what a test needs to show that queries waiting on the loop hold no
// worker. Needs WEIR_TEST_PLUGIN_DIR and WEIR_TEST_BINARY (weir_process.hpp).
#pragma once

#include "free_local_port.hpp"
#include "http_client.hpp"
#include "temp_dir.hpp"
#include "weir_process.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <optional>
#include <string>

namespace weir::testing {

class LoopGateway {
 public:
  // `database` is the config of the database named `name`.
  LoopGateway(const std::string& name, boost::json::object database) : name_(name) {
    const boost::json::object config{
        {"listen", "127.0.0.1:" + std::to_string(port_)},
        {"plugin_dirs", boost::json::array{WEIR_TEST_PLUGIN_DIR}},
        {"io_threads", 1},
        {"worker_threads", 2},
        {"worker_threads_min", 2},
        {"databases",
         {{name, std::move(database)},
          {"lite", {{"backend", "sqlite"}, {"connection", {{"path", "lite.db"}}}}}}}};
    weir_.emplace(dir_.path(), boost::json::serialize(config));
    EXPECT_TRUE(WeirProcess::serves(port_, "/health/ready")) << weir_->stderr_text();
  }

  // Idle connections in the pool of the loop's database.
  std::int64_t idle_connections() const {
    return http_get(port_, "/v1/databases/" + name_).json().at("pool").at("idle").as_int64();
  }

  HttpReply query(const std::string& database, const std::string& body,
                  int timeout_ms = 10000) const {
    return post("/v1/databases/" + database + "/query", body, timeout_ms);
  }
  HttpReply post(const std::string& target, const std::string& body, int timeout_ms = 10000) const {
    return http_call(
        port_, boost::beast::http::verb::post, target, body,
        {{"content-type", "application/json"}, {"x-weir-timeout-ms", std::to_string(timeout_ms)}});
  }
  // The SQLite query behind the loop's, on a worker, and how long it took.
  std::chrono::steady_clock::duration time_a_worker_query() const {
    const auto started = std::chrono::steady_clock::now();
    const auto lite = query("lite", R"J({"query":"select 1 as one"})J");
    EXPECT_EQ(lite.status, 200u) << lite.body;
    return std::chrono::steady_clock::now() - started;
  }

 private:
  std::string name_;
  TempDir dir_;
  std::uint16_t port_ = free_local_port();
  std::optional<WeirProcess> weir_;
};

}  // namespace weir::testing
