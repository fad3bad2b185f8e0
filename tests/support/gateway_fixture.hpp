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
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace weir::testing {

class RunningGateway {
 public:
  // `config` is the JSON config; "listen" is forced to 127.0.0.1:0 and
  // plugin_dirs defaults to the build tree's plugin directory.
  explicit RunningGateway(boost::json::object config, const std::filesystem::path& project = {})
      : root_(project.empty() ? dir_.path() : project), reload_with_(config) {
    config_ = parse(std::move(config));
    gateway_ = std::make_unique<Gateway>(
        config_,
        [this] {
          std::lock_guard lock(reload_mutex_);
          return parse(reload_with_);
        },
        root_, io_.get_executor());
    api_ = std::make_unique<Api>(*gateway_);
    server_ = std::make_unique<HttpServer>(
        io_, config_.listen_address, config_.listen_port,
        HttpLimits{config_.limits.max_body_bytes, config_.limits.read_timeout}, *api_);
    server_->start();
    for (unsigned i = 0; i < 2; ++i) threads_.emplace_back([this] { run_io(io_); });
  }
  ~RunningGateway() {
    server_->stop_accepting();
    gateway_->drain();
    api_->join_workers();
    io_.stop();
    for (auto& t : threads_) t.join();
  }

  std::uint16_t port() const { return server_->port(); }
  Gateway& gateway() { return *gateway_; }
  HttpServer& server() { return *server_; }
  // The config the next reload reads (as the file would be rewritten).
  void set_reload_config(boost::json::object config) {
    std::lock_guard lock(reload_mutex_);
    reload_with_ = std::move(config);
  }

 private:
  Config parse(boost::json::object config) const {
    config["listen"] = "127.0.0.1:0";
    if (!config.contains("plugin_dirs"))
      config["plugin_dirs"] = boost::json::array{WEIR_TEST_PLUGIN_DIR};
    if (!config.contains("workspace"))
      config["workspace"] = boost::json::object{{"root", root_.string()}};
    return parse_config(boost::json::serialize(config), "test config", root_, root_);
  }

  TempDir dir_;
  std::filesystem::path root_;
  std::mutex reload_mutex_;
  boost::json::object reload_with_;
  Config config_;
  boost::asio::io_context io_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::thread> threads_;
};

}  // namespace weir::testing
