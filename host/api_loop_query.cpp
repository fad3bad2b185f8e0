// POST /v1/databases/{name}/query for a plugin with execute_async (ABI v2):
// the worker that had the request's admission turn leases a connection and
// goes back to its queue; the request then runs on the event loop of the I/O
// thread that received it, and is answered from there. A thread waits only
// for a connection, never for the backend.
#include "api.hpp"

#include "json_response.hpp"

namespace weir {

void Api::query_on_loop(const std::shared_ptr<Call>& call, std::function<void(Outcome)> answer,
                        std::function<void()> finished) {
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
    auto [body, read_only, context] = query_request(*call);
    call->database->database->query_on_loop(body, read_only, std::move(context), *call->loop, done);
    return HttpResponse{};
  });
  if (started.code == "ok") return;  // answered when it completes
  answer(started);
  finished();
}

}  // namespace weir
