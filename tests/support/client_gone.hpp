// Clients that leave before their answer, a way to watch a database's
// admission queue through GET /v1/databases/{name}, and the count /metrics
// keeps of them, for the tests of cancel-on-disconnect.
#pragma once

#include "http_client.hpp"

#include <boost/asio/write.hpp>

#include <chrono>
#include <thread>

namespace weir::testing {

// Sends one POST and never reads the answer; destroying it closes the connection.
class AbandonedRequest {
 public:
  AbandonedRequest(std::uint16_t port, const std::string& target, const std::string& body)
      : socket_(io_) {
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    boost::asio::write(socket_,
                       boost::asio::buffer("POST " + target +
                                           " HTTP/1.1\r\nHost: x\r\n"
                                           "Content-Type: application/json\r\n"
                                           "Content-Length: " +
                                           std::to_string(body.size()) + "\r\n\r\n" + body));
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
};

// Waits until `database` has `running` requests running and `queued` waiting.
inline bool wait_for_admission(std::uint16_t port, const std::string& database,
                               std::int64_t running, std::int64_t queued,
                               std::chrono::milliseconds patience = std::chrono::seconds(5)) {
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

// The line of GET /metrics that counts `database`'s queries ended by clients that left,
// or the whole exposition when there is no such line (for the failure message).
inline std::string client_closed_count_line(std::uint16_t port, const std::string& database) {
  const auto metrics = http_get(port, "/metrics").body;
  const std::string series = "weir_requests_total{database=\"" + database +
                             "\",operation=\"query\",code=\"client_closed_request\"} ";
  const auto at = metrics.find(series);
  return at == std::string::npos ? metrics : metrics.substr(at, metrics.find('\n', at) - at);
}

}  // namespace weir::testing
