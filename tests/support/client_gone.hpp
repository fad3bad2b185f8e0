// Clients that leave before their answer, a way to watch a database's
// admission queue through GET /v1/databases/{name}, and the count /metrics
// keeps of them, for the tests of cancel-on-disconnect.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace weir::testing {

// Sends one POST and never reads the answer; destroying it closes the connection.
class AbandonedRequest {
 public:
  AbandonedRequest(std::uint16_t port, const std::string& target, const std::string& body);
  ~AbandonedRequest();

 private:
  struct Socket;
  std::unique_ptr<Socket> socket_;
};

// Waits until `database` has `running` requests running and `queued` waiting.
bool wait_for_admission(std::uint16_t port, const std::string& database, std::int64_t running,
                        std::int64_t queued,
                        std::chrono::milliseconds patience = std::chrono::seconds(5));

// The line of GET /metrics that counts `database`'s queries ended by clients that left,
// or the whole exposition when there is no such line (for the failure message).
std::string client_closed_count_line(std::uint16_t port, const std::string& database);

}  // namespace weir::testing
