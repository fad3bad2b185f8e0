// Neo4j FAILURE codes -> weir statuses. The Neo4j code travels on unchanged
// in weir_error.code; the status decides the HTTP answer and retryability.
#pragma once

#include <weir/sdk/error.hpp>

#include <string>

namespace weir::neo4j {

sdk::Error failure_error(const std::string& code, const std::string& message);

// A write reached a member that cannot take it: refresh routing and retry.
bool is_not_a_leader(const std::string& code);

}  // namespace weir::neo4j
