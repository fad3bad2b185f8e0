#include "fault_proxy.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <future>

namespace weir::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// One client connection and its server side: two pumps, each reading a
// chunk, applying the fault in force, and writing it on.
class FaultProxy::Link : public std::enable_shared_from_this<Link> {
 public:
  Link(FaultProxy& proxy, tcp::socket client)
      : proxy_(proxy),
        client_(std::move(client)),
        server_(client_.get_executor()),
        pumps_{Pump{client_, server_, false}, Pump{server_, client_, true}} {}

  void hang_up() { close_both(); }

  void start() {
    const auto setting = proxy_.setting();
    if (setting.fault.blackhole) {  // accepted, never answered
      dead_ = true;
      return read(client_pump());
    }
    server_.async_connect(setting.server, [self = shared_from_this()](error_code ec) {
      if (ec) return self->reset_both();  // as if the server refused
      for (auto& pump : self->pumps_) self->read(pump);
    });
  }

 private:
  struct Pump {
    tcp::socket& from;
    tcp::socket& to;
    bool from_server;
    std::array<char, 16384> buffer{};
    asio::steady_timer delay{from.get_executor()};
  };

  // A chunk small enough that a bandwidth cap paces traffic smoothly.
  static std::size_t chunk_size(const Fault& fault, std::size_t buffer) {
    if (fault.bytes_per_second == 0) return buffer;
    return std::clamp<std::size_t>(fault.bytes_per_second / 20, 1, buffer);
  }

  void read(Pump& pump) {
    const auto size = chunk_size(proxy_.setting().fault, pump.buffer.size());
    pump.from.async_read_some(asio::buffer(pump.buffer.data(), size),
                              [self = shared_from_this(), &pump](error_code ec, std::size_t n) {
                                self->forward(pump, ec, n);
                              });
  }

  Pump& client_pump() { return pumps_[0]; }

  void forward(Pump& pump, error_code ec, std::size_t n) {
    if (dead_ && pump.from_server) return;  // its socket was closed on purpose
    if (ec) return close_both();            // a peer left: so does the other
    if (!pump.from_server && !client_sent_) client_sent_ = true, ++proxy_.sending_;
    if (dead_) return read(pump);  // what the client sends is dropped
    const auto setting = proxy_.setting();
    const Fault& fault = setting.fault;
    if (fault.blackhole) return go_dead(pump);
    std::size_t pass = n;
    bool reset_now = false;
    if (pump.from_server && fault.reset_after) {
      if (setting.generation != counted_generation_)
        counted_generation_ = setting.generation, server_bytes_ = 0;
      const std::size_t left = *fault.reset_after - std::min(server_bytes_, *fault.reset_after);
      if (n >= left) pass = left, reset_now = true;
      server_bytes_ += pass;
    }
    auto wait = fault.latency;
    if (fault.bytes_per_second > 0)
      wait += std::chrono::milliseconds(pass * 1000 / fault.bytes_per_second);
    pump.delay.expires_after(wait);
    pump.delay.async_wait([self = shared_from_this(), &pump, pass, reset_now](error_code ec) {
      if (ec) return;
      if (self->dead_) return pump.from_server ? void() : self->read(pump);
      asio::async_write(pump.to, asio::buffer(pump.buffer.data(), pass),
                        [self, &pump, reset_now](error_code ec, std::size_t) {
                          if (reset_now) return self->reset_both();
                          if (self->dead_) return pump.from_server ? void() : self->read(pump);
                          if (ec) return self->close_both();
                          self->read(pump);
                        });
    });
  }

  // Stops forwarding for good: the server side closes, the client's stays
  // open and what it sends is read and dropped, until it hangs up. `pump`
  // holds the chunk that found the fault; the client pump, when it is not
  // that one, notices at its next step.
  void go_dead(Pump& pump) {
    dead_ = true;
    error_code ignored;
    server_.close(ignored);
    if (!pump.from_server) read(pump);
  }

  // SO_LINGER 0 makes close() send RST instead of FIN.
  void reset_both() {
    dead_ = true;
    for (auto* s : {&client_, &server_}) {
      error_code ignored;
      s->set_option(asio::socket_base::linger(true, 0), ignored);
      s->close(ignored);
    }
  }
  void close_both() {
    dead_ = true;
    for (auto* s : {&client_, &server_}) {
      error_code ignored;
      s->close(ignored);
    }
  }

  FaultProxy& proxy_;
  tcp::socket client_;
  tcp::socket server_;
  std::array<Pump, 2> pumps_;  // client → server, server → client
  bool dead_ = false;
  bool client_sent_ = false;  // counted in the proxy's sending_
  std::uint64_t counted_generation_ = 0;
  std::size_t server_bytes_ = 0;
};

FaultProxy::FaultProxy(std::uint16_t server_port, const std::string& server_host)
    : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
      port_(acceptor_.local_endpoint().port()) {
  setting_.server = tcp::endpoint(asio::ip::make_address(server_host), server_port);
  accept_next();
  thread_ = std::thread([this] { io_.run(); });
}

FaultProxy::~FaultProxy() {
  io_.stop();
  thread_.join();
}

void FaultProxy::redirect(std::uint16_t server_port) {
  std::lock_guard lock(mutex_);
  setting_.server.port(server_port);
}

void FaultProxy::set(const Fault& fault) {
  std::lock_guard lock(mutex_);
  setting_.fault = fault;
  ++setting_.generation;
}

FaultProxy::Setting FaultProxy::setting() const {
  std::lock_guard lock(mutex_);
  return setting_;
}

void FaultProxy::close_open_connections() {
  std::promise<void> closed;
  asio::post(io_, [this, &closed] {
    for (const auto& weak : links_) {
      if (const auto link = weak.lock()) link->hang_up();
    }
    links_.clear();
    closed.set_value();
  });
  closed.get_future().wait();
}

void FaultProxy::accept_next() {
  acceptor_.async_accept([this](error_code ec, tcp::socket client) {
    if (ec) return;
    ++accepted_;
    auto link = std::make_shared<Link>(*this, std::move(client));
    std::erase_if(links_, [](const auto& weak) { return weak.expired(); });
    links_.push_back(link);
    link->start();
    accept_next();
  });
}

}  // namespace weir::testing
