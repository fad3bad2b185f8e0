#include "gateway_fixture.hpp"

#include "api.hpp"
#include "config.hpp"
#include "gateway.hpp"
#include "http_server.hpp"
#include "io_threads.hpp"
#include "temp_dir.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>

#include <mutex>
#include <thread>
#include <vector>

namespace weir::testing {

struct RunningGateway::Parts {
  Parts(boost::json::object config, const std::filesystem::path& project)
      : root(project.empty() ? dir.path() : project), reload_with(config) {
    this->config = parse(std::move(config));
    gateway = std::make_unique<Gateway>(
        this->config,
        [this] {
          std::lock_guard lock(reload_mutex);
          return parse(reload_with);
        },
        root, io.get_executor());
    api = std::make_unique<Api>(*gateway);
    server = std::make_unique<HttpServer>(
        io, this->config.listen_address, this->config.listen_port,
        HttpLimits{this->config.limits.max_body_bytes, this->config.limits.read_timeout}, *api);
    server->start();
    // One thread, as HttpServer needs, and an I/O thread as the weir binary's are: queries
    // to a plugin with execute_async run on its event loop.
    threads.emplace_back([this] { IoThreads::run_as_io_thread(io); });
  }

  ~Parts() {
    server->stop_accepting();
    gateway->drain();
    api->join_workers();
    io.stop();
    for (auto& t : threads) t.join();
  }

  Config parse(boost::json::object config) const {
    config["listen"] = "127.0.0.1:0";
    if (!config.contains("plugin_dirs"))
      config["plugin_dirs"] = boost::json::array{WEIR_TEST_PLUGIN_DIR};
    if (!config.contains("workspace"))
      config["workspace"] = boost::json::object{{"root", root.string()}};
    return parse_config(boost::json::serialize(config), "test config", root, root);
  }

  TempDir dir;
  std::filesystem::path root;
  std::mutex reload_mutex;
  boost::json::object reload_with;
  Config config;
  boost::asio::io_context io;
  std::unique_ptr<Gateway> gateway;
  std::unique_ptr<Api> api;
  std::unique_ptr<HttpServer> server;
  std::vector<std::thread> threads;
};

RunningGateway::RunningGateway(boost::json::object config, const std::filesystem::path& project)
    : parts_(std::make_unique<Parts>(std::move(config), project)) {}

RunningGateway::~RunningGateway() = default;

std::uint16_t RunningGateway::port() const { return parts_->server->port(); }
Gateway& RunningGateway::gateway() { return *parts_->gateway; }
Api& RunningGateway::api() { return *parts_->api; }
HttpServer& RunningGateway::server() { return *parts_->server; }

void RunningGateway::set_reload_config(boost::json::object config) {
  std::lock_guard lock(parts_->reload_mutex);
  parts_->reload_with = std::move(config);
}

}  // namespace weir::testing
