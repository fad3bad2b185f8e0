// A Bolt server's side of a conversation, as bytes: the client's handshake,
// HELLO, RUN + PULL in small batches (records rendered as JSON), a
// transaction and ROUTE, each step read from a transport that replays the
// input and fails with WEIR_E_BROKEN when it runs out. Covers chunk framing,
// message decoding, the session's state machine, FAILURE mapping and routing
// tables.
#include "bolt_session.hpp"
#include "json_mapping.hpp"
#include "json_result_writer.hpp"
#include "routing_table.hpp"

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

namespace {

using namespace weir::neo4j;

// Replays the server's bytes; what the client writes is dropped.
class ReplayTransport final : public Transport {
 public:
  explicit ReplayTransport(std::string_view server_bytes) : left_(server_bytes) {}
  bool encrypted() const noexcept override { return false; }
  void write(std::string_view, Deadline) override {}
  void read_exact(char* out, std::size_t n, Deadline) override {
    if (n > left_.size()) throw weir::sdk::Error(WEIR_E_BROKEN, "the server closed the connection");
    std::memcpy(out, left_.data(), n);
    left_.remove_prefix(n);
  }
  void close() noexcept override { left_ = {}; }

 private:
  std::string_view left_;
};

// One step of the conversation; a refused step (FAILURE, bad record) is fine
// as long as the session either recovers or says it is broken.
template <class Step>
void attempt(BoltSession& session, Step&& step) {
  if (session.broken()) return;
  try {
    step();
  } catch (const weir::sdk::Error&) {
  }
}

// A small cap on a message, so the fuzzer reaches its refusal as well.
constexpr std::size_t kFuzzMaxMessageBytes = 4096;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  HelloOptions hello;
  hello.user_agent = "weir-fuzz";
  hello.auth = {"basic", "neo4j", "secret"};
  hello.routing = Map{{"address", Value("localhost:7687")}};
  std::unique_ptr<BoltSession> session;
  try {
    session = std::make_unique<BoltSession>(std::make_unique<ReplayTransport>(std::string_view(
                                                reinterpret_cast<const char*>(data), size)),
                                            hello, kFuzzMaxMessageBytes, kNoDeadline);
  } catch (const weir::sdk::Error&) {
    return 0;
  }
  attempt(*session, [&] {
    session->run("RETURN $x", Map{{"x", Value(1)}}, Map{}, 2, false, kNoDeadline);
    weir::JsonResultWriter json(1 << 20);
    weir::sdk::ValueWriter out(json.writer());
    out.begin_array();
    session->consume(
        [&](const List& record) {
          for (const auto& value : record) write_value(value, out);
        },
        2, kNoDeadline);
  });
  attempt(*session, [&] {
    session->begin(Map{}, kNoDeadline);
    session->run("CREATE (n)", Map{}, Map{}, 2, true, kNoDeadline);
    session->commit(kNoDeadline);
  });
  attempt(*session, [&] { session->reset(kNoDeadline); });
  attempt(*session, [&] {
    const Map rt = session->route(Map{}, List{}, std::nullopt, kNoDeadline);
    RoutingTable::from_route(rt, Clock::now(), "localhost:7687");
  });
  return 0;
}
