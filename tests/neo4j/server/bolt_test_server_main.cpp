// bolt_test_server --script FILE [--var NAME=VALUE]... [--tls DIR]
// Serves a script on 127.0.0.1 and prints "LISTENING <port>"; stops when its
// stdin closes (so it never outlives the process that started it), then
// prints each script failure as "FAILURE: ..." and exits 1 if there were any.
// --tls makes a test certificate (DIR/localhost.crt, .key) and serves TLS
// only; a client trusts DIR/localhost.crt.
#include "scripted_bolt_server.hpp"

#include <iostream>
#include <optional>
#include <string>

int main(int argc, char** argv) {
  std::string script;
  std::map<std::string, std::string> vars;
  std::optional<std::string> tls_dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--script") {
      script = value;
    } else if (flag == "--tls") {
      tls_dir = value;
    } else if (flag == "--var" && value.find('=') != std::string::npos) {
      vars[value.substr(0, value.find('='))] = value.substr(value.find('=') + 1);
    } else {
      std::cerr << "usage: bolt_test_server --script FILE [--var NAME=VALUE]... [--tls DIR]\n";
      return 2;
    }
  }
  try {
    weir::neo4j::testing::ServerOptions options;
    if (tls_dir) options.tls = weir::testing::make_test_certificate(*tls_dir);
    weir::neo4j::testing::ScriptedBoltServer server(script, vars, options);
    std::cout << "LISTENING " << server.port() << std::endl;
    std::string line;
    while (std::getline(std::cin, line)) {
    }
    server.stop();
    const auto failures = server.failures();
    for (const auto& f : failures) std::cout << "FAILURE: " << f << "\n";
    std::cout << "CONNECTIONS " << server.connections() << std::endl;
    return failures.empty() ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "bolt_test_server: " << e.what() << "\n";
    return 2;
  }
}
