// weir::testing::FaultProxy — a TCP proxy on 127.0.0.1 between weir and a
// backend server that injects network faults on demand, switched from the
// test thread while traffic flows:
//
//   FaultProxy proxy(server_port);        // 127.0.0.1:proxy.port() → 127.0.0.1:server_port
//   proxy.set(Fault::added_latency(100ms));   // each chunk waits 100 ms before it is forwarded
//   proxy.set(Fault::bandwidth_cap(4096));    // at most 4096 bytes/s each way
//   proxy.set(Fault::reset_mid_response(10)); // 10 more bytes from the server, then RST to both
//   proxy.set(Fault::black_hole());           // nothing is forwarded any more; new connections
//                                             // are accepted and never answered
//   proxy.clear();                        // new connections forward normally again
//   proxy.close_open_connections();       // FIN to both sides of every open connection,
//                                         // as a server or a firewall dropping idle ones
//
// A fault applies to open connections as well as to new ones, since pools
// keep theirs open. A connection that lost bytes to a blackhole, or was
// reset, stays dead after clear(): its byte stream is no longer whole. A dead
// connection keeps the client's socket open (and reads and drops what the
// client sends, like a hung server) until the client closes it. One thread
// runs the proxy's I/O; the destructor stops it and closes every socket.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace weir::testing {

struct Fault {
  std::chrono::milliseconds latency{0};    // added before each forwarded chunk, both ways
  std::size_t bytes_per_second = 0;        // 0 = no cap; applies each way
  std::optional<std::size_t> reset_after;  // server bytes still forwarded before the RST
  bool blackhole = false;

  static Fault added_latency(std::chrono::milliseconds delay) {
    Fault f;
    f.latency = delay;
    return f;
  }
  static Fault bandwidth_cap(std::size_t bytes_per_second) {
    Fault f;
    f.bytes_per_second = bytes_per_second;
    return f;
  }
  static Fault reset_mid_response(std::size_t after_server_bytes) {
    Fault f;
    f.reset_after = after_server_bytes;
    return f;
  }
  static Fault black_hole() {
    Fault f;
    f.blackhole = true;
    return f;
  }
};

class FaultProxy {
 public:
  explicit FaultProxy(std::uint16_t server_port, const std::string& server_host = "127.0.0.1");
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // New connections go to this server port from now on (a server restarted
  // on another port stays at the proxy's address); open ones are left alone.
  void redirect(std::uint16_t server_port);

  // Takes effect for the next chunk on every connection, and for new ones.
  void set(const Fault& fault);
  void clear() { set(Fault{}); }
  // Closes every open connection on both sides (FIN, not RST) and returns
  // once they are closed; later connections are left alone.
  void close_open_connections();
  // Connections accepted so far.
  int accepted() const noexcept { return accepted_.load(); }
  // Of those, the ones over which the client sent anything (a request).
  int sending() const noexcept { return sending_.load(); }

  // The fault in force and its generation (a reset_after count restarts at
  // each set(), so it counts from the moment the test switched it on), and
  // where new connections go.
  struct Setting {
    Fault fault;
    std::uint64_t generation = 0;
    boost::asio::ip::tcp::endpoint server;
  };
  Setting setting() const;

 private:
  class Link;
  void accept_next();

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<int> accepted_{0};
  std::atomic<int> sending_{0};
  mutable std::mutex mutex_;
  Setting setting_;
  std::vector<std::weak_ptr<Link>> links_;  // used on the proxy's thread only
  std::thread thread_;
};

}  // namespace weir::testing
