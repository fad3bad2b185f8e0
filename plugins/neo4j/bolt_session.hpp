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

#include <functional>
#include <memory>
#include <optional>
#include <string>
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
  // Handshake (offering 5.0-5.6 and 4.4) and authentication.
  BoltSession(std::unique_ptr<Transport> transport, const HelloOptions& hello, Deadline deadline);
  ~BoltSession();  // GOODBYE (best effort) and close
  BoltSession(const BoltSession&) = delete;
  BoltSession& operator=(const BoltSession&) = delete;

  const bolt::Version& version() const noexcept { return version_; }
  const std::string& server_agent() const noexcept { return server_agent_; }
  const std::string& connection_id() const noexcept { return connection_id_; }
  bool broken() const noexcept { return broken_; }
  bool in_transaction() const noexcept { return in_transaction_; }
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
  // Drains whatever is outstanding and RESETs to READY (ends any transaction).
  void reset(Deadline deadline);
  // ROUTE: returns the "rt" map of the routing table.
  Map route(Map context, List bookmarks, std::optional<std::string> database, Deadline deadline);

 private:
  void handshake(Deadline deadline);
  void hello(const HelloOptions& options, Deadline deadline);
  void send(std::uint8_t signature, std::vector<Value> fields);
  void flush(Deadline deadline);
  Structure receive(Deadline deadline);
  Map summary(Deadline deadline);  // one SUCCESS, or recover and throw
  void settle(Deadline deadline);  // finishes a result the caller stopped reading
  [[noreturn]] void recover_and_throw(const Structure& failure, Deadline deadline);
  [[noreturn]] void violation(const std::string& what);

  std::unique_ptr<Transport> transport_;
  std::string out_;
  bolt::Version version_;
  std::string server_agent_;
  std::string connection_id_;
  int pending_ = 0;
  bool in_transaction_ = false;
  bool broken_ = false;
};

}  // namespace weir::neo4j
