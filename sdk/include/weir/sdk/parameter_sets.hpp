// weir::sdk::for_each_parameter_set — the shape of a WEIR_EXEC_PARAMETER_SETS
// request (plugin.h) for plugin authors: a plugin prepares its statement once
// and gives a function that binds one set and writes its result; this walks
// the sets, writes {"results": [...]} around them and names the set that failed.
#pragma once

#include <weir/sdk/error.hpp>
#include <weir/sdk/value_writer.hpp>

#include <boost/json/value.hpp>

#include <string>

namespace weir::sdk {

// `params` is the request's "params" member (may be null). `run_one(set)`
// binds `set` (a plain "params" value), runs the statement and writes its
// result. Throws Error(INVALID_REQUEST) when `params` is not a non-empty array;
// a failure of one set is rethrown with "parameter set <index>: " before its
// message, and the sets after it do not run.
template <class RunOne>
void for_each_parameter_set(const boost::json::value* params, ValueWriter& out, RunOne&& run_one) {
  const auto* sets = params != nullptr ? params->if_array() : nullptr;
  if (sets == nullptr || sets->empty())
    throw Error(WEIR_E_INVALID_REQUEST, "params must be a non-empty array of parameter sets");
  out.begin_object();
  out.key("results");
  out.begin_array();
  for (std::size_t i = 0; i < sets->size(); ++i) {
    try {
      run_one((*sets)[i]);
    } catch (const Error& e) {
      throw e.with_message("parameter set " + std::to_string(i) + ": " + e.message());
    }
  }
  out.end_array();
  out.end_object();
}

}  // namespace weir::sdk
