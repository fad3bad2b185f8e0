// A Bolt conversation script for the test server, loaded from JSON:
//   {"bolt": "5.4",                  // the version the server picks
//    "sessions": [[step, ...], ...]} // the n-th connection plays sessions[n];
//                                    // later connections replay the last one
// step: {"client": "RUN", "fields": [...], "optional": false,
//        "server": [["SUCCESS", {...}], ["RECORD", [...]], ["FAILURE", {...}],
//                   ["IGNORED"], ["CLOSE"], ["RAW", "hex bytes"], ["SLEEP", ms]]}
// "fields" are matched against the client's message fields in weir's JSON
// form: objects as subsets, "*" matches anything. Values in replies use the
// same JSON forms (json_mapping), so "${NAME}" variables and typed values
// like {"$date": "..."} can be scripted. ${SELF} is the server's own address.
//
// Instead of "sessions", a script may give "rules" (see rule_book.hpp): every
// message of every connection is answered by the first rule that matches it,
// for tests whose connection count and order are up to a pool.
#pragma once

#include "bolt_messages.hpp"
#include "packstream_value.hpp"

#include <boost/json/value.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace weir::neo4j::testing {

struct ScriptAction {
  enum Kind { kMessage, kClose, kRaw, kSleep } kind = kMessage;
  Structure message;  // kMessage
  std::string raw;    // kRaw: bytes to send as they are
  int sleep_ms = 0;   // kSleep
};

struct ScriptStep {
  std::uint8_t client = 0;  // expected signature
  std::optional<boost::json::array> fields;
  bool optional = false;
  std::vector<ScriptAction> server;
};

// {"client": "RUN", "fields": [...], "when": {"var": value}, "set": {"var": value},
//  "server": [...], "on_pull": [...]}
struct ScriptRule {
  std::uint8_t client = 0;
  std::optional<boost::json::array> fields;
  boost::json::object when;  // server variables that must hold
  boost::json::object set;   // variables to assign (staged inside a transaction)
  std::vector<ScriptAction> server;
  std::vector<ScriptAction> on_pull;  // RUN only: the reply to the PULL that follows
};

struct BoltScript {
  bolt::Version version;
  std::vector<std::vector<ScriptStep>> sessions;
  std::vector<ScriptRule> rules;  // when non-empty, sessions is empty

  // Throws std::runtime_error naming the step that is malformed.
  static BoltScript parse(const std::string& json_text,
                          const std::map<std::string, std::string>& vars);
  static BoltScript load(const std::string& path, const std::map<std::string, std::string>& vars);
};

// The client message in JSON form, for matching and for mismatch reports.
boost::json::array fields_as_json(const Structure& message);

// Empty when `actual` matches `expected`; otherwise where it differs.
std::string describe_mismatch(const boost::json::value& expected, const boost::json::value& actual,
                              const std::string& path);

}  // namespace weir::neo4j::testing
