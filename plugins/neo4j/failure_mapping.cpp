#include "failure_mapping.hpp"

#include <string_view>

namespace weir::neo4j {
namespace {

struct Rule {
  std::string_view prefix;
  weir_status status;
  bool retryable;
};

// First match wins, so specific codes come before their families.
constexpr Rule kRules[] = {
    {"Neo.ClientError.Cluster.NotALeader", WEIR_E_UNAVAILABLE, true},
    {"Neo.ClientError.General.ForbiddenOnReadOnlyDatabase", WEIR_E_UNAVAILABLE, true},
    {"Neo.ClientError.Security.Unauthorized", WEIR_E_UNAUTHENTICATED, false},
    {"Neo.ClientError.Security.AuthenticationRateLimit", WEIR_E_UNAUTHENTICATED, false},
    {"Neo.ClientError.Security.TokenExpired", WEIR_E_UNAUTHENTICATED, true},
    {"Neo.ClientError.Security.", WEIR_E_PERMISSION, false},
    {"Neo.ClientError.Database.DatabaseNotFound", WEIR_E_NOT_FOUND, false},
    {"Neo.ClientError.Schema.ConstraintValidationFailed", WEIR_E_CONFLICT, false},
    {"Neo.ClientError.Transaction.TransactionTimedOut", WEIR_E_TIMEOUT, false},
    {"Neo.ClientError.Request.", WEIR_E_INVALID_REQUEST, false},
    {"Neo.ClientError.", WEIR_E_QUERY, false},
    {"Neo.TransientError.Transaction.DeadlockDetected", WEIR_E_CONFLICT, true},
    {"Neo.TransientError.", WEIR_E_UNAVAILABLE, true},
    {"Neo.DatabaseError.", WEIR_E_UNKNOWN, false},
};

}  // namespace

sdk::Error failure_error(const std::string& code, const std::string& message) {
  for (const auto& rule : kRules) {
    if (std::string_view(code).starts_with(rule.prefix))
      return sdk::Error(rule.status, message, rule.retryable, code);
  }
  return sdk::Error(WEIR_E_UNKNOWN, message, false, code);
}

bool is_not_a_leader(const std::string& code) {
  return code == "Neo.ClientError.Cluster.NotALeader" ||
         code == "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase";
}

}  // namespace weir::neo4j
