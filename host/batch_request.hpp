// A batch (POST /v1/databases/{name}/batch) as the client sent it, checked
// whole before any of it runs: its statements as the plugin's requests, and
// whether the first failure stops it.
#pragma once

#include <boost/json/object.hpp>

#include <cstddef>
#include <vector>

namespace weir {

struct BatchStatement {
  boost::json::object request;  // {"query": ..., "params": ...} and the host's own members
  bool parameter_sets = false;  // its "params" hold one set per run (the client's "param_sets")
};

struct Batch {
  std::vector<BatchStatement> statements;
  bool stop_on_error = false;
};

// Takes the batch out of `body` (its "read_only", "consistency" and "int64" taken already). Throws
// ApiError: 400 invalid_request for a malformed batch, 413 batch_too_large for one that runs more
// than `max_statements` statements (each parameter set counting as one).
Batch take_batch(boost::json::object& body, std::size_t max_statements);

}  // namespace weir
