#include "bolt_messages.hpp"

#include <cstdio>
#include <utility>

namespace weir::neo4j::bolt {
namespace {
constexpr std::pair<std::uint8_t, const char*> kNames[] = {
    {kHello, "HELLO"},       {kGoodbye, "GOODBYE"},
    {kReset, "RESET"},       {kRun, "RUN"},
    {kBegin, "BEGIN"},       {kCommit, "COMMIT"},
    {kRollback, "ROLLBACK"}, {kDiscard, "DISCARD"},
    {kPull, "PULL"},         {kTelemetry, "TELEMETRY"},
    {kRoute, "ROUTE"},       {kLogon, "LOGON"},
    {kLogoff, "LOGOFF"},     {kSuccess, "SUCCESS"},
    {kRecord, "RECORD"},     {kIgnored, "IGNORED"},
    {kFailure, "FAILURE"},
};
}  // namespace

std::string message_name(std::uint8_t signature) {
  for (const auto& [sig, name] : kNames) {
    if (sig == signature) return name;
  }
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", signature);
  return hex;
}

std::uint8_t message_signature(const std::string& name) {
  for (const auto& [sig, n] : kNames) {
    if (name == n) return sig;
  }
  return 0;
}

}  // namespace weir::neo4j::bolt
