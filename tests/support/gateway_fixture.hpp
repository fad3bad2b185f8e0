// Runs a whole gateway in-process on a free port — config parsing, plugin
// loading from the build tree, the HTTP server and its I/O threads — so
// tests see exactly what clients see. The host's headers stay out of this
// one (gateway_fixture.cpp includes them): most tests only talk HTTP to it.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>

namespace weir {
class Api;
class Gateway;
class HttpServer;
}  // namespace weir

namespace weir::testing {

class RunningGateway {
 public:
  // `config` is the JSON config; "listen" is forced to 127.0.0.1:0 and
  // plugin_dirs defaults to the build tree's plugin directory.
  explicit RunningGateway(boost::json::object config, const std::filesystem::path& project = {});
  ~RunningGateway();

  std::uint16_t port() const;
  Gateway& gateway();
  Api& api();
  HttpServer& server();
  // The config the next reload reads (as the file would be rewritten).
  void set_reload_config(boost::json::object config);

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace weir::testing
