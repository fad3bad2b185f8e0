// PgConnection::execute_async: a request on the host's event loop. It takes
// the common case — a statement this connection has prepared, its result
// whole, alone or in an open transaction — and hands everything else to
// execute() on a worker before sending anything (WEIR_E_WOULD_BLOCK):
// preparing, a read-only switch (or refusing one in a read-write transaction),
// streaming and parameter sets stay on the one path that does them.
#include "pg_connection.hpp"

#include "result_writer.hpp"
#include "session_tracking.hpp"

#include <weir/sdk/write_verdict.hpp>

namespace weir::postgres {
namespace {

using weir::sdk::Error;

}  // namespace

void PgConnection::execute_async(const boost::json::object& request,
                                 const weir::sdk::ExecOptions& options, weir::sdk::ValueWriter out,
                                 weir::sdk::EventLoop loop, weir::sdk::Completion done) {
  const std::string sql = statement_text(request);
  if (options.parameter_sets || options.streamed)
    throw weir::sdk::runs_through_execute("not a whole result");
  // Inside a transaction its own mode holds (enforce_read_only).
  const bool in_a_transaction = in_transaction();
  if (in_a_transaction ? options.read_only && !read_only_transaction_
                       : !read_only_setting_is(options.read_only))
    throw weir::sdk::runs_through_execute("a read-only switch, or its refusal");
  const Parameters params(request.if_contains("params"));
  std::string cache_key;
  const std::string* name = nullptr;
  if (statements_.enabled()) {
    cache_key = StatementCache::key_for(sql, params);
    name = statements_.ready(cache_key);
    if (name == nullptr)
      throw weir::sdk::runs_through_execute("the statement is not prepared here yet");
  }
  if (!session_dirty_ && may_touch_session(sql)) session_dirty_ = true;

  LoopStatement& statement = loop_statement_on(loop);
  statement.begin();
  const Deadline deadline{options.timeout};
  try {
    auto exchange = name != nullptr ? runner_.start_prepared(*name, params, deadline)
                                    : runner_.start(sql.c_str(), params, deadline);
    // Outside a transaction a write commits itself: once sent, it may have been applied.
    const bool commits_itself = !options.read_only && !in_a_transaction;
    statement.await(std::move(exchange), [this, cache_key, commits_itself, deadline, out, done](
                                             ResultPtr result, const Error* failure) {
      loop_statement_ended(cache_key, commits_itself, deadline, out, done, std::move(result),
                           failure);
    });
  } catch (...) {
    stop_on_loop();  // not started: the error is execute_async's
    throw;
  }
}

LoopStatement& PgConnection::loop_statement_on(weir::sdk::EventLoop loop) {
  std::lock_guard lock(on_loop_mutex_);
  if (on_loop_ && !on_loop_->runs_on(loop)) {
    on_loop_->unwatch();  // its loop is another thread's: the socket moves to this one
    on_loop_.reset();
  }
  if (!on_loop_) on_loop_ = std::make_shared<LoopStatement>(conn_.get(), loop);
  on_loop_running_ = true;
  return *on_loop_;
}

void PgConnection::stop_on_loop() noexcept {
  {
    std::lock_guard lock(on_loop_mutex_);
    on_loop_running_ = false;
  }
  on_loop_->stop();
}

// A step of execute_async's request after it started: nothing may escape into the host's
// loop, and the request must complete, so whatever the step throws ends it with that error.
template <class Step>
void PgConnection::ending_on_failure(const weir::sdk::Completion& done, Step&& step) {
  try {
    step();
  } catch (const Error& e) {
    end_on_loop(done, &e);
  } catch (const std::exception& e) {
    const Error failure(WEIR_E_INTERNAL, std::string("postgres plugin error: ") + e.what());
    end_on_loop(done, &failure);
  }
}

void PgConnection::loop_statement_ended(const std::string& cache_key, bool commits_itself,
                                        const Deadline& deadline, weir::sdk::ValueWriter out,
                                        const weir::sdk::Completion& done, ResultPtr result,
                                        const Error* failure) {
  ending_on_failure(done, [&] {
    if (failure != nullptr) {
      // Failed before doing anything: it is prepared again on the worker path, unless the
      // failure aborted the client's transaction.
      if (!cache_key.empty() && statements_.forget_if_stale(cache_key, *failure) &&
          !in_transaction())
        throw weir::sdk::runs_through_execute("the prepared statement went stale");
      throw commits_itself ? weir::sdk::may_have_been_applied(*failure) : *failure;
    }
    const auto unknown = unknown_types(result.get());
    if (!unknown) return write_loop_result(result.get(), out, done);
    // A column type this connection has not met (an enum, a domain): one more statement.
    std::shared_ptr<PGresult> held(result.release(), &PQclear);
    on_loop_->await(runner_.start(kDescribeTypesQuery, *unknown, deadline),
                    [this, held, out, done](ResultPtr rows, const Error* lookup_failed) {
                      ending_on_failure(done, [&] {
                        if (lookup_failed != nullptr) throw *lookup_failed;
                        learn_types(rows.get());
                        write_loop_result(held.get(), out, done);
                      });
                    });
  });
}

void PgConnection::write_loop_result(const PGresult* result, weir::sdk::ValueWriter out,
                                     const weir::sdk::Completion& done) {
  write_result(result, types_of(result), out);
  end_on_loop(done, nullptr);
}

void PgConnection::end_on_loop(const weir::sdk::Completion& done, const Error* failure) {
  stop_on_loop();
  if (failure != nullptr)
    done.fail(*failure);
  else
    done.succeed();
}

}  // namespace weir::postgres
