#include "client_gone.hpp"

#include "http_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <thread>

namespace weir::testing {

struct AbandonedRequest::Socket {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket{io};
};

AbandonedRequest::AbandonedRequest(std::uint16_t port, const std::string& target,
                                   const std::string& body)
    : socket_(std::make_unique<Socket>()) {
  socket_->socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  boost::asio::write(socket_->socket,
                     boost::asio::buffer("POST " + target +
                                         " HTTP/1.1\r\nHost: x\r\n"
                                         "Content-Type: application/json\r\n"
                                         "Content-Length: " +
                                         std::to_string(body.size()) + "\r\n\r\n" + body));
}

AbandonedRequest::~AbandonedRequest() = default;

bool wait_for_admission(std::uint16_t port, const std::string& database, std::int64_t running,
                        std::int64_t queued, std::chrono::milliseconds patience) {
  const auto until = std::chrono::steady_clock::now() + patience;
  do {
    const auto r = http_get(port, "/v1/databases/" + database);
    if (r.status == 200u) {
      const auto admission = r.json().at("admission");
      if (admission.at("running").as_int64() == running &&
          admission.at("queued").as_int64() == queued)
        return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < until);
  return false;
}

std::string client_closed_count_line(std::uint16_t port, const std::string& database) {
  const auto metrics = http_get(port, "/metrics").body;
  const std::string series = "weir_requests_total{database=\"" + database +
                             "\",operation=\"query\",code=\"client_closed_request\"} ";
  const auto at = metrics.find(series);
  return at == std::string::npos ? metrics : metrics.substr(at, metrics.find('\n', at) - at);
}

}  // namespace weir::testing
