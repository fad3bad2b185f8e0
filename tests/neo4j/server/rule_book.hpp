// Answers Bolt messages from a script's "rules" instead of a fixed sequence,
// so a pool may open any number of connections in any order. It also plays
// the parts of the server state machine that a rule cannot express:
//  - after a FAILURE every message but RESET is IGNORED, RESET answers
//    SUCCESS and clears the failure (as a real server does);
//  - a RUN rule's "on_pull" answers the PULL that follows (DISCARD gets its
//    final SUCCESS without the records);
//  - server variables ("when" / "set") are shared by all connections; a "set"
//    inside BEGIN..COMMIT is staged per connection and applied at COMMIT,
//    dropped at ROLLBACK, RESET or disconnect — enough to script writes that
//    a transaction commits or rolls back.
#pragma once

#include "bolt_script.hpp"

#include <boost/json/object.hpp>

#include <mutex>
#include <string>
#include <vector>

namespace weir::neo4j::testing {

class RuleBook {
 public:
  explicit RuleBook(std::vector<ScriptRule> rules) : rules_(std::move(rules)) {}

  void set(const std::string& name, boost::json::value value);

  // One connection's view: its failure state, pending PULL and staged writes.
  class Session {
   public:
    explicit Session(RuleBook& book) : book_(book) {}
    // The actions answering `message`; `mismatch` is set (and a FAILURE
    // returned) when no rule matches it.
    std::vector<ScriptAction> answer(const Structure& message, std::string& mismatch);

   private:
    std::vector<ScriptAction> answer_rule(const Structure& message, std::string& mismatch);

    RuleBook& book_;
    bool failed_ = false;
    bool in_transaction_ = false;
    boost::json::object staged_;
    std::vector<ScriptAction> pending_pull_;
  };

 private:
  std::vector<ScriptRule> rules_;
  std::mutex mutex_;
  boost::json::object vars_;
};

}  // namespace weir::neo4j::testing
