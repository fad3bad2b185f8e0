// Runs a whole gateway in-process on a free port — config parsing, plugin
// loading from the build tree, the HTTP server and its I/O threads — so
// tests see exactly what clients see.
#pragma once

#include "api.hpp"
#include "config.hpp"
#include "gateway.hpp"
#include "http_server.hpp"
#include "temp_dir.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace weir::testing {

class RunningGateway {
 public:
  // `config` is the JSON config; "listen" is forced to 127.0.0.1:0 and
  // plugin_dirs defaults to the build tree's plugin directory.
  explicit RunningGateway(boost::json::object config, const std::filesystem::path& project = {}) {
    config["listen"] = "127.0.0.1:0";
    if (!config.contains("plugin_dirs"))
      config["plugin_dirs"] = boost::json::array{WEIR_TEST_PLUGIN_DIR};
    const auto root = project.empty() ? dir_.path() : project;
    if (!config.contains("workspace"))
      config["workspace"] = boost::json::object{{"root", root.string()}};
    config_ = parse_config(boost::json::serialize(config), "test config", root, root);
    gateway_ = std::make_unique<Gateway>(config_, root);
    api_ = std::make_unique<Api>(*gateway_, io_.get_executor());
    server_ = std::make_unique<HttpServer>(
        io_, config_.listen_address, config_.listen_port,
        HttpLimits{config_.limits.max_body_bytes, config_.limits.read_timeout}, *api_);
    server_->start();
    for (unsigned i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }
  ~RunningGateway() {
    server_->stop_accepting();
    api_->join_workers();
    io_.stop();
    for (auto& t : threads_) t.join();
  }

  std::uint16_t port() const { return server_->port(); }
  Gateway& gateway() { return *gateway_; }
  HttpServer& server() { return *server_; }

 private:
  TempDir dir_;
  Config config_;
  boost::asio::io_context io_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::thread> threads_;
};

}  // namespace weir::testing
