#include "rule_book.hpp"

#include <boost/json/serialize.hpp>

namespace weir::neo4j::testing {
namespace {

ScriptAction reply(std::uint8_t tag, Map meta = {}) {
  ScriptAction a;
  a.message.tag = tag;
  if (tag != bolt::kIgnored) a.message.fields.emplace_back(std::move(meta));
  return a;
}

bool fails(const std::vector<ScriptAction>& actions) {
  for (const auto& a : actions) {
    if (a.kind == ScriptAction::kMessage && a.message.tag == bolt::kFailure) return true;
  }
  return false;
}

}  // namespace

void RuleBook::set(const std::string& name, boost::json::value value) {
  std::lock_guard lock(mutex_);
  vars_[name] = std::move(value);
}

std::vector<ScriptAction> RuleBook::Session::answer(const Structure& message,
                                                    std::string& mismatch) {
  if (message.tag == bolt::kReset) {
    failed_ = false;
    in_transaction_ = false;
    staged_.clear();
    pending_pull_.clear();
    return {reply(bolt::kSuccess)};
  }
  if (failed_) return {reply(bolt::kIgnored)};
  if ((message.tag == bolt::kPull || message.tag == bolt::kDiscard) && !pending_pull_.empty()) {
    auto actions = std::move(pending_pull_);
    pending_pull_.clear();
    if (message.tag == bolt::kDiscard) {
      std::erase_if(actions, [](const ScriptAction& a) {
        return a.kind == ScriptAction::kMessage && a.message.tag == bolt::kRecord;
      });
    }
    failed_ = fails(actions);
    return actions;
  }
  auto actions = answer_rule(message, mismatch);
  failed_ = fails(actions);
  if (!failed_) {
    if (message.tag == bolt::kBegin) in_transaction_ = true;
    if (message.tag == bolt::kCommit || message.tag == bolt::kRollback) {
      if (message.tag == bolt::kCommit) {
        std::lock_guard lock(book_.mutex_);
        for (const auto& [k, v] : staged_) book_.vars_[k] = v;
      }
      staged_.clear();
      in_transaction_ = false;
    }
  }
  return actions;
}

std::vector<ScriptAction> RuleBook::Session::answer_rule(const Structure& message,
                                                         std::string& mismatch) {
  const auto fields = fields_as_json(message);
  std::lock_guard lock(book_.mutex_);
  for (const auto& rule : book_.rules_) {
    if (rule.client != message.tag) continue;
    if (rule.fields && !describe_mismatch(*rule.fields, fields, "").empty()) continue;
    bool holds = true;
    for (const auto& [k, v] : rule.when) {
      const auto* value = staged_.if_contains(k);
      if (value == nullptr) value = book_.vars_.if_contains(k);
      holds = holds && (value != nullptr ? *value == v : v.is_null());
    }
    if (!holds) continue;
    for (const auto& [k, v] : rule.set) (in_transaction_ ? staged_ : book_.vars_)[k] = v;
    pending_pull_ = rule.on_pull;
    return rule.server;
  }
  mismatch =
      "no rule answers " + bolt::message_name(message.tag) + " " + boost::json::serialize(fields);
  return {reply(bolt::kFailure,
                Map{{"code", "Neo.ClientError.Request.Invalid"}, {"message", mismatch}})};
}

}  // namespace weir::neo4j::testing
