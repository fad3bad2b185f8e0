// One Bolt conversation on a transport: handshake, HELLO/LOGON, RUN/PULL,
// DISCARD, transactions, RESET, ROUTE and GOODBYE, following the server
// state machine in bolt.md. Requests are pipelined (RUN + first PULL) and
// `pending_` counts the summaries still owed, so a FAILURE or an abandoned
// stream can always be drained and the session RESET back to READY.
//
// Errors: a FAILURE becomes the mapped sdk::Error after the session is
// recovered with RESET (so the connection stays usable); transport errors,
// malformed bytes or out-of-order messages mark the session broken().
#pragma once

#include "bolt_messages.hpp"
#include "packstream_value.hpp"
#include "transport.hpp"

#include <weir/sdk/error.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace weir::neo4j {

struct AuthToken {
  std::string scheme = "none";  // "basic" when a user is configured
  std::string principal;
  std::string credentials;
};

struct HelloOptions {
  std::string user_agent;
  AuthToken auth;
  std::optional<Map> routing;  // the routing context, sent for neo4j:// only
};

class BoltSession {
 public:
  // Handshake (offering 5.0-5.6 and 4.4) and authentication. A message from
  // the server larger than `max_message_bytes` is refused (bolt_framing.hpp).
  BoltSession(std::unique_ptr<Transport> transport, const HelloOptions& hello,
              std::size_t max_message_bytes, Deadline deadline);
  ~BoltSession();  // GOODBYE (best effort) and close
  BoltSession(const BoltSession&) = delete;
  BoltSession& operator=(const BoltSession&) = delete;

  const bolt::Version& version() const noexcept { return version_; }
  const std::string& server_agent() const noexcept { return server_agent_; }
  const std::string& connection_id() const noexcept { return connection_id_; }
  bool broken() const noexcept { return broken_; }
  bool in_transaction() const noexcept { return in_transaction_; }
  // A FAILURE (answered with RESET) ended the open transaction on the server; the
  // client has not ended it yet. Until it does (forget_failed_transaction), its next
  // statements must not run outside it, committing themselves.
  bool transaction_failed() const noexcept { return transaction_failed_; }
  void forget_failed_transaction() noexcept { transaction_failed_ = false; }
  // Nothing outstanding and no transaction: reusable without a RESET.
  bool idle() const noexcept { return !broken_ && pending_ == 0 && !in_transaction_; }
  // Idle, and the server closed the connection since (transport.hpp).
  bool closed_while_idle() noexcept { return idle() && transport_->closed_by_peer(); }

  // Sends RUN with the first PULL of `fetch_size` records (or DISCARD of all)
  // and returns the result's column names.
  std::vector<std::string> run(const std::string& query, Map params, Map extra,
                               std::int64_t fetch_size, bool discard, Deadline deadline);
  // Streams the open result's records, pulling further batches, and returns
  // the final summary metadata (bookmark, type, db, t_last, ...).
  Map consume(const std::function<void(const List&)>& on_record, std::int64_t fetch_size,
              Deadline deadline);

  void begin(Map extra, Deadline deadline);
  std::string commit(Deadline deadline);  // returns the bookmark ("" when none)
  void rollback(Deadline deadline);
  // From another thread (a cancel): a call waiting on the server fails now, and the
  // session with it (Transport::interrupt).
  void interrupt() noexcept { transport_->interrupt(); }
  // Drains whatever is outstanding and RESETs to READY (ends any transaction).
  void reset(Deadline deadline);
  // ROUTE: returns the "rt" map of the routing table.
  Map route(Map context, List bookmarks, std::optional<std::string> database, Deadline deadline);

  // ---- For a caller that moves the bytes itself, on an event loop ----
  // The socket Bolt travels on as it is (plain TCP), while the session is usable; -1
  // otherwise (TLS, WebSocket, broken).
  int raw_socket() noexcept { return broken_ ? -1 : transport_->raw_bolt_socket(); }
  // Queue messages without sending them: the caller sends take_outbox().
  void queue_run(const std::string& query, Map params, Map extra, std::int64_t fetch_size,
                 bool discard);
  void queue_pull(std::int64_t fetch_size) { send(bolt::kPull, {Map{{"n", fetch_size}}}); }
  void queue_reset() { send(bolt::kReset, {}); }
  std::string take_outbox() noexcept { return std::exchange(out_, {}); }
  // The next whole message at the front of `in`, counted as a received one; nullopt
  // while more bytes are needed. Throws (and breaks the session) as receive() does.
  std::optional<Structure> take(std::string_view& in);
  // Replies still owed for what was sent; a RESET is answered once none is.
  int replies_owed() const noexcept { return pending_; }
  // The last reply to a RESET arrived with `last` (a summary's tag): READY again.
  void reset_answered(std::uint8_t last);
  // The bytes stopped halfway (a deadline, a cancel): the session cannot be reused.
  void break_off() noexcept { broken_ = true; }

  // What a reply means, for either caller:
  // the column names in RUN's SUCCESS (a protocol violation if malformed);
  std::vector<std::string> columns_of(const Map& meta);
  // a RECORD's values (a protocol violation if it has none);
  const List& values_of(const Structure& record);
  // a SUCCESS's metadata (empty when it has none);
  static Map meta_of(Structure& success);
  // whether a PULL's SUCCESS says more records wait for the next PULL;
  static bool has_more(const Map& meta);
  // the error a FAILURE (or IGNORED) stands for.
  static sdk::Error failure_of(const Structure& failure);
  // Throws WEIR_E_BROKEN and breaks the session: the server broke the protocol.
  [[noreturn]] void violation(const std::string& what);

 private:
  void handshake(Deadline deadline);
  void hello(const HelloOptions& options, Deadline deadline);
  void send(std::uint8_t signature, std::vector<Value> fields);
  void flush(Deadline deadline);
  Structure receive(Deadline deadline);
  Structure counted(Structure m);  // a received message, counted against pending_
  Map summary(Deadline deadline);  // one SUCCESS, or recover and throw
  void settle(Deadline deadline);  // finishes a result the caller stopped reading
  [[noreturn]] void recover_and_throw(const Structure& failure, Deadline deadline);

  std::unique_ptr<Transport> transport_;
  const std::size_t max_message_bytes_;
  std::string out_;
  bolt::Version version_;
  std::string server_agent_;
  std::string connection_id_;
  int pending_ = 0;
  bool in_transaction_ = false;
  bool transaction_failed_ = false;
  bool broken_ = false;
};

}  // namespace weir::neo4j
