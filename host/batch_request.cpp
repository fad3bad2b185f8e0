#include "batch_request.hpp"

#include "api_error.hpp"
#include "request_body.hpp"

namespace weir {

namespace {

[[noreturn]] void refuse(std::size_t statement, const std::string& message) {
  ApiError e(400, "invalid_request", message);
  e.extra()["statement"] = statement;
  throw e;
}

bool take_stop_on_error(boost::json::object& body) {
  const auto* v = body.if_contains("stop_on_error");
  if (v == nullptr) return false;
  if (!v->is_bool())
    throw ApiError(400, "invalid_request", "\"stop_on_error\" must be true or false");
  const bool stop = v->get_bool();
  body.erase("stop_on_error");
  return stop;
}

// How many times the statements run: once each, or once per parameter set.
std::size_t runs(const boost::json::array& statements) {
  std::size_t total = 0;
  for (const auto& statement : statements) {
    const auto* sets = statement.get_object().if_contains("param_sets");
    total += sets != nullptr && sets->is_array() ? sets->get_array().size() : 1;
  }
  return total;
}

// A statement with "param_sets" goes to the plugin with the sets as its "params".
BatchStatement plugin_request(boost::json::object statement, std::size_t i) {
  auto* sets = statement.if_contains("param_sets");
  if (sets == nullptr) return {std::move(statement), false};
  const std::string name = "statements[" + std::to_string(i) + "]";
  if (statement.contains("params"))
    refuse(i, name + " has both \"params\" and \"param_sets\"; send one of them");
  if (statement.contains("max_rows"))
    refuse(i, name + ": max_rows caps a result's rows; a statement with param_sets has none");
  if (!sets->is_array() || sets->get_array().empty()) {
    refuse(i, name +
                  ".param_sets must be a non-empty array of parameter sets, each an array or "
                  "an object like \"params\"");
  }
  const auto& list = sets->get_array();
  for (std::size_t j = 0; j < list.size(); ++j) {
    if (!list[j].is_array() && !list[j].is_object())
      refuse(i, name + ".param_sets[" + std::to_string(j) + "] must be an array or an object");
  }
  boost::json::value params = std::move(*sets);
  statement.erase("param_sets");  // before the insert below moves the members
  statement["params"] = std::move(params);
  return {std::move(statement), true};
}

}  // namespace

Batch take_batch(boost::json::object& body, std::size_t max_statements) {
  Batch batch;
  auto statements = take_statements(body, "a batch");
  batch.stop_on_error = take_stop_on_error(body);
  for (const auto& member : body) {
    throw ApiError(400, "invalid_request",
                   "unknown batch member \"" + std::string(member.key()) +
                       "\" (known: statements, stop_on_error, read_only, consistency, int64)");
  }
  if (const auto total = runs(statements); total > max_statements) {
    ApiError e(413, "batch_too_large",
               "the batch runs " + std::to_string(total) +
                   " statements (each parameter set counts as one); the limit is " +
                   std::to_string(max_statements) + " (limits.max_batch_statements)");
    e.extra()["limit"] = max_statements;
    throw e;
  }
  batch.statements.reserve(statements.size());
  for (std::size_t i = 0; i < statements.size(); ++i)
    batch.statements.push_back(plugin_request(std::move(statements[i].get_object()), i));
  return batch;
}

}  // namespace weir
