#include "scripted_bolt_server.hpp"

#include "bolt_framing.hpp"
#include "packstream.hpp"
#include "rule_book.hpp"

#include <weir/sdk/error.hpp>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <mutex>
#include <stdexcept>
#include <thread>

namespace weir::neo4j::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

// Blocking server-side streams; deadlines are the client's concern here.
class PlainStream : public Transport {
 public:
  explicit PlainStream(tcp::socket& s) : s_(s) {}
  void write(std::string_view bytes, Deadline) override {
    asio::write(s_, asio::buffer(bytes.data(), bytes.size()));
  }
  void read_exact(char* out, std::size_t n, Deadline) override {
    asio::read(s_, asio::buffer(out, n));
  }
  void close() noexcept override {}

 private:
  tcp::socket& s_;
};

class WebSocketStream : public Transport {
 public:
  explicit WebSocketStream(tcp::socket& s) : ws_(s) {
    ws_.accept();
    ws_.binary(true);
  }
  void write(std::string_view bytes, Deadline) override {
    ws_.write(asio::buffer(bytes.data(), bytes.size()));
  }
  void read_exact(char* out, std::size_t n, Deadline) override {
    while (buffer_.size() < n) ws_.read(buffer_);
    asio::buffer_copy(asio::buffer(out, n), buffer_.data());
    buffer_.consume(n);
  }
  void close() noexcept override {}

 private:
  beast::websocket::stream<tcp::socket&> ws_;
  beast::flat_buffer buffer_;
};

// Picks `wanted` when one of the client's four proposals covers it.
bool offered(const unsigned char* proposals, bolt::Version wanted) {
  for (int i = 0; i < 4; ++i) {
    const unsigned char* p = proposals + 4 * i;
    const int major = p[3], minor = p[2], range = p[1];
    if (major == wanted.major && wanted.minor <= minor && wanted.minor >= minor - range)
      return true;
  }
  return false;
}

}  // namespace

struct ScriptedBoltServer::State {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  BoltScript script;
  std::unique_ptr<RuleBook> rules;  // when the script has "rules"
  std::thread accept_thread;
  mutable std::mutex mutex;
  std::vector<std::shared_ptr<tcp::socket>> sockets;
  std::vector<std::thread> threads;
  std::vector<std::string> failures;
  std::vector<std::string> received;
  int accepted = 0;
  bool stopped = false;

  void fail(int session, const std::string& what) {
    std::lock_guard lock(mutex);
    failures.push_back("session " + std::to_string(session) + ": " + what);
  }

  void accept_loop() {
    for (;;) {
      auto socket = std::make_shared<tcp::socket>(io);
      boost::system::error_code ec;
      acceptor.accept(*socket, ec);
      std::lock_guard lock(mutex);
      if (ec || stopped) return;
      const int index = accepted++;
      sockets.push_back(socket);
      threads.emplace_back([this, socket, index] { serve(*socket, index); });
    }
  }

  void serve(tcp::socket& socket, int index) {
    static const std::vector<ScriptStep> kRulesOnly;  // a rules script has no sessions
    const auto& steps =
        script.sessions.empty()
            ? kRulesOnly
            : script.sessions[std::min<std::size_t>(index, script.sessions.size() - 1)];
    std::size_t next = 0;
    try {
      // Peek, so the WebSocket handshake can still read the request itself.
      char head[4];
      std::size_t seen = 0;
      while (seen < 4) seen = socket.receive(asio::buffer(head, 4), tcp::socket::message_peek);
      std::unique_ptr<Transport> stream;
      if (std::string_view(head, 4) == "GET ")
        stream = std::make_unique<WebSocketStream>(socket);
      else
        stream = std::make_unique<PlainStream>(socket);

      unsigned char hello[20];
      stream->read_exact(reinterpret_cast<char*>(hello), 20, kNoDeadline);
      if (std::string_view(reinterpret_cast<char*>(hello), 4) !=
          std::string_view(bolt::kMagic, 4)) {
        return fail(index, "the client did not start with the Bolt magic");
      }
      const bool agreed = offered(hello + 4, script.version);
      const unsigned char answer[4] = {
          0, 0, static_cast<unsigned char>(agreed ? script.version.minor : 0),
          static_cast<unsigned char>(agreed ? script.version.major : 0)};
      stream->write(std::string_view(reinterpret_cast<const char*>(answer), 4), kNoDeadline);
      if (!agreed) return;
      if (rules) return serve_rules(*stream, socket, index);

      for (;;) {
        Structure message;
        try {
          message = bolt::read_message(*stream, kNoDeadline);
        } catch (const boost::system::system_error&) {
          break;  // the client hung up
        }
        record(message);
        while (next < steps.size() && steps[next].optional && steps[next].client != message.tag)
          ++next;
        if (next == steps.size()) {
          if (message.tag == bolt::kGoodbye) break;
          return fail(index, "unexpected " + bolt::message_name(message.tag) + " " +
                                 boost::json::serialize(fields_as_json(message)) +
                                 " after the script ended");
        }
        const ScriptStep& step = steps[next++];
        if (step.client != message.tag) {
          return fail(index, "expected " + bolt::message_name(step.client) + ", got " +
                                 bolt::message_name(message.tag) + " " +
                                 boost::json::serialize(fields_as_json(message)));
        }
        if (step.fields) {
          const auto diff = describe_mismatch(*step.fields, fields_as_json(message),
                                              bolt::message_name(message.tag));
          if (!diff.empty()) return fail(index, diff);
        }
        if (message.tag == bolt::kGoodbye) break;
        if (!play(step.server, *stream, socket)) return;
      }
    } catch (const std::exception& e) {
      std::lock_guard lock(mutex);
      if (!stopped) failures.push_back("session " + std::to_string(index) + ": " + e.what());
      return;
    }
    while (next < steps.size() && steps[next].optional) ++next;
    if (next < steps.size()) {
      fail(index, "the client left with " + std::to_string(steps.size() - next) +
                      " step(s) unplayed, next " + bolt::message_name(steps[next].client));
    }
  }

  void record(const Structure& message) {
    std::string line = bolt::message_name(message.tag);
    if (message.tag == bolt::kRun && !message.fields.empty()) {
      if (const auto* query = message.fields[0].get_if<std::string>()) line += " " + *query;
    }
    std::lock_guard lock(mutex);
    received.push_back(std::move(line));
  }

  void serve_rules(Transport& stream, tcp::socket& socket, int index) {
    RuleBook::Session session(*rules);
    for (;;) {
      Structure message;
      try {
        message = bolt::read_message(stream, kNoDeadline);
      } catch (const boost::system::system_error&) {
        return;  // the client hung up
      }
      record(message);
      if (message.tag == bolt::kGoodbye) return;
      std::string mismatch;
      const auto actions = session.answer(message, mismatch);
      if (!mismatch.empty()) fail(index, mismatch);
      if (!play(actions, stream, socket)) return;
    }
  }

  // Sends the replies; false when the script closes the connection.
  static bool play(const std::vector<ScriptAction>& actions, Transport& stream,
                   tcp::socket& socket) {
    std::string out;
    for (const auto& action : actions) {
      switch (action.kind) {
        case ScriptAction::kMessage:
          bolt::append_message(action.message, out);
          break;
        case ScriptAction::kRaw:
          out += action.raw;
          break;
        case ScriptAction::kSleep:
          stream.write(out, kNoDeadline);
          out.clear();
          std::this_thread::sleep_for(std::chrono::milliseconds(action.sleep_ms));
          break;
        case ScriptAction::kClose:
          stream.write(out, kNoDeadline);
          boost::system::error_code ignored;
          socket.shutdown(tcp::socket::shutdown_both, ignored);
          socket.close(ignored);
          return false;
      }
    }
    if (!out.empty()) stream.write(out, kNoDeadline);
    return true;
  }
};

ScriptedBoltServer::ScriptedBoltServer(const std::string& script_path,
                                       std::map<std::string, std::string> vars)
    : state_(std::make_unique<State>()) {
  auto& s = *state_;
  s.acceptor.open(tcp::v4());
  s.acceptor.set_option(tcp::acceptor::reuse_address(true));
  s.acceptor.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  s.acceptor.listen();
  vars["SELF"] = address();
  s.script = BoltScript::load(script_path, vars);
  if (!s.script.rules.empty()) s.rules = std::make_unique<RuleBook>(std::move(s.script.rules));
  s.accept_thread = std::thread([&s] { s.accept_loop(); });
}

ScriptedBoltServer::~ScriptedBoltServer() { stop(); }

std::uint16_t ScriptedBoltServer::port() const { return state_->acceptor.local_endpoint().port(); }

void ScriptedBoltServer::stop() {
  auto& s = *state_;
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(s.mutex);
    if (s.stopped) return;
    s.stopped = true;
    boost::system::error_code ignored;
    // Waking the blocked accept: shutting the listener down is enough on Linux.
    s.acceptor.cancel(ignored);
    ::shutdown(s.acceptor.native_handle(), SHUT_RDWR);
    for (auto& socket : s.sockets) socket->shutdown(tcp::socket::shutdown_both, ignored);
  }
  if (s.accept_thread.joinable()) s.accept_thread.join();
  {
    std::lock_guard lock(s.mutex);
    threads.swap(s.threads);
  }
  for (auto& t : threads) t.join();
}

std::vector<std::string> ScriptedBoltServer::failures() const {
  std::lock_guard lock(state_->mutex);
  return state_->failures;
}

std::vector<std::string> ScriptedBoltServer::received() const {
  std::lock_guard lock(state_->mutex);
  return state_->received;
}

void ScriptedBoltServer::set(const std::string& name, boost::json::value value) {
  if (!state_->rules) throw std::logic_error("set() needs a script with rules");
  state_->rules->set(name, std::move(value));
}

int ScriptedBoltServer::connections() const {
  std::lock_guard lock(state_->mutex);
  return state_->accepted;
}

}  // namespace weir::neo4j::testing
