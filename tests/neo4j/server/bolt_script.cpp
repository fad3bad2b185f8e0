#include "bolt_script.hpp"

#include "json_mapping.hpp"

#include <weir/sdk/value_writer.hpp>
#include <weir/testing/value_builder.hpp>

#include <boost/json.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace weir::neo4j::testing {
namespace {

void substitute(boost::json::value& v, const std::map<std::string, std::string>& vars) {
  if (v.is_string()) {
    std::string s(v.get_string());
    for (const auto& [name, value] : vars) {
      const std::string token = "${" + name + "}";
      for (auto at = s.find(token); at != std::string::npos;
           at = s.find(token, at + value.size())) {
        s.replace(at, token.size(), value);
      }
    }
    v = s;
  } else if (v.is_array()) {
    for (auto& item : v.get_array()) substitute(item, vars);
  } else if (v.is_object()) {
    for (auto& member : v.get_object()) substitute(member.value(), vars);
  }
}

std::string hex_to_bytes(const std::string& hex) {
  std::string out;
  std::string digits;
  for (char c : hex) {
    if (c != ' ') digits += c;
  }
  for (std::size_t i = 0; i + 1 < digits.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  }
  return out;
}

ScriptAction parse_action(const boost::json::value& v, const ParamOptions& options,
                          const std::string& where) {
  const auto& a = v.as_array();
  const std::string kind(a.at(0).as_string());
  ScriptAction action;
  if (kind == "CLOSE") return ScriptAction{ScriptAction::kClose, {}, {}, 0};
  if (kind == "RAW")
    return ScriptAction{ScriptAction::kRaw, {}, hex_to_bytes(std::string(a.at(1).as_string())), 0};
  if (kind == "SLEEP")
    return ScriptAction{ScriptAction::kSleep, {}, {}, static_cast<int>(a.at(1).as_int64())};
  const auto sig = bolt::message_signature(kind);
  if (sig == 0) throw std::runtime_error(where + ": unknown server message " + kind);
  action.message.tag = sig;
  for (std::size_t i = 1; i < a.size(); ++i)
    action.message.fields.push_back(value_from_json(a[i], options, where));
  return action;
}

}  // namespace

BoltScript BoltScript::parse(const std::string& json_text,
                             const std::map<std::string, std::string>& vars) {
  auto root = boost::json::parse(json_text);
  substitute(root, vars);
  const auto& o = root.as_object();
  BoltScript script;
  const std::string version(o.at("bolt").as_string());
  script.version = {std::stoi(version.substr(0, version.find('.'))),
                    std::stoi(version.substr(version.find('.') + 1))};
  const ParamOptions options{script.version.major >= 5, true};
  if (const auto* rules = o.if_contains("rules")) {
    for (const auto& r : rules->as_array()) {
      const auto& rule = r.as_object();
      const std::string where = "rule " + std::to_string(script.rules.size());
      ScriptRule parsed;
      parsed.client = bolt::message_signature(std::string(rule.at("client").as_string()));
      if (parsed.client == 0) throw std::runtime_error(where + ": unknown client message");
      if (const auto* f = rule.if_contains("fields")) parsed.fields = f->as_array();
      if (const auto* w = rule.if_contains("when")) parsed.when = w->as_object();
      if (const auto* w = rule.if_contains("set")) parsed.set = w->as_object();
      for (const auto* key : {"server", "on_pull"}) {
        if (const auto* actions = rule.if_contains(key)) {
          auto& into = std::string_view(key) == "server" ? parsed.server : parsed.on_pull;
          for (const auto& a : actions->as_array()) into.push_back(parse_action(a, options, where));
        }
      }
      script.rules.push_back(std::move(parsed));
    }
    if (script.rules.empty()) throw std::runtime_error("\"rules\" is empty");
    return script;
  }
  for (const auto& session : o.at("sessions").as_array()) {
    auto& steps = script.sessions.emplace_back();
    for (const auto& s : session.as_array()) {
      const auto& step = s.as_object();
      const std::string where = "step " + std::to_string(steps.size()) + " of session " +
                                std::to_string(script.sessions.size() - 1);
      ScriptStep parsed;
      parsed.client = bolt::message_signature(std::string(step.at("client").as_string()));
      if (parsed.client == 0) throw std::runtime_error(where + ": unknown client message");
      if (const auto* f = step.if_contains("fields")) parsed.fields = f->as_array();
      if (const auto* opt = step.if_contains("optional")) parsed.optional = opt->as_bool();
      if (const auto* server = step.if_contains("server")) {
        for (const auto& a : server->as_array())
          parsed.server.push_back(parse_action(a, options, where));
      }
      steps.push_back(std::move(parsed));
    }
  }
  if (script.sessions.empty()) throw std::runtime_error("a script needs at least one session");
  return script;
}

BoltScript BoltScript::load(const std::string& path,
                            const std::map<std::string, std::string>& vars) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read Bolt script " + path);
  std::stringstream text;
  text << in.rdbuf();
  return parse(text.str(), vars);
}

boost::json::array fields_as_json(const Structure& message) {
  boost::json::array out;
  for (const auto& f : message.fields) {
    weir::testing::ValueBuilder builder;
    sdk::ValueWriter writer(builder.writer());
    write_value(f, writer);
    out.push_back(builder.value());
  }
  return out;
}

std::string describe_mismatch(const boost::json::value& expected, const boost::json::value& actual,
                              const std::string& path) {
  if (expected.is_string() && expected.get_string() == "*") return {};
  if (expected.is_object() && actual.is_object()) {
    for (const auto& [k, v] : expected.get_object()) {
      const auto* a = actual.get_object().if_contains(k);
      if (a == nullptr) return path + "." + std::string(k) + " is missing";
      if (auto m = describe_mismatch(v, *a, path + "." + std::string(k)); !m.empty()) return m;
    }
    return {};
  }
  if (expected.is_array() && actual.is_array()) {
    const auto& e = expected.get_array();
    const auto& a = actual.get_array();
    if (e.size() != a.size())
      return path + " has " + std::to_string(a.size()) + " items, expected " +
             std::to_string(e.size());
    for (std::size_t i = 0; i < e.size(); ++i) {
      if (auto m = describe_mismatch(e[i], a[i], path + "[" + std::to_string(i) + "]"); !m.empty())
        return m;
    }
    return {};
  }
  if (expected == actual) return {};
  return path + " is " + boost::json::serialize(actual) + ", expected " +
         boost::json::serialize(expected);
}

}  // namespace weir::neo4j::testing
