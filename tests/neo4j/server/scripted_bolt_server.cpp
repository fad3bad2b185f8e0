#include "scripted_bolt_server.hpp"

#include "bolt_framing.hpp"
#include "packstream.hpp"
#include "rule_book.hpp"

#include <weir/sdk/error.hpp>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>

#include <limits>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <type_traits>

namespace weir::neo4j::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

// The test server takes whatever a client under test sends.
constexpr std::size_t kAnySize = std::numeric_limits<std::size_t>::max();

// Whether a stream carries TLS: a tcp::socket does not, an ssl::stream does.
template <class Next>
constexpr bool kEncrypted = !std::is_same_v<Next, tcp::socket>;

// Blocking server-side streams over `Next` (the socket, or TLS over it);
// deadlines are the client's concern here. `head` holds the first bytes,
// already read to tell the transports apart.
template <class Next>
class PlainStream : public Transport {
 public:
  PlainStream(Next& next, std::string head) : next_(next), head_(std::move(head)) {}
  bool encrypted() const noexcept override { return kEncrypted<Next>; }
  void write(std::string_view bytes, Deadline) override {
    asio::write(next_, asio::buffer(bytes.data(), bytes.size()));
  }
  void read_exact(char* out, std::size_t n, Deadline) override {
    const std::size_t early = std::min(n, head_.size());
    head_.copy(out, early);
    head_.erase(0, early);
    asio::read(next_, asio::buffer(out + early, n - early));
  }
  void close() noexcept override {}

 private:
  Next& next_;
  std::string head_;
};

template <class Next>
class WebSocketStream : public Transport {
 public:
  WebSocketStream(Next& next, const std::string& head) : ws_(next) {
    ws_.accept(asio::buffer(head));
    ws_.binary(true);
  }
  bool encrypted() const noexcept override { return kEncrypted<Next>; }
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
  beast::websocket::stream<Next&> ws_;
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
  std::string bind_address;
  std::unique_ptr<asio::ssl::context> tls;  // TLS only, when set
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
  std::uint16_t port = 0;

  // Opens the listener on `at` (0: a free port).
  void listen(std::uint16_t at) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    acceptor.open(tcp::v4());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(tcp::endpoint(asio::ip::make_address(bind_address), at));
    acceptor.listen();
    port = acceptor.local_endpoint().port();
  }

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
      // As Neo4j does: a reply of several messages goes out as written, not held back by
      // Nagle's algorithm until the client's delayed ACK (40 ms on Linux).
      socket->set_option(tcp::no_delay(true), ec);
      const int index = accepted++;
      sockets.push_back(socket);
      threads.emplace_back([this, socket, index] { serve(*socket, index); });
    }
  }

  void serve(tcp::socket& socket, int index) {
    try {
      if (!tls) {
        converse(socket, socket, index);
      } else if (opens_tls(socket)) {
        asio::ssl::stream<tcp::socket&> encrypted(socket, *tls);
        encrypted.handshake(asio::ssl::stream_base::server);
        converse(encrypted, socket, index);
      }
    } catch (const std::exception& e) {
      std::lock_guard lock(mutex);
      if (!stopped) failures.push_back("session " + std::to_string(index) + ": " + e.what());
    }
    // Like a real server, and so a client the script failed is not left waiting.
    std::lock_guard lock(mutex);
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
  }

  // A TLS connection opens with a handshake record (0x16); anything else is
  // a plain-text client, which a TLS-only Neo4j hangs up on.
  static bool opens_tls(tcp::socket& socket) {
    unsigned char first = 0;
    socket.receive(asio::buffer(&first, 1), tcp::socket::message_peek);
    return first == 0x16;
  }

  template <class Next>
  void converse(Next& next, tcp::socket& socket, int index) {
    static const std::vector<ScriptStep> kRulesOnly;  // a rules script has no sessions
    const auto& steps =
        script.sessions.empty()
            ? kRulesOnly
            : script.sessions[std::min<std::size_t>(index, script.sessions.size() - 1)];
    std::string head(4, '\0');
    asio::read(next, asio::buffer(head.data(), head.size()));
    std::unique_ptr<Transport> stream;
    if (head == "GET ")
      stream = std::make_unique<WebSocketStream<Next>>(next, head);
    else
      stream = std::make_unique<PlainStream<Next>>(next, head);

    unsigned char hello[20];
    stream->read_exact(reinterpret_cast<char*>(hello), 20, kNoDeadline);
    if (std::string_view(reinterpret_cast<char*>(hello), 4) != std::string_view(bolt::kMagic, 4)) {
      return fail(index, "the client did not start with the Bolt magic");
    }
    const bool agreed = offered(hello + 4, script.version);
    const unsigned char answer[4] = {0, 0,
                                     static_cast<unsigned char>(agreed ? script.version.minor : 0),
                                     static_cast<unsigned char>(agreed ? script.version.major : 0)};
    stream->write(std::string_view(reinterpret_cast<const char*>(answer), 4), kNoDeadline);
    if (!agreed) return;
    if (rules) return serve_rules(*stream, socket, index);

    std::size_t next_step = 0;
    for (;;) {
      Structure message;
      try {
        message = bolt::read_message(*stream, kNoDeadline, kAnySize);
      } catch (const boost::system::system_error&) {
        break;  // the client hung up
      }
      record(message);
      while (next_step < steps.size() && steps[next_step].optional &&
             steps[next_step].client != message.tag)
        ++next_step;
      if (next_step == steps.size()) {
        if (message.tag == bolt::kGoodbye) break;
        return fail(index, "unexpected " + bolt::message_name(message.tag) + " " +
                               boost::json::serialize(fields_as_json(message)) +
                               " after the script ended");
      }
      const ScriptStep& step = steps[next_step++];
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
    while (next_step < steps.size() && steps[next_step].optional) ++next_step;
    if (next_step < steps.size()) {
      fail(index, "the client left with " + std::to_string(steps.size() - next_step) +
                      " step(s) unplayed, next " + bolt::message_name(steps[next_step].client));
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
        message = bolt::read_message(stream, kNoDeadline, kAnySize);
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
  bool play(const std::vector<ScriptAction>& actions, Transport& stream, tcp::socket& socket) {
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
        case ScriptAction::kClose: {
          stream.write(out, kNoDeadline);
          // Under the lock: stop() may be shutting this socket down on another thread.
          std::lock_guard lock(mutex);
          boost::system::error_code ignored;
          socket.shutdown(tcp::socket::shutdown_both, ignored);
          socket.close(ignored);
          return false;
        }
      }
    }
    if (!out.empty()) stream.write(out, kNoDeadline);
    return true;
  }
};

ScriptedBoltServer::ScriptedBoltServer(const std::string& script_path,
                                       std::map<std::string, std::string> vars,
                                       ServerOptions options)
    : state_(std::make_unique<State>()) {
  auto& s = *state_;
  if (options.tls) {
    s.tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    s.tls->use_certificate_chain_file(options.tls->certificate.string());
    s.tls->use_private_key_file(options.tls->private_key.string(), asio::ssl::context::pem);
  }
  s.bind_address = options.bind_address;
  s.listen(0);
  vars["SELF"] = address();
  s.script = BoltScript::load(script_path, vars);
  if (!s.script.rules.empty()) s.rules = std::make_unique<RuleBook>(std::move(s.script.rules));
  s.accept_thread = std::thread([&s] { s.accept_loop(); });
}

void ScriptedBoltServer::start() {
  auto& s = *state_;
  if (s.accept_thread.joinable()) s.accept_thread.join();
  std::lock_guard lock(s.mutex);
  if (!s.stopped) return;
  s.listen(s.port);
  s.stopped = false;
  s.accept_thread = std::thread([&s] { s.accept_loop(); });
}

ScriptedBoltServer::~ScriptedBoltServer() { stop(); }

std::uint16_t ScriptedBoltServer::port() const { return state_->port; }

std::string ScriptedBoltServer::address() const {
  return state_->bind_address + ":" + std::to_string(port());
}

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
