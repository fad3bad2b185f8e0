// weir — the gateway's command line: serve, plugins, check-config.
#include "api.hpp"
#include "config.hpp"
#include "config_check.hpp"
#include "config_error.hpp"
#include "gateway.hpp"
#include "http_server.hpp"
#include "io_threads.hpp"
#include "logger.hpp"
#include "mcp/stdio_front.hpp"
#include "service_notify.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json/serialize.hpp>

#include <unistd.h>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

namespace fs = std::filesystem;

namespace {

constexpr const char* kUsage = R"(weir — a database gateway with pluggable backends

usage: weir <command> [options]

commands:
  serve          start the gateway (the default command)
  mcp            speak MCP (Model Context Protocol) on stdin/stdout for a local agent;
                 logs go to stderr (docs/mcp.md)
  plugins        list the plugins found, loaded and rejected (with reasons)
  check-config   validate the configuration as serve does (each plugin checks its
                 databases' settings; nothing connects) and print it with secrets masked

options:
  -c, --config FILE   config file (default: $WEIR_CONFIG, else <project root>/weir.json,
                      else a built-in default serving one SQLite database "default")
  -l, --listen H:P    override the listen address, e.g. 127.0.0.1:7300
      --log-level L   debug, info, warn or error
  -h, --help          this help
  -V, --version       print the version

environment:
  WEIR_CONFIG        config file, when --config is not given
  WEIR_PLUGIN_PATH   extra plugin directories, ':'-separated

docs: docs/configuration.md, docs/http-api.yaml, docs/operations.md
)";

struct Options {
  std::string command = "serve";
  std::optional<fs::path> config;
  std::optional<std::string> listen;
  std::optional<std::string> log_level;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "weir: " << message << "\nrun 'weir --help' for usage\n";
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options o;
  bool command_seen = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      std::exit(0);
    } else if (arg == "-V" || arg == "--version") {
      std::cout << "weir " << WEIR_VERSION << " (plugin ABI " << WEIR_ABI_VERSION << ")\n";
      std::exit(0);
    } else if (arg == "-c" || arg == "--config") {
      o.config = fs::path(value());
    } else if (arg == "-l" || arg == "--listen") {
      o.listen = value();
    } else if (arg == "--log-level") {
      o.log_level = value();
    } else if (!arg.empty() && arg[0] != '-' && !command_seen) {
      if (arg != "serve" && arg != "mcp" && arg != "plugins" && arg != "check-config")
        usage_error("unknown command \"" + arg + "\"");
      o.command = arg;
      command_seen = true;
    } else {
      usage_error("unknown option \"" + arg + "\"");
    }
  }
  return o;
}

fs::path executable_dir() {
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : exe.parent_path();
}

// The config file with the command line's overrides; run again on every reload.
weir::Config load(const Options& o) {
  weir::Config config = weir::load_config(o.config, fs::current_path());
  if (o.listen) {
    weir::set_listen(config, *o.listen, "--listen");
    weir::check_exposure(config);
  }
  if (o.log_level && !weir::parse_log_level(*o.log_level, config.log_level)) {
    usage_error("--log-level must be debug, info, warn or error");
  }
  return config;
}

int list_plugins(const weir::Config& config) {
  weir::PluginCatalog catalog;
  catalog.scan(weir::plugin_search_path(config.plugin_dirs, executable_dir()));
  std::cout << "searched:\n";
  for (const auto& dir : catalog.searched()) std::cout << "  " << dir.string() << "\n";
  std::cout << "loaded:\n";
  for (const auto& p : catalog.loaded()) {
    std::cout << "  " << p->name << " " << p->version << " ("
              << weir::plugin_kind_name(p->table.kind) << ", ABI " << p->table.abi_version << ") "
              << p->path.string() << "\n";
  }
  std::cout << "rejected:\n";
  for (const auto& r : catalog.rejected())
    std::cout << "  " << r.path.string() << ": " << r.reason << "\n";
  return 0;
}

// The same validation as `serve` (its own settings, then every plugin's), without starting.
int check_config(const weir::Config& config) {
  weir::PluginCatalog catalog;
  catalog.scan(weir::plugin_search_path(config.plugin_dirs, executable_dir()));
  const auto notes = weir::check_backend_settings(config, catalog);
  boost::json::object databases;
  for (const auto& db : config.databases) databases[db.name] = db.masked;
  std::cout << "config " << config.source << " is valid\n"
            << "listen: " << config.listen_address << ":" << config.listen_port << "\n"
            << "workspace: " << config.workspace.root.string() << " (found by "
            << config.workspace.found_by << "), data in " << config.workspace.data_dir.string()
            << "\n"
            << "databases: " << boost::json::serialize(databases) << "\n";
  if (config.tls) {
    std::cout << "tls: certificate " << config.tls->certificate.string() << ", key "
              << config.tls->private_key.string() << "\n";
  }
  if (!config.log_file.empty()) std::cout << "log file: " << config.log_file.string() << "\n";
  for (const auto& note : notes) std::cout << "note: " << note << "\n";
  return 0;
}

// Calls `handler` with each signal `set` delivers (one async_wait delivers one).
void on_every_signal(boost::asio::signal_set& set, std::function<void(int)> handler) {
  set.async_wait([&set, handler = std::move(handler)](const boost::system::error_code& ec,
                                                      int signal) mutable {
    if (ec) return;
    handler(signal);
    on_every_signal(set, std::move(handler));
  });
}

// A first request that fits the first database's backend kind, for the start banner.
std::string sample_request(std::uint32_t kind) {
  switch (kind) {
    case WEIR_KIND_GRAPH:
      return R"({"query":"RETURN 1 AS x"})";
    case WEIR_KIND_VECTOR:
      return R"({"op":"list_collections"})";
    case WEIR_KIND_SQL:
      return R"({"query":"select 1 as x"})";
    default:
      return "";  // a backend of its own kind: its docs say what it takes
  }
}

void print_try_it(const weir::Snapshot& state, const std::string& url) {
  const auto served = std::find_if(state.databases.begin(), state.databases.end(),
                                   [](const auto& db) { return db.second.database->available(); });
  if (served == state.databases.end()) return;
  const auto& [name, db] = *served;
  const auto plugin = state.plugins->find(db.database->config().backend);
  const std::string request = plugin != nullptr ? sample_request(plugin->table.kind) : "";
  if (request.empty()) return;
  std::cerr << "\n  weir is listening on " << url << "\n  try:  curl -s -X POST " << url
            << "/v1/databases/" << name << "/query -H 'content-type: application/json'"
            << (state.access.local_only() ? "" : " -H 'authorization: Bearer <token>'") << " -d '"
            << request << "'\n";
  if (state.config.tls) {
    std::cerr << "        (add --cacert " << state.config.tls->certificate.string()
              << " if the certificate is self-signed)\n";
  }
  std::cerr << "\n";
}

void open_log_file(const weir::Config& config) {
  if (config.log_file.empty()) return;
  try {
    weir::Logger::instance().open_file(config.log_file);
  } catch (const std::system_error& e) {
    throw weir::ConfigError("config " + config.source + ": log.file: " + e.what());
  }
}

// `weir mcp`: the gateway without a listener, its MCP front on stdin/stdout until stdin ends.
int serve_mcp_stdio(const weir::Config& config, const Options& options) {
  open_log_file(config);
  weir::IoThreads io_threads(1);  // admission timers and signals
  weir::Gateway gateway(
      config, [&options] { return load(options); }, executable_dir(),
      io_threads.main().get_executor());
  weir::Api api(gateway);
  boost::asio::signal_set hangup(io_threads.main(), SIGHUP);
  on_every_signal(hangup, [&](int) {
    weir::log_info("host", "received SIGHUP: reloading the config");
    gateway.request_reload();
  });
  std::thread io([&] { io_threads.run(); });
  // This thread reads stdin, and a signal interrupting that read ends it (getc reports end of
  // file): SIGHUP is left to the other threads, which started without this mask.
  sigset_t hangup_only;
  sigemptyset(&hangup_only);
  sigaddset(&hangup_only, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &hangup_only, nullptr);
  weir::log_info("mcp",
                 "weir " WEIR_VERSION " serving MCP on stdio (config: " + config.source + ")");
  weir::mcp::serve_stdio(api.mcp_server(), std::cin, std::cout,
                         {config.limits.max_body_bytes, config.limits.request_timeout});
  gateway.drain();
  io_threads.stop();
  io.join();
  api.join_workers();
  return 0;
}

int serve(const weir::Config& config, const Options& options) {
  open_log_file(config);
  weir::IoThreads io_threads(config.io_threads);
  boost::asio::io_context& io = io_threads.main();
  weir::Gateway gateway(
      config, [&options] { return load(options); }, executable_dir(), io.get_executor());
  weir::Api api(gateway);
  weir::HttpServer server(io_threads, config.listen_address, config.listen_port,
                          {config.limits.max_body_bytes, config.limits.read_timeout}, api,
                          config.tls ? config.tls->context : nullptr);
  server.start();
  weir::ServiceNotifier service(io.get_executor());

  // SIGUSR1 reopens the log file after logrotate moved it (nginx's convention;
  // SIGHUP is left for reloading the config). Always handled: its default action would kill us.
  boost::asio::signal_set reopen_signal(io, SIGUSR1);
  on_every_signal(reopen_signal, [](int) { weir::Logger::instance().reopen(); });

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  std::thread drainer;
  on_every_signal(signals, [&](int sig) {
    if (drainer.joinable()) {
      weir::log_warn("host", "second signal: exiting without finishing the drain");
      std::_Exit(1);
    }
    weir::log_info("host", std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
                               ": no longer accepting; finishing in-flight requests");
    server.stop_accepting();
    api.end_mcp_streams();
    service.stopping();
    drainer = std::thread([&] {
      const auto until = std::chrono::steady_clock::now() + config.drain_timeout;
      while (server.in_flight() > 0 && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (server.in_flight() > 0)
        weir::log_warn("host", std::to_string(server.in_flight()) +
                                   " request(s) still running at the drain timeout");
      gateway.drain();
      io_threads.stop();
    });
  });

  boost::asio::signal_set hangup(io, SIGHUP);
  on_every_signal(hangup, [&](int) {
    weir::log_info("host", "received SIGHUP: reloading the config");
    gateway.request_reload();
  });

  const std::string url = std::string(config.tls ? "https://" : "http://") + config.listen_address +
                          ":" + std::to_string(server.port());
  weir::log_info("host", "weir " WEIR_VERSION " listening on " + url + " (config: " +
                             config.source + ", data: " + config.workspace.data_dir.string() + ")");
  print_try_it(*gateway.snapshot(), url);
  // The gateway opened every required database before the listener started.
  service.ready("serving on " + url);
  io_threads.run();
  if (drainer.joinable()) drainer.join();
  api.join_workers();
  weir::log_info("host", "stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  try {
    const weir::Config config = load(options);
    weir::Logger::instance().configure(config.log_level, config.log_format);
    if (options.command == "plugins") return list_plugins(config);
    if (options.command == "check-config") return check_config(config);
    if (options.command == "mcp") return serve_mcp_stdio(config, options);
    return serve(config, options);
  } catch (const weir::ConfigError& e) {
    std::cerr << "weir: " << e.what() << "\n";
    return 78;  // EX_CONFIG
  } catch (const weir::StartupError& e) {
    std::cerr << "weir: cannot start: " << e.what() << "\n";
    return 69;  // EX_UNAVAILABLE
  } catch (const std::system_error& e) {
    std::cerr << "weir: " << e.what() << "\n";
    return 71;  // EX_OSERR
  }
}
