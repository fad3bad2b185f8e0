// POST /v1/databases/{name}/query, .../transactions/{id}/query and .../batch,
// for a plugin with execute_async (ABI v2): the request runs on the event loop
// of the I/O thread that received it, from its admission turn (or its
// transaction's) to its answer. A connection ready in the pool is leased there
// (the plugin's acquire_ready), or the request waits in the pool's queue
// (acquire_queued), and the connection goes back there when that does not wait
// (release_ready); only opening or checking a connection, returning one whose
// session needs a reset, a batch statement with parameter sets, and ending a
// transaction take another thread. A thread never waits for the backend.
#include "api.hpp"

#include "gateway.hpp"
#include "json_response.hpp"

namespace weir {

void Api::on_loop(const std::shared_ptr<Call>& call, OnLoop what,
                  std::function<void(Outcome)> answer, std::function<void()> finished) {
  auto done = [this, call, answer, finished](Database::LoopOutcome outcome) {
    if (outcome.run_again) {
      // Its connection broke and running it again is safe: once more, on a worker.
      return workers_.post([this, call, answer, finished] {
        answer(serve(*call));
        finished();
      });
    }
    if (outcome.error)
      answer({error_response(*outcome.error), outcome.error->code()});
    else
      answer({json_response(200, std::move(outcome.result)), "ok"});
    finished();
  };
  const auto started = outcome_of([&] {
    auto& database = *call->database->database;
    if (what == OnLoop::kQuery) {
      auto [body, read_only, context] = query_request(*call);
      database.query_on_loop(body, read_only, std::move(context), *call->loop, workers_, done);
    } else if (what == OnLoop::kTransactionQuery) {
      auto [body, read_only, context] = transaction_query_request(*call);
      const auto id = transaction_id(call->request);
      gateway_.transactions().execute_on_loop({id, call->caller.client_id, database}, body,
                                              read_only, std::move(context), *call->loop, workers_,
                                              done);
    } else {
      auto [batch, read_only, context] = batch_request(*call);
      database.batch_on_loop(std::move(batch), read_only, std::move(context), *call->loop, workers_,
                             done);
    }
    return HttpResponse{};
  });
  if (started.code == "ok") return;  // answered when it completes
  answer(started);
  finished();
}

}  // namespace weir
