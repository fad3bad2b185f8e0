// Neo4jConnection::execute_async: a query on the host's event loop. It takes
// the common case (a query alone or in an open transaction, its result whole,
// over Bolt on plain TCP) and hands the rest to execute() on a worker before
// sending anything (WEIR_E_WOULD_BLOCK): streamed results, a result a
// transaction left unread, TLS and WebSocket stay on the one path that does
// them.
//
// The query's messages (RUN and PULL) go out at once; its replies are taken
// as they arrive: RUN's SUCCESS writes the columns, each RECORD a row, a PULL
// that leaves more asks for the next batch, and the last SUCCESS ends the
// result. A FAILURE is answered with RESET, as on a worker, and the request
// fails once RESET is answered, the connection READY again (and out of its
// transaction, which the FAILURE ended on the server).
#include "neo4j_connection.hpp"

#include "bolt_messages.hpp"

#include <weir/sdk/write_verdict.hpp>

namespace weir::neo4j {
struct Neo4jConnection::LoopRun {
  LoopRun(sdk::ValueWriter writer, sdk::Completion completion, bool writes)
      : out(writer), done(completion), commits_itself(writes) {}

  sdk::ValueWriter out;
  sdk::Completion done;
  bool commits_itself = false;
  bool columns_in = false;  // RUN's SUCCESS came
  // A FAILURE came: RESET is on its way, and the request fails with this once it is
  // answered.
  std::optional<sdk::Error> failure;
  std::uint8_t last_summary = 0;  // while RESET is answered
};

void Neo4jConnection::execute_async(const boost::json::object& request,
                                    const sdk::ExecOptions& options, sdk::ValueWriter out,
                                    sdk::EventLoop loop, sdk::Completion done) {
  if (options.streamed) throw sdk::runs_through_execute("a streamed result");
  // Not idle() (which means out of a transaction too): a transaction's queries run here.
  if (session_->broken() || session_->replies_owed() > 0)
    throw sdk::runs_through_execute("a result is still being read, or the connection broke");
  const int fd = session_->raw_socket();
  if (fd < 0) throw sdk::runs_through_execute("Bolt over TLS or WebSocket");

  auto query = plan(request, options);
  auto run = std::make_shared<LoopRun>(out, done, query.commits_itself);
  session_->queue_run(query.query, std::move(query.params), std::move(query.extra),
                      settings_->fetch_size, query.discard);
  auto& socket = loop_socket_on(loop, fd);
  try {
    socket.start(
        session_->take_outbox(), deadline(options.timeout),
        [this, run](std::string_view& in) {
          while (auto reply = session_->take(in)) {
            if (on_loop_reply(*run, std::move(*reply))) return;
          }
        },
        [this, run](const sdk::Error& failure) {
          session_->break_off();  // the replies stopped halfway
          end_on_loop(*run, &failure);
        });
  } catch (const sdk::Error& e) {
    // Nothing could be sent: the request did not start, and the session is not whole.
    session_->break_off();
    throw run->commits_itself ? sdk::may_have_been_applied(e) : e;
  }
}

LoopSocket& Neo4jConnection::loop_socket_on(const sdk::EventLoop& loop, int fd) {
  std::lock_guard lock(on_loop_mutex_);
  if (on_loop_ && !on_loop_->runs_on(loop)) {
    on_loop_->unwatch();  // its loop is another thread's: the socket moves to this one
    on_loop_.reset();
  }
  if (!on_loop_) on_loop_ = std::make_shared<LoopSocket>(fd, loop);
  return *on_loop_;
}

void Neo4jConnection::cancel() noexcept {
  std::lock_guard lock(on_loop_mutex_);
  if (on_loop_ && on_loop_->cancel()) return;
  interrupted_.store(true);
  session_->interrupt();
}

bool Neo4jConnection::on_loop_reply(LoopRun& run, Structure reply) {
  if (run.failure) {
    // The rest of the pipeline is IGNORED, then RESET answers.
    if (reply.tag != bolt::kRecord) run.last_summary = reply.tag;
    if (session_->replies_owed() > 0) return false;
    session_->reset_answered(run.last_summary);
    end_on_loop(run, &*run.failure);
    return true;
  }
  if (reply.tag == bolt::kFailure || reply.tag == bolt::kIgnored) {
    run.failure = BoltSession::failure_of(reply);
    session_->queue_reset();
    on_loop_->send(session_->take_outbox());
    return false;
  }
  if (!run.columns_in) {
    if (reply.tag != bolt::kSuccess)
      session_->violation("expected a summary, got " + bolt::message_name(reply.tag));
    run.columns_in = true;
    begin_result(session_->columns_of(BoltSession::meta_of(reply)), run.out);
    return false;
  }
  if (reply.tag == bolt::kRecord) {
    write_record(session_->values_of(reply), run.out);
    return false;
  }
  const Map meta = BoltSession::meta_of(reply);
  if (BoltSession::has_more(meta)) {
    session_->queue_pull(settings_->fetch_size);
    on_loop_->send(session_->take_outbox());
    return false;
  }
  end_result(meta, run.out);
  end_on_loop(run, nullptr);
  return true;
}

void Neo4jConnection::end_on_loop(LoopRun& run, const sdk::Error* failure) {
  on_loop_->stop();
  if (failure == nullptr) return run.done.succeed();
  run.done.fail(run.commits_itself ? sdk::may_have_been_applied(*failure) : *failure);
}

}  // namespace weir::neo4j
