#include "bolt_session.hpp"

#include "bolt_framing.hpp"
#include "failure_mapping.hpp"

#include <weir/sdk/error.hpp>

namespace weir::neo4j {
namespace {

std::string string_member(const Map& m, std::string_view key) {
  const auto* v = find(m, key);
  const auto* s = v != nullptr ? v->get_if<std::string>() : nullptr;
  return s != nullptr ? *s : std::string();
}

bool bool_member(const Map& m, std::string_view key) {
  const auto* v = find(m, key);
  const auto* b = v != nullptr ? v->get_if<bool>() : nullptr;
  return b != nullptr && *b;
}

// 5.0 through 5.6, then 4.4. 5.7+ changes FAILURE's shape (GQL status), so
// it is not offered until that is implemented.
constexpr unsigned char kProposals[16] = {0, 6, 6, 5, 0, 0, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0};

}  // namespace

BoltSession::BoltSession(std::unique_ptr<Transport> transport, const HelloOptions& hello_options,
                         std::size_t max_message_bytes, Deadline deadline)
    : transport_(std::move(transport)), max_message_bytes_(max_message_bytes) {
  handshake(deadline);
  try {
    hello(hello_options, deadline);
  } catch (const sdk::Error& e) {
    // As in the handshake: a connection that is lost or goes silent before it
    // is open means the server cannot be reached (503, retry later), not that
    // a request broke on it.
    if (e.status() != WEIR_E_BROKEN && e.status() != WEIR_E_TIMEOUT) throw;
    broken_ = true;
    throw sdk::Error(WEIR_E_UNAVAILABLE, "Bolt HELLO failed: " + e.message(), true);
  }
}

BoltSession::~BoltSession() {
  if (!broken_) {
    try {
      send(bolt::kGoodbye, {});
      flush(Clock::now() + std::chrono::milliseconds(200));
    } catch (...) {
      // The server may already be gone; closing is all that is left to do.
    }
  }
  transport_->close();
}

void BoltSession::handshake(Deadline deadline) {
  std::string request(bolt::kMagic, 4);
  request.append(reinterpret_cast<const char*>(kProposals), sizeof kProposals);
  try {
    transport_->write(request, deadline);
    char answer[4];
    transport_->read_exact(answer, 4, deadline);
    if (std::string_view(answer, 4) == "HTTP") {
      throw sdk::Error(WEIR_E_UNAVAILABLE,
                       "the server answered HTTP, not Bolt: check the port in the url");
    }
    version_ = {static_cast<unsigned char>(answer[3]), static_cast<unsigned char>(answer[2])};
  } catch (const sdk::Error& e) {
    broken_ = true;
    if (e.status() == WEIR_E_BROKEN || e.status() == WEIR_E_TIMEOUT) {
      // A server that requires TLS hangs up on a plain-text Bolt handshake.
      const char* hint = e.status() == WEIR_E_BROKEN && !transport_->encrypted()
                             ? " (a server that requires TLS closes plain-text connections: use "
                               "bolt+s://, neo4j+s:// or their +ssc forms)"
                             : "";
      throw sdk::Error(WEIR_E_UNAVAILABLE, "Bolt handshake failed: " + e.message() + hint, true);
    }
    throw;
  }
  if (version_.major == 0) {
    broken_ = true;
    throw sdk::Error(WEIR_E_UNAVAILABLE,
                     "the server supports none of the Bolt versions weir speaks (5.0-5.6, 4.4)");
  }
  const bool offered =
      (version_.major == 5 && version_.minor <= 6) || (version_.major == 4 && version_.minor == 4);
  if (!offered) violation("the server chose Bolt " + version_.text() + ", which was not offered");
}

void BoltSession::hello(const HelloOptions& options, Deadline deadline) {
  Map extra{{"user_agent", options.user_agent}};
  if (version_.at_least(5, 3))
    extra.emplace_back("bolt_agent", Map{{"product", options.user_agent}});
  if (options.routing) extra.emplace_back("routing", *options.routing);
  Map auth{{"scheme", options.auth.scheme}};
  if (options.auth.scheme != "none") {
    auth.emplace_back("principal", options.auth.principal);
    auth.emplace_back("credentials", options.auth.credentials);
  }
  const bool logon = version_.at_least(5, 1);
  if (!logon) extra.insert(extra.end(), auth.begin(), auth.end());
  send(bolt::kHello, {std::move(extra)});
  if (logon) send(bolt::kLogon, {std::move(auth)});
  flush(deadline);
  // A failed HELLO or LOGON ends the connection on the server side, so there
  // is nothing to RESET: report the failure and give the session up.
  for (int i = 0; i < (logon ? 2 : 1); ++i) {
    Structure m = receive(deadline);
    if (m.tag == bolt::kFailure || m.tag == bolt::kIgnored) {
      broken_ = true;
      const Map* meta = m.fields.empty() ? nullptr : m.fields[0].get_if<Map>();
      if (meta == nullptr)
        throw sdk::Error(WEIR_E_UNAUTHENTICATED, "the server refused the connection", false);
      throw failure_error(string_member(*meta, "code"), string_member(*meta, "message"));
    }
    if (m.tag != bolt::kSuccess)
      violation("expected SUCCESS to HELLO, got " + bolt::message_name(m.tag));
    if (i == 0 && !m.fields.empty()) {
      if (const auto* meta = m.fields[0].get_if<Map>()) {
        server_agent_ = string_member(*meta, "server");
        connection_id_ = string_member(*meta, "connection_id");
      }
    }
  }
}

void BoltSession::send(std::uint8_t signature, std::vector<Value> fields) {
  bolt::append_message(Structure{signature, std::move(fields)}, out_);
  if (signature != bolt::kGoodbye) ++pending_;
}

void BoltSession::flush(Deadline deadline) {
  if (broken_) throw sdk::Error(WEIR_E_BROKEN, "the neo4j connection is broken", true);
  try {
    transport_->write(out_, deadline);
    out_.clear();
  } catch (...) {
    broken_ = true;
    throw;
  }
}

Structure BoltSession::receive(Deadline deadline) {
  try {
    return counted(bolt::read_message(*transport_, deadline, max_message_bytes_));
  } catch (...) {
    broken_ = true;
    throw;
  }
}

std::optional<Structure> BoltSession::take(std::string_view& in) {
  try {
    auto m = bolt::take_message(in, max_message_bytes_);
    if (m) return counted(std::move(*m));
    return std::nullopt;
  } catch (...) {
    broken_ = true;
    throw;
  }
}

Structure BoltSession::counted(Structure m) {
  if (m.tag == bolt::kSuccess || m.tag == bolt::kFailure || m.tag == bolt::kIgnored) {
    if (pending_ == 0) violation("the server sent " + bolt::message_name(m.tag) + " to no request");
    --pending_;
  } else if (m.tag != bolt::kRecord) {
    violation("the server sent an unknown message " + bolt::message_name(m.tag));
  }
  return m;
}

void BoltSession::violation(const std::string& what) {
  broken_ = true;
  throw sdk::Error(WEIR_E_BROKEN, "Bolt protocol violation: " + what, true);
}

Map BoltSession::summary(Deadline deadline) {
  Structure m = receive(deadline);
  if (m.tag == bolt::kFailure || m.tag == bolt::kIgnored) recover_and_throw(m, deadline);
  if (m.tag != bolt::kSuccess) violation("expected a summary, got " + bolt::message_name(m.tag));
  return meta_of(m);
}

Map BoltSession::meta_of(Structure& success) {
  auto* meta = success.fields.empty() ? nullptr : std::get_if<Map>(&success.fields[0].v);
  return meta != nullptr ? std::move(*meta) : Map{};
}

bool BoltSession::has_more(const Map& meta) { return bool_member(meta, "has_more"); }

const List& BoltSession::values_of(const Structure& record) {
  const List* values = record.fields.size() == 1 ? record.fields[0].get_if<List>() : nullptr;
  if (values == nullptr) violation("a RECORD without a list of values");
  return *values;
}

sdk::Error BoltSession::failure_of(const Structure& failure) {
  const Map* meta = failure.fields.empty() ? nullptr : failure.fields[0].get_if<Map>();
  std::string code = meta != nullptr ? string_member(*meta, "code") : "";
  if (code.empty() && meta != nullptr) code = string_member(*meta, "neo4j_code");
  const std::string message =
      meta != nullptr ? string_member(*meta, "message") : "the request was ignored";
  return failure_error(code, message.empty() ? "the server reported " + code : message);
}

void BoltSession::recover_and_throw(const Structure& failure, Deadline deadline) {
  auto error = failure_of(failure);
  // The server ignores everything until RESET; the pipelined rest is IGNORED.
  reset(deadline);
  throw error;
}

void BoltSession::reset(Deadline deadline) {
  queue_reset();
  flush(deadline);
  std::uint8_t last = 0;
  while (pending_ > 0) {
    const Structure m = receive(deadline);
    if (m.tag != bolt::kRecord) last = m.tag;
  }
  reset_answered(last);
}

void BoltSession::reset_answered(std::uint8_t last) {
  if (last != bolt::kSuccess) violation("RESET was answered with " + bolt::message_name(last));
  if (in_transaction_) transaction_failed_ = true;
  in_transaction_ = false;
}

// A result the caller stopped reading (the host aborted it: too large, client
// gone) leaves replies outstanding. Outside a transaction RESET is the short way
// back to READY; inside one RESET would end the transaction, so the rest of the
// result is read and discarded instead.
void BoltSession::settle(Deadline deadline) {
  if (pending_ == 0) return;
  if (!in_transaction_) return reset(deadline);
  for (;;) {
    Map meta;
    while (pending_ > 0) {
      Structure m = receive(deadline);
      if (m.tag == bolt::kRecord) continue;
      if (m.tag != bolt::kSuccess) recover_and_throw(m, deadline);
      meta = meta_of(m);
    }
    if (!has_more(meta)) return;
    send(bolt::kDiscard, {Map{{"n", std::int64_t{-1}}}});
    flush(deadline);
  }
}

std::vector<std::string> BoltSession::run(const std::string& query, Map params, Map extra,
                                          std::int64_t fetch_size, bool discard,
                                          Deadline deadline) {
  settle(deadline);
  queue_run(query, std::move(params), std::move(extra), fetch_size, discard);
  flush(deadline);
  return columns_of(summary(deadline));
}

void BoltSession::queue_run(const std::string& query, Map params, Map extra,
                            std::int64_t fetch_size, bool discard) {
  send(bolt::kRun, {query, std::move(params), std::move(extra)});
  send(discard ? bolt::kDiscard : bolt::kPull,
       {Map{{"n", discard ? std::int64_t{-1} : fetch_size}}});
}

std::vector<std::string> BoltSession::columns_of(const Map& meta) {
  std::vector<std::string> columns;
  if (const auto* fields = find(meta, "fields")) {
    for (const auto& f : fields->get_if<List>() != nullptr ? *fields->get_if<List>() : List{}) {
      const auto* name = f.get_if<std::string>();
      if (name == nullptr) violation("a column name is not a string");
      columns.push_back(*name);
    }
  }
  return columns;
}

Map BoltSession::consume(const std::function<void(const List&)>& on_record, std::int64_t fetch_size,
                         Deadline deadline) {
  for (;;) {
    Structure m = receive(deadline);
    if (m.tag == bolt::kRecord) {
      on_record(values_of(m));
      continue;
    }
    if (m.tag != bolt::kSuccess) recover_and_throw(m, deadline);
    Map meta = meta_of(m);
    if (!has_more(meta)) return meta;
    queue_pull(fetch_size);
    flush(deadline);
  }
}

void BoltSession::begin(Map extra, Deadline deadline) {
  settle(deadline);
  send(bolt::kBegin, {std::move(extra)});
  flush(deadline);
  summary(deadline);
  in_transaction_ = true;
  transaction_failed_ = false;
}

std::string BoltSession::commit(Deadline deadline) {
  settle(deadline);
  send(bolt::kCommit, {});
  flush(deadline);
  const Map meta = summary(deadline);
  in_transaction_ = false;
  return string_member(meta, "bookmark");
}

void BoltSession::rollback(Deadline deadline) {
  settle(deadline);
  send(bolt::kRollback, {});
  flush(deadline);
  summary(deadline);
  in_transaction_ = false;
}

Map BoltSession::route(Map context, List bookmarks, std::optional<std::string> database,
                       Deadline deadline) {
  settle(deadline);
  Map extra;
  if (database) extra.emplace_back("db", *database);
  send(bolt::kRoute, {std::move(context), std::move(bookmarks), std::move(extra)});
  flush(deadline);
  Map meta = summary(deadline);
  const auto* rt = find(meta, "rt");
  if (rt == nullptr || !rt->is<Map>()) violation("ROUTE succeeded without a routing table");
  return *rt->get_if<Map>();
}

}  // namespace weir::neo4j
